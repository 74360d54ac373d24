import Corpus
import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

/// The bundled corpus (`corpus/` at the repository root).
private let bundledCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus").path

/// kb's FTS5 functions: `kb_bm25` (FTS5's BM25 with row sizes from the vector file) and `kb_phrase_counts`.
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

    static func expectSameScores(_ store: KnowledgeStore) throws {
        for q in queries {
            let reference = try scores(store, "bm25", q)
            let ours = try scores(store, "kb_bm25", q)
            #expect(Set(ours.keys) == Set(reference.keys), "rows of \(q)")
            for (id, score) in reference {
                let mine = ours[id] ?? .nan
                #expect(abs(mine - score) <= 1e-9 * max(1, abs(score)), "\(q) row \(id): kb_bm25 \(mine), bm25 \(score)")
            }
        }
    }

    @Test("kb_bm25 scores every row as FTS5's bm25 does, with the vector file's token counts and without them")
    func sameScoresAsBM25() throws {
        let dir = temporaryFolder()
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: store).ingest([bundledCorpus])
        #expect(report.chunks > 300)
        #expect(store.db.hasRankFunctions)
        let index = try store.loadVectorIndex()
        let tokens = try #require(index.tokens)
        #expect(tokens.count == index.count && !tokens.contains(.max))
        // Each count is FTS5's own: the row's columns' token counts summed.
        let docsize = try store.db.prepare("SELECT id, sz FROM chunks_fts_docsize")
        var sizes: [Int64: UInt32] = [:]
        while try docsize.step() { sizes[docsize.int(0)] = docsize.withBlob(1) { KnowledgeStore.sumOfVarints($0) } }
        #expect(zip(index.ids, tokens).allSatisfy { sizes[$0.0] == $0.1 })
        try Self.expectSameScores(store)
        // Without token counts, every size comes from FTS5.
        store.db.installRowLengths(rowids: UnsafeBufferPointer(start: nil, count: 0), tokens: nil)
        try Self.expectSameScores(store)
        // A wrong count would change the score: the counts are really read.
        var wrong = Array(tokens)
        for i in wrong.indices { wrong[i] = wrong[i] * 3 + 7 }
        let ids = Array(index.ids)
        try ids.withUnsafeBufferPointer { idBuffer in
            try wrong.withUnsafeBufferPointer { tokenBuffer in
                store.db.installRowLengths(rowids: idBuffer, tokens: tokenBuffer)
                let reference = try Self.scores(store, "bm25", Self.queries[0])
                let skewed = try Self.scores(store, "kb_bm25", Self.queries[0])
                #expect(reference.contains { abs((skewed[$0.key] ?? 0) - $0.value) > 1e-6 })
                store.db.installRowLengths(rowids: UnsafeBufferPointer(start: nil, count: 0), tokens: nil)
            }
        }
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

    @Test("a vector file of the first format (no token counts) is read, and the next ingest rewrites it")
    func firstFormatFileRead() throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let query = SearchQuery(text: "softmax tile reduction", mode: .hybrid)
        let reference = try QueryService(store: store).search(query).hits.map(\.id)
        // The first format: magic KBVEC001 and no token section at the end.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store.vectorFilePath)))
        let count = try store.loadVectorIndex().count
        bytes.replaceSubrange(0..<8, with: Array("KBVEC001".utf8))
        bytes.removeLast(count * 4)
        try Data(bytes).write(to: URL(fileURLWithPath: store.vectorFilePath))

        let reopened = try KnowledgeStore(path: dir + "/kb.sqlite", readOnly: true)
        let index = try reopened.loadVectorIndex()
        #expect(index.tokens == nil && index.count == count)
        #expect(try QueryService(store: reopened).search(query).hits.map(\.id) == reference)
        #expect(try reopened.vectorFileIsBehind())

        let writer = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: writer).ingest([dir + "/c"])
        #expect(report.added == 0 && report.updated == 0)
        let rewritten = try Data(contentsOf: URL(fileURLWithPath: writer.vectorFilePath))
        #expect(Array(rewritten.prefix(8)) == Array("KBVEC002".utf8))
        #expect(try writer.loadVectorIndex().tokens?.count == count)
        #expect(try QueryService(store: writer).search(query).hits.map(\.id) == reference)
    }
}
