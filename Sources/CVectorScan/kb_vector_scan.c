#include "kb_vector_scan.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__APPLE__)
#define KB_X86_DISPATCH 1
#include <immintrin.h>
#endif

/* The exact scan behind kb's vector leg. Plain C that compilers vectorize into widening multiply-adds once a wide
   ISA is allowed; target_clones builds one copy per ISA and an ifunc picks the best at load time, so the binary
   still runs on any x86-64. */
#ifdef KB_X86_DISPATCH
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void dot_portable(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out) {
    for (long i = 0; i < count; i++) {
        const int8_t *row = rows + i * dimension;
        int32_t acc = 0;
        for (long j = 0; j < dimension; j++) acc += (int32_t)row[j] * (int32_t)query[j];
        out[i] = acc;
    }
}

#ifdef KB_X86_DISPATCH
/* AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes, so each row byte is flipped to unsigned (r ^ 0x80 =
   r + 128) and the sum corrected: dot(r, q) = dot(r + 128, q) - 128 * sum(q), exact in int32 (|dot| < 2^24). Four
   rows at a time share each 64-byte block of the query. The compiler's widening code for the portable loop
   (vpmovsxbw + vpmaddwd) ran at ~7 GB/s on Sapphire Rapids; this runs at ~9-11 GB/s, near one core's memory
   bandwidth (bench/vector_scan.c: 56 MB, a 100k-chunk index, 1.27-1.31x faster on one thread). */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void dot_vnni(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out) {
    int32_t query_sum = 0;
    for (long j = 0; j < dimension; j++) query_sum += query[j];
    const int32_t correction = 128 * query_sum;
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const long blocks = dimension / 64;
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        const int8_t *r = rows + i * dimension;
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
        for (long b = 0; b < blocks; b++) {
            const __m512i q = _mm512_loadu_si512(query + b * 64);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_loadu_si512(r + b * 64), flip), q);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_xor_si512(_mm512_loadu_si512(r + dimension + b * 64), flip), q);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_xor_si512(_mm512_loadu_si512(r + 2 * dimension + b * 64), flip), q);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_xor_si512(_mm512_loadu_si512(r + 3 * dimension + b * 64), flip), q);
        }
        out[i] = _mm512_reduce_add_epi32(a0) - correction;
        out[i + 1] = _mm512_reduce_add_epi32(a1) - correction;
        out[i + 2] = _mm512_reduce_add_epi32(a2) - correction;
        out[i + 3] = _mm512_reduce_add_epi32(a3) - correction;
    }
    for (; i < count; i++) {
        const int8_t *r = rows + i * dimension;
        __m512i a = _mm512_setzero_si512();
        for (long b = 0; b < blocks; b++) {
            a = _mm512_dpbusd_epi32(a, _mm512_xor_si512(_mm512_loadu_si512(r + b * 64), flip),
                                    _mm512_loadu_si512(query + b * 64));
        }
        out[i] = _mm512_reduce_add_epi32(a) - correction;
    }
}
#endif

void kb_dot_i8(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out) {
#ifdef KB_X86_DISPATCH
    // Asked once: whether the CPU has AVX-512 VNNI (the answer never changes, so two threads asking at once only
    // store the same value; relaxed atomics keep that well-defined).
    static int vnni = -1;
    int has = __atomic_load_n(&vnni, __ATOMIC_RELAXED);
    if (has < 0) {
        __builtin_cpu_init();
        has = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") ? 1 : 0;
        __atomic_store_n(&vnni, has, __ATOMIC_RELAXED);
    }
    if (has && dimension > 0 && dimension % 64 == 0) {
        dot_vnni(query, rows, dimension, count, out);
        return;
    }
#endif
    dot_portable(query, rows, dimension, count, out);
}

void kb_dot_i8_portable(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out) {
    dot_portable(query, rows, dimension, count, out);
}

/* The scan of a column-major index (one contiguous column of `count` values per dimension). A query's embedding is
   sparse: its words and their character n-grams fill 16-133 of the 512 dimensions (79 at the median over the bundled
   test queries), so only those columns are read, in row blocks whose int32 sums stay in L1. Over 109,220 rows on one
   thread (bench/vector_scan.c) it ran 14x faster than the row scan at 30 dimensions, 9x at 60, 3.8x at 120, and 0.9x
   for a dense query. Four columns per pass keep the sums' loads and stores to a quarter. */
