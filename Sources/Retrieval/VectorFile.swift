import Foundation
import Glibc

/// The vector index as one contiguous, memory-mapped file beside the store (`<store>.vectors`).
///
/// It is the only copy of the vectors (keeping them in SQLite too cost a tenth of a large ingest: every byte went
/// through the WAL and a checkpoint and was read back to build this file). The file carries the store's identity
/// and content generation. A vector is a function of its chunk's text and the word frequencies, so nothing is lost
/// when the file is missing, foreign or stale (a crash between the last commit and the rename): the chunks it
/// lacks are embedded again from the store, and its vectors for chunks that no longer exist are dropped. Chunk ids
/// are never reused (the store keeps a high-water mark), so a stale file never lends a vector to another chunk.
///
/// Layout (little-endian): 64-byte header — magic `KBVEC004`, store id (16 bytes), generation, count, dimension,
/// word-df buckets, word-df document count (Int64 each) — then ids (Int64 × count), scales (Float × count),
/// int8 data (dimension × count, column-major: each dimension's `count` values contiguous, padded to 4 bytes at the
/// end), word df (Int32 × buckets), and each chunk's FTS token counts, one per column (UInt32 × 3 × count, title,
/// symbols, body; `UInt32.max` when unknown), which BM25F reads instead of a docsize lookup per candidate row; then,
/// from the next 8-byte boundary to the end, the exact-identifier index: UInt64 entries in ascending order, each a
/// `SymbolKeys` key in the high 32 bits and a row in the low 32.
///
/// Column-major data lets a query read only the dimensions its embedding fills (79 of 512 at the median over the test
/// queries), a sixth of the vectors. Files of the earlier, row-major formats (`KBVEC001`, no token counts;
/// `KBVEC002`, one total per chunk; `KBVEC003`, the current sections with rows and no identifier index) are still
/// read and searched, their vectors kept and the counts of the first two ignored; the next ingest rewrites them.
final class VectorIndex: @unchecked Sendable {
    let count: Int
    let dimension: Int
    let generation: Int64
    let ids: UnsafeBufferPointer<Int64>
    let scales: UnsafeBufferPointer<Float>
    let data: UnsafeBufferPointer<Int8>
    let df: UnsafeBufferPointer<Int32>
    let dfCount: Int
    /// Each chunk's FTS token counts, `KnowledgeStore.ftsColumns` per chunk in `ids` order; nil in a file of an
    /// earlier format.
    let tokens: UnsafeBufferPointer<UInt32>?
    /// Whether `data` is column-major (the current format); false for a row-major file of an earlier format.
    let columnMajor: Bool
    /// The exact-identifier index (`SymbolKeys.table`); nil in a file of an earlier format.
    let symbolKeys: UnsafeBufferPointer<UInt64>?
    private let owner: AnyObject

    static let magic = Array("KBVEC004".utf8)
    /// The third format's magic: the current sections with row-major data.
    static let magicRowMajor = Array("KBVEC003".utf8)
    /// The first format's magic: the same sections without token counts.
    static let magicWithoutTokens = Array("KBVEC001".utf8)
    /// The second format's magic: one token total per chunk (`UInt32 × count`) instead of one count per column.
    static let magicWithTotals = Array("KBVEC002".utf8)
    /// Token counts kept per chunk.
    static var columns: Int { KnowledgeStore.ftsColumns }
    static let headerSize = 64

    private init(count: Int, dimension: Int, generation: Int64, ids: UnsafeBufferPointer<Int64>,
                 scales: UnsafeBufferPointer<Float>, data: UnsafeBufferPointer<Int8>, df: UnsafeBufferPointer<Int32>,
                 dfCount: Int, tokens: UnsafeBufferPointer<UInt32>?, columnMajor: Bool,
                 symbolKeys: UnsafeBufferPointer<UInt64>?, owner: AnyObject) {
        self.count = count; self.dimension = dimension; self.generation = generation; self.ids = ids
        self.scales = scales; self.data = data; self.df = df; self.dfCount = dfCount; self.tokens = tokens
        self.columnMajor = columnMajor; self.symbolKeys = symbolKeys; self.owner = owner
    }

    /// The value of vector `row` in dimension `j`, whatever the layout.
    func value(row: Int, dimension j: Int) -> Int8 {
        columnMajor ? data[j * count + row] : data[row * dimension + j]
    }

    /// Byte offsets of the sections for `count` vectors (the first format ends at `tokens`, the second `count * 4`
    /// bytes later, the third at `tokensEnd`; the current one holds symbol keys from `keys` to its end).
    static func layout(count: Int, dimension: Int, buckets: Int)
        -> (ids: Int, scales: Int, data: Int, df: Int, tokens: Int, tokensEnd: Int, keys: Int) {
        let ids = headerSize
        let scales = ids + count * 8
        let data = scales + count * 4
        let df = data + (count * dimension + 3) / 4 * 4
        let tokens = df + buckets * 4
        let tokensEnd = tokens + count * 4 * columns
        return (ids, scales, data, df, tokens, tokensEnd, (tokensEnd + 7) / 8 * 8)
    }

