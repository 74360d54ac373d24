/*
 * argmax_avx512.c -- index of the maximum of each row, AVX-512.
 *
 * What: idx[r] = smallest c such that x[r][c] == max_j x[r][j].
 *
 * Technique: each of the 16 lanes tracks its best value and the column
 * where it was seen.  _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) produces a
 * __mmask16 of lanes that improved (strictly greater, so the first
 * occurrence wins within a lane); _mm512_mask_mov_ps / _mm512_mask_mov_epi32
 * update value and index only in those lanes.  Column indices live in an
 * int32 vector that is advanced by 16 each step.  After the loop,
 * _mm512_reduce_max_ps finds the global max and, among lanes equal to it,
 * _mm512_mask_reduce_min_epi32 picks the smallest column, which restores the
 * "first occurrence" rule across lanes.  The tail uses a masked load with
 * -inf fill.  NaNs never compare greater, so they are ignored.
 *
 * Limits: cols < 2^31 (int32 lane indices).  Output indices are long.
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

/* Argmax of a single row with per-lane (value, index) tracking. */
static inline long am_row_argmax(const float *x, long cols)
{
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    __m512 best = ninf;
    __m512i bidx = _mm512_setzero_si512();
    __m512i cur = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    for (long c = 0; c < cols; c += 16) {
        __mmask16 live = (cols - c >= 16) ? (__mmask16)0xFFFF
                                          : (__mmask16)((1u << (unsigned)(cols - c)) - 1u);
        __m512 v = _mm512_mask_loadu_ps(ninf, live, x + c);
        __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, gt, v);
        bidx = _mm512_mask_mov_epi32(bidx, gt, cur);
        cur = _mm512_add_epi32(cur, step);
    }
    float gmax = _mm512_reduce_max_ps(best);
    __mmask16 hit = _mm512_cmp_ps_mask(best, _mm512_set1_ps(gmax), _CMP_EQ_OQ);
    if (hit == 0) /* every element was NaN or -inf */
        return 0;
    return (long)_mm512_mask_reduce_min_epi32(hit, bidx);
}

/* argmax: exported entry point, one long index per row. */
void argmax(const float *x, long *idx, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r)
        idx[r] = am_row_argmax(x + (size_t)r * (size_t)cols, cols);
}
