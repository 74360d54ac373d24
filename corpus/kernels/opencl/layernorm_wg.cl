// kb-launch: kernel=layernorm global=256,rows local=256,1
/*
 * layernorm_wg.cl -- one work-group of 256 work-items per row, tree
 * reductions in __local memory (GPU-oriented; also valid on CPU).
 *
 * Mapping: NDRange is 256 x rows with local size 256 x 1, so
 * get_group_id(1) is the row and get_local_id(0) the lane inside the row.
 * Each work-item accumulates a strided partial sum (c = lid, lid+256, ...),
 * which keeps global reads coalesced on a GPU: consecutive work-items touch
 * consecutive addresses.
 *
 * Reduction: partial sums go to a __local float[256] array and are combined
 * with a log2(256) = 8 step tree; every step halves the active work-items and
 * ends with barrier(CLK_LOCAL_MEM_FENCE) so that the next step sees the
 * writes.  Using "sequential addressing" (lid < stride reads lid + stride)
 * keeps the active work-items contiguous (no divergence inside a warp/wave)
 * and avoids local-memory bank conflicts.
 *
 * Two reductions per row: mean, then sum of squared deviations (two-pass
 * variance, numerically robust).  The row is re-read from global memory for
 * the variance and output passes; on GPUs it is usually in L2.
 * Sizes are int.  The local size must be exactly 256 (WG below).
 */
#define WG 256

// Tree-reduce the 256 values in buf (sum); the result is returned to every work-item.
inline float wg_reduce_sum(__local float *buf, float v, int lid)
{
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = WG / 2; stride > 0; stride >>= 1) {
        if (lid < stride)
            buf[lid] += buf[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE); /* buf is reused by the next reduction */
    return total;
}

// layernorm: one row per work-group, two local-memory tree reductions.
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void layernorm(__global const float *x, __global const float *gamma,
               __global const float *beta, __global float *y,
               int rows, int cols, float eps)
{
    __local float buf[WG];
    int lid = (int)get_local_id(0);
    int r = (int)get_group_id(1);
    /* No early return: PoCL 3.1 miscompiles a `return` that precedes a
     * barrier (segfault when cols < WG).  A group past the last row instead
     * sees ncols = 0, so every loop is empty but all barriers are reached. */
    int ncols = (r < rows) ? cols : 0;
    __global const float *xr = x + (size_t)min(r, rows - 1) * (size_t)cols;
    __global float *yr = y + (size_t)min(r, rows - 1) * (size_t)cols;

    float s = 0.0f;
    for (int c = lid; c < ncols; c += WG)
        s += xr[c];
    float mean = wg_reduce_sum(buf, s, lid) / (float)cols;

    float q = 0.0f;
    for (int c = lid; c < ncols; c += WG) {
        float d = xr[c] - mean;
        q = mad(d, d, q);
    }
    float rstd = rsqrt(wg_reduce_sum(buf, q, lid) / (float)cols + eps);

    for (int c = lid; c < ncols; c += WG)
        yr[c] = mad((xr[c] - mean) * rstd, gamma[c], beta[c]);
}
