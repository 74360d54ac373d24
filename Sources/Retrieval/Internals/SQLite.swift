import CFTS5Rank
import CSQLite

/// A failed SQLite call: the result code, SQLite's message and the statement concerned.
struct SQLiteFailure: Error {
    var code: Int32
    var message: String
    var sql: String

    var primaryCode: Int32 { code & 0xFF }
}

/// One SQLite connection. Not thread-safe: owned by one task/thread at a time.
final class Database {
    let handle: OpaquePointer
    let path: String
    private var statementCache: [String: Statement] = [:]
    /// The row lengths kb's FTS5 functions read (`kb_bm25`, `kb_phrase_counts`), owned by the connection; nil when
    /// FTS5 did not take the functions (queries then use FTS5's own `bm25()`).
    private let rowLengths: UnsafeMutablePointer<kb_row_lengths>?

    /// Opens (and with `create`, creates) the database at `path`. `immutable` opens it read-only without any locking
    /// or WAL files, for a file nothing can change (in a folder this process cannot write).
    init(path: String, readOnly: Bool, create: Bool, immutable: Bool = false) throws(SQLiteFailure) {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly || immutable ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        var name = path
        if immutable {
            flags |= SQLITE_OPEN_URI
            // A URI path escapes %, ? and # (and spaces, for clarity).
            var escaped = ""
            for ch in path.unicodeScalars {
                switch ch {
                case "%": escaped += "%25"
                case "?": escaped += "%3f"
                case "#": escaped += "%23"
                case " ": escaped += "%20"
                default: escaped.unicodeScalars.append(ch)
                }
            }
            // An absolute path gets an empty authority (`file:///a/b`), so one starting with `//` is not read as a host.
            name = (path.hasPrefix("/") ? "file://" : "file:./") + escaped + "?immutable=1"
        }
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteFailure(code: rc, message: message, sql: "open")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        rowLengths = kb_fts5_register(db)
    }

    /// Whether `kb_bm25` and `kb_phrase_counts` are available on this connection.
    var hasRankFunctions: Bool { rowLengths != nil }

    /// Points `kb_bm25` at the per-column token counts of rows `rowids` (ascending; `tokens` holds `columns` counts per
    /// row, `UInt32.max` for unknown), or at none. The buffers must stay valid until the next call.
    func installRowLengths(rowids: UnsafeBufferPointer<Int64>, tokens: UnsafeBufferPointer<UInt32>?,
                           columns: Int = KnowledgeStore.ftsColumns) {
        guard let rowLengths else { return }
        guard let tokens, let r = rowids.baseAddress, let t = tokens.baseAddress, columns > 0,
              tokens.count == rowids.count * columns else {
            rowLengths.pointee = kb_row_lengths(rowids: nil, tokens: nil, count: 0, columns: 0)
            return
        }
        rowLengths.pointee = kb_row_lengths(rowids: r, tokens: t, count: Int64(rowids.count), columns: Int64(columns))
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    func failure(_ rc: Int32, _ sql: String) -> SQLiteFailure {
        SQLiteFailure(code: rc, message: lastError, sql: sql)
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws(SQLiteFailure) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? lastError
            sqlite3_free(errmsg)
            throw SQLiteFailure(code: rc, message: message, sql: sql)
        }
    }

