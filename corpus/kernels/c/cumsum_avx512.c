/*
 * cumsum_avx512.c -- inclusive prefix sum (scan) along each row, AVX-512.
 *
 * What: y[r][c] = sum_{j <= c} x[r][j].
 *
 * In-register scan: a 16-lane inclusive scan is built from log2(16) = 4
 * shift-and-add steps (Hillis-Steele):
 *     v += shift_up(v, 1); v += shift_up(v, 2); v += shift_up(v, 4); v += shift_up(v, 8)
 * where shift_up(v, k) moves lane i to lane i + k and fills the bottom k
 * lanes with zero.  _mm512_alignr_epi32(v, zero, 16 - k) does exactly that
 * in one instruction by concatenating [zero | v] and extracting 16 lanes.
 * The carry (running total of all previous vectors) is broadcast from lane
 * 15 with _mm512_permutexvar_ps and added to the next block.  Cost: 4 shuffle
 * + 4 add + 1 permute + 1 add per 16 elements; the loop-carried dependency is
 * only the final add + permute, so several rows in flight (OpenMP threads)
 * keep the core busy.  The tail uses masked load/store.
 *
 * Numerics: a float running sum over a long row accumulates rounding error
 * proportional to the row length; for rows of 1e6 mixed-sign values consider
 * double carries or Kahan compensation on the carry (docs/stable-numerics.md).
 */
#include <immintrin.h>
#include <stddef.h>

/* Shift lanes up by K positions (lane i <- lane i-K), zero-filling the bottom. */
#define SHIFT_UP(v, K) _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_setzero_si512(), 16 - (K)))

/* Inclusive scan of 16 lanes. */
static inline __m512 scan16_ps(__m512 v)
{
    v = _mm512_add_ps(v, SHIFT_UP(v, 1));
    v = _mm512_add_ps(v, SHIFT_UP(v, 2));
    v = _mm512_add_ps(v, SHIFT_UP(v, 4));
    v = _mm512_add_ps(v, SHIFT_UP(v, 8));
    return v;
}

/* Scan one row, carrying the running total between 16-wide blocks. */
static inline void cumsum_row512(const float *x, float *y, long cols)
{
    const __m512i last = _mm512_set1_epi32(15);
    __m512 carry = _mm512_setzero_ps();
    long c = 0;
    for (; c + 16 <= cols; c += 16) {
        __m512 s = _mm512_add_ps(scan16_ps(_mm512_loadu_ps(x + c)), carry);
        _mm512_storeu_ps(y + c, s);
        carry = _mm512_permutexvar_ps(last, s);
    }
    if (c < cols) {
        __mmask16 m = (__mmask16)((1u << (unsigned)(cols - c)) - 1u);
        __m512 s = _mm512_add_ps(scan16_ps(_mm512_maskz_loadu_ps(m, x + c)), carry);
        _mm512_mask_storeu_ps(y + c, m, s);
    }
}

/* cumsum: exported entry point, inclusive scan of every row. */
void cumsum(const float *x, float *y, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r)
        cumsum_row512(x + (size_t)r * (size_t)cols, y + (size_t)r * (size_t)cols, cols);
}
