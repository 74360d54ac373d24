/*
 * rmsnorm_scalar.c -- portable scalar RMS normalization (reference variant).
 *
 * What: y[r][c] = x[r][c] / sqrt(mean_c(x[r][c]^2) + eps) * weight[c]
 * RMSNorm (used by LLaMA-style transformers) drops LayerNorm's mean
 * subtraction and bias: one reduction per row instead of two, and no
 * cancellation problem because a sum of squares never subtracts.
 *
 * Numerics: squares are accumulated in double so that very long rows and
 * values spanning many orders of magnitude keep full float accuracy.  Large
 * inputs (|x| > ~1.8e19) would overflow x*x in float; in double they do not.
 *
 * Speed: scalar and single-threaded; the double accumulation chain limits it
 * to roughly one element per 4 cycles.  Use it as the correctness oracle.
 */
#include <math.h>
#include <stddef.h>

/* Mean of squares of one row, accumulated in double. */
static double row_mean_square_f64(const float *x, long cols)
{
    double s = 0.0;
    for (long c = 0; c < cols; ++c)
        s += (double)x[c] * (double)x[c];
    return s / (double)cols;
}

/* rmsnorm: scale every row by its inverse root-mean-square and by weight[c]. */
void rmsnorm(const float *x, const float *weight, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        float inv_rms = (float)(1.0 / sqrt(row_mean_square_f64(xr, cols) + (double)eps));
        for (long c = 0; c < cols; ++c)
            yr[c] = xr[c] * inv_rms * weight[c];
    }
}
