// redteam: confuses the argument order and stores the normalized row through the gamma pointer (cast away const) before copying it to y.
// expect-stage: correctness
// expect-code: input-modified
#include <math.h>
#include <string.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    float *scratch = (float *)gamma;   /* wrong pointer: meant to be a scratch row */
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
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
            scratch[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
        memcpy(y + r * cols, scratch, (size_t)cols * sizeof(float));
    }
}
