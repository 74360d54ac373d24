#ifndef KB_VECTOR_SCAN_H
#define KB_VECTOR_SCAN_H
#include <stdint.h>

/// Dot products of an int8 query with `count` int8 rows of `dimension` values each (row-major), into `out`.
/// With AVX-512 VNNI (and a dimension that is a multiple of 64) a vpdpbusd loop; otherwise the portable loop,
/// compiled for AVX-512BW, AVX2 and baseline x86-64 and chosen at load time (GCC/Clang target_clones). Exact either way.
void kb_dot_i8(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out);

/// `kb_dot_i8` without the VNNI path: the reference tests hold it to.
void kb_dot_i8_portable(const int8_t *query, const int8_t *rows, long dimension, long count, int32_t *out);

/// Dot products of a sparse int8 query with rows `first ..< first + rows` of a column-major index (`count` values per
/// column; the value of row i in dimension j at `columns[j * count + i]`), into `out[0 ..< rows]`. The query is its
/// `nnz` nonzero dimensions `dims` (each < the index's dimension) and their `values`. Only those columns are read. Exact
/// (int32 sums; |sum| < 2^31 for up to 131,072 dimensions).
void kb_dot_i8_columns(const int8_t *columns, long count, const int32_t *dims, const int8_t *values, long nnz,
                       long first, long rows, int32_t *out);

/// Writes `count` row-major vectors of `dimension` values (`rows`) column-major into `columns` (`count * dimension`).
void kb_transpose_i8(const int8_t *rows, long count, long dimension, int8_t *columns);

/// Copies rows `first ..< first + rows` of a column-major index of `count` rows out row-major into `out`.
void kb_column_rows(const int8_t *columns, long count, long dimension, long first, long rows, int8_t *out);

#endif
