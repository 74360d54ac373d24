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
            for k in 0..<index.dimension { sum += Int32(query[k]) * Int32(index.value(row: row, dimension: k)) }
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

    @Test("a column-major index scanned through the query's nonzero dimensions gives the row scan's integers",
          arguments: [(512, 1, 0), (512, 5000, 3), (512, 4099, 60), (512, 9000, 512), (64, 4096, 7), (96, 33, 95), (1, 4, 1)])
    func columnScanMatchesRowScan(dimension: Int, count: Int, nonzero: Int) throws {
        let random = Self.index(count: count + 1, dimension: dimension, seed: UInt64(dimension * 7 + count + nonzero))
        var rows: [Int8] = []
        random.appendRows(0..<count, to: &rows)
        // The extremes, -128 and 127, in the first rows and the query.
        for k in 0..<dimension { rows[k] = -128 }
        if count > 1 { for k in 0..<dimension { rows[dimension + k] = k % 2 == 0 ? 127 : -128 } }
        var query = [Int8](repeating: 0, count: dimension)
        var picked = 0, j = 0
        while picked < nonzero {
            query[j % dimension] = picked % 3 == 0 ? -128 : Int8(truncatingIfNeeded: picked * 53 + 1) | 1
            picked += 1
            j += max(1, dimension / max(nonzero, 1)) + (picked % 2)
            if picked >= dimension { break }
        }
        let expected = int8DotProducts(query, rows: rows, portable: true)
        let arrays = VectorIndex.Arrays(ids: (0..<count).map { Int64($0 + 1) }, scales: [Float](repeating: 1, count: count),
                                        data: VectorIndex.columns(fromRows: rows, count: count, dimension: dimension), df: [], tokens: [])
        let index = VectorIndex.inMemory(arrays, dimension: dimension, generation: 1, dfCount: 0)
        #expect(index.columnMajor)
        // The columns hold the rows: read back row-major, and value by value.
        var back: [Int8] = []
        index.appendRows(0..<count, to: &back)
        #expect(back == rows)
        #expect((0..<count).allSatisfy { r in (0..<dimension).allSatisfy { index.value(row: r, dimension: $0) == rows[r * dimension + $0] } })
        let scan = try #require(SharedVectorScan(query: query, index: index))
        DispatchQueue.concurrentPerform(iterations: 2) { _ in scan.work() }
        #expect(Array(scan.finishedScores()) == expected)
    }

    @Test("a part of a column-major index is read back row-major, and empty or out-of-range parts add nothing")
    func rowsFromColumns() {
        let dimension = 8, count = 70
        let rows = (0..<(count * dimension)).map { Int8(truncatingIfNeeded: $0 * 7) }
        let arrays = VectorIndex.Arrays(ids: (0..<count).map(Int64.init), scales: [Float](repeating: 1, count: count),
                                        data: VectorIndex.columns(fromRows: rows, count: count, dimension: dimension), df: [], tokens: [])
        let index = VectorIndex.inMemory(arrays, dimension: dimension, generation: 1, dfCount: 0)
        var out: [Int8] = [9]
        index.appendRows(65..<68, to: &out)
        #expect(out == [9] + Array(rows[(65 * dimension)..<(68 * dimension)]))
        index.appendRows(5..<5, to: &out)
        index.appendRows(60..<71, to: &out)
        #expect(out.count == 1 + 3 * dimension)
        #expect(VectorIndex.columns(fromRows: [1, 2, 3], count: 2, dimension: 2).isEmpty)
    }

    @Test("a query whose width does not match the index makes no scan")
    func mismatchedQuery() {
        let index = Self.index(count: 10, dimension: 64, seed: 3)
        #expect(SharedVectorScan(query: [1, 2, 3], index: index) == nil)
    }
}
