/*
 * relu_avx2.c -- ReLU with AVX2, 4x unrolled, AVX2 masked tail.
 *
 * What: y = max(x, 0), elementwise over n floats.
 *
 * Technique: the body processes 32 floats per iteration (four ymm loads,
 * four vmaxps, four stores), which is enough to keep two loads and one
 * store per cycle in flight; the kernel is purely bandwidth bound
 * (8 bytes moved per element, no arithmetic to speak of).  The last n % 8
 * elements use _mm256_maskload_ps / _mm256_maskstore_ps with an integer
 * lane mask whose sign bits select active lanes, so no element outside the
 * array is read or written.
 *
 * NaN semantics: VMAXPS returns its *second* source operand when either
 * input is NaN, so the operand order _mm256_max_ps(zero, x) propagates a NaN
 * input to the output (as framework ReLUs do) instead of silently turning it
 * into 0.
 */
#include <immintrin.h>
#include <stddef.h>

/* Integer lane mask with the first `rem` (0..8) lanes active (sign bit set). */
static inline __m256i relu_tail_mask(long rem)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), lane);
}

/* relu: exported entry point. */
void relu(const float *x, float *y, long n)
{
    const __m256 zero = _mm256_setzero_ps();
    long nblk = n / 32;
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nblk; ++b) {
        const float *xs = x + 32 * b;
        float *ys = y + 32 * b;
        __m256 v0 = _mm256_loadu_ps(xs), v1 = _mm256_loadu_ps(xs + 8);
        __m256 v2 = _mm256_loadu_ps(xs + 16), v3 = _mm256_loadu_ps(xs + 24);
        _mm256_storeu_ps(ys, _mm256_max_ps(zero, v0));
        _mm256_storeu_ps(ys + 8, _mm256_max_ps(zero, v1));
        _mm256_storeu_ps(ys + 16, _mm256_max_ps(zero, v2));
        _mm256_storeu_ps(ys + 24, _mm256_max_ps(zero, v3));
    }
    long i = nblk * 32;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_max_ps(zero, _mm256_loadu_ps(x + i)));
    if (i < n) {
        __m256i m = relu_tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, _mm256_max_ps(zero, _mm256_maskload_ps(x + i, m)));
    }
}
