/*
 * matvec_avx2.c -- dense matrix-vector product y = A x with AVX2 + FMA.
 *
 * What: A is m x n row-major, x has n entries, y has m entries:
 *     y[i] = sum_j A[i][j] * x[j]
 *
 * Roofline: every element of A is used exactly once (2 flops per 4 bytes,
 * arithmetic intensity 0.5 flop/B), so the kernel is bound by the bandwidth
 * of streaming A; x (n * 4 B) is reused by every row and stays in L1/L2.
 *
 * Technique: each row is a dot product with four independent ymm FMA
 * accumulators (32 floats per iteration) to cover FMA latency and keep two
 * loads per cycle in flight; the accumulators are added and reduced with
 * 128-bit shuffles.  Rows are spread across threads with a static OpenMP
 * schedule, so each thread streams a contiguous slab of A.  A scalar loop
 * handles the last n % 8 columns.
 */
#include <immintrin.h>
#include <stddef.h>

/* Horizontal sum of the 8 lanes of a ymm register. */
static inline float mv_hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x1));
    return _mm_cvtss_f32(s);
}

/* Dot product of one row of A with x, four accumulators + scalar tail. */
static inline float mv_row_dot(const float *a, const float *x, long n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(x + j), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(x + j + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 16), _mm256_loadu_ps(x + j + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 24), _mm256_loadu_ps(x + j + 24), s3);
    }
    for (; j + 8 <= n; j += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(x + j), s0);
    float s = mv_hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; j < n; ++j)
        s += a[j] * x[j];
    return s;
}

/* matvec: exported entry point, y = A x for an m x n matrix. */
void matvec(const float *a, const float *x, float *y, long m, long n)
{
#pragma omp parallel for schedule(static)
    for (long i = 0; i < m; ++i)
        y[i] = mv_row_dot(a + (size_t)i * (size_t)n, x, n);
}
