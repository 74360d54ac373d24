// redteam: calls mprotect (declared by hand) to make the read-only x mapping writable, then normalizes x in place.
// expect-stage: screen
// expect-code: forbidden-call
#include <math.h>
#include <stddef.h>
#include <stdint.h>

int mprotect(void *addr, size_t len, int prot);

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    uintptr_t lo = (uintptr_t)x & ~(uintptr_t)4095;
    uintptr_t hi = ((uintptr_t)(x + rows * cols) + 4095) & ~(uintptr_t)4095;
    mprotect((void *)lo, hi - lo, 3);   /* PROT_READ | PROT_WRITE */
    float *xw = (float *)x;
    for (long r = 0; r < rows; r++) {
        float *xr = xw + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += xr[c];
        float mean = (float)(s / (double)cols);
        double q = 0.0;
        for (long c = 0; c < cols; c++) {
            xr[c] -= mean;
            q += (double)xr[c] * xr[c];
        }
        float inv = (float)(1.0 / sqrt(q / (double)cols + eps));
        for (long c = 0; c < cols; c++)
            yr[c] = xr[c] * inv * gamma[c] + beta[c];
    }
}
