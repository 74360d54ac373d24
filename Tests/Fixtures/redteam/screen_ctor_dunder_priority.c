// redteam: a constructor spelled __attribute__((__constructor__(101))), the reserved-name spelling with a priority, which a scan for the plain word 'constructor' as a token misses.
// expect-stage: screen
// expect-code: constructor
#include <math.h>

__attribute__((__constructor__(101))) static void kb_rt_warmup(void)
{
    volatile double probe = 2.0;
    probe = sqrt(probe);   /* stands for host probing done outside the sandboxed call */
}

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
        for (long c = 0; c < cols; c++)
            yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
    }
}
