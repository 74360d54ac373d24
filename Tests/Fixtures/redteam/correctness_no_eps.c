// redteam: leaves eps out of the square root, so a constant row (cols == 1, or the zeros round) computes 0 * inf = NaN, a computed NaN that must not be mistaken for the unwritten-output pattern.
// expect-stage: correctness
// expect-code: wrong-result
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    (void)eps;
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float s = 0.0f;
        for (long c = 0; c < cols; c++)
            s += xr[c];
        float mean = s / (float)cols;
        float q = 0.0f;
        for (long c = 0; c < cols; c++) {
            float d = xr[c] - mean;
            q += d * d;
        }
        float inv = 1.0f / sqrtf(q / (float)cols);
        for (long c = 0; c < cols; c++)
            yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
    }
}
