import Foundation
import Glibc

/// Copies an ingest's committed WAL pages into the store file on a thread and connection of its own, while the
/// ingest goes on parsing and writing.
///
/// Without it, a bulk ingest left everything for one checkpoint at its end (or for SQLite's automatic ones, which run
/// inside the writer's commits): at ~10k chunks that checkpoint synced ~30 MB of WAL, copied 24 MB and synced the
/// store, ~9 % of the ingest's wall time with nothing else running. Here each batch's commit asks for a PASSIVE
/// checkpoint, which never blocks the writer (SQLite lets one checkpoint run beside one writer); its page copies and
/// `fdatasync` waits overlap the parsing. Once a checkpoint has caught up, the writer's next transaction starts the
/// WAL file over, so the WAL stays about a batch long and the final checkpoint has little left to do.
///
/// The connection is opened, used and closed on the checkpointer's thread only. A checkpoint that cannot run (another
/// process checkpointing, a busy or failing file) is skipped: the ingest's own final checkpoint is still made.
final class BackgroundCheckpointer: @unchecked Sendable {
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private var running = true
    /// Checkpoints made, for tests and reports.
    private var completed = 0

    /// Starts the thread; its connection opens `path` (an existing store) there. `niceness` lowers the thread's
    /// priority like the parsing threads' (its work is mostly waiting on the disk).
    init(path: String, niceness: Int32) {
        let thread = Thread { [self] in
            if niceness > 0 {
                let which = __priority_which_t(PRIO_PROCESS.rawValue)
                _ = setpriority(which, 0, getpriority(which, 0) + niceness)
            }
            checkpointUntilStopped(path: path)
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "kb.checkpoint"
        thread.start()
    }

    /// The thread's work: a checkpoint per request, on a connection that is closed before this returns.
    private func checkpointUntilStopped(path: String) {
        let db = try? Database(path: path, readOnly: false, create: false)
        // The same durability as the writer: the WAL is synced before its pages are copied, the store after.
        try? db?.execute("PRAGMA synchronous=NORMAL")
        while waitForRequest() {
            guard let db else { continue }
            do {
                try db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                condition.lock(); completed += 1; condition.unlock()
            } catch {
                // Busy or failed: the next request, or the ingest's final checkpoint, does the work.
            }
        }
    }

    /// Waits for a request; false once stopping.
    private func waitForRequest() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !requested, !stopping { condition.wait() }
        requested = false
        return !stopping
    }

    /// Asks for a checkpoint of what is committed now; requests made while one runs become one more checkpoint.
    func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Lets a running checkpoint end, drops pending requests, closes the connection and ends the thread. Returns the
    /// number of checkpoints made.
    @discardableResult
    func stop() -> Int {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        return completed
    }
}
