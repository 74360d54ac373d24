// redteam: one-pass variance E[x^2]-E[x]^2 accumulated in float cancels catastrophically when the rows carry a common offset of 1000.
// expect-stage: correctness
// expect-code: wrong-result
#include <math.h>

/* Textbook one-pass statistics in single precision.  Fine for N(0,1) rows,
 * but with x ~ N(1000, 1) both sums are ~1e6 per element and their
 * difference (the variance, ~1) is lost in float rounding. */
void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float s = 0.0f, s2 = 0.0f;
        for (long c = 0; c < cols; c++) {
            s += xr[c];
            s2 += xr[c] * xr[c];
        }
        float mean = s / (float)cols;
        float var = s2 / (float)cols - mean * mean;
        float inv = 1.0f / sqrtf(var + eps);
        for (long c = 0; c < cols; c++)
            yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
    }
}
