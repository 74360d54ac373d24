import Dispatch
import Foundation
import Glibc
import CEmbedding

/// Threads of an ingest's own for parsing and embedding, at a lower scheduling priority than the thread that writes
/// to SQLite.
///
/// On a machine with few cores the writer is the ingest's critical path once parsing runs ahead of it, and threads of
/// equal priority took ~1.3 s of a 100k-chunk ingest's CPU from it (time it sat runnable but not running). The pool's
/// threads are not the process's shared dispatch threads: a thread's priority cannot be raised again without
/// privileges, so lowering a shared one would slow every later user of it. They exit in `shutdown()`, which must be
/// called.
final class ParsingPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var tasks: [@Sendable () -> Void] = []
    private var head = 0
    private var stopping = false
    /// Number of threads.
    let threadCount: Int

    /// Threads running now (started and not yet ended).
    private var live = 0
    /// No thread started in time (the process may be at its thread limit): tasks go to the dispatch threads.
    private var fallback = false

    /// Starts `threads` threads whose nice value is raised by `niceness` (lower priority; 0 leaves it). If none of
    /// them is running within two seconds, tasks run on the shared dispatch threads instead, at normal priority.
    init(threads: Int, niceness: Int32) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [self] in
                condition.lock()
                live += 1
                condition.broadcast()
                condition.unlock()
                Self.reserveArena()
                if niceness > 0 {
                    // On Linux a thread has its own nice value; `who = 0` is the calling thread.
                    let which = __priority_which_t(PRIO_PROCESS.rawValue)
                    _ = setpriority(which, 0, getpriority(which, 0) + niceness)
                }
                while let task = next() { task() }
                condition.lock()
                live -= 1
                condition.broadcast()
                condition.unlock()
            }
            thread.name = "kb.parse.\(index)"
            thread.start()
        }
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: 2)
        while live == 0, condition.wait(until: deadline) {}
        fallback = live == 0
        condition.unlock()
    }

    /// Bytes each pool thread's malloc arena is grown by before its first task.
    ///
    /// glibc grows a thread's arena one `mprotect` at a time by as little as a page: a 10k-chunk ingest made ~8,600
    /// such calls, each taking the process's memory-map lock that the other threads' page faults need too.
    static let arenaReserve = 24 << 20

    /// Grows the calling thread's malloc arena once, by `arenaReserve` bytes.
    private static func reserveArena() {
        _ = kb_reserve_thread_arena(arenaReserve)
    }

    /// The next queued task, waiting for one; nil once the pool is shutting down and the queue is empty.
    private func next() -> (@Sendable () -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while head == tasks.count, !stopping { condition.wait() }
        guard head < tasks.count else { return nil }
        let task = tasks[head]
        head += 1
        if head == tasks.count {
            tasks.removeAll(keepingCapacity: true)
            head = 0
        }
        return task
    }

    /// Queues `task` to run on one of the pool's threads (tasks start in the order queued).
    func async(_ task: @escaping @Sendable () -> Void) {
        condition.lock()
        if fallback {
            condition.unlock()
            DispatchQueue.global().async(execute: task)
            return
        }
        tasks.append(task)
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` for each index in `0..<iterations` on the calling thread and the pool's threads, each index once,
    /// and returns when all are done (like `DispatchQueue.concurrentPerform`). Never waits for a pool thread to become
    /// free: the caller runs whatever the pool has not picked up, so calls from the pool's own threads cannot deadlock.
    func perform(iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard iterations > 0 else { return }
        let work = SharedIterations(count: iterations, body: body)
        for _ in 0..<min(iterations - 1, threadCount) { async { work.drain() } }
        work.drain()
        work.waitUntilDone()
    }

    /// Lets the queued tasks finish, then ends the threads and waits for them.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while live > 0 { condition.wait() }
        condition.unlock()
    }
}

/// Indices handed out one at a time to whichever thread asks, and a count of those finished.
private final class SharedIterations: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private var finished = 0
    private let count: Int
    private let body: @Sendable (Int) -> Void

    init(count: Int, body: @escaping @Sendable (Int) -> Void) {
        self.count = count
        self.body = body
    }

    /// Runs indices until none is left.
    func drain() {
        while true {
            condition.lock()
            guard next < count else {
                condition.unlock()
                return
            }
            let index = next
            next += 1
            condition.unlock()
            body(index)
            condition.lock()
            finished += 1
            if finished == count { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Waits until every index has run.
    func waitUntilDone() {
        condition.lock()
        while finished < count { condition.wait() }
        condition.unlock()
    }
}
