/* Times kb's int8 vector scan, kb_dot_i8 (the VNNI loop where the CPU has it) against kb_dot_i8_portable, on one
   thread over N random rows of 512 values (default 109,220: the 100k-chunk benchmark's index), and checks that
   both give the same integers. Build with the toolchain's clang at -O2, as the package builds C targets (GCC at -O2
   does not vectorize the portable loop, which then runs ~8x slower):
     clang -O2 -I Sources/CVectorScan/include bench/vector_scan.c Sources/CVectorScan/kb_vector_scan.c -o /tmp/vscan
     /tmp/vscan [ROWS] */
#include "kb_vector_scan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const long dimension = 512;
    long rows = argc > 1 ? atol(argv[1]) : 109220;
    if (rows <= 0) { fprintf(stderr, "usage: vscan [ROWS > 0]\n"); return 2; }
    int8_t *data = malloc((size_t)(rows * dimension)), query[512];
    int32_t *fast = malloc((size_t)rows * sizeof(int32_t)), *portable = malloc((size_t)rows * sizeof(int32_t));
    if (!data || !fast || !portable) { fprintf(stderr, "out of memory\n"); return 1; }
    unsigned long long state = 42;
    for (long i = 0; i < rows * dimension; i++) { state = state * 6364136223846793005ULL + 1; data[i] = (int8_t)(state >> 56); }
    for (long j = 0; j < dimension; j++) { state = state * 6364136223846793005ULL + 1; query[j] = (int8_t)(state >> 56); }
    kb_dot_i8(query, data, dimension, rows, fast);
    kb_dot_i8_portable(query, data, dimension, rows, portable);
    if (memcmp(fast, portable, (size_t)rows * sizeof(int32_t)) != 0) { fprintf(stderr, "results differ\n"); return 1; }
    enum { runs = 15 };
    double a[runs], b[runs];
    for (int r = 0; r < runs; r++) {  // alternating, so both see the same machine
        double t = now(); kb_dot_i8_portable(query, data, dimension, rows, portable); a[r] = now() - t;
        t = now(); kb_dot_i8(query, data, dimension, rows, fast); b[r] = now() - t;
    }
    qsort(a, runs, sizeof(double), compare);
    qsort(b, runs, sizeof(double), compare);
    double mb = (double)(rows * dimension) / 1e6;
    printf("%ld rows x %ld: portable median %.2f ms (%.1f GB/s), kb_dot_i8 median %.2f ms (%.1f GB/s), ratio %.2fx; equal results\n",
           rows, dimension, a[runs / 2] * 1e3, mb / a[runs / 2] / 1e3, b[runs / 2] * 1e3, mb / b[runs / 2] / 1e3, a[runs / 2] / b[runs / 2]);
    free(data); free(fast); free(portable);
    return 0;
}
