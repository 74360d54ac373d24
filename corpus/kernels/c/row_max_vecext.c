/*
 * row_max_vecext.c -- row maximum with GCC vector extensions (portable SIMD).
 *
 * What: y[r] = max_c x[r][c].
 *
 * Technique: `float __attribute__((vector_size(32)))` is an 8-lane vector that
 * GCC maps to ymm on x86 (vmaxps after pattern matching the select below),
 * to two xmm on SSE-only targets and to NEON on Arm.  C has no vector
 * ternary operator, so max is written as a bitwise select on the comparison
 * mask (`v > m` yields all-ones / all-zeros int lanes); GCC recognises the
 * idiom.  Two accumulators break the dependency chain; the final lanes and
 * the cols % 8 tail are folded with scalar code.
 *
 * NaN policy: a comparison with NaN is false, so NaNs are skipped unless the
 * whole row is NaN (then the first element, NaN, is returned).
 */
#include <stddef.h>
#include <string.h>

typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));

/* Unaligned load of 8 floats. */
static inline v8sf rm_load8(const float *p)
{
    v8sf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Lane-wise max via compare-and-select. */
static inline v8sf rm_vmax(v8sf a, v8sf b)
{
    v8si gt = b > a;
    return (v8sf)(((v8si)b & gt) | ((v8si)a & ~gt));
}

/* Max of one row: vector body, then horizontal fold and scalar tail. */
static inline float rm_row_max(const float *x, long cols)
{
    long c = 0;
    float m = x[0];
    if (cols >= 16) {
        v8sf m0 = rm_load8(x), m1 = rm_load8(x + 8);
        for (c = 16; c + 16 <= cols; c += 16) {
            m0 = rm_vmax(m0, rm_load8(x + c));
            m1 = rm_vmax(m1, rm_load8(x + c + 8));
        }
        m0 = rm_vmax(m0, m1);
        m = m0[0];
        for (int j = 1; j < 8; ++j)
            m = m0[j] > m ? m0[j] : m;
    }
    for (; c < cols; ++c)
        m = x[c] > m ? x[c] : m;
    return m;
}

/* row_max: exported entry point. */
void row_max(const float *x, float *y, long rows, long cols)
{
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; ++r)
        y[r] = rm_row_max(x + (size_t)r * (size_t)cols, cols);
}
