// redteam: a computed include (#include CHECK_HDR with CHECK_HDR defined as <assert.h>) whose header name only appears in a macro.
// expect-stage: screen
// expect-code: forbidden-include
#include <math.h>
#define CHECK_HDR <assert.h>
#include CHECK_HDR

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    assert(rows >= 0 && cols > 0);
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
