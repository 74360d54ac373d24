// redteam: writes MXCSR with the compiler builtin __builtin_ia32_ldmxcsr (round toward zero + flush-to-zero), which leaves no symbol and no asm in the object.
// expect-stage: screen
// expect-code: forbidden-call
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    __builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() | 0xE040);
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
