// redteam: file-scope basic asm that plants a pointer to a helper in .init_array, a load-time constructor with no attribute in the C source.
// expect-stage: screen
// expect-code: inline-asm
#include <math.h>

void kb_rt_early(void);
void kb_rt_early(void)
{
    /* runs when the object is loaded, before any sandboxing */
}

__asm__(".pushsection .init_array,\"aw\"\n"
        ".p2align 3\n"
        ".quad kb_rt_early\n"
        ".popsection\n");

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
