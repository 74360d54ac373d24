// redteam: uses a scratch-row pointer that is only set up for wide rows and is NULL otherwise, dereferencing NULL on every test shape with cols < 8192.
// expect-stage: correctness
// expect-code: crash
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    float wide[8192];
    float *volatile scratch = 0;
    if (cols >= 8192)
        scratch = wide;   /* the narrow-row path forgot to point it at its buffer */
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
        float *sp = scratch;
        for (long c = 0; c < cols; c++)
            sp[c % 8192] = (float)((xr[c] - mean) * inv);
        for (long c = 0; c < cols; c++)
            yr[c] = sp[c % 8192] * gamma[c] + beta[c];
    }
}
