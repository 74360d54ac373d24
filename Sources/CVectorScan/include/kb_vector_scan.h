#ifndef KB_VECTOR_SCAN_H
#define KB_VECTOR_SCAN_H
#include <stdint.h>

/// Dot products of an int8 query with `count` int8 rows of `dimension` values each (row-major), into `out`.
/// Compiled for AVX-512BW, AVX2 and baseline x86-64, chosen at load time by the CPU (GCC/Clang target_clones).
void kb_dot_i8(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out);

#endif
