// redteam: recursive pairwise sum whose base case is never reached for odd lengths (n == 1 splits into 0 and 1), recursing until the stack overflows.
// expect-stage: correctness
// expect-code: crash
#include <math.h>

/* The local array and the use of its contents after the recursive calls keep
 * this from being turned into a loop, so every level consumes stack. */
static double pairwise_sum(const float *p, long n)
{
    volatile double frame[32];
    if (n == 0)
        return 0.0;
    long h = n / 2;                       /* bug: n == 1 gives h == 0 and recurses on (p, 1) forever */
    frame[0] = pairwise_sum(p, h);
    frame[1] = pairwise_sum(p + h, n - h);
    return frame[0] + frame[1];
}

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double mean = pairwise_sum(xr, cols) / (double)cols;
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
