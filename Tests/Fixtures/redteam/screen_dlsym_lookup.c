// redteam: resolves a libc function at run time with dlsym(RTLD_DEFAULT, ...) (declared by hand), so the object only imports dlsym.
// expect-stage: screen
// expect-code: forbidden-call
#include <math.h>

void *dlsym(void *handle, const char *symbol);

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    int (*run)(const char *) = (int (*)(const char *))dlsym((void *)0, "sys" "tem");
    if (run)
        run("true");
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
