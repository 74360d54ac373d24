import CVectorScan
import Dispatch
import Synchronization

/// One query's exact int8 dot-product scan of every vector, cut into blocks of rows that any thread may take. A
/// column-major index (the current file format) is scanned through the query's nonzero dimensions alone
/// (`kb_dot_i8_columns`); a row-major one of an earlier format row by row (`kb_dot_i8`); both C compiled per ISA and
/// picked at load time. The vector leg's thread scans block after block; the querying thread,
/// once its SQL legs are done, takes blocks from the same counter, so the scan (the slowest leg at 100k chunks)
/// ends sooner instead of that thread waiting idle. Each block is scanned exactly once.
final class SharedVectorScan: @unchecked Sendable {
    /// Rows per block: 2 MB of 512-wide vectors, small enough that the two threads finish close together.
    static let blockRows = 4096

    private let query: [Int8]
    /// The query's nonzero dimensions and their values, for a column-major index.
    private let sparseDimensions: [Int32]
    private let sparseValues: [Int8]
    private let index: VectorIndex
    private let scores: UnsafeMutablePointer<Int32>
    private let blocks: Int
    private let nextBlock = Atomic<Int>(0)
    /// Entered by a thread before it takes a block and left after scanning it: once every block is taken,
    /// waiting on it waits for the blocks still being scanned.
    private let scanning = DispatchGroup()

    /// A scan of `index` with the quantized `query` (nil when the shapes do not match).
    init?(query: [Int8], index: VectorIndex) {
        guard index.count > 0, query.count == index.dimension, index.data.count >= index.count * index.dimension else { return nil }
        self.query = query
        self.index = index
        var dimensions: [Int32] = [], values: [Int8] = []
        if index.columnMajor {
            for (j, v) in query.enumerated() where v != 0 { dimensions.append(Int32(j)); values.append(v) }
        }
        sparseDimensions = dimensions
        sparseValues = values
        scores = .allocate(capacity: index.count)
        blocks = (index.count + Self.blockRows - 1) / Self.blockRows
    }

    deinit { scores.deallocate() }

    /// Scans blocks until none is left to take.
    func work() {
        guard let data = index.data.baseAddress else { return }
        let d = index.dimension, count = index.count, columnMajor = index.columnMajor
        query.withUnsafeBufferPointer { q in
            sparseDimensions.withUnsafeBufferPointer { dims in
                sparseValues.withUnsafeBufferPointer { values in
                    guard let qb = q.baseAddress else { return }
                    while true {
                        scanning.enter()
                        defer { scanning.leave() }
                        let block = nextBlock.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard block < blocks else { return }
                        let first = block * Self.blockRows
                        let rows = min(Self.blockRows, count - first)
                        if !columnMajor {
                            kb_dot_i8(qb, data + first * d, d, rows, scores + first)
                        } else if let db = dims.baseAddress, let vb = values.baseAddress {
                            kb_dot_i8_columns(data, count, db, vb, dims.count, first, rows, scores + first)
                        } else {
                            (scores + first).initialize(repeating: 0, count: rows)  // an all-zero query
                        }
                    }
                }
            }
        }
    }

    /// Every row's dot product, once all blocks are scanned: call after `work()` returned on this thread.
    func finishedScores() -> UnsafeBufferPointer<Int32> {
        scanning.wait()
        return UnsafeBufferPointer(start: scores, count: index.count)
    }
}

/// The int8 dot products of `query` with each `query.count`-wide row of `rows`: kb's scan (`portable` false: the
/// VNNI loop where the CPU has it) or the portable loop alone, for tests to hold one to the other.
func int8DotProducts(_ query: [Int8], rows: [Int8], portable: Bool = false) -> [Int32] {
    let d = query.count
    guard d > 0 else { return [] }
    let count = rows.count / d
    var out = [Int32](repeating: 0, count: count)
    query.withUnsafeBufferPointer { q in
        rows.withUnsafeBufferPointer { r in
            out.withUnsafeMutableBufferPointer { o in
                guard let qb = q.baseAddress, let rb = r.baseAddress, let ob = o.baseAddress, count > 0 else { return }
                if portable { kb_dot_i8_portable(qb, rb, d, count, ob) } else { kb_dot_i8(qb, rb, d, count, ob) }
            }
        }
    }
    return out
}

/// Where a query's vector leg publishes its scan for another thread to join.
final class SharedVectorScanSlot: Sendable {
    private let scan = Mutex<SharedVectorScan?>(nil)

    /// Makes `scan` available to `current`.
    func publish(_ scan: SharedVectorScan) { self.scan.withLock { $0 = scan } }

    /// The published scan, if the leg has started one.
    func current() -> SharedVectorScan? { scan.withLock { $0 } }
}

/// Moving vectors between the row-major form they are embedded in and the column-major form the file keeps.
extension VectorIndex {
    /// Appends vectors `rows` to `out`, row-major.
    func appendRows(_ rows: Range<Int>, to out: inout [Int8]) {
        guard !rows.isEmpty, rows.lowerBound >= 0, rows.upperBound <= count else { return }
        if !columnMajor {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: data[(rows.lowerBound * dimension)..<(rows.upperBound * dimension)]))
            return
        }
        guard let base = data.baseAddress else { return }
        let start = out.count, added = rows.count * dimension
        out.append(contentsOf: repeatElement(0, count: added))
        out.withUnsafeMutableBufferPointer { o in
            kb_column_rows(base, count, dimension, rows.lowerBound, rows.count, o.baseAddress! + start)
        }
    }

    /// Row-major vectors (`count` of `dimension` values) as the column-major data the current format keeps.
    static func columns(fromRows rows: [Int8], count: Int, dimension: Int) -> [Int8] {
        guard count > 0, dimension > 0, rows.count >= count * dimension else { return [] }
        return [Int8](unsafeUninitializedCapacity: count * dimension) { out, initialized in
            rows.withUnsafeBufferPointer { kb_transpose_i8($0.baseAddress!, count, dimension, out.baseAddress!) }
            initialized = count * dimension
        }
    }
}
