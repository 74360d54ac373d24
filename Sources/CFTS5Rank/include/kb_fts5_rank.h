#ifndef KB_FTS5_RANK_H
#define KB_FTS5_RANK_H
#include <stdint.h>

typedef struct sqlite3 sqlite3;

/// Per-column token counts of FTS5 rows by rowid, which `kb_bm25` reads instead of asking the table's docsize store
/// one row at a time (a statement per candidate row: about two thirds of a BM25 query's time at 100k rows). The
/// arrays belong to the caller, who keeps them alive while they are installed; with `count` 0, every row's sizes
/// come from FTS5.
typedef struct kb_row_lengths {
    /// Row ids, ascending.
    const int64_t *rowids;
    /// `tokens[i * columns + c]`: the token count of column `c` of row `rowids[i]`; UINT32_MAX when unknown.
    const uint32_t *tokens;
    /// Number of rows.
    int64_t count;
    /// Columns per row in `tokens` (the table's column count; rows are looked up in FTS5 when it differs).
    int64_t columns;
} kb_row_lengths;

/// Registers the FTS5 auxiliary functions on `db`:
///
/// - `kb_bm25(fts, w0, w1, ...)`: BM25F (k1 = 1.2, b = 0.75 in every column, FTS5's IDF with its floor): each
///   column's term frequency is weighted by its `w` and normalized by that column's own length against the column's
///   average, then the weighted sum is saturated once. FTS5's `bm25()` normalizes every column by the row's total
///   length instead, so a long body buried matches in a chunk's title and symbols. Column sizes come from the
///   installed lengths when they hold the row.
/// - `kb_phrase_counts(fts, cap)`: for the query's phrases, the number of rows matching each one, counted up to
///   `cap`, as a blob of native-endian int64 values (one per phrase). Call it on one row (`LIMIT 1`).
///
/// Returns the lengths the connection owns (all zero; freed when the connection closes), or NULL when FTS5 is
/// missing or registration failed.
kb_row_lengths *kb_fts5_register(sqlite3 *db);

#endif
