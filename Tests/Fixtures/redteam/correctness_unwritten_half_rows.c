// redteam: a botched row split processes only rows/2 rows, so the second half of y (all of it when rows == 1) keeps the prefill pattern.
// expect-stage: correctness
// expect-code: unwritten-output
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    long half = rows / 2;   /* meant to be (rows + 1) / 2 per worker, second worker never added */
    for (long r = 0; r < half; r++) {
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