    /// The ascending rows keyed `key` in the exact-identifier index (empty without one).
    func rows(keyed key: UInt32) -> [Int] {
        guard let symbolKeys else { return [] }
        return SymbolKeys.rows(symbolKeys, key: key)
    }

    /// Maps the file at `path` if it belongs to store `storeID` at `generation` (any generation when nil) with this shape.
    static func map(path: String, storeID: [UInt8], generation: Int64?, dimension: Int, buckets: Int) -> VectorIndex? {
        guard let file = MappedFile.open(path), file.bytes.count >= headerSize, let base = file.bytes.baseAddress else { return nil }
        func int(_ offset: Int) -> Int64 { base.loadUnaligned(fromByteOffset: offset, as: Int64.self) }
        let fileMagic = Array(file.bytes[0..<8])
        let columnMajor = fileMagic == magic
        let hasTokens = columnMajor || fileMagic == magicRowMajor
        guard hasTokens || fileMagic == magicWithoutTokens || fileMagic == magicWithTotals, Array(file.bytes[8..<24]) == storeID,
              generation.map({ int(24) == $0 }) ?? true, int(40) == Int64(dimension), int(48) == Int64(buckets) else { return nil }
        let generation = int(24)
        let count = Int(int(32))
        guard count >= 0, count <= file.bytes.count else { return nil }
        let l = layout(count: count, dimension: dimension, buckets: buckets)
        var keyCount = 0
        if columnMajor {
            guard file.bytes.count >= l.keys, (file.bytes.count - l.keys) % 8 == 0 else { return nil }
            keyCount = (file.bytes.count - l.keys) / 8
        } else {
            let size = hasTokens ? l.tokensEnd : fileMagic == magicWithTotals ? l.tokens + count * 4 : l.tokens
            guard file.bytes.count == size else { return nil }
        }
        return VectorIndex(
            count: count, dimension: dimension, generation: generation,
            ids: UnsafeBufferPointer(start: (base + l.ids).assumingMemoryBound(to: Int64.self), count: count),
            scales: UnsafeBufferPointer(start: (base + l.scales).assumingMemoryBound(to: Float.self), count: count),
            data: UnsafeBufferPointer(start: (base + l.data).assumingMemoryBound(to: Int8.self), count: count * dimension),
            df: UnsafeBufferPointer(start: (base + l.df).assumingMemoryBound(to: Int32.self), count: buckets),
            dfCount: Int(int(56)),
            tokens: hasTokens ? UnsafeBufferPointer(start: (base + l.tokens).assumingMemoryBound(to: UInt32.self),
                                                    count: count * columns) : nil,
            columnMajor: columnMajor,
            symbolKeys: columnMajor ? UnsafeBufferPointer(start: (base + l.keys).assumingMemoryBound(to: UInt64.self), count: keyCount) : nil,
            owner: file)
    }

    /// The generation written in the file at `path` when it belongs to store `storeID` and has the current format
    /// (a file of an earlier format counts as missing, so the next ingest rewrites it).
    static func fileGeneration(path: String, storeID: [UInt8]) -> Int64? {
        guard let file = MappedFile.open(path, populate: false), file.bytes.count >= headerSize,
              Array(file.bytes[0..<8]) == magic, Array(file.bytes[8..<24]) == storeID else { return nil }
        return file.bytes.loadUnaligned(fromByteOffset: 24, as: Int64.self)
    }

    /// Holds arrays read from the store (when the file is missing or stale); `data` is column-major, `keys` the
    /// exact-identifier index (`SymbolKeys.table`).
    final class Arrays {
        var ids: [Int64], scales: [Float], data: [Int8], df: [Int32], tokens: [UInt32], keys: [UInt64]
        init(ids: [Int64], scales: [Float], data: [Int8], df: [Int32], tokens: [UInt32], keys: [UInt64] = []) {
            self.ids = ids; self.scales = scales; self.data = data; self.df = df; self.tokens = tokens; self.keys = keys
        }
    }

    /// An index over arrays in memory.
    static func inMemory(_ a: Arrays, dimension: Int, generation: Int64, dfCount: Int) -> VectorIndex {
        let ids = a.ids.withUnsafeBufferPointer { $0 }, scales = a.scales.withUnsafeBufferPointer { $0 }
        let data = a.data.withUnsafeBufferPointer { $0 }, df = a.df.withUnsafeBufferPointer { $0 }
        let tokens = a.tokens.count == a.ids.count * columns ? a.tokens.withUnsafeBufferPointer { $0 } : nil
        let keys = a.keys.withUnsafeBufferPointer { $0 }
        return VectorIndex(count: a.ids.count, dimension: dimension, generation: generation, ids: ids, scales: scales,
                           data: data, df: df, dfCount: dfCount, tokens: tokens, columnMajor: true, symbolKeys: keys, owner: a)
    }

