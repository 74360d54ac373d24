// kb-launch: kernel=softmax global=rows
// kb-build: -cl-std=CL1.2
/*
 * softmax_cpu.cl -- one work-item per row, float16 vectors and a polynomial exp, for CPU OpenCL (PoCL).
 *
 * What: y = exp(x - max) / sum(exp(x - max)) per row.
 * Technique (CPU devices): each work-item owns a row and does its own SIMD with vload16/vstore16. The built-in
 * exp on vectors may be evaluated lane by lane on a CPU runtime; exp16 below is branch-free: x = n ln2 + r with
 * |r| <= ln2/2, e^r by a degree-6 polynomial (relative error ~2e-7), 2^n assembled in the exponent bits. Inputs
 * below -87 give 0 (they only occur after max subtraction, where they underflow anyway).
 */
static float16 exp16(float16 x)
{
    x = fmax(x, (float16)(-87.3f));
    float16 n = rint(x * 1.44269504088896341f);
    float16 r = fma(n, (float16)(-0.693359375f), x);
    r = fma(n, (float16)(2.12194440e-4f), r);
    float16 p = (float16)(1.0f / 720.0f);
    p = fma(p, r, (float16)(1.0f / 120.0f));
    p = fma(p, r, (float16)(1.0f / 24.0f));
    p = fma(p, r, (float16)(1.0f / 6.0f));
    p = fma(p, r, (float16)(0.5f));
    p = fma(p, r, (float16)(1.0f));
    p = fma(p, r, (float16)(1.0f));
    int16 e = (convert_int16(n) + 127) << 23;
    return p * as_float16(e);
}

static float exp1(float x)
{
    return exp16((float16)(x)).s0;
}

__kernel void softmax(__global const float *x, __global float *y, long rows, long cols)
{
    long r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    long vec = cols / 16;
    float16 m16 = (float16)(-INFINITY);
    for (long i = 0; i < vec; i++) m16 = fmax(m16, vload16(i, xr));
    float8 m8 = fmax(m16.lo, m16.hi);
    float4 m4 = fmax(m8.lo, m8.hi);
    float m = fmax(fmax(m4.s0, m4.s1), fmax(m4.s2, m4.s3));
    for (long c = vec * 16; c < cols; c++) m = fmax(m, xr[c]);
    float16 s16 = 0.0f;
    for (long i = 0; i < vec; i++) {
        float16 e = exp16(vload16(i, xr) - m);
        vstore16(e, i, yr);
        s16 += e;
    }
    float8 s8 = s16.lo + s16.hi;
    float4 s4 = s8.lo + s8.hi;
    float s = (s4.s0 + s4.s1) + (s4.s2 + s4.s3);
    for (long c = vec * 16; c < cols; c++) { float e = exp1(xr[c] - m); yr[c] = e; s += e; }
    float inv = 1.0f / s;
    for (long i = 0; i < vec; i++) vstore16(vload16(i, yr) * inv, i, yr);
    for (long c = vec * 16; c < cols; c++) yr[c] *= inv;
}
