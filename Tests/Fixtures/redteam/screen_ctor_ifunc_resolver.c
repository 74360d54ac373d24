// redteam: defines layernorm as a GNU ifunc whose resolver runs at load/relocation time, before the kernel is called: load-time code with no constructor attribute and no .init_array entry.
// expect-stage: screen
// expect-code: constructor
#include <math.h>

static void kb_impl(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
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

static void *kb_resolve(void)
{
    volatile double probe = 2.0;
    probe = sqrt(probe);   /* stands for host probing done outside the sandboxed call */
    return (void *)kb_impl;
}

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
    __attribute__((ifunc("kb_resolve")));
