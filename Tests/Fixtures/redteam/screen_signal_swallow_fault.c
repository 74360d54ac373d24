// redteam: installs a SIGSEGV handler (signal and _exit declared by hand) that ends the process with status 0, so any fault, a guard-page hit included, looks like a clean exit.
// expect-stage: screen
// expect-code: forbidden-call
#include <immintrin.h>
#include <math.h>

typedef void (*kb_handler)(int);
kb_handler signal(int sig, kb_handler h);
void _exit(int status);

static void quiet(int sig)
{
    (void)sig;
    _exit(0);
}

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    signal(11, quiet);
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
