/*
 * cross_entropy_avx512.c -- per-row softmax cross-entropy loss from logits.
 *
 * What: loss[r] = logsumexp(x[r][:]) - x[r][labels[r]]
 * which equals -log(softmax(x[r])[labels[r]]) without ever forming the
 * probabilities.  Working in log space means a confidently wrong prediction
 * (target logit 100 below the max) gives loss ~= 100 instead of -log(0) = inf.
 *
 * Technique: a single read of each row.  Max and sum(exp(x - max)) are
 * tracked per lane with the online-softmax rescaling rule, masked tail lanes
 * are filled with -inf and excluded from the sum update; the lanes are merged
 * at the end.  The target logit is a scalar load.  Labels outside [0, cols)
 * produce NaN for that row (caller error, but visible rather than silent).
 * The kernel reads 4*cols bytes and writes 4 bytes per row, so it runs at
 * read bandwidth; exp costs ~1 cycle per 16 elements per exp call.
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

/* First `rem` lanes set, 0 <= rem <= 16. */
static inline __mmask16 ce_tail_mask(long rem)
{
    return (__mmask16)((1u << (unsigned)rem) - 1u);
}

/* 16-lane exp(t): Cody-Waite ln2 reduction, degree-6 polynomial, scalef. */
static inline __m512 ce_exp512(__m512 t)
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

/* cross_entropy: exported entry point, one loss value per row. */
void cross_entropy(const float *x, const int *labels, float *loss, long rows, long cols)
{
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        __m512 vmax = ninf, vsum = _mm512_setzero_ps();
        for (long c = 0; c < cols; c += 16) {
            __mmask16 m = (cols - c >= 16) ? (__mmask16)0xFFFF : ce_tail_mask(cols - c);
            __m512 v = _mm512_mask_loadu_ps(ninf, m, xr + c);
            __m512 nmax = _mm512_max_ps(vmax, v);
            __m512 scaled = _mm512_mul_ps(vsum, ce_exp512(_mm512_sub_ps(vmax, nmax)));
            vsum = _mm512_mask_add_ps(scaled, m, scaled, ce_exp512(_mm512_sub_ps(v, nmax)));
            vmax = nmax;
        }
        float gmax = _mm512_reduce_max_ps(vmax);
        float sum = _mm512_reduce_add_ps(
            _mm512_mul_ps(vsum, ce_exp512(_mm512_sub_ps(vmax, _mm512_set1_ps(gmax)))));
        int t = labels[r];
        loss[r] = (t >= 0 && (long)t < cols) ? gmax + logf(sum) - xr[t] : NAN;
    }
}
