import Dispatch
import Foundation
import Glibc
@testable import Retrieval
import Testing

/// Counts per index, safe to bump from any thread.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]

    init(_ n: Int) { counts = Array(repeating: 0, count: n) }

    func bump(_ i: Int) {
        lock.lock()
        counts[i] += 1
        lock.unlock()
    }

    var values: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
}

@Suite("Parsing threads")
struct ParsingPoolTests {
    @Test("perform runs every index exactly once and returns only after the last", arguments: [0, 1, 2, 1000])
    func everyIndexOnce(iterations: Int) {
        let pool = ParsingPool(threads: 3, niceness: 0)
        defer { pool.shutdown() }
        let tally = Tally(iterations)
        pool.perform(iterations: iterations) { i in
            if i % 97 == 0 { usleep(1000) }
            tally.bump(i)
        }
        #expect(tally.values == Array(repeating: 1, count: iterations))
    }

    @Test("perform from the pool's only thread, with that thread busy, finishes instead of waiting for a free thread")
    func nestedPerformDoesNotDeadlock() {
        let pool = ParsingPool(threads: 1, niceness: 0)
        defer { pool.shutdown() }
        let tally = Tally(50)
        let done = DispatchSemaphore(value: 0)
        pool.async {
            pool.perform(iterations: 50) { tally.bump($0) }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(tally.values == Array(repeating: 1, count: 50))
    }

    @Test("the pool's threads run at a lower priority than the thread that made the pool, and that thread keeps its own")
    func lowerPriority() {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let mine = getpriority(which, 0)
        let pool = ParsingPool(threads: 2, niceness: 5)
        defer { pool.shutdown() }
        let seen = Tally(1)
        let niceness = ManagedNice()
        let done = DispatchSemaphore(value: 0)
        pool.async {
            niceness.set(getpriority(which, 0))
            seen.bump(0)
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(niceness.value == min(mine + 5, 19))
        #expect(getpriority(which, 0) == mine)
        #expect(seen.values == [1])
    }

    @Test("shutdown lets queued tasks finish before the threads end")
    func shutdownDrains() {
        let pool = ParsingPool(threads: 1, niceness: 0)
        let tally = Tally(20)
        for i in 0..<20 { pool.async { usleep(500); tally.bump(i) } }
        pool.shutdown()
        #expect(tally.values == Array(repeating: 1, count: 20))
    }
}

/// A nice value written by one thread and read by another.
private final class ManagedNice: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int32 = -100
    func set(_ v: Int32) { lock.lock(); stored = v; lock.unlock() }
    var value: Int32 { lock.lock(); defer { lock.unlock() }; return stored }
}
