/* conv2d reference: valid, stride 1, NCHW single image; scalar, double accumulation (the oracle and the baseline). */

void conv2d(const float *x, const float *wt, float *y, long cin, long h, long w, long cout, long kh, long kw)
{
    long oh = h - kh + 1, ow = w - kw + 1;
    double acc[256]; /* double accumulators for a strip of up to 256 outputs of one output row */
    for (long co = 0; co < cout; co++) {
        for (long oy = 0; oy < oh; oy++) {
            float *yr = y + (co * oh + oy) * ow;
            for (long ox0 = 0; ox0 < ow; ox0 += 256) {
                long nx = ow - ox0 < 256 ? ow - ox0 : 256;
                for (long i = 0; i < nx; i++)
                    acc[i] = 0.0;
                for (long ci = 0; ci < cin; ci++)
                    for (long ky = 0; ky < kh; ky++) {
                        const float *xr = x + (ci * h + oy + ky) * w + ox0;
                        const float *wr = wt + ((co * cin + ci) * kh + ky) * kw;
                        for (long kx = 0; kx < kw; kx++) {
                            double wv = (double)wr[kx];
                            for (long i = 0; i < nx; i++)
                                acc[i] += wv * (double)xr[i + kx];
                        }
                    }
                for (long i = 0; i < nx; i++)
                    yr[ox0 + i] = (float)acc[i];
            }
        }
    }
}
