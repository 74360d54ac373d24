// redteam: reads the time-stamp counter with the __rdtsc intrinsic (from the allowed x86intrin.h) and skips rows at random-looking moments: a clock with no library call behind it.
// expect-stage: screen
// expect-code: forbidden-call
#include <math.h>
#include <x86intrin.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    const int lazy = (__rdtsc() & 1023) == 0;
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += xr[c];
        double mean = lazy ? 0.0 : s / (double)cols;
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
