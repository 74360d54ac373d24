/*
 * softmax_online_avx512.c -- one-pass ("online") softmax statistics with
 * AVX-512, followed by a single normalisation pass.
 *
 * What: row-wise softmax y = exp(x - max) / sum(exp(x - max)).
 *
 * Online softmax: instead of a max pass followed by an exp-sum pass, keep a
 * running maximum m and a running sum s that is always expressed relative to
 * the current m.  When a new value v arrives:
 *     m' = max(m, v)
 *     s' = s * exp(m - m') + exp(v - m')
 * Each of the 16 lanes keeps its own (m, s); at the end the lanes are merged
 * with the same rescaling rule: M = max_j m_j, S = sum_j s_j * exp(m_j - M).
 * This reads x twice in total (stats + output) instead of three times, which
 * matters once a row no longer fits in L1/L2.
 *
 * Vector exp: exp(t) = 2^n * exp(r) with n = round(t * log2(e)) and
 * r = t - n*ln2 computed with a two-constant (Cody-Waite) split of ln2 so the
 * reduction is exact to ~1 ulp; exp(r) on |r| <= ln2/2 is a degree-6 Taylor
 * polynomial (truncation error < 1.3e-7 relative) evaluated with FMAs, and
 * _mm512_scalef_ps applies 2^n including correct gradual underflow.  t is
 * clamped to [-87.3, 88.3] so that masked lanes holding -inf stay finite.
 *
 * Tails: the last partial vector is loaded with _mm512_mask_loadu_ps using
 * -inf as the fill value and the state update is masked, so inactive lanes
 * neither change the running max nor add to the sum.
 */
#include <immintrin.h>
#include <stdint.h>
#include <math.h>
#include <stddef.h>

/* First `rem` lanes set, 0 <= rem <= 16. */
static inline __mmask16 sm_tail_mask(long rem)
{
    return (__mmask16)((1u << (unsigned)rem) - 1u);
}

/* 16-lane exp(t): range reduction by ln2, degree-6 polynomial, scalef. */
static inline __m512 exp512_ps(__m512 t)
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

/* One online-softmax step for the lanes in `m`: rescale old sum, add new term. */
static inline void online_update(__m512 *vmax, __m512 *vsum, __m512 v, __mmask16 m)
{
    __m512 nmax = _mm512_mask_max_ps(*vmax, m, *vmax, v);
    __m512 scale = exp512_ps(_mm512_sub_ps(*vmax, nmax));
    __m512 term = exp512_ps(_mm512_sub_ps(v, nmax));
    *vsum = _mm512_mask_fmadd_ps(*vsum, m, scale, _mm512_maskz_mov_ps(m, term));
    *vmax = nmax;
}

/* Single pass over a row producing its max and sum(exp(x - max)). */
static inline void online_row_stats(const float *x, long cols, float *max_out, float *sum_out)
{
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    __m512 vmax = ninf, vsum = _mm512_setzero_ps();
    long c = 0;
    for (; c + 16 <= cols; c += 16)
        online_update(&vmax, &vsum, _mm512_loadu_ps(x + c), (__mmask16)0xFFFF);
    if (c < cols) {
        __mmask16 m = sm_tail_mask(cols - c);
        online_update(&vmax, &vsum, _mm512_mask_loadu_ps(ninf, m, x + c), m);
    }
    float gmax = _mm512_reduce_max_ps(vmax);
    __m512 w = exp512_ps(_mm512_sub_ps(vmax, _mm512_set1_ps(gmax)));
    *max_out = gmax;
    *sum_out = _mm512_reduce_add_ps(_mm512_mul_ps(vsum, w));
}

/* softmax: exported entry point, rows split across OpenMP threads. */
/* Tunable (kb generate searches it; a plain compile uses the default):
 *   SM_STREAM  1: non-temporal stores for outputs over 8 MiB whose rows are 64-byte aligned (no write-allocate
 *              read of y); 0: regular stores.
 *   SM_PREFETCH 1: prefetch the next row into L2 while this one is written (DRAM keeps streaming during the
 *              in-cache second pass); 0: leave it to the hardware prefetcher.
 * kb-tune: SM_STREAM=0,1 SM_PREFETCH=1,0
 */
#ifndef SM_STREAM
#define SM_STREAM 0
#endif
#ifndef SM_PREFETCH
#define SM_PREFETCH 1
#endif

void softmax(const float *x, float *y, long rows, long cols)
{
    const int stream = SM_STREAM && ((uintptr_t)y % 64 == 0) && (cols % 16 == 0) &&
                       (size_t)rows * (size_t)cols * sizeof(float) >= ((size_t)8 << 20);
#pragma omp parallel
    {
#pragma omp for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        float mx, sum;
        online_row_stats(xr, cols, &mx, &sum);
        const __m512 vmx = _mm512_set1_ps(mx);
        const __m512 vinv = _mm512_set1_ps(1.0f / sum);
        const float *next = (SM_PREFETCH && r + 1 < rows) ? xr + cols : NULL;
        long c = 0;
        if (stream) {
            for (; c + 16 <= cols; c += 16) {
                if (next)
                    _mm_prefetch((const char *)(next + c), _MM_HINT_T1);
                __m512 e = exp512_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + c), vmx));
                _mm512_stream_ps(yr + c, _mm512_mul_ps(e, vinv));
            }
        }
        for (; c + 16 <= cols; c += 16) {
            if (next)
                _mm_prefetch((const char *)(next + c), _MM_HINT_T1);
            __m512 e = exp512_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + c), vmx));
            _mm512_storeu_ps(yr + c, _mm512_mul_ps(e, vinv));
        }
        if (c < cols) {
            __mmask16 m = sm_tail_mask(cols - c);
            __m512 e = exp512_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + c), vmx));
            _mm512_mask_storeu_ps(yr + c, m, _mm512_mul_ps(e, vinv));
        }
    }
    if (stream)
        _mm_sfence();
    }
}
