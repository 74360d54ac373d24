/* Times kb's int8 vector scans on one thread over N random rows of 512 values (default 109,220: the 100k-chunk
   benchmark's index), and checks that all give the same integers:
   - the row scan of files of earlier formats, kb_dot_i8 (the VNNI loop where the CPU has it) against
     kb_dot_i8_portable;
   - the column scan of the current format, kb_dot_i8_columns, in kb's blocks of 4,096 rows, with queries of NNZ
     nonzero dimensions (default 30, 60, 120 and 512; a query's embedding fills 16-133, 79 at the median).
   Build with the toolchain's clang at -O2, as the package builds C targets (GCC at -O2 does not vectorize the portable
   loop, which then runs ~8x slower):
     clang -O2 -I Sources/CVectorScan/include bench/vector_scan.c Sources/CVectorScan/kb_vector_scan.c -o /tmp/vscan
     /tmp/vscan [ROWS [NNZ...]] */
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
    if (rows <= 0) { fprintf(stderr, "usage: vscan [ROWS > 0 [NNZ...]]\n"); return 2; }
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

    // The column scan: the same rows column-major, queries with NNZ nonzero dimensions spread over the 512.
    int8_t *columns = malloc((size_t)(rows * dimension));
    if (!columns) { fprintf(stderr, "out of memory\n"); return 1; }
    kb_transpose_i8(data, rows, dimension, columns);
    long defaults[] = {30, 60, 120, 512};
    int counts = argc > 2 ? argc - 2 : 4;
    for (int c = 0; c < counts; c++) {
        long nnz = argc > 2 ? atol(argv[c + 2]) : defaults[c];
        if (nnz <= 0 || nnz > dimension) { fprintf(stderr, "NNZ must be 1...%ld\n", dimension); return 2; }
        int8_t sparse[512] = {0}, values[512];
        int32_t dims[512];
        for (long k = 0; k < nnz; k++) {
            dims[k] = (int32_t)(k * dimension / nnz);
            state = state * 6364136223846793005ULL + 1;
            values[k] = (int8_t)((state >> 56) | 1);
            sparse[dims[k]] = values[k];
        }
        const long block = 4096;
        kb_dot_i8_portable(sparse, data, dimension, rows, portable);
        for (long f = 0; f < rows; f += block)
            kb_dot_i8_columns(columns, rows, dims, values, nnz, f, f + block < rows ? block : rows - f, fast + f);
        if (memcmp(fast, portable, (size_t)rows * sizeof(int32_t)) != 0) { fprintf(stderr, "column scan differs\n"); return 1; }
        for (int r = 0; r < runs; r++) {
            double t = now(); kb_dot_i8(sparse, data, dimension, rows, portable); a[r] = now() - t;
            t = now();
            for (long f = 0; f < rows; f += block)
                kb_dot_i8_columns(columns, rows, dims, values, nnz, f, f + block < rows ? block : rows - f, fast + f);
            b[r] = now() - t;
        }
        qsort(a, runs, sizeof(double), compare);
        qsort(b, runs, sizeof(double), compare);
        printf("query with %ld nonzero dimensions: row scan (kb_dot_i8) median %.2f ms, column scan median %.2f ms, "
               "ratio %.2fx; equal results\n", nnz, a[runs / 2] * 1e3, b[runs / 2] * 1e3, a[runs / 2] / b[runs / 2]);
    }
    free(columns); free(data); free(fast); free(portable);
    return 0;
}
