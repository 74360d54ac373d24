import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

/// The thread that checkpoints an ingest's committed batches while it goes on writing.
@Suite("Background checkpointer")
struct BackgroundCheckpointerTests {
    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Commits `rows` rows of ~4 KB to a table of their own on the store's writer connection.
    static func commit(_ store: KnowledgeStore, rows: Int, from start: Int) throws {
        try store.db.transaction { () throws(SQLiteFailure) in
            try store.db.execute("CREATE TABLE IF NOT EXISTS filler(id INTEGER PRIMARY KEY, text TEXT)")
            let insert = try store.db.prepare("INSERT INTO filler(id, text) VALUES (?, ?)")
            for i in start..<(start + rows) {
                try insert.run([.int(Int64(i)), .text(String(repeating: "row \(i) ", count: 400))])
            }
        }
    }

    @Test("committed pages reach the store file before any checkpoint of the writer's, and the writer keeps going")
    func copiesCommittedPages() throws {
        let dir = temporaryFolder()
        let path = dir + "/kb.sqlite"
        let store = try KnowledgeStore(path: path)
        // Only the checkpointer may copy pages in this test.
        try store.db.execute("PRAGMA wal_autocheckpoint=0")
        let before = Self.fileSize(path)
        let checkpointer = BackgroundCheckpointer(path: path, niceness: 0)
        for batch in 0..<8 {
            try Self.commit(store, rows: 100, from: batch * 100)
            checkpointer.request()
        }
        let made = checkpointer.stop()
        #expect(made >= 1)
        // ~3 MB of rows were committed; the checkpointer copied them into the store file.
        #expect(Self.fileSize(path) > before + 1_000_000)
        // Every row is there, read through the store file and whatever WAL is left.
        #expect(try store.db.scalarInt("SELECT count(*) FROM filler") == 800)
        let check = try store.db.prepare("PRAGMA integrity_check")
        #expect(try check.step() && check.text(0) == "ok")
    }

    @Test("stopping with no request, twice, or on a store it cannot open ends cleanly with nothing done")
    func stopsCleanly() throws {
        let idle = BackgroundCheckpointer(path: temporaryFolder() + "/kb.sqlite", niceness: 0)
        #expect(idle.stop() == 0)
        #expect(idle.stop() == 0)
        let missing = BackgroundCheckpointer(path: temporaryFolder() + "/no/such/folder/kb.sqlite", niceness: 0)
        missing.request()
        #expect(missing.stop() == 0)
    }
}
