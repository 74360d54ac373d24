// redteam: borrows beta as scratch during the call (pre-divides it by gamma) and restores the original bits before returning, so the inputs compare equal afterwards although they were written.
// expect-stage: correctness
// expect-code: input-modified
#include <math.h>
#include <string.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    float *bw = (float *)beta;
    float saved[cols];
    memcpy(saved, beta, (size_t)cols * sizeof(float));
    /* b' = beta / gamma so that y = ((x - mean) * inv + b') * gamma */
    for (long c = 0; c < cols; c++)
        bw[c] = saved[c] / gamma[c];
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
            yr[c] = (float)(((xr[c] - mean) * inv + bw[c]) * gamma[c]);
    }
    memcpy(bw, saved, (size_t)cols * sizeof(float));   /* put the caller's bits back */
}
