/*
 * matmul_tiled_portable.c -- portable cache-tiled matrix multiply that relies
 * on GCC's auto-vectorizer (no intrinsics), OpenMP over row tiles.
 *
 * What: C = A * B with A m x k, B k x n, C m x n, row-major.
 *
 * Technique: i-k-j loop order.  The innermost loop is
 *     c[i][j0..j1) += a[i][p] * b[p][j0..j1)
 * a broadcast scalar times a contiguous row of B added into a contiguous row
 * of C: unit stride everywhere, no reduction, so GCC -O3 vectorises it into
 * FMAs at the native width without -ffast-math.  `restrict` promises that C
 * does not alias A or B, which removes the runtime alias checks.
 *
 * Tiling: TJ columns of C (TJ * 4 B = 1 KiB per row) and TK rows of B
 * (TK x TJ x 4 B = 128 KiB of B, sized for a 1 MiB L2) are reused across all
 * TI rows of the tile; the tile of C (TI x TJ floats = 32 KiB) stays in L1/L2
 * while TK updates are applied to it.  Expect 25-40% of peak: the C tile is
 * loaded and stored every k step, unlike a register-blocked micro-kernel
 * (see matmul_blocked_avx512.c), but it is correct and fast on any ISA.
 */
#include <stddef.h>
#include <string.h>

#define TI 32
#define TJ 256
#define TK 128

/* Multiply-accumulate one tile: C[i0:i1, j0:j1] += A[i0:i1, p0:p1] * B[p0:p1, j0:j1]. */
static void tile_madd(const float *restrict a, const float *restrict b, float *restrict c,
                      long n, long k, long i0, long i1, long j0, long j1, long p0, long p1)
{
    for (long i = i0; i < i1; ++i) {
        float *restrict ci = c + (size_t)i * (size_t)n;
        for (long p = p0; p < p1; ++p) {
            const float aip = a[(size_t)i * (size_t)k + p];
            const float *restrict bp = b + (size_t)p * (size_t)n;
            for (long j = j0; j < j1; ++j)
                ci[j] += aip * bp[j];
        }
    }
}

/* matmul: exported entry point; zeroes C then accumulates tile products. */
void matmul(const float *a, const float *b, float *c, long m, long n, long k)
{
#pragma omp parallel for schedule(static)
    for (long i0 = 0; i0 < m; i0 += TI) {
        long i1 = i0 + TI < m ? i0 + TI : m;
        for (long i = i0; i < i1; ++i)
            memset(c + (size_t)i * (size_t)n, 0, (size_t)n * sizeof(float));
        for (long j0 = 0; j0 < n; j0 += TJ) {
            long j1 = j0 + TJ < n ? j0 + TJ : n;
            for (long p0 = 0; p0 < k; p0 += TK) {
                long p1 = p0 + TK < k ? p0 + TK : k;
                tile_madd(a, b, c, n, k, i0, i1, j0, j1, p0, p1);
            }
        }
    }
}
