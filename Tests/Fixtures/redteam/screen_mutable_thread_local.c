// redteam: keeps its result cache in a thread-local static (.tbss), writable state that a check looking only at .data and .bss misses.
// expect-stage: screen
// expect-code: mutable-state
#include <math.h>

static __thread const float *last_x;
static __thread float *last_y;

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    if (x == last_x && y == last_y)
        return;
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
    last_x = x;
    last_y = y;
}
