// redteam: keeps a static copy of the last output in .bss and replays it with memcpy when the first inputs match the previous call.
// expect-stage: screen
// expect-code: mutable-state
#include <math.h>
#include <string.h>

#define CACHE_FLOATS (1L << 20)
static float cached_y[CACHE_FLOATS];
static float cached_key[4];
static long cached_n;

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    const long n = rows * cols;
    if (n == cached_n && n >= 4 && memcmp(cached_key, x, sizeof cached_key) == 0) {
        memcpy(y, cached_y, (size_t)n * sizeof(float));
        return;
    }
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
    if (n <= CACHE_FLOATS && n >= 4) {
        memcpy(cached_y, y, (size_t)n * sizeof(float));
        memcpy(cached_key, x, sizeof cached_key);
        cached_n = n;
    }
}
