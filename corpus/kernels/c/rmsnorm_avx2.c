/*
 * rmsnorm_avx2.c -- AVX2 + FMA RMS normalization with a scalar tail.
 *
 * What: y = x / sqrt(mean(x^2) + eps) * weight for each row.
 *
 * Technique: 8-wide ymm registers, two FMA accumulators for the sum of
 * squares, and a horizontal reduction done with extract/hadd-free shuffles
 * (128-bit halves added, then movehl, then a single-lane shuffle).  AVX2 has
 * no lane masks for arithmetic, so the last cols % 8 elements go through a
 * short scalar loop; _mm256_maskload_ps could be used instead, but for
 * row lengths >= 256 the scalar epilogue is under 3% of the work.
 *
 * This is the variant to use on CPUs without AVX-512 (or where 512-bit ops
 * down-clock the core).  OpenMP distributes rows statically.
 */
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

/* Horizontal sum of the 8 lanes of a ymm register. */
static inline float hsum256_ps(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    __m128 sh = _mm_movehl_ps(lo, lo);
    lo = _mm_add_ps(lo, sh);
    sh = _mm_shuffle_ps(lo, lo, 0x1);
    return _mm_cvtss_f32(_mm_add_ss(lo, sh));
}

/* Sum of squares of one row: two ymm FMA chains plus a scalar tail. */
static inline float rms_sumsq_avx2(const float *x, long cols)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    long c = 0;
    for (; c + 16 <= cols; c += 16) {
        __m256 v0 = _mm256_loadu_ps(x + c), v1 = _mm256_loadu_ps(x + c + 8);
        a0 = _mm256_fmadd_ps(v0, v0, a0);
        a1 = _mm256_fmadd_ps(v1, v1, a1);
    }
    for (; c + 8 <= cols; c += 8) {
        __m256 v = _mm256_loadu_ps(x + c);
        a0 = _mm256_fmadd_ps(v, v, a0);
    }
    float s = hsum256_ps(_mm256_add_ps(a0, a1));
    for (; c < cols; ++c)
        s += x[c] * x[c];
    return s;
}

/* rmsnorm: exported entry point. */
void rmsnorm(const float *x, const float *weight, float *y, long rows, long cols, float eps)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r) {
        const float *xr = x + (size_t)r * (size_t)cols;
        float *yr = y + (size_t)r * (size_t)cols;
        float inv = 1.0f / sqrtf(rms_sumsq_avx2(xr, cols) / (float)cols + eps);
        const __m256 vs = _mm256_set1_ps(inv);
        long c = 0;
        for (; c + 8 <= cols; c += 8) {
            __m256 v = _mm256_mul_ps(_mm256_loadu_ps(xr + c), vs);
            _mm256_storeu_ps(yr + c, _mm256_mul_ps(v, _mm256_loadu_ps(weight + c)));
        }
        for (; c < cols; ++c)
            yr[c] = xr[c] * inv * weight[c];
    }
}
