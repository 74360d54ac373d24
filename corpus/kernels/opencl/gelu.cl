// kb-launch: kernel=gelu global=ceil(n,256) local=256
/*
 * gelu.cl -- elementwise GELU, tanh approximation, one element per
 * work-item.  Size n is int.
 *
 *   y = 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
 *
 * The global size is n rounded up to the work-group size (256), so the last
 * group has idle work-items; the `i < n` guard prevents out-of-bounds
 * accesses.  Elementwise kernels are bandwidth bound (8 bytes per element),
 * so the choice between tanh() and a cheaper rewrite (x * sigmoid(2u) with
 * native_exp) matters only when the data is already in cache.  On PoCL the
 * work-item loop of each 256-wide group is vectorised by the kernel compiler
 * (one SIMD lane per work-item), so no explicit float4 is needed here.
 */

// gelu: y[i] for i = get_global_id(0).
__kernel void gelu(__global const float *x, __global float *y, int n)
{
    int i = (int)get_global_id(0);
    if (i >= n)
        return;
    float v = x[i];
    float u = 0.7978845608f * (0.044715f * v * v * v + v);
    /* 0.5 v (1 + tanh u) == v / (1 + exp(-2u)): no cancellation when tanh(u) is close to -1 (large negative v). */
    y[i] = v / (1.0f + exp(-2.0f * u));
}
