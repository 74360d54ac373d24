// kb-launch: kernel=softmax global=128,rows local=128,1
/*
 * softmax_wg.cl -- work-group-per-row softmax with local-memory tree
 * reductions for the row max and the row sum (GPU-style).
 *
 * Mapping: NDRange 128 x rows, local 128 x 1; get_group_id(1) selects the
 * row.  Each work-item first reduces a strided slice of the row privately
 * (c = lid, lid + 128, ...), then the 128 partials are combined in __local
 * memory with a halving tree, one barrier(CLK_LOCAL_MEM_FENCE) per level
 * (7 levels).  Two reductions are needed: max, then sum of exp(x - max).
 *
 * Why strided per-item slices: consecutive work-items read consecutive
 * floats, so each wavefront/warp issues coalesced 128-byte transactions on a
 * GPU.  On a CPU (PoCL) the same code works, but every barrier splits the
 * kernel into separately looped regions and the local array becomes an
 * ordinary stack buffer; prefer softmax.cl (one row per work-item) there.
 * Sizes are int; the local size must be 128.
 */
#define WG 128

// Max-reduce across the work-group through local memory.
inline float wg_max(__local float *buf, float v, int lid)
{
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s)
            buf[lid] = fmax(buf[lid], buf[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Sum-reduce across the work-group through local memory.
inline float wg_sum(__local float *buf, float v, int lid)
{
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s)
            buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// softmax: one work-group per row, max and sum via tree reductions.
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax(__global const float *x, __global float *y, int rows, int cols)
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

    float m = -INFINITY;
    for (int c = lid; c < ncols; c += WG)
        m = fmax(m, xr[c]);
    m = wg_max(buf, m, lid);

    float s = 0.0f;
    for (int c = lid; c < ncols; c += WG)
        s += exp(xr[c] - m);
    float inv = 1.0f / wg_sum(buf, s, lid);

    for (int c = lid; c < ncols; c += WG)
        yr[c] = exp(xr[c] - m) * inv;
}
