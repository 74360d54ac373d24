/*
 * maxpool2d_scalar.c -- portable 2-D max pooling, NCHW, square window.
 *
 * What: for x[channels][h][w], window k x k and stride s,
 *     y[ch][oy][ox] = max_{0<=ky,kx<k} x[ch][oy*s + ky][ox*s + kx]
 * with oh = (h - k) / s + 1 and ow = (w - k) / s + 1 (no padding, floor).
 *
 * Technique: the separable formulation.  A k x k max is a k-wide max along
 * rows followed by a k-tall max along columns.  For each output row the
 * kernel first reduces the k input rows element-wise into a scratch row
 * (contiguous, auto-vectorised by GCC: max of unit-stride arrays), then takes
 * k-wide windowed maxima of that row at stride s.  Work per output drops from
 * k^2 compares to about k + k/s, and the inner loops are unit stride.
 * The scratch row is a fixed 16 KiB stack buffer; wide rows are processed in
 * column chunks that fit it, so there is no allocation in the hot path.
 * Windows wider than the buffer (k > 4096, never seen in practice) take a
 * direct k x k loop.
 *
 * Parallelism: (channel, output row) pairs are independent; OpenMP
 * collapse(2) distributes them.  NaN inputs are ignored by the > compare
 * unless a whole window is NaN.
 */
#include <stddef.h>

#define MP_CHUNK 4096

/* Column-wise max of k rows (starting at `src`, row stride w) over [c0, c1). */
static inline void mp_vertical_max(const float *src, long w, long k, long c0, long c1, float *dst)
{
    for (long c = c0; c < c1; ++c)
        dst[c - c0] = src[c];
    for (long ky = 1; ky < k; ++ky) {
        const float *row = src + (size_t)ky * (size_t)w;
        for (long c = c0; c < c1; ++c)
            dst[c - c0] = row[c] > dst[c - c0] ? row[c] : dst[c - c0];
    }
}

/* Direct k x k window maximum, used only when k exceeds the scratch buffer. */
static float mp_window_max_direct(const float *src, long w, long k, long c0)
{
    float m = src[c0];
    for (long ky = 0; ky < k; ++ky)
        for (long kx = 0; kx < k; ++kx) {
            float v = src[(size_t)ky * (size_t)w + c0 + kx];
            m = v > m ? v : m;
        }
    return m;
}

/* maxpool2d: exported entry point. */
void maxpool2d(const float *x, float *y, long channels, long h, long w, long k, long stride)
{
    if (k <= 0 || stride <= 0 || h < k || w < k)
        return;
    long oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
#pragma omp parallel for collapse(2) schedule(static)
    for (long ch = 0; ch < channels; ++ch) {
        for (long oy = 0; oy < oh; ++oy) {
            float colmax[MP_CHUNK];
            const float *src = x + ((size_t)ch * (size_t)h + (size_t)(oy * stride)) * (size_t)w;
            float *yr = y + ((size_t)ch * (size_t)oh + (size_t)oy) * (size_t)ow;
            if (k > MP_CHUNK) {
                for (long ox = 0; ox < ow; ++ox)
                    yr[ox] = mp_window_max_direct(src, w, k, ox * stride);
                continue;
            }
            /* process output columns in groups whose input span fits the buffer */
            long per = (MP_CHUNK - k) / stride + 1;
            for (long ox0 = 0; ox0 < ow; ox0 += per) {
                long ox1 = ox0 + per < ow ? ox0 + per : ow;
                long c0 = ox0 * stride, c1 = (ox1 - 1) * stride + k;
                mp_vertical_max(src, w, k, c0, c1, colmax);
                for (long ox = ox0; ox < ox1; ++ox) {
                    const float *win = colmax + (ox * stride - c0);
                    float m = win[0];
                    for (long kx = 1; kx < k; ++kx)
                        m = win[kx] > m ? win[kx] : m;
                    yr[ox] = m;
                }
            }
        }
    }
}
