#ifndef KB_VECTOR_SCAN_H
#define KB_VECTOR_SCAN_H
#include <stdint.h>

/// Dot products of an int8 query with `count` int8 rows of `dimension` values each (row-major), into `out`.
/// With AVX-512 VNNI (and a dimension that is a multiple of 64) a vpdpbusd loop; otherwise the portable loop,
/// compiled for AVX-512BW, AVX2 and baseline x86-64 and chosen at load time (GCC/Clang target_clones). Exact either way.
void kb_dot_i8(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out);

/// `kb_dot_i8` without the VNNI path: the reference tests hold it to.
void kb_dot_i8_portable(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out);

#endif
