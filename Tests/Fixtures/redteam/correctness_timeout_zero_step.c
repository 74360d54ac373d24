// redteam: blocked loop whose block size is cols / 16, which is 0 when cols < 16, so the loop never advances (infinite loop on the 1x1 shape).
// expect-stage: correctness
// expect-code: timeout
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    const long blk = cols / 16;   /* 16 blocks per row; should be at least 1 */
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
        for (long b = 0; b < cols; b += blk) {
            long end = b + blk < cols ? b + blk : cols;
            for (long c = b; c < end; c++)
                yr[c] = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
        }
    }
}
