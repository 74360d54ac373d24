// kb's FTS5 auxiliary functions: BM25F with column sizes from memory, and capped per-phrase row counts.
#include "kb_fts5_rank.h"
#include <sqlite3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// The connection's FTS5 API, or NULL.
static fts5_api *fts5_api_of(sqlite3 *db) {
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return api;
}

/// Per-query values, computed on the first row and kept as the cursor's auxiliary data.
typedef struct query_stats {
    int phrases;
    int columns;
    double *average_length;  // per column
    double *idf;             // per phrase
    double *frequency;       // per phrase, scratch for the current row
    double *norm;            // per column, scratch for the current row
    double *weight;          // per column, from the call's arguments (read on the first row)
} query_stats;

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *user) {
    (void)api; (void)fts;
    ++*(sqlite3_int64 *)user;
    return SQLITE_OK;
}

static int stats_of(const Fts5ExtensionApi *api, Fts5Context *fts, int nval, sqlite3_value **vals, query_stats **out) {
    query_stats *s = (query_stats *)api->xGetAuxdata(fts, 0);
    if (s) { *out = s; return SQLITE_OK; }
    int phrases = api->xPhraseCount(fts), columns = api->xColumnCount(fts);
    size_t values = (size_t)phrases * 2 + (size_t)columns * 3;
    s = (query_stats *)sqlite3_malloc64(sizeof(query_stats) + (sqlite3_uint64)values * sizeof(double));
    if (!s) return SQLITE_NOMEM;
    memset(s, 0, sizeof(query_stats) + values * sizeof(double));
    s->phrases = phrases;
    s->columns = columns;
    s->idf = (double *)&s[1];
    s->frequency = s->idf + phrases;
    s->average_length = s->frequency + phrases;
    s->norm = s->average_length + columns;
    s->weight = s->norm + columns;
    for (int c = 0; c < columns; c++) s->weight[c] = c < nval ? sqlite3_value_double(vals[c]) : 1.0;
    sqlite3_int64 rows = 0;
    int rc = api->xRowCount(fts, &rows);
    for (int c = 0; rc == SQLITE_OK && c < columns; c++) {
        sqlite3_int64 tokens = 0;
        rc = api->xColumnTotalSize(fts, c, &tokens);
        // A column empty in every row never matches; 1 keeps its (unused) ratio finite.
        s->average_length[c] = rows > 0 && tokens > 0 ? (double)tokens / (double)rows : 1.0;
    }
    for (int i = 0; rc == SQLITE_OK && i < phrases; i++) {
        sqlite3_int64 hits = 0;
        rc = api->xQueryPhrase(fts, i, &hits, count_row);
        if (rc == SQLITE_OK) {
            // Robertson–Spärck Jones IDF, floored at 1e-6 for phrases in more than half the rows (as FTS5's bm25).
            double idf = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5));
            s->idf[i] = idf <= 0.0 ? 1e-6 : idf;
        }
    }
    if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, s, sqlite3_free);
    else sqlite3_free(s);
    *out = rc == SQLITE_OK ? s : NULL;
    return rc;
}

/// The installed per-column token counts of `rowid` (`columns` of them), when all are known.
static const uint32_t *installed_lengths(const kb_row_lengths *lengths, sqlite3_int64 rowid, int columns) {
    if (!lengths || lengths->count <= 0 || !lengths->rowids || !lengths->tokens || lengths->columns != columns) return NULL;
    int64_t lo = 0, hi = lengths->count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (lengths->rowids[mid] < rowid) lo = mid + 1; else hi = mid;
    }
    if (lo >= lengths->count || lengths->rowids[lo] != rowid) return NULL;
    const uint32_t *row = lengths->tokens + lo * columns;
    for (int c = 0; c < columns; c++) if (row[c] == UINT32_MAX) return NULL;
    return row;
}

static void kb_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **vals) {
    const double k1 = 1.2, b = 0.75;
    query_stats *s = NULL;
    int rc = stats_of(api, fts, nval, vals, &s);
    if (rc == SQLITE_OK) {
        const uint32_t *row = installed_lengths((const kb_row_lengths *)api->xUserData(fts), api->xRowid(fts), s->columns);
        for (int c = 0; rc == SQLITE_OK && c < s->columns; c++) {
            int tokens = 0;
            if (row) tokens = row[c] > (uint32_t)INT32_MAX ? INT32_MAX : (int)row[c];
            else rc = api->xColumnSize(fts, c, &tokens);
            // A column's weight over its length normalization: what one occurrence in it counts.
            s->norm[c] = s->weight[c] / (1.0 - b + b * (double)tokens / s->average_length[c]);
        }
    }
    int instances = 0;
    if (rc == SQLITE_OK) {
        memset(s->frequency, 0, sizeof(double) * (size_t)s->phrases);
        rc = api->xInstCount(fts, &instances);
    }
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase = 0, column = 0, offset = 0;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK && phrase >= 0 && phrase < s->phrases && column >= 0 && column < s->columns) {
            s->frequency[phrase] += s->norm[column];
        }
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double score = 0.0;
    for (int i = 0; i < s->phrases; i++) {
        double f = s->frequency[i];
        score += s->idf[i] * ((f * (k1 + 1.0)) / (f + k1));
    }
    sqlite3_result_double(ctx, -1.0 * score);
}

typedef struct capped_count {
    sqlite3_int64 count;
    sqlite3_int64 cap;
} capped_count;

static int count_row_capped(const Fts5ExtensionApi *api, Fts5Context *fts, void *user) {
    (void)api; (void)fts;
    capped_count *c = (capped_count *)user;
    return ++c->count >= c->cap ? SQLITE_DONE : SQLITE_OK;
}

static void kb_phrase_counts(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                             sqlite3_value **vals) {
    sqlite3_int64 cap = nval > 0 ? sqlite3_value_int64(vals[0]) : INT64_MAX;
    if (cap <= 0) cap = INT64_MAX;
    int phrases = api->xPhraseCount(fts);
    sqlite3_int64 *counts = (sqlite3_int64 *)sqlite3_malloc64((sqlite3_uint64)(phrases > 0 ? phrases : 1) * sizeof(sqlite3_int64));
    if (!counts) { sqlite3_result_error_nomem(ctx); return; }
    int rc = SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < phrases; i++) {
        capped_count c = {0, cap};
        rc = api->xQueryPhrase(fts, i, &c, count_row_capped);
        counts[i] = c.count;
    }
    if (rc != SQLITE_OK) {
        sqlite3_free(counts);
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_result_blob(ctx, counts, phrases * (int)sizeof(sqlite3_int64), sqlite3_free);
}

kb_row_lengths *kb_fts5_register(sqlite3 *db) {
    fts5_api *api = fts5_api_of(db);
    if (!api || api->iVersion < 2) return NULL;
    kb_row_lengths *lengths = (kb_row_lengths *)sqlite3_malloc64(sizeof(kb_row_lengths));
    if (!lengths) return NULL;
    memset(lengths, 0, sizeof(*lengths));
    if (api->xCreateFunction(api, "kb_bm25", lengths, kb_bm25, sqlite3_free) != SQLITE_OK) {
        sqlite3_free(lengths);
        return NULL;
    }
    if (api->xCreateFunction(api, "kb_phrase_counts", NULL, kb_phrase_counts, NULL) != SQLITE_OK) return NULL;
    return lengths;
}
