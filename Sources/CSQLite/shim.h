#ifndef KB_CSQLITE_SHIM_H
#define KB_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Binds text that SQLite must copy (SQLITE_TRANSIENT is a cast macro Swift cannot import).
static inline int kb_sqlite3_bind_text_transient(sqlite3_stmt *s, int i, const char *text, int n) {
    return sqlite3_bind_text(s, i, text, n, SQLITE_TRANSIENT);
}
/// Binds `n` bytes of UTF-8 text that SQLite must copy.
static inline int kb_sqlite3_bind_text64_transient(sqlite3_stmt *s, int i, const char *text, sqlite3_uint64 n) {
    return sqlite3_bind_text64(s, i, text, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}
/// Binds `n` bytes of UTF-8 text that stay valid and unchanged until the statement is reset (SQLITE_STATIC).
static inline int kb_sqlite3_bind_text64_static(sqlite3_stmt *s, int i, const char *text, sqlite3_uint64 n) {
    return sqlite3_bind_text64(s, i, text, n, SQLITE_STATIC, SQLITE_UTF8);
}
/// Binds a blob that SQLite must copy.
static inline int kb_sqlite3_bind_blob_transient(sqlite3_stmt *s, int i, const void *data, int n) {
    return sqlite3_bind_blob(s, i, data, n, SQLITE_TRANSIENT);
}
#endif
