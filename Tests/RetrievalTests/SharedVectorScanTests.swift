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

    @Test("the dot products are exact, VNNI loop or portable, extremes and tails included", arguments: [
        (512, 1), (512, 3), (512, 4), (512, 7), (512, 4099), (64, 9), (128, 5), (96, 6), (1, 3), (100, 2),
    ])
    func exactDotProducts(dimension: Int, count: Int) {
        let random = Self.index(count: count + 1, dimension: dimension, seed: UInt64(dimension * 31 + count))
        let query = Array(random.data[(count * dimension)..<((count + 1) * dimension)])
        var rows = Array(random.data[0..<(count * dimension)])
        // The extremes: -128 and 127 everywhere in the first row, alternating in the second.
        for k in 0..<dimension { rows[k] = -128 }
        if count > 1 { for k in 0..<dimension { rows[dimension + k] = k % 2 == 0 ? 127 : -128 } }
        var expected = [Int32](repeating: 0, count: count)
        for row in 0..<count {
            for k in 0..<dimension { expected[row] += Int32(query[k]) * Int32(rows[row * dimension + k]) }
        }
        #expect(int8DotProducts(query, rows: rows) == expected)
        #expect(int8DotProducts(query, rows: rows, portable: true) == expected)
        let extremeQuery = [Int8](repeating: -128, count: dimension)
        var extreme = [Int32](repeating: 0, count: count)
        for row in 0..<count { for k in 0..<dimension { extreme[row] += -128 * Int32(rows[row * dimension + k]) } }
        #expect(int8DotProducts(extremeQuery, rows: rows) == extreme)
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
