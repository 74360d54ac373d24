/*
 * transpose_blocked.c -- portable cache-blocked out-of-place transpose.
 *
 * What: b[j][i] = a[i][j], a is rows x cols, b is cols x rows (row-major).
 *
 * Why blocking: a naive double loop reads `a` with unit stride but writes
 * `b` with a stride of rows * 4 bytes, so every store touches a different
 * cache line (and, for power-of-two strides, the same L1 set -> conflict
 * misses and 4 KiB aliasing).  Working on BxB tiles makes both the B source
 * lines and the B destination lines live in L1 at the same time: for B = 32,
 * 32 source lines of 128 B + 32 destination lines = 8 KiB.  Each fetched line
 * is then fully used before eviction, and traffic approaches the ideal
 * 4 B read + 4 B written per element (plus write-allocate for b).
 *
 * The tile loops are parallelised over row blocks with OpenMP; each thread
 * writes a disjoint column band of b.  Edge tiles are clipped with min().
 */
#include <stddef.h>

#define TB 32

/* Transpose one tile [i0,i1) x [j0,j1) of a into b. */
static inline void transpose_tile(const float *a, float *b, long rows, long cols,
                                  long i0, long i1, long j0, long j1)
{
    for (long i = i0; i < i1; ++i)
        for (long j = j0; j < j1; ++j)
            b[(size_t)j * (size_t)rows + i] = a[(size_t)i * (size_t)cols + j];
}

/* transpose: exported entry point. */
void transpose(const float *a, float *b, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long i0 = 0; i0 < rows; i0 += TB) {
        long i1 = i0 + TB < rows ? i0 + TB : rows;
        for (long j0 = 0; j0 < cols; j0 += TB) {
            long j1 = j0 + TB < cols ? j0 + TB : cols;
            transpose_tile(a, b, rows, cols, i0, i1, j0, j1);
        }
    }
}
