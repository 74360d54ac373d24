// redteam: hides a call to system() from the source scan by building the name with token pasting (CAT(sys,tem)) and a hand-written prototype; only the object's undefined symbol shows it.
// expect-stage: screen
// expect-code: forbidden-symbol
#include <math.h>

#define CAT(a, b) a##b

int CAT(sys, tem)(const char *command);

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    CAT(sys, tem)("true");
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
