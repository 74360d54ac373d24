// kb-launch: kernel=conv2d global=ceil(w,16),ceil(h,16),cout local=16,16,1
/*
 * conv2d.cl -- direct 2-D convolution (cross-correlation), NCHW, stride 1,
 * valid padding, with a __local input tile plus halo.  Sizes are int.
 *
 *   y[co][oy][ox] = sum_{ci,ky,kx} wt[co][ci][ky][kx] * x[ci][oy+ky][ox+kx]
 *   oh = h - kh + 1, ow = w - kw + 1
 *
 * Launch: the grid covers the *input* extent rounded up to 16 (w, h), one
 * work-item per output pixel candidate and get_global_id(2) = output channel;
 * work-items with ox >= ow or oy >= oh still help load tiles and reach every
 * barrier but store nothing.  (Sizing by w rather than ow avoids an
 * arithmetic launch expression; it over-launches by kw - 1 columns.)
 *
 * Tiling: for each input channel, the group cooperatively loads the
 * (16 + kh - 1) x (16 + kw - 1) input patch its 16x16 outputs need into
 * __local memory (row pitch padded to 23), synchronises, and each work-item
 * applies the kh x kw taps from local memory.  Each input pixel is fetched
 * from global memory once per group instead of kh * kw times.  Filters
 * larger than 7x7 take a uniform (group-wide) branch that reads global
 * memory directly, which keeps barrier control flow uniform.
 */
#define TILE 16
#define MAXK 7
#define LW (TILE + MAXK - 1)

// conv2d: one output pixel per work-item, local halo tile per input channel.
__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void conv2d(__global const float *x, __global const float *wt, __global float *y,
            int cin, int h, int w, int cout, int kh, int kw)
{
    __local float tile[LW][LW + 1];
    int tx = (int)get_local_id(0), ty = (int)get_local_id(1);
    int ox = (int)get_global_id(0), oy = (int)get_global_id(1), co = (int)get_global_id(2);
    int oh = h - kh + 1, ow = w - kw + 1;
    int ox0 = (int)get_group_id(0) * TILE, oy0 = (int)get_group_id(1) * TILE;
    bool live = (ox < ow) && (oy < oh) && (co < cout);
    __global const float *wco = wt + (size_t)co * (size_t)cin * (size_t)kh * (size_t)kw;
    float acc = 0.0f;

    if (kh > MAXK || kw > MAXK) { /* uniform across the group: no barriers used */
        if (live) {
            for (int ci = 0; ci < cin; ++ci)
                for (int ky = 0; ky < kh; ++ky)
                    for (int kx = 0; kx < kw; ++kx)
                        acc = mad(wco[(ci * kh + ky) * kw + kx],
                                  x[((size_t)ci * h + oy + ky) * (size_t)w + ox + kx], acc);
            y[((size_t)co * oh + oy) * (size_t)ow + ox] = acc;
        }
    } else {
        int th = TILE + kh - 1, tw = TILE + kw - 1;
        for (int ci = 0; ci < cin; ++ci) {
            __global const float *xc = x + (size_t)ci * (size_t)h * (size_t)w;
            for (int idx = ty * TILE + tx; idx < th * tw; idx += TILE * TILE) {
                int ly = idx / tw, lx = idx - ly * tw;
                int gy = oy0 + ly, gx = ox0 + lx;
                tile[ly][lx] = (gy < h && gx < w) ? xc[(size_t)gy * (size_t)w + gx] : 0.0f;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            if (live) {
                __global const float *wc = wco + (size_t)ci * (size_t)kh * (size_t)kw;
                for (int ky = 0; ky < kh; ++ky)
                    for (int kx = 0; kx < kw; ++kx)
                        acc = mad(wc[ky * kw + kx], tile[ty + ky][tx + kx], acc);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (live)
            y[((size_t)co * oh + oy) * (size_t)ow + ox] = acc;
    }
}
