// kb-launch: kernel=row_sum global=64,rows local=64,1
/*
 * row_sum.cl -- y[r] = sum of row r, one 64-wide work-group per row with a
 * local-memory tree reduction.  Sizes are int.
 *
 * Phase 1 (private): work-item lid sums float4 chunks lid, lid + 64, ...
 * of the row (vload4, 256 floats per sweep of the group), plus a scalar tail
 * handled by the work-items whose index falls in the last cols % 4 columns.
 * Doing most of the work privately is what makes tree reductions efficient:
 * the O(log WG) barrier phase is paid once per row, not once per element.
 *
 * Phase 2 (local): 64 partials are combined with a halving tree in __local
 * memory; barrier(CLK_LOCAL_MEM_FENCE) after each of the 6 levels.  Work-item
 * 0 writes the result.  Sequential addressing (lid < s reads lid + s) avoids
 * bank conflicts and keeps active work-items packed.
 *
 * Numerics: each work-item's float4 accumulator holds 4 partial sums, so the
 * row is summed as 256 interleaved partial sums followed by a pairwise tree
 * -- much closer to pairwise summation accuracy than a sequential loop.
 */
#define WG 64

// row_sum: one work-group per row (get_group_id(1)).
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void row_sum(__global const float *x, __global float *y, int rows, int cols)
{
    __local float part[WG];
    int lid = (int)get_local_id(0);
    int r = (int)get_group_id(1);
    /* Groups past the last row run with ncols = 0 instead of returning early:
     * every work-item must reach the barriers (and PoCL 3.1 crashes on a
     * return placed before a barrier). */
    int ncols = (r < rows) ? cols : 0;
    __global const float *xr = x + (size_t)min(r, rows - 1) * (size_t)cols;
    int nvec = ncols / 4;
    float4 acc = (float4)(0.0f);
    for (int v = lid; v < nvec; v += WG)
        acc += vload4(v, xr);
    float s = (acc.x + acc.y) + (acc.z + acc.w);
    int tail = nvec * 4 + lid;
    if (tail < ncols)
        s += xr[tail];
    part[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int st = WG / 2; st > 0; st >>= 1) {
        if (lid < st)
            part[lid] += part[lid + st];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0 && r < rows)
        y[r] = part[0];
}
