// redteam: a fused "residual add" that accumulates into y whenever y already holds finite numbers (treating the NaN prefill as empty), so a second call on the same buffers returns y + layernorm(x) instead of repeating the first result.
// expect-stage: correctness
// expect-code: nondeterministic
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
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
        for (long c = 0; c < cols; c++) {
            float v = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
            float old = yr[c];
            yr[c] = isfinite(old) ? old + v : v;   /* y += LN(x), "uninitialised" y counts as 0 */
        }
    }
}