    /// A prepared statement, cached by its SQL text and reset for reuse.
    func prepare(_ sql: String) throws(SQLiteFailure) -> Statement {
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw failure(rc, sql) }
        let statement = Statement(handle: stmt, database: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// The first column of the first row of a query, as an integer (nil when there is no row).
    func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws(SQLiteFailure) -> Int64? {
        let s = try prepare(sql)
        try s.bind(bindings)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return s.isNull(0) ? nil : s.int(0)
    }

    /// Runs `body` inside a deferred `BEGIN … COMMIT`: its reads see one consistent snapshot of the database.
    func readTransaction<T>(_ body: () throws(SQLiteFailure) -> T) throws(SQLiteFailure) -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on any error.
    func transaction<T>(_ body: () throws(SQLiteFailure) -> T) throws(SQLiteFailure) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A value to bind to a statement parameter.
enum SQLValue {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// A prepared statement. Reused through the database's cache; do not keep one across `prepare` calls of the same SQL.
final class Statement {
    let handle: OpaquePointer
    unowned let database: Database
    let sql: String

    init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle; self.database = database; self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ values: [SQLValue]) throws(SQLiteFailure) {
        for (i, v) in values.enumerated() { try bind(v, at: Int32(i + 1)) }
    }

    func bind(_ value: SQLValue, at index: Int32) throws(SQLiteFailure) {
        let rc: Int32
        switch value {
        case .int(let i): rc = sqlite3_bind_int64(handle, index, i)
        case .double(let d): rc = sqlite3_bind_double(handle, index, d)
        case .text(var s):
            // The string's own UTF-8 bytes, copied once by SQLite (passing a String as `const char *` made a
            // C-string copy first: a second copy of every chunk body).
            rc = s.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, utf8.count > 0 else { return kb_sqlite3_bind_text_transient(handle, index, "", 0) }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    kb_sqlite3_bind_text64_transient(handle, index, $0, sqlite3_uint64(utf8.count))
                }
            }
        case .blob(let b):
            rc = b.withUnsafeBytes { kb_sqlite3_bind_blob_transient(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count)) }
        case .null: rc = sqlite3_bind_null(handle, index)
        }
        guard rc == SQLITE_OK else { throw database.failure(rc, sql) }
    }

    /// Steps once: true when a row is available, false when done; errors (including malformed MATCH) throw.
    func step() throws(SQLiteFailure) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { sqlite3_reset(handle); return false }
        let f = database.failure(rc, sql)
        sqlite3_reset(handle)
        throw f
    }

    /// Steps to completion, for statements without results.
    func run(_ values: [SQLValue] = []) throws(SQLiteFailure) {
        reset()
        try bind(values)
        while try step() {}
    }

    /// Like `run`, but text is bound in place (SQLITE_STATIC) instead of copied: each string's UTF-8 bytes are
    /// borrowed for the duration of the step, and the bindings are cleared before the borrows end. For the bulk
    /// inserts of an ingest, where every chunk body went through two copies per insert.
    func runBorrowing(_ values: [SQLValue]) throws(SQLiteFailure) {
        reset()
        try bindBorrowing(values, from: 0)
    }

    private func bindBorrowing(_ values: [SQLValue], from i: Int) throws(SQLiteFailure) {
        guard i < values.count else {
            // Every borrow is still open here; the bindings are cleared before any of them ends.
            defer { sqlite3_clear_bindings(handle) }
            while try step() {}
            return
        }
        guard case .text(var text) = values[i] else {
            try bind(values[i], at: Int32(i + 1))
            try bindBorrowing(values, from: i + 1)
            return
        }
        let result: Result<Void, SQLiteFailure> = text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                return Result { () throws(SQLiteFailure) in
                    try bind(values[i], at: Int32(i + 1))
                    try bindBorrowing(values, from: i + 1)
                }
            }
            let rc = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                kb_sqlite3_bind_text64_static(handle, Int32(i + 1), $0, sqlite3_uint64(utf8.count))
            }
            guard rc == SQLITE_OK else { return .failure(database.failure(rc, sql)) }
            return Result { () throws(SQLiteFailure) in try bindBorrowing(values, from: i + 1) }
        }
        try result.get()
    }

    func int(_ col: Int32) -> Int64 { sqlite3_column_int64(handle, col) }
    func double(_ col: Int32) -> Double { sqlite3_column_double(handle, col) }
    func isNull(_ col: Int32) -> Bool { sqlite3_column_type(handle, col) == SQLITE_NULL }

    func text(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(handle, col) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, col))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    func optionalText(_ col: Int32) -> String? { isNull(col) ? nil : text(col) }

    /// Calls `body` with the column's UTF-8 bytes, valid only during the call.
    func withText<T>(_ col: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let p = sqlite3_column_text(handle, col)
        let n = Int(sqlite3_column_bytes(handle, col))
        return body(UnsafeBufferPointer(start: p, count: p == nil ? 0 : n))
    }

    /// Calls `body` with the column's bytes, valid only during the call.
    func withBlob<T>(_ col: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let p = sqlite3_column_blob(handle, col)
        let n = Int(sqlite3_column_bytes(handle, col))
        return body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n))
    }
}

/// SQLite result codes kb distinguishes.
enum SQLiteCode {
    static let busy = SQLITE_BUSY
    static let locked = SQLITE_LOCKED
    static let full = SQLITE_FULL
    static let readOnly = SQLITE_READONLY
    static let cantOpen = SQLITE_CANTOPEN
    static let corrupt = SQLITE_CORRUPT
    static let notADatabase = SQLITE_NOTADB
    static let ioError = SQLITE_IOERR
    static let permission = SQLITE_PERM
}
