// redteam: masked tail loads but an unmasked 16-wide tail store, writing up to 15 floats past the end of each row and past the end of y on the last row.
// expect-stage: correctness
// expect-code: out-of-bounds-write
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
        long c = 0;
        for (; c + 16 <= cols; c += 16) {
            __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(xr + c), vm), vi);
            _mm512_storeu_ps(yr + c, _mm512_fmadd_ps(xh, _mm512_loadu_ps(gamma + c), _mm512_loadu_ps(beta + c)));
        }
        if (c < cols) {
            __mmask16 m = (__mmask16)((1u << (unsigned)(cols - c)) - 1u);
            __m512 xh = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + c), vm), vi);
            __m512 o = _mm512_fmadd_ps(xh, _mm512_maskz_loadu_ps(m, gamma + c), _mm512_maskz_loadu_ps(m, beta + c));
            _mm512_storeu_ps(yr + c, o);   /* should be _mm512_mask_storeu_ps(yr + c, m, o) */
        }
    }
}