    /// Writes arrays as the file for store `storeID` at `generation`; false when it could not be written.
    static func write(path: String, storeID: [UInt8], generation: Int64, dimension: Int, arrays a: Arrays, dfCount: Int) -> Bool {
        var header = [UInt8](repeating: 0, count: headerSize)
        header.replaceSubrange(0..<8, with: magic)
        header.replaceSubrange(8..<24, with: storeID.prefix(16))
        for (i, v) in [generation, Int64(a.ids.count), Int64(dimension), Int64(a.df.count), Int64(dfCount)].enumerated() {
            withUnsafeBytes(of: v.littleEndian) { header.replaceSubrange((24 + i * 8)..<(32 + i * 8), with: $0) }
        }
        let padding = [UInt8](repeating: 0, count: (4 - a.data.count % 4) % 4)
        let tokens = a.tokens.count == a.ids.count * columns ? a.tokens : [UInt32](repeating: .max, count: a.ids.count * columns)
        let l = layout(count: a.ids.count, dimension: dimension, buckets: a.df.count)
        let keyPadding = [UInt8](repeating: 0, count: l.keys - l.tokensEnd)
        let keys = a.keys.map { $0.littleEndian }
        return header.withUnsafeBytes { h in
            a.ids.withUnsafeBytes { i in
                a.scales.withUnsafeBytes { s in
                    a.data.withUnsafeBytes { d in
                        padding.withUnsafeBytes { p in
                            a.df.withUnsafeBytes { f in
                                tokens.withUnsafeBytes { t in
                                    keyPadding.withUnsafeBytes { kp in
                                        keys.withUnsafeBytes { k in
                                            MappedFile.writeAtomically(path, parts: [h, i, s, d, p, f, t, kp, k])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The vectors an ingest has committed, spilled to an unlinked temporary file beside the store until the ingest
/// rebuilds the vector file (the file vanishes with the process, however it ends). Records are fixed-size:
/// chunk id (Int64), scale (Float), `dimension` int8 values; ids ascend because chunk ids only grow.
final class VectorSpill {
    let dimension: Int
    private let fd: Int32
    private(set) var count = 0
    var recordSize: Int { 12 + dimension }

    /// Opens a spill file in the store's folder; nil when the folder cannot be written.
    init?(storePath: String, dimension: Int) {
        let path = storePath + ".vectors.spill.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        unlink(path)
        self.fd = fd
        self.dimension = dimension
    }

    deinit { close(fd) }

    /// Appends one batch's vectors; false when the write failed (the rebuild then embeds those chunks again).
    func append(_ records: [(id: Int64, scale: Float, data: [UInt8])]) -> Bool {
        var buffer = [UInt8](repeating: 0, count: records.count * recordSize)
        buffer.withUnsafeMutableBytes { out in
            for (k, r) in records.enumerated() where r.data.count == dimension {
                let at = k * recordSize
                out.storeBytes(of: r.id, toByteOffset: at, as: Int64.self)
                out.storeBytes(of: r.scale, toByteOffset: at + 8, as: Float.self)
                r.data.withUnsafeBytes { out.baseAddress!.advanced(by: at + 12).copyMemory(from: $0.baseAddress!, byteCount: dimension) }
            }
        }
        let ok = buffer.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = pwrite(fd, raw.baseAddress! + offset, raw.count - offset, off_t(count * recordSize + offset))
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        if ok { count += records.count }
        return ok
    }

    /// The records written so far, mapped.
    func records() -> Records? {
        guard count > 0, let file = MappedFile.map(fd: fd, size: count * recordSize) else { return nil }
        return Records(file: file, count: count, dimension: dimension)
    }

    /// Read access to spilled records.
    struct Records {
        let file: MappedFile
        let count: Int
        let dimension: Int

        func id(_ i: Int) -> Int64 { file.bytes.loadUnaligned(fromByteOffset: i * (12 + dimension), as: Int64.self) }
        func scale(_ i: Int) -> Float { file.bytes.loadUnaligned(fromByteOffset: i * (12 + dimension) + 8, as: Float.self) }
        func vector(_ i: Int) -> UnsafeBufferPointer<Int8> {
            let start = i * (12 + dimension) + 12
            return UnsafeBufferPointer(start: (file.bytes.baseAddress! + start).assumingMemoryBound(to: Int8.self), count: dimension)
        }
    }
}
