/*
 * transpose_avx2.c -- blocked transpose with an in-register 8x8 AVX
 * shuffle network.
 *
 * What: b[j][i] = a[i][j] for a rows x cols row-major matrix a.
 *
 * 8x8 kernel: load 8 rows of 8 floats (8 ymm), then three shuffle stages:
 *   1. _mm256_unpacklo_ps / _mm256_unpackhi_ps interleave row pairs
 *      (2x2 blocks of 32-bit elements inside each 128-bit lane);
 *   2. _mm256_shuffle_ps with _MM_SHUFFLE(1,0,1,0) / (3,2,3,2) merges 64-bit
 *      pairs, giving 4x4 transposes within each 128-bit lane;
 *   3. _mm256_permute2f128_ps with 0x20 / 0x31 swaps 128-bit halves between
 *      registers to finish the 8x8 transpose.
 * That is 24 shuffle uops for 64 elements, and all loads and stores are full
 * 32-byte rows: no strided scalar stores at all.
 *
 * Blocking: the 8x8 kernels are swept over 64x64 tiles so that the 64 source
 * and 64 destination lines stay in L1.  Edges that are not a multiple of 8
 * fall back to scalar copies.  OpenMP splits the row tiles.
 */
#include <immintrin.h>
#include <stddef.h>

#define TT 64

/* Transpose the 8x8 block at a (leading dim lda) into b (leading dim ldb). */
static inline void transpose8x8_ps(const float *a, long lda, float *b, long ldb)
{
    __m256 r0 = _mm256_loadu_ps(a + 0 * lda), r1 = _mm256_loadu_ps(a + 1 * lda);
    __m256 r2 = _mm256_loadu_ps(a + 2 * lda), r3 = _mm256_loadu_ps(a + 3 * lda);
    __m256 r4 = _mm256_loadu_ps(a + 4 * lda), r5 = _mm256_loadu_ps(a + 5 * lda);
    __m256 r6 = _mm256_loadu_ps(a + 6 * lda), r7 = _mm256_loadu_ps(a + 7 * lda);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(b + 0 * ldb, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(b + 1 * ldb, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(b + 2 * ldb, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(b + 3 * ldb, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(b + 4 * ldb, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(b + 5 * ldb, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(b + 6 * ldb, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(b + 7 * ldb, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* Transpose a tile using 8x8 kernels where possible and scalar edges. */
static void transpose_tile_avx2(const float *a, float *b, long rows, long cols,
                                long i0, long i1, long j0, long j1)
{
    long i8 = i0 + ((i1 - i0) & ~7L), j8 = j0 + ((j1 - j0) & ~7L);
    for (long i = i0; i < i8; i += 8)
        for (long j = j0; j < j8; j += 8)
            transpose8x8_ps(a + (size_t)i * (size_t)cols + j, cols,
                            b + (size_t)j * (size_t)rows + i, rows);
    for (long i = i0; i < i1; ++i) /* right edge columns j8..j1 */
        for (long j = j8; j < j1; ++j)
            b[(size_t)j * (size_t)rows + i] = a[(size_t)i * (size_t)cols + j];
    for (long i = i8; i < i1; ++i) /* bottom edge rows i8..i1 */
        for (long j = j0; j < j8; ++j)
            b[(size_t)j * (size_t)rows + i] = a[(size_t)i * (size_t)cols + j];
}

/* transpose: exported entry point. */
void transpose(const float *a, float *b, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long i0 = 0; i0 < rows; i0 += TT) {
        long i1 = i0 + TT < rows ? i0 + TT : rows;
        for (long j0 = 0; j0 < cols; j0 += TT) {
            long j1 = j0 + TT < cols ? j0 + TT : cols;
            transpose_tile_avx2(a, b, rows, cols, i0, i1, j0, j1);
        }
    }
}
