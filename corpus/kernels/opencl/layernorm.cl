// kb-launch: kernel=layernorm global=rows local=1
/*
 * layernorm.cl -- row-per-work-item layer normalization (CPU-oriented).
 *
 * Mapping: one work-item owns one whole row; work-groups have a single
 * work-item (local=1).  On a CPU OpenCL implementation such as PoCL each
 * work-group becomes a task that runs on one hardware thread, and a work-item
 * without barriers is just a straight loop, so this is the cheapest possible
 * mapping: no local memory, no barriers, no cross-work-item reduction.  The
 * inner loops use vload4/float4 so the kernel compiler can emit SIMD loads;
 * on a GPU this mapping would be poor (uncoalesced, too little parallelism for
 * small row counts) -- see layernorm_wg.cl for the work-group variant.
 *
 * Numerics: two-pass (mean, then sum of squared deviations), accumulated in
 * float4 lanes (4 interleaved partial sums), then a horizontal add.
 * Sizes are passed as int (rows * cols must fit in size_t addressing).
 */

// layernorm: y = (x - mean) * rsqrt(var + eps) * gamma + beta for row get_global_id(0).
__kernel void layernorm(__global const float *x, __global const float *gamma,
                        __global const float *beta, __global float *y,
                        int rows, int cols, float eps)
{
    int r = (int)get_global_id(0);
    if (r >= rows)
        return;
    __global const float *xr = x + (size_t)r * (size_t)cols;
    __global float *yr = y + (size_t)r * (size_t)cols;
    int c4 = cols & ~3;

    /* Shifted sum: subtracting the row's first element keeps the partial sums small under a large common
       offset (x ~ 1000 + N(0,1)), where a plain float sum of 4096 values loses the mean's last digits. */
    float shift = xr[0];
    float4 s4 = (float4)(0.0f);
    for (int c = 0; c < c4; c += 4)
        s4 += vload4(0, xr + c) - shift;
    float s = s4.x + s4.y + s4.z + s4.w;
    for (int c = c4; c < cols; ++c)
        s += xr[c] - shift;
    float mean = shift + s / (float)cols;

    float4 v4 = (float4)(0.0f);
    for (int c = 0; c < c4; c += 4) {
        float4 d = vload4(0, xr + c) - mean;
        v4 = mad(d, d, v4);
    }
    float v = v4.x + v4.y + v4.z + v4.w;
    for (int c = c4; c < cols; ++c) {
        float d = xr[c] - mean;
        v = mad(d, d, v);
    }
    float rstd = rsqrt(v / (float)cols + eps);

    for (int c = 0; c < c4; c += 4) {
        float4 o = (vload4(0, xr + c) - mean) * rstd;
        vstore4(mad(o, vload4(0, gamma + c), vload4(0, beta + c)), 0, yr + c);
    }
    for (int c = c4; c < cols; ++c)
        yr[c] = mad((xr[c] - mean) * rstd, gamma[c], beta[c]);
}
