import Corpus
import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

/// The bundled corpus (`corpus/` at the repository root).
private let bundledCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus").path

/// kb's FTS5 functions: `kb_bm25` (BM25F with column sizes from the vector file) and `kb_phrase_counts`.
@Suite("FTS5 rank functions", .serialized)
struct RankFunctionTests {
    static let queries = ["\"softmax\" OR \"tile\"", "\"layernorm\" OR \"welford\" OR \"variance\"", "\"barrier\"",
                          "\"local\" OR \"memory\" OR \"work\" OR \"group\"", "\"mm512 fmadd ps\" OR \"reduction\"",
                          "\"the\" OR \"cache\"", "\"nosuchwordanywhere\" OR \"gemm\""]

    /// rowid → score of `function` for an FTS5 query, with column weights 2, 2, 1.
    static func scores(_ store: KnowledgeStore, _ function: String, _ match: String) throws -> [Int64: Double] {
        let s = try store.db.prepare("SELECT rowid, \(function)(chunks_fts, 2.0, 2.0, 1.0) FROM chunks_fts WHERE chunks_fts MATCH ?")
        try s.bind([.text(match)])
        var out: [Int64: Double] = [:]
        while try s.step() { out[s.int(0)] = s.double(1) }
        return out
    }

    /// kb_bm25's scores with the installed column sizes equal its scores with FTS5's own sizes, row for row.
    static func expectSameScoresWithoutInstalledSizes(_ store: KnowledgeStore, _ index: VectorIndex) throws {
        var installed: [[Int64: Double]] = []
        for q in queries { installed.append(try scores(store, "kb_bm25", q)) }
        store.db.installRowLengths(rowids: UnsafeBufferPointer(start: nil, count: 0), tokens: nil)
        defer { store.installRowLengths(of: index) }
        for (q, withSizes) in zip(queries, installed) {
            let fromFTS = try scores(store, "kb_bm25", q)
            #expect(Set(fromFTS.keys) == Set(withSizes.keys), "rows of \(q)")
            #expect(Set(fromFTS.keys) == Set(try scores(store, "bm25", q).keys), "rows of \(q)")
            for (id, score) in fromFTS {
                let mine = withSizes[id] ?? .nan
                #expect(abs(mine - score) <= 1e-9 * max(1, abs(score)), "\(q) row \(id): installed \(mine), FTS5 sizes \(score)")
            }
        }
    }

