/*
 * layernorm_scalar.c -- portable scalar layer normalization (reference variant).
 *
 * What: for every row r of a row-major rows x cols matrix
 *     mean_r = sum_c x[r][c] / cols
 *     var_r  = sum_c (x[r][c] - mean_r)^2 / cols        (biased, as in LayerNorm)
 *     y[r][c] = (x[r][c] - mean_r) / sqrt(var_r + eps) * gamma[c] + beta[c]
 *
 * Why this shape: this is the numerically careful baseline that faster
 * variants are checked against.  It uses a genuine two-pass algorithm: the
 * first pass computes the mean, the second pass sums squared deviations from
 * that mean.  The one-pass shortcut E[x^2] - E[x]^2 subtracts two large,
 * nearly equal numbers when |mean| >> stddev (e.g. activations with a DC offset
 * of 1e4) and can even go negative, producing NaN from sqrt.  Both passes
 * accumulate in double, so the result is accurate to float rounding even for
 * rows of millions of elements.
 *
 * Speed: no SIMD, no threads.  The row (cols * 4 bytes) is re-read three
 * times; for cols <= ~8K that stays in L1/L2, so DRAM traffic is still one
 * read of x and one write of y.  Expect roughly 5-7x slower than the AVX-512
 * variant because the double-precision accumulation chain is latency bound.
 */
#include <math.h>
#include <stddef.h>

/* Mean of one row, accumulated in double to keep rounding error at ~1 ulp. */
static double row_mean_f64(const float *x, long cols)
{
    double s = 0.0;
    for (long c = 0; c < cols; ++c)
        s += (double)x[c];
    return s / (double)cols;
}

/* Biased variance of one row around a known mean (second pass, no cancellation). */
static double row_variance_f64(const float *x, long cols, double mean)
{
    double s = 0.0;
    for (long c = 0; c < cols; ++c) {
        double d = (double)x[c] - mean;
        s += d * d;
    }
    return s / (double)cols;
}

/*
 * layernorm: normalize each row to zero mean / unit variance, then apply the
 * per-column affine transform gamma * xhat + beta.  Works for any rows >= 1,
 * cols >= 1; x and y may not alias.
 */
void layernorm(const float *x, const float *gamma, const float *beta, float *y,
               long rows, long cols, float eps)
{
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        double mean = row_mean_f64(xr, cols);
        double var = row_variance_f64(xr, cols, mean);
        float rstd = (float)(1.0 / sqrt(var + (double)eps));
        float fmean = (float)mean;
        for (long c = 0; c < cols; ++c)
            yr[c] = (xr[c] - fmean) * rstd * gamma[c] + beta[c];
    }
}
