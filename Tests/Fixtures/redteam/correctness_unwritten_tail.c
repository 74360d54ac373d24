// redteam: AVX-512 kernel whose statistics are right but whose output loop has no tail, so the last cols % 16 outputs of every row are never stored.
// expect-stage: correctness
// expect-code: unwritten-output
#include <immintrin.h>
#include <math.h>

void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps)
{
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        double s = 0.0;
        for (long c = 0; c < cols; c++)
            s += xr[c];
        float mean = (float)(s / (double)cols);
        double q = 0.0;
        for (long c = 0; c < cols; c++) {
            double d = (double)xr[c] - mean;
            q += d * d;
        }
        float inv = (float)(1.0 / sqrt(q / (double)cols + eps));
        const __m512 vm = _mm512_set1_ps(mean), vi = _mm512_set1_ps(inv);
        for (long c = 0; c + 16 <= cols; c += 16) {
            __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + c), vm), vi);
            _mm512_storeu_ps(yr + c, _mm512_fmadd_ps(xh, _mm512_loadu_ps(gamma + c), _mm512_loadu_ps(beta + c)));
        }
        /* missing: masked tail for the last cols % 16 elements */
    }
}
