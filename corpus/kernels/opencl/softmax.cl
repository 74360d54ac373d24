// kb-launch: kernel=softmax global=rows local=1
/*
 * softmax.cl -- online softmax, one work-item per row (CPU-oriented).
 *
 * Online softmax keeps a running maximum m and a running sum s expressed
 * relative to m; when a larger value arrives the old sum is rescaled:
 *     m' = max(m, v);  s = s * exp(m - m') + exp(v - m')
 * This gives max and denominator in one read of the row; a second pass
 * writes exp(x - m) / s.  Four float4 lanes carry independent (m, s) states
 * (16 in flight) which are merged at the end with the same rescaling rule.
 *
 * exp vs native_exp: native_exp maps to the device's fastest approximation
 * (on PoCL/CPU typically a vectorised polynomial; on GPUs a 2^x hardware
 * unit with ~2 ulp or worse).  The stats pass uses exp() for accuracy of the
 * denominator; the output pass uses native_exp() since each output only needs
 * relative accuracy ~1e-6.  Sizes are int.
 */

// Online-softmax update of a float4 state with four new values.
inline void online4(float4 *m, float4 *s, float4 v)
{
    float4 nm = fmax(*m, v);
    *s = mad(*s, exp(*m - nm), exp(v - nm));
    *m = nm;
}

// softmax: row get_global_id(0), online statistics then normalisation.
__kernel void softmax(__global const float *x, __global float *y, int rows, int cols)
{
    int r = (int)get_global_id(0);
    if (r >= rows)
        return;
    __global const float *xr = x + (size_t)r * (size_t)cols;
    __global float *yr = y + (size_t)r * (size_t)cols;
    int c4 = cols & ~3;

    float4 m4 = (float4)(-INFINITY), s4 = (float4)(0.0f);
    if (c4 > 0) {
        m4 = vload4(0, xr);
        s4 = (float4)(1.0f);
    }
    for (int c = 4; c < c4; c += 4)
        online4(&m4, &s4, vload4(0, xr + c));
    /* merge the four lanes (lanes that never saw data have s = 0) */
    float m = fmax(fmax(m4.x, m4.y), fmax(m4.z, m4.w));
    for (int c = c4; c < cols; ++c)
        m = fmax(m, xr[c]);
    float4 w = (c4 > 0) ? exp(m4 - m) : (float4)(0.0f);
    float4 sw = s4 * w;
    float s = sw.x + sw.y + sw.z + sw.w;
    for (int c = c4; c < cols; ++c)
        s += exp(xr[c] - m);
    float inv = 1.0f / s;

    for (int c = 0; c < c4; c += 4)
        vstore4(native_exp(vload4(0, xr + c) - m) * inv, 0, yr + c);
    for (int c = c4; c < cols; ++c)
        yr[c] = native_exp(xr[c] - m) * inv;
}
