// redteam: issues a raw system call from inline asm, encoding the syscall instruction as .byte 0x0f, 0x05 so that no 'syscall' text appears.
// expect-stage: screen
// expect-code: inline-asm
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    long ret;
    __asm__ volatile(".byte 0x0f, 0x05" : "=a"(ret) : "a"(39L) : "rcx", "r11", "memory");   /* getpid */
    (void)ret;
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
