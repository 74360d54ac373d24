#include "kb_vector_scan.h"

/* The exact scan behind kb's vector leg. Plain C that compilers vectorize into widening multiply-adds
   (vpmaddwd / vpdpbusd-style sequences) once a wide ISA is allowed; target_clones builds one copy per ISA and
   an ifunc picks the best at load time, so the binary still runs on any x86-64. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__APPLE__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void kb_dot_i8(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out) {
    for (long i = 0; i < count; i++) {
        const int8_t *row = rows + i * dimension;
        int32_t acc = 0;
        for (long j = 0; j < dimension; j++) acc += (int32_t)row[j] * (int32_t)query[j];
        out[i] = acc;
    }
}
