/*
 * softmax_scalar.c -- portable three-pass row softmax (reference variant).
 *
 * What: y[r][c] = exp(x[r][c] - m_r) / sum_j exp(x[r][j] - m_r), m_r = max_j x[r][j]
 *
 * Numerics: subtracting the row maximum makes every exponent argument <= 0,
 * so expf never overflows (expf(89) is already +inf in float) and the largest
 * term is exactly 1, which guarantees the denominator is >= 1 (no division by
 * an underflowed zero).  The mathematical result is unchanged because the
 * factor exp(-m) cancels between numerator and denominator.  The denominator
 * is accumulated in double.
 *
 * Passes: (1) max, (2) exp + sum, writing exp values into y, (3) scale y by
 * 1/sum.  Reusing y as scratch keeps memory traffic at one read of x, and y
 * is read/written twice while still hot in cache for rows up to a few K.
 */
#include <math.h>
#include <stddef.h>

/* Largest element of one row. */
static float row_max_scalar(const float *x, long cols)
{
    float m = x[0];
    for (long c = 1; c < cols; ++c)
        m = x[c] > m ? x[c] : m;
    return m;
}

/* softmax: numerically stable row-wise softmax, rows >= 1, cols >= 1. */
void softmax(const float *x, float *y, long rows, long cols)
{
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        float m = row_max_scalar(xr, cols);
        double sum = 0.0;
        for (long c = 0; c < cols; ++c) {
            float e = expf(xr[c] - m);
            yr[c] = e;
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (long c = 0; c < cols; ++c)
            yr[c] *= inv;
    }
}
