/*
 * l2norm_avx512.c -- row-wise L2 normalisation, AVX-512.
 *
 * What: y[r][:] = x[r][:] / max(||x[r][:]||_2, eps)
 * (the convention of "normalize(x, p=2)": eps guards all-zero rows).
 *
 * Technique: sum of squares with two FMA accumulators and a masked tail,
 * horizontal fold with _mm512_reduce_add_ps, one scalar sqrt and divide per
 * row, then a scale pass with masked tail store.  Two reads of the row: the
 * second hits L1/L2 for rows up to ~16K floats, so DRAM traffic is 8 B/elt.
 *
 * Overflow guard: if any |x| exceeds ~1.8e19, x*x overflows to inf in
 * float.  The kernel detects a non-finite sum of squares and recomputes that
 * row with pre-scaling by 1/max|x| (the same trick as LAPACK's snrm2), so
 * the result stays exact-ish for huge inputs at no cost for normal ones.
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

/* Mask with the first `rem` lanes set (0..16). */
static inline __mmask16 l2_tail_mask(long rem)
{
    return (__mmask16)((1u << (unsigned)rem) - 1u);
}

/* Sum of (s*x)^2 over a row, two accumulators, masked tail. */
static inline float l2_scaled_sumsq(const float *x, long cols, float s)
{
    const __m512 vs = _mm512_set1_ps(s);
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    long c = 0;
    for (; c + 32 <= cols; c += 32) {
        __m512 v0 = _mm512_mul_ps(_mm512_loadu_ps(x + c), vs);
        __m512 v1 = _mm512_mul_ps(_mm512_loadu_ps(x + c + 16), vs);
        a0 = _mm512_fmadd_ps(v0, v0, a0);
        a1 = _mm512_fmadd_ps(v1, v1, a1);
    }
    for (; c < cols; c += 16) {
        __mmask16 m = (cols - c >= 16) ? (__mmask16)0xFFFF : l2_tail_mask(cols - c);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + c), vs);
        a0 = _mm512_fmadd_ps(v, v, a0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

/* Largest |x| of a row (used only on the overflow path). */
static float l2_row_absmax(const float *x, long cols)
{
    __m512 m = _mm512_setzero_ps();
    for (long c = 0; c < cols; c += 16) {
        __mmask16 k = (cols - c >= 16) ? (__mmask16)0xFFFF : l2_tail_mask(cols - c);
        m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(k, x + c)));
    }
    return _mm512_reduce_max_ps(m);
}

/* l2norm: exported entry point. */
void l2norm(const float *x, float *y, long rows, long cols, float eps)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        float norm = sqrtf(l2_scaled_sumsq(xr, cols, 1.0f));
        if (!isfinite(norm)) {
            float amax = l2_row_absmax(xr, cols);
            if (isfinite(amax) && amax > 0.0f)
                norm = amax * sqrtf(l2_scaled_sumsq(xr, cols, 1.0f / amax));
        }
        const __m512 vinv = _mm512_set1_ps(1.0f / fmaxf(norm, eps));
        long c = 0;
        for (; c + 16 <= cols; c += 16)
            _mm512_storeu_ps(yr + c, _mm512_mul_ps(_mm512_loadu_ps(xr + c), vinv));
        if (c < cols) {
            __mmask16 m = l2_tail_mask(cols - c);
            _mm512_mask_storeu_ps(yr + c, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + c), vinv));
        }
    }
}
