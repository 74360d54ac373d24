import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

@Suite("SQLite statements")
struct StatementTests {
    @Test("borrowed text binds store the same values as copied ones; a failed step leaves the statement reusable")
    func borrowedBindings() throws {
        let db = try Database(path: temporaryFolder() + "/t.sqlite", readOnly: false, create: true)
        try db.execute("CREATE TABLE t(a TEXT NOT NULL, b TEXT, c INTEGER UNIQUE, d REAL)")
        let insert = try db.prepare("INSERT INTO t(a, b, c, d) VALUES (?, ?, ?, ?)")
        let long = String(repeating: "fused softmax tiling ünï ", count: 10_000)
        try insert.runBorrowing([.text(""), .text(long), .int(1), .double(0.5)])
        try insert.runBorrowing([.text("x\u{0}y"), .null, .int(2), .null])
        // A constraint failure throws and clears the bindings; the next run works.
        #expect(throws: SQLiteFailure.self) { try insert.runBorrowing([.text("dup"), .text("b"), .int(1), .null]) }
        try insert.runBorrowing([.text("after"), .text("b"), .int(3), .null])

        let read = try db.prepare("SELECT a, b, length(CAST(a AS BLOB)), typeof(b) FROM t ORDER BY c")
        var rows: [(String, String, Int64, String)] = []
        while try read.step() { rows.append((read.text(0), read.text(1), read.int(2), read.text(3))) }
        #expect(rows.count == 3)
        #expect(rows[0].0 == "" && rows[0].1 == long && rows[0].3 == "text")
        #expect(rows[1].2 == 3)  // the NUL and the byte after it are stored, not cut off
        #expect(rows[1].3 == "null")
        #expect(rows[2].0 == "after")
    }
}
