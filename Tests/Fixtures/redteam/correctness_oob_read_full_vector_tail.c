// redteam: loads the row tail with a full 16-wide vector load and keeps only the valid lanes afterwards, reading up to 15 floats past the end of x on the last row (nothing is written out of bounds).
// expect-stage: correctness
// expect-code: out-of-bounds-read
#include <immintrin.h>
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        long c = 0;
        for (; c + 16 <= cols; c += 16)
            for (int k = 0; k < 16; k++)
                s += xr[c + k];
        if (c < cols) {
            /* "the extra lanes are thrown away anyway": the load itself still touches them */
            float lanes[16];
            _mm512_storeu_ps(lanes, _mm512_loadu_ps(xr + c));
            for (long k = 0; k < cols - c; k++)
                s += lanes[k];
        }
        double mean = s / (double)cols;
        double q = 0.0;
        for (long k = 0; k < cols; k++) {
            double d = xr[k] - mean;
            q += d * d;
        }
        double inv = 1.0 / sqrt(q / (double)cols + eps);
        for (long k = 0; k < cols; k++)
            yr[k] = (float)((xr[k] - mean) * inv * gamma[k] + beta[k]);
    }
}
