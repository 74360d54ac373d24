import Corpus
import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

@Suite("Vector file repair", .serialized)
struct VectorRepairTests {
    @Test("a stale vector file (a crash before the rebuild) is repaired: kept vectors reused, missing chunks embedded")
    func staleFileRepaired() throws {
        let dir = temporaryFolder()
        let path = dir + "/kb.sqlite"
        let store = try ingestedSampleStore(dir)
        let stale = try Data(contentsOf: URL(fileURLWithPath: store.vectorFilePath))
        write(dir + "/c/docs/blocking.md", "# Cache blocking\n\nTile the loops so each block of B stays in L2 while A streams.\n")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let query = SearchQuery(text: "tile loops block stays in L2", mode: .vector)
        let reference = try QueryService(store: store).search(query).hits.map(\.id)
        #expect(try QueryService(store: store).search(query).hits.first?.path == "c/docs/blocking.md")

        try stale.write(to: URL(fileURLWithPath: store.vectorFilePath))
        let reopened = try KnowledgeStore(path: path)
        #expect(try QueryService(store: reopened).search(query).hits.map(\.id) == reference)
        let index = try reopened.loadVectorIndex()
        #expect(index.count == (try reopened.statistics().chunks))
        #expect(index.generation == (try reopened.generation()))
    }

    @Test("one file per batch (each batch embedded beside its writing, its vectors spilled once both are done): every chunk's vector comes from the spill")
    func everyBatchSpilled() throws {
        let dir = temporaryFolder()
        makeCorpusWithExtraDocs(dir + "/c")
        var small = IngestOptions()
        small.batchBytes = 1
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let service = IngestService(store: store, options: small)
        let report = try service.ingest([dir + "/c"])
        #expect(report.added >= 16)
        #expect(try !store.vectorFileIsBehind())
        let index = try store.loadVectorIndex()
        #expect(index.count == (try store.statistics().chunks))
        #expect(index.scales.allSatisfy { $0 > 0 })
        // None had to be embedded again from its text at the rebuild: the spill held every batch's vectors.
        #expect(service.embeddedAtRebuild == 0)
    }

