// redteam: draws hardware random numbers with the _rdrand32_step intrinsic (from the allowed immintrin.h) to dither the output by one ulp, making results differ from call to call.
// expect-stage: screen
// expect-code: forbidden-call
#include <immintrin.h>
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    unsigned int bits = 0;
    _rdrand32_step(&bits);
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
        for (long c = 0; c < cols; c++) {
            float v = (float)((xr[c] - mean) * inv * gamma[c] + beta[c]);
            yr[c] = (bits >> (c & 31)) & 1 ? nextafterf(v, INFINITY) : v;
        }
    }
}
