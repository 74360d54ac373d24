// kb-launch: kernel=transpose global=ceil(cols,16),ceil(rows,16) local=16,16
/*
 * transpose.cl -- out-of-place transpose through a padded __local tile.
 * a is rows x cols, b = a^T is cols x rows, row-major; sizes are int.
 *
 * A naive kernel reads a[row][col] coalesced but writes b[col][row] with a
 * stride of `rows` floats, so every work-item of a warp hits a different
 * memory segment.  Staging a 16x16 tile in local memory fixes both sides:
 *   1. read  tile[ty][tx] = a[gy][gx]            (coalesced along tx)
 *   2. barrier(CLK_LOCAL_MEM_FENCE)
 *   3. write b[ox][oy] = tile[tx][ty] where the output block is the mirrored
 *      block and tx again runs along the contiguous output dimension.
 * Step 3 reads a *column* of the tile.  With 32 banks of 4-byte words and a
 * row pitch of 16 floats, tile[tx][ty] for tx = 0..15 lands on only two
 * banks (16 * tx mod 32) -> up to 8-way conflicts.  Padding the row to 17
 * floats makes the addresses 17 * tx + ty, which are all distinct mod 32:
 * conflict-free column reads for the price of 64 bytes of local memory.
 * On a CPU device the padding is harmless; the tile still improves cache-line
 * reuse on the strided side.
 */
#define TD 16

// transpose: 16x16 tile per work-group, padded local array [16][17].
__kernel __attribute__((reqd_work_group_size(TD, TD, 1)))
void transpose(__global const float *a, __global float *b, int rows, int cols)
{
    __local float tile[TD][TD + 1];
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    int bx = (int)get_group_id(0) * TD, by = (int)get_group_id(1) * TD;
    int gx = bx + tx, gy = by + ty;               /* source column / row */
    if (gx < cols && gy < rows)
        tile[ty][tx] = a[(size_t)gy * (size_t)cols + gx];
    barrier(CLK_LOCAL_MEM_FENCE);
    int ox = by + tx, oy = bx + ty;               /* destination column / row in b */
    if (ox < rows && oy < cols)
        b[(size_t)oy * (size_t)rows + ox] = tile[tx][ty];
}
