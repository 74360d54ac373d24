/*
 * row_sum_avx512.c -- sum of every row of a matrix with AVX-512.
 *
 * What: y[r] = sum_c x[r][c] for a row-major rows x cols matrix.
 *
 * Technique: four independent zmm accumulators (64 floats per iteration)
 * hide the 4-cycle vaddps latency; they are combined pairwise and folded
 * across lanes with _mm512_reduce_add_ps (a shuffle tree of log2(16) = 4
 * steps, emitted by the compiler).  The final partial vector is loaded with
 * _mm512_maskz_loadu_ps so inactive lanes read as 0.0 and, importantly, the
 * load never touches memory past the end of the row (masked-off lanes do not
 * fault).
 *
 * Numerics: 64 interleaved partial sums plus the tree combine behave like a
 * blocked pairwise summation, so error grows ~cols/64 * eps, far better than
 * the sequential scalar loop.  For long rows of mixed sign, see the Kahan
 * notes in docs/stable-numerics.md.
 *
 * Multi-row: rows are distributed with a static OpenMP schedule; for very
 * short rows (cols < 64) the per-row reduction overhead dominates and a
 * column-blocked formulation would be better.
 */
#include <immintrin.h>
#include <stddef.h>

/* Sum of one row with 4 accumulators and a masked tail. */
static inline float rs_row_sum512(const float *x, long cols)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    long c = 0;
    for (; c + 64 <= cols; c += 64) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + c));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + c + 16));
        s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + c + 32));
        s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + c + 48));
    }
    for (; c + 16 <= cols; c += 16)
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + c));
    if (c < cols) {
        __mmask16 m = (__mmask16)((1u << (unsigned)(cols - c)) - 1u);
        s1 = _mm512_add_ps(s1, _mm512_maskz_loadu_ps(m, x + c));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* row_sum: exported entry point, one output per row. */
void row_sum(const float *x, float *y, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r)
        y[r] = rs_row_sum512(x + (size_t)r * (size_t)cols, cols);
}
