/* kb hardware probe: DRAM bandwidth (regular and non-temporal stores, read-only) and peak FP32 FMA rate.
 * Usage: probe MIB_PER_ARRAY REPS THREADS...   Prints: "bw KIND THREADS GBPS" and "flops THREADS GFLOPS" lines.
 * With KB_PROBE_COPY_ONLY=1 in the environment it measures only the regular-store copy (the verifier's
 * bandwidth check beside each benchmark). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <omp.h>
#include <immintrin.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static void scale(const float *a, float *b, long n) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) b[i] = 3.0f * a[i];
}

static void scale_nt(const float *a, float *b, long n) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i += 64) {
#if defined(__AVX512F__)
        for (int j = 0; j < 64; j += 16) _mm512_stream_ps(b + i + j, _mm512_mul_ps(_mm512_set1_ps(3.0f), _mm512_load_ps(a + i + j)));
#elif defined(__AVX__)
        for (int j = 0; j < 64; j += 8) _mm256_stream_ps(b + i + j, _mm256_mul_ps(_mm256_set1_ps(3.0f), _mm256_load_ps(a + i + j)));
#elif defined(__SSE2__)
        for (int j = 0; j < 64; j += 4) _mm_stream_ps(b + i + j, _mm_mul_ps(_mm_set1_ps(3.0f), _mm_load_ps(a + i + j)));
#else
        for (int j = 0; j < 64; j++) b[i + j] = 3.0f * a[i + j];
#endif
    }
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

static float readsum(const float *a, long n) {
    float total = 0;
#pragma omp parallel
    {
        typedef float v16 __attribute__((vector_size(64)));
        v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
#pragma omp for schedule(static)
        for (long i = 0; i < n; i += 64) {
            const v16 *p = (const v16 *)(a + i);
            s0 += p[0]; s1 += p[1]; s2 += p[2]; s3 += p[3];
        }
        v16 s = s0 + s1 + s2 + s3;
        float t = 0; for (int j = 0; j < 16; j++) t += s[j];
#pragma omp atomic
        total += t;
    }
    return total;
}

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float vf __attribute__((vector_size(LANES * 4)));

static double fma_rate(long iters) {
    double t0 = now();
    float total = 0;
#pragma omp parallel
    {
        vf m, c, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11;
        for (int j = 0; j < LANES; j++) { m[j] = 0.9999f; c[j] = 1e-4f; }
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = a10 = a11 = c;
        for (long i = 0; i < iters; i++) {
            a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
            a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
            a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
            __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
            __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
        }
        vf s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
#pragma omp atomic
        total += s[0];
    }
    double t = now() - t0;
    int threads = omp_get_max_threads();
    if (total == 12345.678f) printf("#\n");
    return 2.0 * LANES * 12.0 * (double)iters * threads / t / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: probe MIB REPS THREADS...\n"); return 2; }
    long n = atol(argv[1]) * 1024L * 1024L / 4;
    int reps = atoi(argv[2]);
    float *a = aligned_alloc(64, (size_t)n * 4), *b = aligned_alloc(64, (size_t)n * 4);
    if (!a || !b) { fprintf(stderr, "out of memory\n"); return 3; }
    for (int t = 3; t < argc; t++) {
        int threads = atoi(argv[t]);
        omp_set_num_threads(threads);
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++) { a[i] = (float)(i & 1023); b[i] = 0; }
        scale(a, b, n); scale_nt(a, b, n); (void)readsum(a, n);
        const char *copy_only = getenv("KB_PROBE_COPY_ONLY");
        if (copy_only && copy_only[0] == '1') {
            for (int r = 0; r < reps; r++) {
                double t0 = now(); scale(a, b, n); double t1 = now();
                printf("bw copy %d %.3f\n", threads, 2.0 * n * 4 / (t1 - t0) / 1e9);
            }
            fflush(stdout);
            continue;
        }
        for (int r = 0; r < reps; r++) {
            double t0 = now(); scale(a, b, n); double t1 = now();
            printf("bw copy %d %.3f\n", threads, 2.0 * n * 4 / (t1 - t0) / 1e9);
            t0 = now(); scale_nt(a, b, n); t1 = now();
            printf("bw copy_nt %d %.3f\n", threads, 2.0 * n * 4 / (t1 - t0) / 1e9);
            t0 = now(); volatile float s = readsum(a, n); t1 = now(); (void)s;
            printf("bw read %d %.3f\n", threads, 1.0 * n * 4 / (t1 - t0) / 1e9);
        }
        (void)fma_rate(2000000);
        for (int r = 0; r < reps; r++) printf("flops %d %.3f\n", threads, fma_rate(20000000));
        fflush(stdout);
    }
    return 0;
}
