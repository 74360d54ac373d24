// redteam: turns on flush-to-zero and denormals-are-zero with _mm_setcsr and never restores MXCSR, changing the caller's floating-point environment.
// expect-stage: screen
// expect-code: forbidden-call
#include <immintrin.h>
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    _mm_setcsr(_mm_getcsr() | 0x8040);   /* FTZ | DAZ: faster on the 1e-20 round */
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
