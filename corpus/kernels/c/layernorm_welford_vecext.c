/*
 * layernorm_welford_vecext.c -- one-pass Welford layer normalization written
 * with GCC vector extensions (portable SIMD, no intrinsics).
 *
 * What: same math as layernorm_scalar.c, but mean and variance come from a
 * single streaming pass using Welford's recurrence
 *     n += 1;  d = x - mean;  mean += d / n;  M2 += d * (x - mean)
 * which never forms E[x^2] and therefore has no catastrophic cancellation.
 *
 * Vectorisation: `typedef float v8sf __attribute__((vector_size(32)))` gives
 * an 8-lane float type that GCC lowers to AVX/AVX2 ymm (or SSE pairs, or NEON
 * on other targets).  Each lane runs its own Welford state over a strided
 * subsequence (lane j sees x[j], x[j+8], ...).  All lanes have the same count,
 * so 1/n is one scalar division per 8 elements.  The eight lane states and the
 * scalar tail state are merged with Chan et al.'s pairwise combination:
 *     n = na + nb;  delta = mb - ma
 *     mean = ma + delta * nb / n
 *     M2   = M2a + M2b + delta^2 * na * nb / n
 *
 * Trade-off: Welford reads the row once for statistics (vs twice for two-pass)
 * but has a dependent divide-multiply chain per step, so it is slower than the
 * two-pass AVX-512 variant when the row fits in L1.  It wins when a row is too
 * large for the cache or arrives as a stream.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

typedef float v8sf __attribute__((vector_size(32)));

/* Unaligned 8-float load through memcpy (compiles to a single vmovups). */
static inline v8sf v8_load(const float *p)
{
    v8sf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Unaligned 8-float store through memcpy. */
static inline void v8_store(float *p, v8sf v)
{
    memcpy(p, &v, sizeof v);
}

/* Chan's merge of two Welford partial states (count, mean, M2) into a. */
static inline void welford_merge(double *na, double *ma, double *m2a,
                                 double nb, double mb, double m2b)
{
    if (nb == 0.0)
        return;
    double n = *na + nb;
    double delta = mb - *ma;
    *ma += delta * nb / n;
    *m2a += m2b + delta * delta * (*na) * nb / n;
    *na = n;
}

/* Single-pass row statistics: 8 vector lanes of Welford + scalar tail. */
static void welford_row_stats(const float *x, long cols, float *mean_out, float *var_out)
{
    v8sf mean = {0}, m2 = {0};
    long c = 0, steps = 0;
    for (; c + 8 <= cols; c += 8) {
        v8sf v = v8_load(x + c);
        steps += 1;
        float inv = 1.0f / (float)steps;
        v8sf d = v - mean;
        mean += d * inv;
        m2 += d * (v - mean);
    }
    double n = 0.0, mu = 0.0, s2 = 0.0;
    for (int j = 0; j < 8; ++j)
        welford_merge(&n, &mu, &s2, (double)steps, (double)mean[j], (double)m2[j]);
    for (; c < cols; ++c) {  /* scalar tail, one element at a time */
        n += 1.0;
        double d = (double)x[c] - mu;
        mu += d / n;
        s2 += d * ((double)x[c] - mu);
    }
    *mean_out = (float)mu;
    *var_out = (float)(s2 / n);
}

/*
 * layernorm: Welford statistics, then one vectorised normalisation pass with
 * a scalar epilogue for the last cols % 8 elements.
 */
void layernorm(const float *x, const float *gamma, const float *beta, float *y,
               long rows, long cols, float eps)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        float mean, var;
        welford_row_stats(xr, cols, &mean, &var);
        float rstd = 1.0f / sqrtf(var + eps);
        v8sf vm = {mean, mean, mean, mean, mean, mean, mean, mean};
        v8sf vr = {rstd, rstd, rstd, rstd, rstd, rstd, rstd, rstd};
        long c = 0;
        for (; c + 8 <= cols; c += 8)
            v8_store(yr + c, (v8_load(xr + c) - vm) * vr * v8_load(gamma + c) + v8_load(beta + c));
        for (; c < cols; ++c)
            yr[c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
    }
}
