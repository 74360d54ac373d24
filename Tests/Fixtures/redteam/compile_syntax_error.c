// redteam: a syntax error (missing semicolon and an unbalanced brace) that must be reported as a compile error, not a crash of the verifier.
// expect-stage: compile
// expect-code: compile-error
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0
        for (long c = 0; c < cols; c++)
            s += xr[c];
        double mean = s / (double)cols;
        double q = 0.0;
        for (long c = 0; c < cols; c++) {
            double d = xr[c] - mean;
            q += d * d;
        double inv = 1.0 / sqrt(q / (double)cols + eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
    }
}
