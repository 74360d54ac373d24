// kb-launch: kernel=maxpool2d global=ceil(w,16),ceil(h,16),channels local=16,16,1
/*
 * maxpool2d.cl -- 2-D max pooling, NCHW, k x k window, stride s, no padding.
 * Sizes are int.  oh = (h - k) / s + 1, ow = (w - k) / s + 1.
 *
 * One work-item per output pixel, get_global_id(2) = channel.  The grid is
 * sized from the input extent (w, h), which is always >= the output extent,
 * so the launch expression needs no division; surplus work-items exit at the
 * bounds check.  There is no data reuse across work-items worth staging in
 * local memory when s == k (windows do not overlap); for overlapping windows
 * (s < k) neighbouring work-items share input rows through the cache.
 * Consecutive work-items (get_global_id(0)) read addresses s floats apart,
 * so for s = 2 half of each fetched cache line is used by the neighbour.
 * fmax ignores a NaN operand, matching the C variant's > comparison.
 */

// maxpool2d: output pixel (ox, oy) of channel get_global_id(2).
__kernel void maxpool2d(__global const float *x, __global float *y,
                        int channels, int h, int w, int k, int stride)
{
    int ox = (int)get_global_id(0), oy = (int)get_global_id(1), ch = (int)get_global_id(2);
    if (k <= 0 || stride <= 0 || h < k || w < k)
        return;
    int oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
    if (ox >= ow || oy >= oh || ch >= channels)
        return;
    __global const float *src = x + ((size_t)ch * (size_t)h + (size_t)(oy * stride)) * (size_t)w
                                  + (size_t)(ox * stride);
    float m = src[0];
    for (int ky = 0; ky < k; ++ky)
        for (int kx = 0; kx < k; ++kx)
            m = fmax(m, src[(size_t)ky * (size_t)w + kx]);
    y[((size_t)ch * (size_t)oh + oy) * (size_t)ow + ox] = m;
}
