import CVectorScan
import Dispatch
import Synchronization

/// One query's exact int8 dot-product scan of every vector (`kb_dot_i8`: C compiled per ISA, picked at load time),
/// cut into blocks that any thread may take. The vector leg's thread scans block after block; the querying thread,
/// once its SQL legs are done, takes blocks from the same counter, so the scan (the slowest leg at 100k chunks)
/// ends sooner instead of that thread waiting idle. Each block is scanned exactly once.
final class SharedVectorScan: @unchecked Sendable {
    /// Rows per block: 2 MB of 512-wide vectors, small enough that the two threads finish close together.
    static let blockRows = 4096

    private let query: [Int8]
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
        scores = .allocate(capacity: index.count)
        blocks = (index.count + Self.blockRows - 1) / Self.blockRows
    }

    deinit { scores.deallocate() }

    /// Scans blocks until none is left to take.
    func work() {
        guard let data = index.data.baseAddress else { return }
        let d = index.dimension
        query.withUnsafeBufferPointer { q in
            guard let qb = q.baseAddress else { return }
            while true {
                scanning.enter()
                defer { scanning.leave() }
                let block = nextBlock.wrappingAdd(1, ordering: .relaxed).oldValue
                guard block < blocks else { return }
                let first = block * Self.blockRows
                let rows = min(Self.blockRows, index.count - first)
                kb_dot_i8(qb, data + first * d, d, rows, scores + first)
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