    @Test("vectors embedded beside the writing sit at their own chunks: one batch per file against one batch for all")
    func spilledVectorsAligned() throws {
        let dir = temporaryFolder()
        makeCorpusWithExtraDocs(dir + "/c")
        func vectors(batchBytes: Int, store name: String) throws -> [String: [Float]] {
            var options = IngestOptions()
            options.batchBytes = batchBytes
            let store = try KnowledgeStore(path: dir + "/" + name)
            _ = try IngestService(store: store, options: options).ingest([dir + "/c"])
            var keys: [Int64: String] = [:]
            let rows = try store.db.prepare("SELECT c.id, d.source || '#' || c.ordinal FROM chunks c JOIN documents d ON d.id = c.document_id")
            while try rows.step() { keys[rows.int(0)] = rows.text(1) }
            let index = try store.loadVectorIndex()
            return withExtendedLifetime(index) {
                var out: [String: [Float]] = [:]
                for i in 0..<index.count {
                    guard let key = keys[index.ids[i]] else { continue }
                    out[key] = (0..<index.dimension).map { Float(index.value(row: i, dimension: $0)) * index.scales[i] }
                }
                return out
            }
        }
        let perFile = try vectors(batchBytes: 1, store: "small.sqlite")
        let whole = try vectors(batchBytes: 64 << 20, store: "whole.sqlite")
        #expect(perFile.count == whole.count && perFile.count >= 16)
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
            return norms > 0 ? dot / norms : 0
        }
        // The batches weigh words by different frequencies, so the vectors differ a little; a vector stored at another
        // chunk's id would be far from that chunk's own.
        for (key, vector) in whole {
            let other = try #require(perFile[key])
            #expect(cosine(vector, other) > 0.8, "\(key)")
        }
    }

    @Test("an ingest with nothing new still brings a stale vector file up to date")
    func unchangedIngestRepairs() throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let stale = try Data(contentsOf: URL(fileURLWithPath: store.vectorFilePath))
        write(dir + "/c/docs/blocking.md", "# Cache blocking\n\nTile the loops so each block of B stays in L2.\n")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        try stale.write(to: URL(fileURLWithPath: store.vectorFilePath))
        #expect(try store.vectorFileIsBehind())
        let report = try IngestService(store: store).ingest([dir + "/c"])
        #expect(report.added == 0 && report.updated == 0)
        #expect(try !store.vectorFileIsBehind())
        let index = try store.loadVectorIndex()
        #expect(index.count == (try store.statistics().chunks))
    }

    @Test("chunk ids are never reused after deletes, so no stale vector can attach to a new chunk")
    func idsOnlyGrow() throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let before = try store.db.scalarInt("SELECT max(id) FROM chunks") ?? 0
        try FileManager.default.removeItem(atPath: dir + "/c/traces/t.jsonl")
        var prune = IngestOptions()
        prune.prune = true
        _ = try IngestService(store: store, options: prune).ingest([dir + "/c"])
        #expect((try store.db.scalarInt("SELECT max(id) FROM chunks") ?? 0) < before)
        write(dir + "/c/docs/new.md", "# New\n\nA fresh section about prefetch distance.\n")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let newIDs = try store.db.scalarInt("SELECT min(c.id) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.display_path LIKE '%new.md'") ?? 0
        #expect(newIDs > before)
        var chunkIDs: [Int64] = []
        let rows = try store.db.prepare("SELECT id FROM chunks ORDER BY id")
        while try rows.step() { chunkIDs.append(rows.int(0)) }
        let index = try store.loadVectorIndex()
        let indexIDs = withExtendedLifetime(index) { Array(index.ids) }
        #expect(indexIDs == chunkIDs)
    }

    @Test("a bulk load merges its FTS segments once at the end and puts the everyday merge settings back")
    func bulkLoadSettingsRestored() throws {
        let dir = temporaryFolder()
        makeCorpusWithExtraDocs(dir + "/c")
        var small = IngestOptions()
        small.batchBytes = 256  // the corpus is many batches: a bulk load
        let bulk = try KnowledgeStore(path: dir + "/bulk.sqlite")
        let plain = try KnowledgeStore(path: dir + "/plain.sqlite")
        _ = try IngestService(store: bulk, options: small).ingest([dir + "/c"])
        _ = try IngestService(store: plain).ingest([dir + "/c"])
        #expect(try !bulk.ftsBulkLoadSet())
        #expect(try bulk.db.scalarInt("SELECT v FROM chunks_fts_config WHERE k = 'automerge'") == 4)
        try bulk.db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1)")
        for text in ["cache reuse blocking", "Welford variance", "_mm512_reduce_max_ps"] {
            let a = try QueryService(store: bulk).search(SearchQuery(text: text, mode: .bm25)).hits.map(\.title)
            let b = try QueryService(store: plain).search(SearchQuery(text: text, mode: .bm25)).hits.map(\.title)
            #expect(a == b)
        }
    }

    @Test("a bulk load that fails part-way (the store's size cap reached) still puts the everyday merge settings back")
    func bulkSettingsRestoredAfterError() throws {
        let dir = temporaryFolder()
        makeCorpusWithExtraDocs(dir + "/c")
        let seeded = try ingestedSampleStore(dir + "/seed")
        let capped = try KnowledgeStore(path: dir + "/seed/kb.sqlite", maxBytes: try seeded.statistics().storeBytes + 256 << 10)
        for i in 0..<40 { write(dir + "/c/docs/big\(i).md", "# Big \(i)\n\n" + String(repeating: "tile block cache reuse \(i) ", count: 4000)) }
        var small = IngestOptions()
        small.batchBytes = 64 << 10
        #expect(throws: RetrievalError.self) { try IngestService(store: capped, options: small).ingest([dir + "/c"]) }
        #expect(try !capped.ftsBulkLoadSet())
    }

    @Test("bulk-load merge settings left by a killed ingest are reset by the next ingest, however small")
    func leftoverBulkSettingsReset() throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        try store.setFTSBulkLoad(true)  // what a bulk load killed before its end leaves
        #expect(try store.ftsBulkLoadSet())
        write(dir + "/c/docs/one.md", "# One more\n\nA note on prefetch distance.\n")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        #expect(try !store.ftsBulkLoadSet())
        #expect(try store.db.scalarInt("SELECT v FROM chunks_fts_config WHERE k = 'crisismerge'") == 16)
    }
}