#ifdef KB_X86_DISPATCH
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void columns_portable(const int8_t *columns, long count, const int32_t *dims, const int8_t *values, long nnz,
                             long first, long rows, int32_t *restrict out) {
    for (long i = 0; i < rows; i++) out[i] = 0;
    long k = 0;
    for (; k + 4 <= nnz; k += 4) {
        const int8_t *restrict a = columns + dims[k] * count + first;
        const int8_t *restrict b = columns + dims[k + 1] * count + first;
        const int8_t *restrict c = columns + dims[k + 2] * count + first;
        const int8_t *restrict d = columns + dims[k + 3] * count + first;
        const int32_t qa = values[k], qb = values[k + 1], qc = values[k + 2], qd = values[k + 3];
        for (long i = 0; i < rows; i++) out[i] += qa * a[i] + qb * b[i] + qc * c[i] + qd * d[i];
    }
    for (; k < nnz; k++) {
        const int8_t *restrict a = columns + dims[k] * count + first;
        const int32_t qa = values[k];
        for (long i = 0; i < rows; i++) out[i] += qa * a[i];
    }
}

void kb_dot_i8_columns(const int8_t *columns, long count, const int32_t *dims, const int8_t *values, long nnz,
                       long first, long rows, int32_t *out) {
    if (rows <= 0) return;
    columns_portable(columns, count, dims, values, nnz, first, rows, out);
}

#if defined(__SSE2__)
#include <emmintrin.h>
/* One 16 x 16 tile: 16 rows of 16 bytes in, 16 columns of 16 bytes out, by four rounds of byte, word, dword and
   qword interleaves (SSE2, every x86-64 has it). */
static inline __attribute__((always_inline)) void transpose16(const int8_t *in, long in_stride, int8_t *out, long out_stride) {
    __m128i r[16], t[16];
    // Unrolled in full, so the 16 registers' worth stays in registers rather than on the stack.
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) r[i] = _mm_loadu_si128((const __m128i *)(in + i * in_stride));
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm_unpacklo_epi8(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm_unpackhi_epi8(r[2 * i], r[2 * i + 1]);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; i++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < 2; j++) {
            r[4 * i + 2 * j] = _mm_unpacklo_epi16(t[4 * i + j], t[4 * i + j + 2]);
            r[4 * i + 2 * j + 1] = _mm_unpackhi_epi16(t[4 * i + j], t[4 * i + j + 2]);
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 2; i++) {
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            t[8 * i + 2 * j] = _mm_unpacklo_epi32(r[8 * i + j], r[8 * i + j + 4]);
            t[8 * i + 2 * j + 1] = _mm_unpackhi_epi32(r[8 * i + j], r[8 * i + j + 4]);
        }
    }
#pragma clang loop unroll(full)
    for (int j = 0; j < 8; j++) {
        r[2 * j] = _mm_unpacklo_epi64(t[j], t[j + 8]);
        r[2 * j + 1] = _mm_unpackhi_epi64(t[j], t[j + 8]);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 16; i++) _mm_storeu_si128((__m128i *)(out + i * out_stride), r[i]);
}
#endif

/* Rows to columns: 16 x 16 tiles by SSE2 interleaves, four under one another so each column takes a whole cache
   line at a time, where the shape allows; the edges by a scalar loop (~6 instructions per byte, the largest part of
   what column-major storage added to an ingest when it did all of it). */
void kb_transpose_i8(const int8_t *rows, long count, long dimension, int8_t *columns) {
    long full_rows = 0, full_dims = 0;
#if defined(__SSE2__)
    // 64 rows at a time, so each column gets a whole cache line per pass (four tiles one under the other).
    full_rows = count / 64 * 64;
    full_dims = dimension / 16 * 16;
    for (long i = 0; i < full_rows; i += 64)
        for (long j = 0; j < full_dims; j += 16)
            for (long k = 0; k < 64; k += 16)
                transpose16(rows + (i + k) * dimension + j, dimension, columns + j * count + i + k, count);
#endif
    for (long j = 0; j < dimension; j++) {
        int8_t *out = columns + j * count;
        // Rows the tiles did not cover: all of them for dimensions past the last full tile, the last rows otherwise.
        for (long i = j < full_dims ? full_rows : 0; i < count; i++) out[i] = rows[i * dimension + j];
    }
}

void kb_column_rows(const int8_t *columns, long count, long dimension, long first, long rows, int8_t *out) {
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < dimension; j++) out[i * dimension + j] = columns[j * count + first + i];
}