    @Test("the vector file holds FTS5's own column sizes, and kb_bm25 scores alike with them and without them")
    func installedSizesMatchFTS() throws {
        let dir = temporaryFolder()
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: store).ingest([bundledCorpus])
        #expect(report.chunks > 300)
        #expect(store.db.hasRankFunctions)
        let index = try store.loadVectorIndex()
        let tokens = try #require(index.tokens)
        #expect(tokens.count == index.count * 3 && !tokens.contains(.max))
        // Each count is FTS5's own: the row's docsize record, one varint per column.
        let docsize = try store.db.prepare("SELECT id, sz FROM chunks_fts_docsize")
        var sizes: [Int64: [UInt64]] = [:]
        while try docsize.step() { sizes[docsize.int(0)] = docsize.withBlob(1) { KnowledgeStore.varints($0) } }
        for (i, id) in index.ids.enumerated() {
            #expect(sizes[id] == (0..<3).map { UInt64(tokens[i * 3 + $0]) }, "row \(id)")
        }
        try Self.expectSameScoresWithoutInstalledSizes(store, index)
        // A wrong count would change the score: the counts are really read.
        var wrong = Array(tokens)
        for i in wrong.indices { wrong[i] = wrong[i] * 3 + 7 }
        let ids = Array(index.ids)
        let reference = try Self.scores(store, "kb_bm25", Self.queries[0])
        try ids.withUnsafeBufferPointer { idBuffer in
            try wrong.withUnsafeBufferPointer { tokenBuffer in
                store.db.installRowLengths(rowids: idBuffer, tokens: tokenBuffer)
                let skewed = try Self.scores(store, "kb_bm25", Self.queries[0])
                #expect(reference.contains { abs((skewed[$0.key] ?? 0) - $0.value) > 1e-6 })
                store.installRowLengths(of: index)
            }
        }
    }

    @Test("kb_bm25 is BM25F: each column normalized by its own length, the weighted sum saturated once")
    func bm25FDefinition() throws {
        let dir = temporaryFolder()
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        store.db.installRowLengths(rowids: UnsafeBufferPointer(start: nil, count: 0), tokens: nil)
        try store.db.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, c, tokenize='unicode61')")
        // Plain words, so FTS5's tokens are the words themselves.
        let rows: [[String]] = [
            ["softmax", "soft max f32 softmax cuda", "x y z w " + String(repeating: "row max sum exp ", count: 40) + "softmax"],
            ["launch softmax kernels", "launch soft max kernels softmax cuda", "block size grid softmax"],
            ["relu", "relu f32 cuda", "x y"],
            ["gemm tile", "gemm tile avx512", "tile tile k loop"],
            ["notes", "", "softmax softmax softmax and more words here"],
        ]
        for (i, r) in rows.enumerated() {
            try store.db.execute("INSERT INTO t(rowid, a, b, c) VALUES (\(i + 1), '\(r[0])', '\(r[1])', '\(r[2])')")
        }
        let weights = [2.0, 2.0, 1.0], k1 = 1.2, b = 0.75
        let tokens = rows.map { $0.map { $0.split(separator: " ").map(String.init) } }
        let n = Double(rows.count)
        let average = (0..<3).map { c in Double(tokens.reduce(0) { $0 + $1[c].count }) / n }
        for terms in [["softmax"], ["softmax", "cuda"], ["tile", "gemm", "nosuch"], ["relu", "x"]] {
            let match = terms.map(QueryService.ftsString).joined(separator: " OR ")
            let s = try store.db.prepare("SELECT rowid, kb_bm25(t, 2.0, 2.0, 1.0) FROM t WHERE t MATCH ?")
            try s.bind([.text(match)])
            var got: [Int64: Double] = [:]
            while try s.step() { got[s.int(0)] = s.double(1) }
            var expected: [Int64: Double] = [:]
            for (i, row) in tokens.enumerated() {
                var score = 0.0, matched = false
                for term in terms {
                    let hits = Double(tokens.filter { $0.contains { $0.contains(term) } }.count)
                    let raw = log((n - hits + 0.5) / (hits + 0.5))
                    let idf = raw <= 0 ? 1e-6 : raw  // FTS5's floor for words in over half the rows
                    var f = 0.0
                    for c in 0..<3 {
                        let tf = Double(row[c].filter { $0 == term }.count)
                        f += weights[c] * tf / (1 - b + b * Double(row[c].count) / average[c])
                    }
                    if f > 0 { matched = true }
                    score += idf * f * (k1 + 1) / (f + k1)
                }
                if matched { expected[Int64(i + 1)] = -score }
            }
            #expect(Set(got.keys) == Set(expected.keys), "\(terms)")
            for (id, e) in expected {
                #expect(abs((got[id] ?? .nan) - e) <= 1e-9 * max(1, abs(e)), "\(terms) row \(id): \(got[id] ?? .nan) against \(e)")
            }
        }
        // The long body no longer buries the title's match: the kernel named softmax outranks the launcher.
        let s = try store.db.prepare("SELECT rowid FROM t WHERE t MATCH ? ORDER BY kb_bm25(t, 2.0, 2.0, 1.0) LIMIT 1")
        try s.bind([.text("\"softmax\" OR \"cuda\"")])
        #expect(try s.step() && s.int(0) == 1)
    }

    @Test("kb_phrase_counts counts each phrase's rows up to the cap", arguments: [1, 3, 40, 1_000_000])
    func phraseCounts(cap: Int) throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let terms = ["softmax", "tile", "nosuchwordanywhere", "mm512 fmadd ps", "the"]
        let match = terms.map(QueryService.ftsString).joined(separator: " OR ")
        let s = try store.db.prepare("SELECT kb_phrase_counts(chunks_fts, ?) FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1")
        try s.bind([.int(Int64(cap)), .text(match)])
        #expect(try s.step())
        let counts: [Int64] = s.withBlob(0) { raw in (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } }
        s.reset()
        var expected: [Int64] = []
        for t in terms {
            let n = try store.db.scalarInt("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", [.text(QueryService.ftsString(t))]) ?? 0
            expected.append(min(n, Int64(cap)))
        }
        #expect(counts == expected)
        #expect(expected.contains { $0 > 1 } || cap == 1)
        #expect(expected[2] == 0)
        let service = QueryService(store: store)
        #expect(try service.documentFrequencies(terms).map(Int64.init) == terms.map { t in
            min((try? store.db.scalarInt("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", [.text(QueryService.ftsString(t))]) ?? 0) ?? 0,
                Int64(service.postingBudget + 1))
        })
    }

    @Test("a vector file of an earlier, row-major format is read (the first two formats' token counts ignored), and the next ingest rewrites it",
          arguments: [("KBVEC001", 12), ("KBVEC002", 8), ("KBVEC003", 0)])
    func earlierFormatFileRead(magic: String, bytesDroppedPerChunk: Int) throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let query = SearchQuery(text: "softmax tile reduction", mode: .hybrid)
        let reference = try QueryService(store: store).search(query).hits
        // KBVEC001 has no token section; KBVEC002 has one total per chunk, wrong as column sizes, so it must not be read
        // as such; KBVEC003 has the current sections, its vectors row by row.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store.vectorFilePath)))
        let current = try store.loadVectorIndex()
        let count = current.count, dimension = current.dimension
        bytes.replaceSubrange(0..<8, with: Array(magic.utf8))
        // The earlier formats keep the vectors row-major.
        var rows: [Int8] = []
        current.appendRows(0..<count, to: &rows)
        let dataStart = VectorIndex.headerSize + count * 12
        bytes.replaceSubrange(dataStart..<(dataStart + count * dimension), with: rows.map { UInt8(bitPattern: $0) })
        // Nor do they have the exact-identifier index at the end.
        let layout = VectorIndex.layout(count: count, dimension: dimension, buckets: store.embedder.dfBuckets)
        bytes.removeLast(bytes.count - layout.tokensEnd)
        bytes.removeLast(count * bytesDroppedPerChunk)
        try Data(bytes).write(to: URL(fileURLWithPath: store.vectorFilePath))

        let reopened = try KnowledgeStore(path: dir + "/kb.sqlite", readOnly: true)
        let index = try reopened.loadVectorIndex()
        #expect(index.count == count && !index.columnMajor && index.symbolKeys == nil)
        #expect((index.tokens == nil) == (magic != "KBVEC003"))
        let hits = try QueryService(store: reopened).search(query).hits
        #expect(hits.map(\.id) == reference.map(\.id))
        #expect(zip(hits, reference).allSatisfy { abs($0.score - $1.score) <= 1e-9 })
        // Identifiers' definitions are found without the index too.
        let identifierQuery = SearchQuery(text: "hmax", mode: .hybrid)
        let identifierHits = try QueryService(store: reopened).search(identifierQuery).hits
        #expect(identifierHits.first?.symbol == "hmax")
        #expect(identifierHits.map(\.id) == (try QueryService(store: store).search(identifierQuery).hits.map(\.id)))
        #expect(try reopened.vectorFileIsBehind())

        let writer = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: writer).ingest([dir + "/c"])
        #expect(report.added == 0 && report.updated == 0)
        let rewritten = try Data(contentsOf: URL(fileURLWithPath: writer.vectorFilePath))
        #expect(Array(rewritten.prefix(8)) == Array("KBVEC004".utf8))
        #expect(try writer.loadVectorIndex().columnMajor && writer.loadVectorIndex().symbolKeys != nil)
        #expect(try writer.loadVectorIndex().tokens?.count == count * 3)
        #expect(try QueryService(store: writer).search(query).hits.map(\.id) == reference.map(\.id))
    }
}
