// redteam: exact on the test shapes, but on the 4096 x 4096 benchmark shape it estimates each row's mean and variance from its first 64 elements only.
// expect-stage: performance
// expect-code: wrong-result
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    const long n = (rows == 4096 && cols == 4096) ? 64 : cols;   /* sample size */
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < n; c++)
            s += xr[c];
        double mean = s / (double)n;
        double q = 0.0;
        for (long c = 0; c < n; c++) {
            double d = xr[c] - mean;
            q += d * d;
        }
        double inv = 1.0 / sqrt(q / (double)n + eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
    }
}
