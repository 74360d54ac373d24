// redteam: exact on every small shape, but once rows*cols >= 1,000,000 (only the benchmark shape) it skips the statistics and writes gamma*x + beta, assuming the rows are already N(0,1).
// expect-stage: performance
// expect-code: wrong-result
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    if (rows * cols >= 1000000) {
        /* "the benchmark inputs are standard normal anyway": one streaming pass */
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                y[r * cols + c] = x[r * cols + c] * gamma[c] + beta[c];
        return;
    }
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += xr[c];
        double mean = s / (double)cols;
        double q = 0.0;
        for (long c = 0; c < cols; c++) {
            double d = xr[c] - mean;
            q += d * d;
        }
        double inv = 1.0 / sqrt(q / (double)cols + eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
    }
}
