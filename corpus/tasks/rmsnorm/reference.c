/* rmsnorm reference: scalar, double-precision accumulation (the oracle and the baseline). */
#include <math.h>

void rmsnorm(const float *x, const float *weight, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double sq = 0.0;
        for (long c = 0; c < cols; c++)
            sq += (double)xr[c] * (double)xr[c];
        double inv = 1.0 / sqrt(sq / (double)cols + (double)eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((double)xr[c] * inv * (double)weight[c]);
    }
}
