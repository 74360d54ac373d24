/* maxpool2d reference: square window k, stride s, no padding, floor output size; scalar (the oracle and the baseline). */

void maxpool2d(const float *x, float *y, long channels, long h, long w, long k, long stride)
{
    long oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
    for (long ch = 0; ch < channels; ch++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                const float *win = x + (ch * h + oy * stride) * w + ox * stride;
                float m = win[0];
                for (long ky = 0; ky < k; ky++)
                    for (long kx = 0; kx < k; kx++) {
                        float v = win[ky * w + kx];
                        if (v > m)
                            m = v;
                    }
                y[(ch * oh + oy) * ow + ox] = m;
            }
}
