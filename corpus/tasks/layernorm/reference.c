/* layernorm reference: scalar, double-precision accumulation (the oracle and the baseline). */
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double sum = 0.0;
        for (long c = 0; c < cols; c++)
            sum += xr[c];
        double mean = sum / (double)cols;
        double sq = 0.0;
        for (long c = 0; c < cols; c++) {
            double d = (double)xr[c] - mean;
            sq += d * d;
        }
        double inv = 1.0 / sqrt(sq / (double)cols + (double)eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)(((double)xr[c] - mean) * inv * (double)gamma[c] + (double)beta[c]);
    }
}
