// kb-launch: kernel=rmsnorm global=rows local=1
/*
 * rmsnorm.cl -- RMS normalization, one work-item per row, float8 vectors.
 *
 * y = x * rsqrt(mean(x^2) + eps) * weight.
 *
 * CPU mapping (PoCL): one row per work-item and one work-item per
 * work-group means each hardware thread streams whole rows with no barriers.
 * The body uses vload8 so that an AVX2/AVX-512 target gets full-width loads
 * even if the work-item loop is not vectorised across work-items.  Two float8
 * accumulators (16 partial sums) break the FMA dependency chain; the tail
 * (cols % 8) is scalar.  Sizes are int.
 */

// Horizontal sum of the 8 lanes of a float8.
inline float hsum8(float8 v)
{
    float4 h = v.lo + v.hi;
    return h.x + h.y + h.z + h.w;
}

// rmsnorm: normalise row get_global_id(0) by its root-mean-square.
__kernel void rmsnorm(__global const float *x, __global const float *weight,
                      __global float *y, int rows, int cols, float eps)
{
    int r = (int)get_global_id(0);
    if (r >= rows)
        return;
    __global const float *xr = x + (size_t)r * (size_t)cols;
    __global float *yr = y + (size_t)r * (size_t)cols;
    int c16 = cols & ~15, c8 = cols & ~7;

    float8 a0 = (float8)(0.0f), a1 = (float8)(0.0f);
    int c = 0;
    for (; c < c16; c += 16) {
        float8 v0 = vload8(0, xr + c), v1 = vload8(0, xr + c + 8);
        a0 = fma(v0, v0, a0);
        a1 = fma(v1, v1, a1);
    }
    for (; c < c8; c += 8) {
        float8 v = vload8(0, xr + c);
        a0 = fma(v, v, a0);
    }
    float ss = hsum8(a0 + a1);
    for (; c < cols; ++c)
        ss = fma(xr[c], xr[c], ss);
    float inv = rsqrt(ss / (float)cols + eps);

    for (c = 0; c < c8; c += 8)
        vstore8(vload8(0, xr + c) * inv * vload8(0, weight + c), 0, yr + c);
    for (; c < cols; ++c)
        yr[c] = xr[c] * inv * weight[c];
}
