import Dispatch
import Foundation
@testable import Retrieval
import Testing

/// The vector scan that two threads share block by block.
@Suite("Shared vector scan")
struct SharedVectorScanTests {
    /// An in-memory index of `count` pseudo-random rows.
    static func index(count: Int, dimension: Int, seed: UInt64) -> VectorIndex {
        var state = seed
        func next() -> Int8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int8(truncatingIfNeeded: state >> 56)
        }
        let data = (0..<(count * dimension)).map { _ in next() }
        let arrays = VectorIndex.Arrays(ids: (0..<count).map { Int64($0 * 3 + 1) }, scales: [Float](repeating: 0.01, count: count),
                                        data: data, df: [], tokens: [])
        return VectorIndex.inMemory(arrays, dimension: dimension, generation: 1, dfCount: 0)
    }

    static func reference(_ query: [Int8], _ index: VectorIndex) -> [Int32] {
        (0..<index.count).map { row in
            var sum: Int32 = 0
            for k in 0..<index.dimension { sum += Int32(query[k]) * Int32(index.data[row * index.dimension + k]) }
            return sum
        }
    }

    @Test("every row is scanned exactly once, by one thread or by several at once",
          arguments: [(1, 1), (SharedVectorScan.blockRows, 2), (2 * SharedVectorScan.blockRows + 123, 2), (5 * SharedVectorScan.blockRows + 7, 4)])
    func allRowsOnce(count: Int, threads: Int) throws {
        let index = Self.index(count: count, dimension: 64, seed: UInt64(count))
        let query = (0..<64).map { Int8(truncatingIfNeeded: $0 * 37 - 90) }
        let scan = try #require(SharedVectorScan(query: query, index: index))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in scan.work() }
        #expect(Array(scan.finishedScores()) == Self.reference(query, index))
        // A thread joining after the scan ended finds nothing left and changes nothing.
        scan.work()
        #expect(Array(scan.finishedScores()) == Self.reference(query, index))
    }

    @Test("a query whose width does not match the index makes no scan")
    func mismatchedQuery() {
        let index = Self.index(count: 10, dimension: 64, seed: 3)
        #expect(SharedVectorScan(query: [1, 2, 3], index: index) == nil)
    }
}
