// kb-launch: kernel=silu global=1024 local=64
/*
 * silu.cl -- SiLU (x * sigmoid(x)) with a fixed-size grid-stride loop and
 * float4 vectors.  Size n is int.
 *
 * Grid-stride pattern: the launch uses a constant global size (1024
 * work-items, 16 groups of 64) regardless of n; work-item g processes float4
 * chunks g, g + 1024, g + 2048, ...  Consecutive work-items touch consecutive
 * 16-byte chunks in every sweep (coalesced on GPUs), and on a CPU device the
 * 16 work-groups become 16 tasks spread over the hardware threads, each with
 * a long, prefetcher-friendly loop.  The remaining n % 4 elements are handled
 * by work-item 0.  native_exp and native_recip trade ~ulp accuracy for speed;
 * the result is well within 1e-5 relative error for |x| < 80.
 */

// silu: grid-stride over float4 chunks, scalar tail on work-item 0.
__kernel void silu(__global const float *x, __global float *y, int n)
{
    int g = (int)get_global_id(0);
    int gs = (int)get_global_size(0);
    int nvec = n / 4;
    for (int v = g; v < nvec; v += gs) {
        float4 t = vload4(v, x);
        vstore4(t * native_recip(1.0f + native_exp(-t)), v, y);
    }
    if (g == 0) {
        for (int i = nvec * 4; i < n; ++i)
            y[i] = x[i] / (1.0f + exp(-x[i]));
    }
}
