// redteam: casts away const and normalizes x in place (x := x - mean) to save a pass, then reads the centred values back from x.
// expect-stage: correctness
// expect-code: input-modified
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    float *xw = (float *)x;   /* "it's our buffer anyway" */
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
