/// Why a source could not be read; each case says what to do about it.
public enum CorpusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case notFound(path: String)
    /// The file or folder could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file holds binary data.
    case binary(path: String)
    /// The file is empty.
    case empty(path: String)
    /// The file exceeds the size limit.
    case tooLarge(path: String, size: Int, limit: Int)
    /// The file is not UTF-8 text.
    case invalidUTF8(path: String, line: Int, byteOffset: Int)
    /// kb does not read this kind of file.
    case unsupportedType(path: String)
    /// The file's structure is broken (XML, JSONL, ...).
    case malformed(path: String, line: Int?, message: String)
    /// A URL could not be fetched.
    case network(url: String, message: String)
    /// A URL answered with an HTTP error status.
    case httpStatus(url: String, status: Int)

    /// A message naming the source (and line), the problem and the remedy.
    public var description: String {
        source + (line.map { ":\($0)" } ?? "") + ": " + reason
    }

    /// The problem and the remedy, without the source name.
    public var reason: String {
        switch self {
        case .notFound: "no such file or folder; check the path"
        case .unreadable(_, let r): "cannot read (\(r)); check its permissions"
        case .binary: "binary file skipped; kb ingests text sources only"
        case .empty: "empty file skipped"
        case .tooLarge(_, let size, let limit):
            "\(size) bytes exceeds the \(limit)-byte limit; raise it with --max-file-size BYTES or split the file"
        case .invalidUTF8(_, _, let off):
            "not valid UTF-8 (first bad byte at offset \(off)); convert it, e.g. iconv -f latin1 -t utf-8"
        case .unsupportedType:
            "unsupported file type; kb reads .c .h .cc .cpp .hpp .cl .opencl .cu .cuh .hip .metal .comp .glsl .s .S .asm .py .md .adoc .txt .html .xml .jsonl"
        case .malformed(_, _, let m): "malformed: \(m)"
        case .network(_, let m): "fetch failed: \(m); check the address and your network"
        case .httpStatus(_, let s): "HTTP \(s); check the address"
        }
    }

    /// The 1-based line concerned, when known.
    public var line: Int? {
        switch self {
        case .invalidUTF8(_, let l, _): l
        case .malformed(_, let l, _): l
        default: nil
        }
    }

    /// The error as a diagnostic of the given severity.
    public func diagnostic(_ severity: Diagnostic.Severity) -> Diagnostic {
        Diagnostic(severity, source: source, line: line, message: reason)
    }

    /// The path or URL concerned.
    public var source: String {
        switch self {
        case .notFound(let p), .unreadable(let p, _), .binary(let p), .empty(let p), .tooLarge(let p, _, _),
             .invalidUTF8(let p, _, _), .unsupportedType(let p), .malformed(let p, _, _): p
        case .network(let u, _), .httpStatus(let u, _): u
        }
    }
}
