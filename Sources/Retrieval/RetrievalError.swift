/// Why a store operation failed; each case says what to do.
public enum RetrievalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store file or its folder cannot be created or opened.
    case cannotOpen(path: String, reason: String)
    /// The store is read-only (file, folder or file system).
    case readOnly(path: String)
    /// The disk (or the store's size cap) is full.
    case diskFull(path: String)
    /// Another process held the store's write lock for longer than the busy timeout.
    case busy(path: String)
    /// The file is not a kb store, or is damaged.
    case corrupt(path: String, reason: String)
    /// The store was written by a newer kb.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// An unexpected SQLite failure.
    case sqlite(path: String, code: Int, message: String)
    /// A query could not be understood.
    case invalidQuery(reason: String)
    /// No chunk has this id.
    case chunkNotFound(id: Int64)
    /// A file given to kb (evaluation set, ...) is invalid.
    case invalidInput(path: String, line: Int?, reason: String)

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "cannot open the store at \(p): \(r); pass --store PATH (or set KB_STORE) to use another location"
        case .readOnly(let p): "the store at \(p) is read-only; make it writable or pass --store PATH (or set KB_STORE) to a writable location"
        case .diskFull(let p): "no space left for the store at \(p); free disk space and run the command again (nothing stored before was lost)"
        case .busy(let p): "the store at \(p) is locked by another kb process; wait for it to finish and retry"
        case .corrupt(let p, let r): "the store at \(p) is damaged or not a kb store (\(r)); move it aside and re-ingest"
        case .schemaTooNew(let p, let f, let s): "the store at \(p) has schema version \(f) but this kb supports up to \(s); upgrade kb"
        case .sqlite(let p, let c, let m): "store error at \(p): \(m) (SQLite code \(c))"
        case .invalidQuery(let r): "invalid query: \(r)"
        case .chunkNotFound(let id): "no chunk with id \(id); run kb query to find ids"
        case .invalidInput(let p, let line, let r): "\(p)\(line.map { ":\($0)" } ?? ""): \(r)"
        }
    }

    /// Maps a SQLite failure on the store at `path` to a user-facing error.
    static func from(_ f: SQLiteFailure, path: String) -> RetrievalError {
        switch f.primaryCode {
        case SQLiteCode.busy, SQLiteCode.locked: return .busy(path: path)
        case SQLiteCode.full: return .diskFull(path: path)
        case SQLiteCode.readOnly: return .readOnly(path: path)
        case SQLiteCode.cantOpen, SQLiteCode.permission: return .cannotOpen(path: path, reason: f.message)
        case SQLiteCode.corrupt, SQLiteCode.notADatabase: return .corrupt(path: path, reason: f.message)
        case SQLiteCode.ioError:
            // SQLITE_IOERR_WRITE and friends on a full disk surface as I/O errors with ENOSPC.
            return f.message.contains("disk") || f.message.contains("space") ? .diskFull(path: path)
                : .sqlite(path: path, code: Int(f.code), message: f.message)
        default: return .sqlite(path: path, code: Int(f.code), message: f.message)
        }
    }
}
