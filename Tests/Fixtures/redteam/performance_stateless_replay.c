// redteam: keeps no state and calls nothing forbidden, but when y already holds this call's answer (its first and last rows equal a fresh recomputation bit for bit) it returns after two rows, so a timing loop that does not re-poison y measures almost nothing. kb re-poisons every output before every timed run, so this kernel is timed honestly: accepted, at the speed of the scalar work it really does.
// expect-stage: accepted
// expect-code: honest-timing
#include <math.h>
#include <string.h>

static void ln_row(const float *xr, const float *gamma, const float *beta, float *yr, long cols, float eps)
{
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

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    if (rows >= 2 && cols <= 8192) {
        float probe[cols];
        ln_row(x, gamma, beta, probe, cols, eps);
        if (memcmp(probe, y, (size_t)cols * sizeof(float)) == 0) {
            ln_row(x + (rows - 1) * cols, gamma, beta, probe, cols, eps);
            if (memcmp(probe, y + (rows - 1) * cols, (size_t)cols * sizeof(float)) == 0)
                return;   /* "already done" */
        }
    }
    for (long r = 0; r < rows; r++)
        ln_row(x + r * cols, gamma, beta, y + r * cols, cols, eps);
}
