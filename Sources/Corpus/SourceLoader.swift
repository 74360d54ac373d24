import Glibc

/// Reads a file into validated UTF-8 text: rejects binary, empty and oversized files, and reports invalid UTF-8.
public struct SourceLoader: Sendable {
    /// Files larger than this are refused.
    public var maxFileSize: Int

    /// Creates a loader.
    public init(maxFileSize: Int = 8 << 20) {
        self.maxFileSize = maxFileSize
    }

    /// Reads `file`; on success returns the text and warnings (e.g. a few invalid UTF-8 bytes replaced).
    public func load(_ file: SourceFile) throws(CorpusError) -> (SourceText, [Diagnostic]) {
        try load(file, bytes: read(file))
    }

    /// The I/O half of `load`: the file's bytes, refusing a file over the size limit (also one that grew past it
    /// since it was listed). Separate so that a reader thread can read ahead of the threads that decode and parse.
    public func read(_ file: SourceFile) -> Result<[UInt8], CorpusError> {
        if file.size > maxFileSize { return .failure(.tooLarge(path: file.displayPath, size: file.size, limit: maxFileSize)) }
        switch FileSystem.read(file.path, limit: maxFileSize) {
        case .success(let bytes):
            if bytes.count > maxFileSize { return .failure(.tooLarge(path: file.displayPath, size: bytes.count, limit: maxFileSize)) }
            return .success(bytes)
        case .failure(let f):
            return .failure(.unreadable(path: file.displayPath, reason: f.message))
        }
    }

    /// The CPU half of `load`: validates and decodes what `read` returned for `file`.
    public func load(_ file: SourceFile, bytes: Result<[UInt8], CorpusError>) throws(CorpusError) -> (SourceText, [Diagnostic]) {
        let raw: [UInt8]
        switch bytes {
        case .success(let b): raw = b
        case .failure(let error): throw error
        }
        let (text, warnings) = try decode(raw, displayPath: file.displayPath)
        return (SourceText(source: file.path, displayPath: file.displayPath, format: file.format, text: text), warnings)
    }

    /// Validates and decodes bytes: binary and empty input throw; up to 16 invalid UTF-8 sequences are replaced
    /// with U+FFFD and reported as a warning, more make the file an error. CRLF becomes LF; a BOM is dropped.
    public func decode(_ raw: [UInt8], displayPath: String) throws(CorpusError) -> (String, [Diagnostic]) {
        var bytes = raw[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { throw .empty(path: displayPath) }
        if Self.containsByte(0, in: bytes.prefix(8192)) { throw .binary(path: displayPath) }
        let hasCarriageReturn = Self.containsByte(13, in: bytes)
        var warnings: [Diagnostic] = []
        var text: String
        if let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
        } else {
            let (count, firstOffset) = Self.invalidSequences(bytes)
            let line = bytes.prefix(firstOffset).filter { $0 == 10 }.count + 1
            if count > 16 { throw .invalidUTF8(path: displayPath, line: line, byteOffset: firstOffset) }
            text = String(decoding: bytes, as: UTF8.self)
            warnings.append(Diagnostic(.warning, source: displayPath, line: line,
                                       message: "\(count) invalid UTF-8 sequence(s) replaced with U+FFFD (first at byte \(firstOffset))"))
        }
        if hasCarriageReturn { text = text.replacing("\r\n", with: "\n") }
        return (text, warnings)
    }

    /// Whether `byte` occurs in `bytes` (memchr: the generic `contains` was ~1 % of an ingest's CPU).
    static func containsByte(_ byte: UInt8, in bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, b.count > 0 else { return false }
            return memchr(base, Int32(byte), b.count) != nil
        }
    }

    /// Counts invalid UTF-8 sequences and returns the offset of the first.
    static func invalidSequences(_ bytes: ArraySlice<UInt8>) -> (count: Int, first: Int) {
        var count = 0, first = -1
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            let need: Int
            if b < 0x80 { i += 1; continue }
            else if b & 0xE0 == 0xC0, b >= 0xC2 { need = 1 }
            else if b & 0xF0 == 0xE0 { need = 2 }
            else if b & 0xF8 == 0xF0, b <= 0xF4 { need = 3 }
            else { need = -1 }
            var ok = need > 0 && i + need < bytes.endIndex + 0 && i + need <= bytes.endIndex - 1 + 1
            if ok {
                for k in 1...need where i + k >= bytes.endIndex || bytes[i + k] & 0xC0 != 0x80 { ok = false }
            }
            if ok { i += need + 1 } else {
                count += 1
                if first < 0 { first = i - bytes.startIndex }
                i += 1
            }
        }
        return (count, max(first, 0))
    }
}
