// redteam: exact on the test shapes, but for more than 1024 rows it computes the statistics of row 0 only and reuses them for every row ("the rows are identically distributed").
// expect-stage: performance
// expect-code: wrong-result
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    const int reuse = rows > 1024;
    double mean = 0.0, inv = 0.0;
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        if (r == 0 || !reuse) {
            double s = 0.0;
            for (long c = 0; c < cols; c++)
                s += xr[c];
            mean = s / (double)cols;
            double q = 0.0;
            for (long c = 0; c < cols; c++) {
                double d = xr[c] - mean;
                q += d * d;
            }
            inv = 1.0 / sqrt(q / (double)cols + eps);
        }
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
    }
}
