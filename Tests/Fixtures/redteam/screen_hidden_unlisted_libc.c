// redteam: calls sched_getcpu() through a hand-written prototype to pick a per-CPU code path; the name is on no forbidden list, so only the object's undefined symbol (not in the allow-list) gives it away.
// expect-stage: screen
// expect-code: forbidden-symbol
#include <math.h>

int sched_getcpu(void);

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    if (sched_getcpu() < 0)
        return;   /* "not pinned: let the caller retry" */
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
