/*
 * log_softmax_avx512.c -- row-wise log-softmax via log-sum-exp, AVX-512.
 *
 * What: y[r][c] = x[r][c] - LSE_r,  LSE_r = m_r + log(sum_j exp(x[r][j] - m_r))
 *
 * Why not log(softmax(x)): softmax of a very negative logit underflows to 0
 * and log(0) = -inf, while x - LSE stays finite and exact.  Computing in log
 * space also skips the per-element division and exp of the output pass: the
 * second pass is a single subtraction per element (pure bandwidth).
 *
 * Technique: pass 1 computes (max, sum) with the same 16-lane online update
 * as softmax_online_avx512.c (running max per lane, sum rescaled by
 * exp(old_max - new_max)); pass 2 writes x - LSE with masked tails.
 * The exp is range-reduced (t = n ln2 + r) with a degree-6 polynomial and
 * _mm512_scalef_ps; logf is called once per row.
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

/* First `rem` lanes set, 0 <= rem <= 16. */
static inline __mmask16 lsm_tail_mask(long rem)
{
    return (__mmask16)((1u << (unsigned)rem) - 1u);
}

/* 16-lane exp(t) for t in [-87.3, 88.3] (clamped), ~2 ulp. */
static inline __m512 lsm_exp512(__m512 t)
{
    t = _mm512_max_ps(t, _mm512_set1_ps(-87.3f));
    t = _mm512_min_ps(t, _mm512_set1_ps(88.3f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(t, _mm512_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), t);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* Row log-sum-exp with per-lane running max and rescaled running sum. */
static inline float row_logsumexp512(const float *x, long cols)
{
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    __m512 vmax = ninf, vsum = _mm512_setzero_ps();
    long c = 0;
    for (; c < cols; c += 16) {
        __mmask16 m = (cols - c >= 16) ? (__mmask16)0xFFFF : lsm_tail_mask(cols - c);
        __m512 v = _mm512_mask_loadu_ps(ninf, m, x + c);
        __m512 nmax = _mm512_max_ps(vmax, v);
        __m512 scaled = _mm512_mul_ps(vsum, lsm_exp512(_mm512_sub_ps(vmax, nmax)));
        vsum = _mm512_mask_add_ps(scaled, m, scaled, lsm_exp512(_mm512_sub_ps(v, nmax)));
        vmax = nmax;
    }
    float gmax = _mm512_reduce_max_ps(vmax);
    __m512 w = lsm_exp512(_mm512_sub_ps(vmax, _mm512_set1_ps(gmax)));
    return gmax + logf(_mm512_reduce_add_ps(_mm512_mul_ps(vsum, w)));
}

/* log_softmax: exported entry point; y = x - logsumexp(row). */
void log_softmax(const float *x, float *y, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        const __m512 vl = _mm512_set1_ps(row_logsumexp512(xr, cols));
        long c = 0;
        for (; c + 16 <= cols; c += 16)
            _mm512_storeu_ps(yr + c, _mm512_sub_ps(_mm512_loadu_ps(xr + c), vl));
        if (c < cols) {
            __mmask16 m = lsm_tail_mask(cols - c);
            _mm512_mask_storeu_ps(yr + c, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + c), vl));
        }
    }
}
