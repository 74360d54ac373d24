// kb-launch: kernel=cumsum global=256,rows local=256,1
/*
 * cumsum.cl -- inclusive prefix sum of each row; one 256-wide work-group
 * per row scans the row in chunks of 256 with a running carry.  Sizes int.
 *
 * Per chunk:
 *   1. each work-item loads one element into buf[lid] (0 past the end);
 *   2. Hillis-Steele scan in __local memory: for off = 1, 2, 4, ..., 128
 *      every work-item reads buf[lid - off] (if lid >= off), waits at a
 *      barrier, then adds it -- the read/barrier/write split avoids the
 *      read-after-write race an in-place update would have;
 *   3. the inclusive result plus the carry from previous chunks is written;
 *   4. every work-item adds buf[255] (the chunk total) to its private copy of
 *      the carry, and a barrier protects buf before the next chunk.
 * Hillis-Steele does n log n additions (vs 2n for the Blelloch up-sweep /
 * down-sweep) but has half the barrier phases per chunk; for 256 elements and
 * a bandwidth-bound kernel the extra adds are free.
 * Numerics: the float carry accumulates rounding along the row (error grows
 * with row length); values near 1e7 lose integer precision.
 */
#define WG 256

// cumsum: scan row get_group_id(1) chunk by chunk.
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void cumsum(__global const float *x, __global float *y, int rows, int cols)
{
    __local float buf[WG];
    int lid = (int)get_local_id(0);
    int r = (int)get_group_id(1);
    /* ncols = 0 for groups past the last row: uniform empty loop, no early
     * return in front of barriers (undefined-ish on PoCL 3.1, see docs). */
    int ncols = (r < rows) ? cols : 0;
    __global const float *xr = x + (size_t)min(r, rows - 1) * (size_t)cols;
    __global float *yr = y + (size_t)min(r, rows - 1) * (size_t)cols;
    float carry = 0.0f;
    for (int base = 0; base < ncols; base += WG) {
        int c = base + lid;
        buf[lid] = (c < ncols) ? xr[c] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int off = 1; off < WG; off <<= 1) {
            float t = (lid >= off) ? buf[lid - off] : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            buf[lid] += t;
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (c < ncols)
            yr[c] = buf[lid] + carry;
        carry += buf[WG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}
