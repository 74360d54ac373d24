// kb-launch: kernel=matmul global=ceil(n,16),ceil(m,16) local=16,16
/*
 * matmul_tiled.cl -- C = A * B with 16x16 __local tiles (classic shared-
 * memory tiling).  A is m x k, B is k x n, C is m x n, row-major, sizes int.
 *
 * Each 16x16 work-group computes a 16x16 tile of C.  The k dimension is
 * walked in steps of 16: every work-item loads one element of the A tile and
 * one of the B tile into __local arrays, the group synchronises with
 * barrier(CLK_LOCAL_MEM_FENCE), and each work-item then does 16 multiply-adds
 * from local memory.  Every global element is thus loaded once per tile
 * instead of 16 times: global traffic drops by the tile width, raising the
 * arithmetic intensity from 0.25 to ~4 flop/byte.
 *
 * Bank conflicts: in the inner loop, work-items of a row (same ty, varying
 * tx) read Asub[ty][p] (a broadcast, free) and Bsub[p][tx] (consecutive
 * words, conflict-free).  The second barrier keeps fast work-items from
 * overwriting a tile that slower ones are still reading.
 *
 * Edges: out-of-range loads are replaced by 0 so partial tiles contribute
 * nothing; the final store is guarded.  Work-items outside C still take part
 * in loads and barriers (a barrier must be reached by every work-item).
 */
#define TS 16

// matmul: 16x16 output tile per work-group, k walked in 16-wide local tiles.
__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void matmul(__global const float *a, __global const float *b, __global float *c,
            int m, int n, int k)
{
    __local float Asub[TS][TS];
    __local float Bsub[TS][TS];
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    int col = (int)get_global_id(0), row = (int)get_global_id(1);
    float acc = 0.0f;
    for (int t = 0; t < k; t += TS) {
        int ac = t + tx, br = t + ty;
        Asub[ty][tx] = (row < m && ac < k) ? a[(size_t)row * (size_t)k + ac] : 0.0f;
        Bsub[ty][tx] = (br < k && col < n) ? b[(size_t)br * (size_t)n + col] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int p = 0; p < TS; ++p)
            acc = mad(Asub[ty][p], Bsub[p][tx], acc);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (row < m && col < n)
        c[(size_t)row * (size_t)n + col] = acc;
}
