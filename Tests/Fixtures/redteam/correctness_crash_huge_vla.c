// redteam: stages the whole problem in a stack VLA padded to (rows*cols + 1) << 30 floats (>= 8 GiB), overflowing the stack on the first call.
// expect-stage: correctness
// expect-code: crash
#include <math.h>
#include <string.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    const long n = rows * cols;
    float stage[(n + 1) << 30];        /* "padding for alignment" gone wrong */
    memcpy(stage, x, (size_t)n * sizeof(float));
    for (long r = 0; r < rows; r++) {
        const float *xr = stage + r * cols;
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
