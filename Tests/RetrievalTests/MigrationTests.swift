import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    @Test("a version-1 store is migrated forward on open and keeps its documents")
    func fromVersionOne() throws {
        let dir = temporaryFolder()
        let path = dir + "/old.sqlite"
        // Build a store exactly as schema v1 left it, with one document, using Python's sqlite3 (another client).
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.executescript(sys.stdin.read())
            c.execute("PRAGMA user_version=1")
            c.execute("INSERT INTO documents(source, display_path, format, kind, title, content_hash, size, mtime, parser_version, ingested_at) VALUES ('/x/a.md', 'a.md', 'markdown', 'doc', 'A', '0', 10, 0, 1, 0)")
            c.execute("INSERT INTO chunks(document_id, ordinal, kind, lang, backend, symbol, title, symbols, body, start_line, end_line, isa, ops, meta) VALUES (1, 0, 'doc', 'markdown', NULL, NULL, 'Welford', '', 'Welford running variance', 1, 3, ' ', ' ', '{}')")
            c.execute("INSERT INTO vector_pack(id, generation, count, ids, scales, data) VALUES (1, 0, 0, x'', x'', x'')")
            c.commit()
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path]
        let input = Pipe()
        p.standardInput = input
        try p.run()
        input.fileHandleForWriting.write(Data(Schema.migrations[0].utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)

        let store = try KnowledgeStore(path: path)
        let stats = try store.statistics()
        #expect(stats.schemaVersion == KnowledgeStore.schemaVersion)
        #expect(stats.documents == 1)
        #expect(try store.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'vector_pack'") == 0)
        #expect(try store.storeID().count == 16)
        let hits = try QueryService(store: store).search(SearchQuery(text: "running variance", mode: .bm25))
        #expect(hits.hits.first?.title == "Welford")
        // Its 4 KiB pages stay (a WAL store cannot change them); ingesting into it works with checkpoints and caps
        // counted in its own page size.
        #expect(try store.db.scalarInt("PRAGMA page_size") == 4096)
        #expect(try store.pages(bytes: KnowledgeStore.walCheckpointBytes) == 1000)
        write(dir + "/docs/scan.md", "# Blelloch scan\n\nWork-efficient prefix sums with an up-sweep and a down-sweep.\n")
        let report = try IngestService(store: store).ingest([dir + "/docs"])
        #expect(report.added == 1 && report.failed == 0)
        let scan = try QueryService(store: store).search(SearchQuery(text: "prefix sums up-sweep"))
        #expect(scan.hits.first?.title.contains("Blelloch") == true)
    }

    @Test("a new store uses 64 KiB pages and counts its size cap in them")
    func newStorePages() throws {
        let path = temporaryFolder() + "/new.sqlite"
        let store = try KnowledgeStore(path: path, maxBytes: 10 << 20)
        #expect(try store.db.scalarInt("PRAGMA page_size") == Int64(KnowledgeStore.newStorePageSize))
        #expect(try store.db.scalarInt("PRAGMA max_page_count") == Int64((10 << 20) / KnowledgeStore.newStorePageSize))
        #expect(try store.pages(bytes: KnowledgeStore.walCheckpointBytes) == KnowledgeStore.walCheckpointBytes / 65536)
    }
}
