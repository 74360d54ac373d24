public import Corpus
import Dispatch
import Foundation

/// Options of an ingest run.
public struct IngestOptions: Sendable {
    /// Delete documents under the given folders whose files no longer exist.
    public var prune = false
    /// Re-read and re-index every file even when unchanged.
    public var force = false
    /// Largest file accepted, in bytes.
    public var maxFileSize = 8 << 20
    /// Limits for http(s) sources.
    public var fetchLimits = URLFetcher.Limits()
    /// Worker threads parsing and embedding (default: the processor count).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Source bytes per write transaction, at most (a small ingest uses smaller batches).
    public var batchBytes = 4 << 20

    /// Creates default options.
    public init() {}
}

/// What an ingest did.
public struct IngestReport: Sendable, Codable {
    /// New documents stored.
    public var added = 0
    /// Changed documents replaced.
    public var updated = 0
    /// Documents found unchanged.
    public var unchanged = 0
    /// Files skipped (empty, binary, unsupported, symlink loops).
    public var skipped = 0
    /// Sources that failed (unreadable, malformed, network errors).
    public var failed = 0
    /// Documents removed: by `--prune`, or because their file is now empty or binary.
    public var removed = 0
    /// Bytes of source read and indexed.
    public var bytes = 0
    /// Chunks written.
    public var chunks = 0
    /// Wall time in seconds.
    public var seconds = 0.0
    /// Where the wall time went, in seconds.
    public var phases = Phases()

    /// Where an ingest's wall time went.
    public struct Phases: Sendable, Codable {
        /// Walking folders and comparing with the store.
        public var walk = 0.0
        /// The writer waiting for the parsing and embedding threads.
        public var waitForParsing = 0.0
        /// Writing batches (SQLite).
        public var write = 0.0
        /// Fetching URLs.
        public var fetch = 0.0
        /// Merging FTS segments, checkpointing the WAL and rebuilding the vector file.
        public var finish = 0.0
        /// The part of `finish` spent in the final WAL checkpoint.
        public var checkpoint = 0.0
    }
    /// Everything worth telling the user, per source.
    public var diagnostics: [Diagnostic] = []

    /// Throughput of the indexed bytes in MB/s.
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1e6 / seconds : 0 }
}

/// Progress of an ingest run, reported after each source.
public struct IngestProgress: Sendable {
    /// Sources handled so far.
    public var done: Int
    /// Sources to handle.
    public var total: Int
    /// Bytes read so far.
    public var bytes: Int
    /// The source just handled.
    public var current: String
}

/// Reads sources into the store: walks, parses, embeds and writes in batched transactions.
public final class IngestService {
    let store: KnowledgeStore
    let options: IngestOptions
    /// This run's committed vectors, until the vector file is rebuilt.
    var spill: SpillWriter?
    /// How many chunks the last vector-file rebuild had to embed from their stored text (none when every vector
    /// came from this run's spill or the old file).
    var embeddedAtRebuild = 0
    /// The word document frequencies as this run last read or saved them, and what its own table could not take away
    /// since (see `saveFrequencies`).
    var frequencyBase = FrequencyBase()

    /// The stored word document frequencies as an ingest last read or saved them. The run's own table never drops below
    /// zero; what it could not take away (the words of a document another ingest wrote, replaced by this one) is kept
    /// in `shortfall`, so the changes to save are `own - saved - shortfall`.
    struct FrequencyBase {
        var saved: [Int32] = []
        var savedCount = 0
        var shortfall: [Int32] = []
        var shortfallCount = 0
        /// Whether the next save replaces the stored table with the run's own instead of adding its changes (a
        /// re-embedding with a new embedder counts from zero).
        var replace = false

        init() {}

        init(saved: [Int32], count: Int, replace: Bool = false) {
            self.saved = saved
            savedCount = count
            shortfall = [Int32](repeating: 0, count: saved.count)
            self.replace = replace
        }
    }

    /// Creates a service writing into `store`.
    public init(store: KnowledgeStore, options: IngestOptions = IngestOptions()) {
        self.store = store
        self.options = options
    }

    /// A source parsed and tokenized, ready to write (its vectors are embedded beside the writing).
    struct Prepared: @unchecked Sendable {
        var source: String
        var displayPath: String
        var format: DocumentFormat
        var title: String
        var hash: String
        var size: Int
        var modified: Double
        var chunks: [Chunk]
        /// The FTS `symbols` column of each chunk.
        var symbols: [String]
        var bags: [HashedEmbedder.WordBag]
        /// The stored metadata JSON of each chunk (encoded on the worker threads, not the writer's).
        var metadataJSON: [String]
    }

    enum Outcome: @unchecked Sendable {
        case prepared(Prepared, [Diagnostic])
        case unchangedContent(source: String, size: Int, modified: Double)
        case failed(CorpusError)
        /// Skipped (empty, binary, unsupported); `source` is the document's identity where it has one.
        case skipped(CorpusError, source: String?)
    }

    struct ExistingDocument: Sendable {
        var id: Int64
        var hash: String
        var size: Int
        var modified: Double
        var parserVersion: Int
    }

    /// Ingests files, folders and http(s) URLs. Per-source problems become diagnostics; only store failures throw.
    public func ingest(_ inputs: [String], progress: (@Sendable (IngestProgress) -> Void)? = nil) throws(RetrievalError) -> IngestReport {
        let started = Date()
        var report = IngestReport()
        let urls = inputs.filter(URLFetcher.isURL)
        let paths = inputs.filter { !URLFetcher.isURL($0) }
        let (files, walkDiagnostics) = SourceWalker().walk(paths)
        for d in walkDiagnostics {
            report.diagnostics.append(d)
            if d.severity == .error { report.failed += 1 } else { report.skipped += 1 }
        }
        let existing = try existingDocuments()
        let reembedAll = !store.embedderMatches
        spill = SpillWriter(VectorSpill(storePath: store.path, dimension: store.embedder.dimension))
        // Batches are freed on a background queue (below); none of that outlives the call.
        let releases = DispatchGroup()
        defer {
            releases.wait()
            _ = spill?.finish()  // no append outlives the call, on the error paths too
            spill = nil
        }
        // Bulk-load settings for this connection, restored on the way out: foreign-key checks off (every insert here
        // references a row this code just wrote; deletes remove children explicitly) and WAL checkpoints every
        // 64 MB instead of 4 MB (fewer rewrites of hot FTS pages). Together ~30 % of the SQLite time of a 100k-chunk
        // ingest, measured with a replica of these writes.
        try store.sql { () throws(SQLiteFailure) in
            let pages = try store.pages(bytes: 64 << 20)
            try store.db.execute("PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=\(pages)")
        }
        defer {
            try? store.sql { () throws(SQLiteFailure) in
                let pages = try store.pages(bytes: KnowledgeStore.walCheckpointBytes)
                try store.db.execute("PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=\(pages)")
            }
        }
        var pending: [SourceFile] = []
        for file in files {
            if let e = existing[file.path], !options.force, !reembedAll, e.size == file.size, e.modified == file.modified,
               e.parserVersion == KnowledgeStore.parserVersion {
                report.unchanged += 1
            } else {
                pending.append(file)
            }
        }
        // A load of more than twice `batchBytes` merges its FTS segments once, at the end (`setFTSBulkLoad`); the
        // everyday merge settings are put back when it ends, however it ends, and by any other ingest that finds them
        // left behind by a killed bulk load (or by a bulk load running beside it in another process: that one then
        // merges level by level again, which costs time, not data).
        let pendingBytes = pending.reduce(0) { $0 + $1.size }
        let bulkLoad = pendingBytes > 2 * options.batchBytes
        try store.sql { () throws(SQLiteFailure) in
            if bulkLoad {
                try store.setFTSBulkLoad(true)
            } else if try store.ftsBulkLoadSet() {
                try store.setFTSBulkLoad(false)
            }
        }
        defer {
            if bulkLoad {
                // The one place they are put back: after the final merge, and after an error (a full disk, a busy
                // store, a failed merge) too.
                try? store.sql { () throws(SQLiteFailure) in
                    if try store.ftsBulkLoadSet() { try store.setFTSBulkLoad(false) }
                }
            }
        }
        let total = pending.count + urls.count
        var done = 0
        var (df, dfCount) = try store.sql { () throws(SQLiteFailure) in try store.loadDocumentFrequencies() }
        frequencyBase = FrequencyBase(saved: df, count: dfCount, replace: reembedAll)
        if reembedAll { df = [Int32](repeating: 0, count: store.embedder.dfBuckets); dfCount = 0 }
        var changed = false

        // Batches of files, parsed and embedded on worker threads, written in one transaction each.
        // Later batches are parsed in the background while this thread writes the current one (the SQLite
        // connection never leaves this thread).
        var batches: [[SourceFile]] = []
        // A small ingest is cut into ~8 batches of at least 1 MB, so the writer starts soon and the pipeline's filling
        // and draining stay short (10k chunks: 1 MB batches took 0.85× the time of 4 MB ones); a large one uses
        // `batchBytes` (1 MB batches made a 100k-chunk ingest 1.11× slower). Below 1 MB it stays one batch, whose
        // vectors then weigh words by the whole ingest's frequencies.
        let batchBytes = min(options.batchBytes, max(1 << 20, pendingBytes / 8))
        var start = 0
        while start < pending.count {
            var end = start, bytes = 0
            while end < pending.count, bytes < batchBytes || end == start { bytes += pending[end].size; end += 1 }
            batches.append(Array(pending[start..<end]))
            start = end
        }
        report.phases.walk = Date().timeIntervalSince(started)
        // Parsing runs `depth` batches ahead of the writer, so a batch that takes the writer longer than the parsing of
        // the next one does not leave the parsing threads idle; each batch in flight embeds with its own n-gram caches
        // (a cache serves one thread at a time).
        let depth = Self.parseAhead
        // The parsing threads: one per core, shared by the batches in flight, plus one for each batch's own task
        // (which waits for its files' bytes), at a lower priority than this writing thread.
        let pool = ParsingPool(threads: max(1, options.workers) + depth, niceness: Self.parsingNiceness)
        defer { pool.shutdown() }
        // Batches are embedded one after another (each waits for the one before), so one set of n-gram caches
        // serves them all (a cache serves one thread at a time).
        // Sized to the load (a distinct word per 16 source bytes at most, 131,072 words at most), and none when nothing
        // is to be parsed: each table is zeroed up front (see `kb_ngram_cache_create`), 8 MB at full size, which an
        // unchanged re-ingest of 10k chunks paid twice for nothing.
        let cacheCapacity = min(NgramCache.defaultCapacity, max(4096, pendingBytes / 16))
        let caches = batches.isEmpty ? []
            : (0..<max(1, options.workers)).map { _ in NgramCache(dimension: store.embedder.dimension, capacity: cacheCapacity) }
        var lastVectors: PendingVectors?
        func startBatch(_ i: Int) -> PendingBatch {
            let batch = startPreparing(batches[i], reads: reads[i], existing: existing, df: df, dfCount: dfCount,
                                       caches: caches, stamp: Int32(i + 1), after: lastVectors, pool: pool)
            lastVectors = batch.vectors
            return batch
        }
        // Files are read on a thread of their own, one batch ahead of the parsing, so the parsing threads do not
        // stop for the disk (a cold 100k-chunk ingest spent ~1.8 s with its writer waiting for them).
        let reader = BatchReader(loader: SourceLoader(maxFileSize: options.maxFileSize))
        // Committed batches are checkpointed into the store file beside the parsing, not all at the end.
        let checkpointer = batches.count > 1 ? BackgroundCheckpointer(path: store.path, niceness: Self.parsingNiceness) : nil
        defer { checkpointer?.stop() }
        var reads = batches.prefix(depth + 1).map { reader.start($0) }
        var inFlight: [PendingBatch] = batches.prefix(depth).indices.map { startBatch($0) }
        for (k, batch) in batches.enumerated() {
            guard !inFlight.isEmpty else { break }
            let current = inFlight.removeFirst()
            let waitStart = Date()
            current.group.wait()
            report.phases.waitForParsing += Date().timeIntervalSince(waitStart)
            let writeStart = Date()
            defer { report.phases.write += Date().timeIntervalSince(writeStart) }
            if k + depth + 1 < batches.count { reads.append(reader.start(batches[k + depth + 1])) }
            if k + depth < batches.count {
                inFlight.append(startBatch(k + depth))
            }
            let wrote: Bool
            do {
                // The 1 MB word-frequency table is saved every 16 batches and at the end, not with every batch (it
                // doubled the bytes written); a crash in between leaves it behind by at most 16 batches, which only
                // shifts idf weights of later embeddings a little.
                wrote = try write(current.outcomes, vectors: current.vectors, df: &df, dfCount: &dfCount, report: &report,
                                  saveFrequencies: k % 16 == 15)
            } catch {
                // No background work outlives the call: the batches being parsed and the read queued after them.
                for batch in inFlight { batch.group.wait() }
                reads.last?.group.wait()
                throw error
            }
            changed = changed || wrote
            if wrote { checkpointer?.request() }
            // The batch's memory was allocated by the parsing threads; freeing it here made this thread wait on
            // their allocator locks. It is released on a background thread instead.
            DispatchQueue.global(qos: .utility).async(group: releases) { current.outcomes = [] }
            for file in batch {
                done += 1
                progress?(IngestProgress(done: done, total: total, bytes: report.bytes, current: file.displayPath))
            }
        }

        let fetchStart = Date()
        for url in urls {
            let outcome: Outcome
            do throws(CorpusError) {
                let (text, warnings) = try URLFetcher(limits: options.fetchLimits).fetch(url)
                outcome = try Self.parse(text, size: text.text.utf8.count, modified: Date().timeIntervalSince1970,
                                         warnings: warnings, existing: existing[url], hash: Self.contentHash(text.text),
                                         embedder: store.embedder, force: options.force || !store.embedderMatches)
            } catch {
                outcome = Self.outcome(of: error, source: url)
            }
            let vectors = PendingVectors()
            vectors.vectors = Self.embed([outcome], df: df, dfCount: dfCount, embedder: store.embedder)
            let wrote = try write([outcome], vectors: vectors, df: &df, dfCount: &dfCount, report: &report,
                                  saveFrequencies: false)
            changed = changed || wrote
            done += 1
            progress?(IngestProgress(done: done, total: total, bytes: report.bytes, current: url))
        }

        report.phases.fetch = Date().timeIntervalSince(fetchStart)

        if options.prune {
            let removed = try prune(roots: paths.map { Self.absolute($0) }, seen: Set(files.map(\.path)), df: &df, dfCount: &dfCount)
            report.removed += removed
            changed = changed || removed > 0
        }
        let finishStart = Date()
        // The final checkpoint below needs the store to itself.
        checkpointer?.stop()
        // A vector file behind the store (an ingest killed between its last commit and its rebuild) is brought up
        // to date even when nothing else changed.
        let vectorsBehind = try store.sql { () throws(SQLiteFailure) in try store.vectorFileIsBehind() }
        if changed || reembedAll || vectorsBehind {
            try store.sql { () throws(SQLiteFailure) in
                try store.db.transaction { () throws(SQLiteFailure) in
                    try saveFrequencies(&df, count: &dfCount)
                    if reembedAll { try store.setMeta("embedder", .text(store.embedderSignature)) }
                }
                // The vector file is written beside the FTS segment merge, in one transaction (the merge leaves the
                // chunks alone, so the file's generation stays right).
                let merge = report.chunks > 2000 || bulkLoad
                try store.db.transaction { () throws(SQLiteFailure) in
                    // The vector file's thread waits for the last batches' vectors while the merge runs here.
                    let spill = spill
                    embeddedAtRebuild = try store.rebuildVectorFile(pending: { spill?.finish() }) { () throws(SQLiteFailure) in
                        if merge { try store.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')") }
                    }
                }
                let checkpointStart = Date()
                try? store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                report.phases.checkpoint = Date().timeIntervalSince(checkpointStart)
            }
        }
        report.phases.finish = Date().timeIntervalSince(finishStart)
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    func existingDocuments() throws(RetrievalError) -> [String: ExistingDocument] {
        try store.sql { () throws(SQLiteFailure) in
            var out: [String: ExistingDocument] = [:]
            let s = try store.db.prepare("SELECT source, id, content_hash, size, mtime, parser_version FROM documents")
            while try s.step() {
                out[s.text(0)] = ExistingDocument(id: s.int(1), hash: s.text(2), size: Int(s.int(3)), modified: s.double(4),
                                                  parserVersion: Int(s.int(5)))
            }
            return out
        }
    }

    /// How many batches are parsed ahead of the one being written. Against one, two made a 100k-chunk ingest 0.97× as
    /// long (8 alternating pairs): with one, the parsing threads sat idle whenever a batch took the writer longer.
    static let parseAhead = 2

    /// How much lower the parsing threads' priority is than the writer's (a nice value; CFS then gives the writer ~9×
    /// their share of a contended core). Against equal priority: a 100k-chunk ingest 0.95× as long (8 alternating pairs).
    static let parsingNiceness: Int32 = 10

    /// A batch being parsed on background threads. Its `group` is done once it is parsed; its vectors follow.
    final class PendingBatch: @unchecked Sendable {
        let group = DispatchGroup()
        var outcomes: [Outcome] = []
        let vectors = PendingVectors()
    }

    /// A batch's vectors, embedded on background threads after its parsing: one per chunk of its prepared outcomes,
    /// in order (the order `write` assigns chunk ids in). Ready once `group` is done.
    final class PendingVectors: @unchecked Sendable {
        let group = DispatchGroup()
        var vectors: [(scale: Float, data: [UInt8])] = []
    }

    /// A batch's file bytes, read in the background by a `BatchReader`.
    final class BatchReads: @unchecked Sendable {
        let group = DispatchGroup()
        /// One result per file of the batch; emptied once the batch is parsed.
        var results: [Result<[UInt8], CorpusError>] = []
    }

    /// Reads batches of files one after another on a serial queue of its own (one file at a time: the reads only
    /// need to stay ahead of parsing, and a single reader keeps the disk access in walk order).
    final class BatchReader: Sendable {
        let loader: SourceLoader
        let queue = DispatchQueue(label: "kb.ingest.read", qos: .userInitiated)

        init(loader: SourceLoader) { self.loader = loader }

        /// Queues the reading of `batch`; its bytes are ready when the returned reads' group is done.
        func start(_ batch: [SourceFile]) -> BatchReads {
            let reads = BatchReads()
            let loader = loader
            queue.async(group: reads.group) { reads.results = batch.map { loader.read($0) } }
            return reads
        }
    }

    /// Starts parsing, tokenizing and then embedding a batch in the background, once `reads` has its bytes. The
    /// writer needs only the parsing: it writes the batch while it is embedded, and the vectors go to the spill once
    /// both are done. Embeddings use the word document frequencies of the batches written so far (`df`) plus this
    /// batch's own; `stamp` is unique to the batch. The embedding starts once `after`'s is done (the caches are shared).
    func startPreparing(_ batch: [SourceFile], reads: BatchReads, existing: [String: ExistingDocument], df: [Int32],
                        dfCount: Int, caches: [NgramCache], stamp: Int32, after: PendingVectors?,
                        pool: ParsingPool) -> PendingBatch {
        let pending = PendingBatch()
        let loader = SourceLoader(maxFileSize: options.maxFileSize)
        let force = options.force || !store.embedderMatches
        let embedder = store.embedder
        pending.group.enter()
        pending.vectors.group.enter()
        pool.async {
            reads.group.wait()
            let bytes = reads.results
            reads.results = []
            let parsed = Self.prepare(batch, bytes: bytes, existing: existing, loader: loader, force: force, embedder: embedder,
                                      pool: pool)
            pending.outcomes = parsed
            pending.group.leave()
            after?.group.wait()
            pending.vectors.vectors = Self.embed(parsed, df: df, dfCount: dfCount, embedder: embedder, caches: caches,
                                                 dfStamp: stamp, pool: pool)
            pending.vectors.group.leave()
        }
        return pending
    }

    /// Embeds every chunk of the prepared outcomes, on all cores, with `df` plus the batch's own words: one vector per
    /// chunk, outcome after outcome. Worker `k` embeds outcomes `k`, `k + W`, … with its own n-gram cache, which
    /// outlives the batch.
    static func embed(_ outcomes: [Outcome], df snapshot: [Int32], dfCount: Int, embedder: HashedEmbedder,
                      caches: [NgramCache] = [], dfStamp: Int32 = 0,
                      pool: ParsingPool? = nil) -> [(scale: Float, data: [UInt8])] {
        var df = snapshot
        var count = dfCount
        for case .prepared(let p, _) in outcomes {
            for bag in p.bags { for h in bag.hashes { df[embedder.dfBucket(h)] &+= 1 } }
            count += p.bags.count
        }
        let slots = ResultSlots<[(scale: Float, data: [UInt8])]>(count: outcomes.count)
        let finalDF = df, finalCount = count
        let workers = max(1, min(caches.count, outcomes.count))
        Self.parallel(iterations: workers, on: pool) { k in
            let cache = k < caches.count ? caches[k] : nil
            finalDF.withUnsafeBufferPointer { dfBuffer in
                for i in stride(from: k, to: outcomes.count, by: workers) {
                    guard case .prepared(let p, _) = outcomes[i] else { slots.set(i, []); continue }
                    slots.set(i, p.bags.map {
                        embedder.embedQuantized($0, df: dfBuffer, documentCount: finalCount, cache: cache, dfStamp: dfStamp)
                    })
                }
            }
        }
        return slots.values().flatMap { $0 }
    }

    /// Runs `body` for each index in `0..<iterations` in parallel: on `pool` when given, else on the dispatch threads.
    static func parallel(iterations: Int, on pool: ParsingPool?, _ body: @escaping @Sendable (Int) -> Void) {
        if let pool { pool.perform(iterations: iterations, body) } else { DispatchQueue.concurrentPerform(iterations: iterations, execute: body) }
    }

    /// Decodes, parses and tokenizes a batch on all cores, from the files' bytes (`bytes[i]` is `batch[i]`'s).
    static func prepare(_ batch: [SourceFile], bytes: [Result<[UInt8], CorpusError>], existing: [String: ExistingDocument],
                        loader: SourceLoader, force: Bool, embedder: HashedEmbedder, pool: ParsingPool? = nil) -> [Outcome] {
        let results = ResultSlots<Outcome>(count: batch.count)
        Self.parallel(iterations: batch.count, on: pool) { i in
            let file = batch[i]
            let outcome: Outcome
            do throws(CorpusError) {
                let (text, warnings) = try i < bytes.count ? loader.load(file, bytes: bytes[i]) : loader.load(file)
                let hash = Self.contentHash(text.text)
                if !force, let e = existing[file.path], e.hash == hash, e.parserVersion == KnowledgeStore.parserVersion {
                    outcome = .unchangedContent(source: file.path, size: file.size, modified: file.modified)
                } else {
                    outcome = try Self.parse(text, size: file.size, modified: file.modified, warnings: warnings,
                                             existing: existing[file.path], hash: hash, embedder: embedder, force: force)
                }
            } catch {
                outcome = Self.outcome(of: error, source: file.path)
            }
            results.set(i, outcome)
        }
        return results.values()
    }

    /// An error reading one source as an outcome: empty, binary and unsupported sources are skipped, the rest failed
    /// (files and URLs alike).
    static func outcome(of error: CorpusError, source: String?) -> Outcome {
        switch error {
        case .empty, .binary, .unsupportedType: .skipped(error, source: source)
        default: .failed(error)
        }
    }

    static func parse(_ text: SourceText, size: Int, modified: Double, warnings: [Diagnostic], existing: ExistingDocument?,
                      hash: String, embedder: HashedEmbedder, force: Bool) throws(CorpusError) -> Outcome {
        if let existing, existing.hash == hash, existing.parserVersion == KnowledgeStore.parserVersion, !force {
            return .unchangedContent(source: text.source, size: size, modified: modified)
        }
        let parsed = try DocumentParser().parse(text)
        let fileWords = Self.fileWords(text.displayPath)
        let symbols = parsed.chunks.map { Self.symbolsColumn($0, fileWords: fileWords) }
        let bags = zip(parsed.chunks, symbols).map { embedder.words(parts: Self.embeddingParts(title: $0.title, symbols: $1, body: $0.text)) }
        let metadataJSON = parsed.chunks.map { MetadataJSON.encode($0.metadata) }
        let prepared = Prepared(source: text.source, displayPath: text.displayPath, format: parsed.format ?? text.format,
                                title: parsed.title,
                                hash: hash, size: size, modified: modified, chunks: parsed.chunks, symbols: symbols, bags: bags,
                                metadataJSON: metadataJSON)
        return .prepared(prepared, warnings + parsed.diagnostics)
    }

    /// What a chunk's embedding is computed from: title and symbols counted twice, like BM25's column weights (2, 2, 1).
    static func embeddingParts(title: String, symbols: String, body: String) -> [(String, Int32)] {
        [(title, 2), (symbols, 2), (body, 1)]
    }

    /// The sub-words of a path's file name without its extension (`kernels/c/layernorm_avx512.c` →
    /// `layernorm avx512`), computed once per document rather than once per chunk (splitting the path for every
    /// chunk was ~2.5 % of the parsing threads' time).
    static func fileWords(_ path: String) -> String {
        // The last non-empty `/` component, then its first non-empty `.` segment (what splitting did), or the
        // whole string when it has none.
        let trimmed = path[..<(path.lastIndex { $0 != "/" }.map { path.index(after: $0) } ?? path.startIndex)]
        let name = trimmed.isEmpty ? Substring(path)
            : trimmed.lastIndex(of: "/").map { trimmed[trimmed.index(after: $0)...] } ?? trimmed
        let rest = name.drop { $0 == "." }
        let stem = rest.isEmpty ? name : rest.prefix { $0 != "." }
        let words = Tokens.subwords(of: stem)
        // A file named for a BLAS routine (`dgemv_t_microk_haswell-4.c`, `iamax_sse2.S`) says what it computes, one
        // named for a CPU (`skx`, `thunderx2t99`, `cortexa53`) which CPU that is, and abbreviations are spelled out as
        // in a symbol (`conv_dw.cpp` → convolution depthwise, `dgemm_ncopy_8.S` → pack copy).
        var extra = words.compactMap { abbreviations[$0] == nil ? blasWords($0) : nil } + blasVariantWords(words)
            + words.compactMap { abbreviations[$0] }
            + words.compactMap(MathNames.words)
        for (k, word) in words.enumerated() {
            // A name's first word is its routine where it is one: OpenBLAS's `spr_k.c` is the BLAS `spr`, not
            // Sapphire Rapids, whose kernels name it last (`sbgemm_kernel_16x16_spr.c`).
            if k == 0, blasRoutines.contains(word.lowercased()) { continue }
            for piece in word.split(separator: "-") { if let cpu = CPUNames.words(for: piece) { extra.append(cpu) } }
        }
        return (words + extra).joined(separator: " ")
    }

    /// The words for the one-letter variant after a BLAS routine in a file name, as OpenBLAS names them: `gemv_t` →
    /// transposed, `gemv_n` → nontransposed notrans, `symv_L` → lower, `symv_U` → upper.
    static func blasVariantWords(_ words: [String]) -> [String] {
        guard words.count > 1 else { return [] }
        var out: [String] = []
        for (word, next) in zip(words, words.dropFirst()) where next.utf8.count == 1 {
            let lower = word.lowercased()
            guard let routine = blasRoutine(word) ?? (blasRoutines.contains(lower) ? lower : nil) else { continue }
            switch (routine, next.lowercased()) {
            case ("gemv", "t"), ("gbmv", "t"): out.append("transposed")
            // One word, not `not transposed`: BM25 has no negation, and `transposed` would match both kernels alike.
            case ("gemv", "n"), ("gbmv", "n"): out.append("nontransposed notrans")
            case (let r, "l") where triangleRoutines.contains(r): out.append("lower")
            case (let r, "u") where triangleRoutines.contains(r): out.append("upper")
            default: break
            }
        }
        return out
    }

    /// BLAS routines that read one triangle of a symmetric or Hermitian matrix (`blasVariantWords`).
    static let triangleRoutines: Set<String> = [
        "symv", "hemv", "sbmv", "hbmv", "spmv", "hpmv", "syr", "her", "syr2", "her2", "spr", "hpr", "spr2", "hpr2", "syrk",
        "herk", "syr2k", "her2k",
    ]

    /// The FTS `symbols` column: the symbol, its sub-words, the words they abbreviate (`abbreviations`) and the words
    /// they join through numbers (`Tokens.numberSplit`), the file name's words (`fileWords`), op tags, backend, ISA
    /// tags, headings and camelCase splits.
    static func symbolsColumn(_ chunk: Chunk, fileWords: String) -> String {
        // Written as UTF-8 into one buffer: its non-empty parts, one space between (building the parts as strings and
        // joining them was ~2.6 % of an ingest's instructions).
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func add(_ part: String) {
            guard !part.isEmpty else { return }
            if !out.isEmpty { out.append(32) }
            var part = part
            part.withUTF8 { out.append(contentsOf: $0) }
        }
        /// `words` joined by single spaces, as one part (nothing when the joined text is empty).
        func addJoined<C: Collection<String>>(_ words: C) {
            guard words.count > 1 || words.first?.isEmpty == false else { return }
            if !out.isEmpty { out.append(32) }
            var first = true
            for w in words {
                if !first { out.append(32) }
                first = false
                var w = w
                w.withUTF8 { out.append(contentsOf: $0) }
            }
        }
        if let s = chunk.symbol {
            let subwords = Tokens.subwords(of: Substring(s))
            add(s)
            addJoined(subwords)
            var math = false
            for w in subwords {
                // An abbreviation is read as one before a BLAS name: `hsum` is a horizontal sum, not a half-precision
                // BLAS `sum`.
                if let full = abbreviations[w] { add(full) } else if let words = blasWords(w) { add(words) }
                if let words = MathNames.words(w) { add(words); math = true }
                let split = Tokens.numberSplit(w)
                if !split.isEmpty {
                    addJoined(split)
                    for part in split { if let full = abbreviations[part] { add(full) } }
                }
            }
            // SLEEF's accuracy suffix on a math function (`xsin_u1`, `Sleef_expf8_u10`).
            if math, subwords.contains(where: MathNames.isULPSuffix) { add("ulp error bound") }
        }
        add(fileWords)
        // kb's own words for what the chunk is: its op tags (`softmax` for `soft_max_f32`) and its backend (`cuda` for a
        // kernel under `ggml-cuda/`, whose text never says so). Together they lifted nDCG@10 on the development set
        // (0.847 -> 0.859), the test set (0.746 -> 0.754), ggml (0.110 -> 0.186) and FlagGems (0.635 -> 0.648).
        for op in chunk.metadata.ops { add(op) }
        if let backend = chunk.backend { add(backend) }
        for isa in chunk.metadata.isa where isa != "vector-ext" { add(isa) }
        if chunk.metadata.headingPath.count > 1 { addJoined(chunk.metadata.headingPath.dropLast()) }
        for word in chunk.metadata.camelWords ?? Tokens.scan(chunk.text, camel: true).camelWords { add(word) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The BLAS routine a word names behind its precision letter (`s`, `d`, `c`, `z`, `h`, or `x` for any, as
    /// CLBlast writes its kernels), an index routine's `i` before it: `xswap` → `swap`, `dgemm` → `gemm`, `isamax` →
    /// `amax`. Kernel libraries name routines so (cuBLAS, CLBlast, OpenBLAS, BLIS), and the words are what a query
    /// says (`swap two vectors kernel` meets CLBlast's `Xswap`). Nil for anything else.
    static func blasRoutine(_ word: String) -> String? {
        // The cheap refusals first (nearly every word): BLAS names with their letters are 4 to 10 bytes long and start
        // with a precision letter or an index routine's `i`.
        guard let first = word.utf8.first, (4...10).contains(word.utf8.count) else { return nil }
        switch first | 0x20 {
        case UInt8(ascii: "s"), UInt8(ascii: "d"), UInt8(ascii: "c"), UInt8(ascii: "z"), UInt8(ascii: "h"), UInt8(ascii: "x"),
             UInt8(ascii: "i"): break
        default: return nil
        }
        var w = Substring(word.lowercased())
        if w.hasPrefix("i"), w.count > 2 { w = w.dropFirst() }
        // OpenBLAS's bfloat16 routines: `sbgemm`, `sbdot`, `sbgemv`.
        if w.hasPrefix("sb"), blasRoutines.contains(String(w.dropFirst(2))) { return String(w.dropFirst(2)) }
        guard let precision = w.first, "sdczhx".contains(precision) else { return nil }
        return routineName(w.dropFirst())
    }

    /// A BLAS routine's name as written, or with BLIS's `v` for a level-1 vector operation after it (`axpyv`, `dotv`,
    /// `amaxv`, `scalv` → `axpy`, `dot`, `amax`, `scal`); nil for other words.
    static func routineName(_ name: Substring) -> String? {
        if blasRoutines.contains(String(name)) { return String(name) }
        guard name.hasSuffix("v"), case let bare = String(name.dropLast()), blasRoutines.contains(bare) else { return nil }
        return bare
    }

    /// What a BLAS routine name says in words: the bare routine (`blasRoutine`), what it computes and, behind a
    /// precision letter, the precision: `zgemm` → `gemm general matrix multiply complex double precision`, `idamax` →
    /// `amax index of maximum absolute value double precision`. A routine named bare counts only where its name is
    /// no common word (`iamax`, `nrm2`, `gemv`, BLIS's `dotv`; not `dot`, `copy` or `sum`). Nil for other words.
    static func blasWords(_ word: String) -> String? {
        /// What the routine computes; the extremes' index where the name asks for it: `idamax` and BLIS's `amaxv`
        /// return the index of the largest absolute value, OpenBLAS's `damax` the value.
        func description(_ routine: String, _ lower: String) -> String? {
            guard let d = blasDescriptions[routine] else { return nil }
            let index = ["amax", "amin", "max", "min"].contains(routine) && (lower.hasPrefix("i") || lower.hasSuffix("v"))
            return index ? "index of " + d : d
        }
        if let routine = blasRoutine(word) {
            var w = Substring(word.lowercased())
            if w.hasPrefix("i") { w = w.dropFirst() }
            let precision = w.hasPrefix("sb") && blasRoutines.contains(String(w.dropFirst(2))) ? "bf16 bfloat16 precision"
                : w.first.flatMap { blasPrecisions[$0] }
            return [routine, description(routine, word.lowercased()), precision].compactMap { $0 }.joined(separator: " ")
        }
        guard (4...8).contains(word.utf8.count) else { return nil }
        let lower = word.lowercased()
        var bare = lower == "iamax" || lower == "iamin" ? String(lower.dropFirst()) : lower
        // BLIS's vector operations: `dotv` is no common word, though `dot` is.
        if !blasRoutines.contains(bare), let routine = routineName(Substring(bare)) {
            bare = routine
        } else {
            guard distinctiveBLASNames.contains(bare) else { return nil }
        }
        guard let description = description(bare, lower) else { return nil }
        return bare == lower ? description : bare + " " + description
    }

    /// The words for a BLAS precision letter (`blasWords`).
    static let blasPrecisions: [Character: String] = [
        "s": "single precision float", "d": "double precision", "c": "complex single precision float",
        "z": "complex double precision", "h": "half precision",
    ]

    /// BLAS routines whose bare names are no common words (`blasWords`).
    static let distinctiveBLASNames: Set<String> = [
        "asum", "axpy", "axpby", "nrm2", "amax", "amin", "scal", "rotg", "rotm", "rotmg", "gemv", "gbmv", "hemv", "hbmv",
        "hpmv", "symv", "sbmv", "spmv", "trmv", "tbmv", "tpmv", "trsv", "tbsv", "tpsv", "geru", "gerc", "gemm", "symm",
        "hemm", "syrk", "herk", "syr2k", "her2k", "trmm", "trsm", "omatcopy",
    ]

    /// What each BLAS routine computes, in the words the reference documentation uses (`blasWords`).
    static let blasDescriptions: [String: String] = [
        "asum": "sum of absolute values", "axpy": "scaled vector addition", "axpby": "scaled vector addition",
        "copy": "vector copy", "dot": "dot product", "dotc": "dot product conjugated", "dotu": "dot product",
        "nrm2": "euclidean norm", "rot": "plane rotation", "rotg": "givens rotation", "rotm": "modified plane rotation",
        "rotmg": "modified givens rotation", "scal": "scale vector", "swap": "swap vectors",
        "amax": "maximum absolute value", "amin": "minimum absolute value",
        "gemv": "general matrix vector multiply", "gbmv": "general band matrix vector multiply",
        "hemv": "hermitian matrix vector multiply", "hbmv": "hermitian band matrix vector multiply",
        "hpmv": "hermitian packed matrix vector multiply", "symv": "symmetric matrix vector multiply",
        "sbmv": "symmetric band matrix vector multiply", "spmv": "symmetric packed matrix vector multiply",
        "trmv": "triangular matrix vector multiply", "tbmv": "triangular band matrix vector multiply",
        "tpmv": "triangular packed matrix vector multiply", "trsv": "triangular solve vector",
        "tbsv": "triangular band solve vector", "tpsv": "triangular packed solve vector", "ger": "rank 1 update outer product",
        "geru": "rank 1 update outer product", "gerc": "rank 1 update outer product conjugated",
        "her": "hermitian rank 1 update", "hpr": "hermitian packed rank 1 update", "her2": "hermitian rank 2 update",
        "hpr2": "hermitian packed rank 2 update", "syr": "symmetric rank 1 update", "spr": "symmetric packed rank 1 update",
        "syr2": "symmetric rank 2 update", "spr2": "symmetric packed rank 2 update", "gemm": "general matrix multiply",
        "symm": "symmetric matrix multiply", "hemm": "hermitian matrix multiply", "syrk": "symmetric rank k update",
        "herk": "hermitian rank k update", "syr2k": "symmetric rank 2k update", "her2k": "hermitian rank 2k update",
        "trmm": "triangular matrix multiply", "trsm": "triangular solve", "omatcopy": "matrix copy transpose",
    ]

    /// BLAS routine names, levels 1-3, and the extensions kernel libraries add (`blasRoutine`).
    static let blasRoutines: Set<String> = [
        "asum", "axpy", "axpby", "copy", "dot", "dotc", "dotu", "nrm2", "rot", "rotg", "rotm", "rotmg", "scal", "swap",
        "amax", "amin", "max", "min", "sum", "had", "gemv", "gbmv", "hemv", "hbmv", "hpmv", "symv", "sbmv", "spmv",
        "trmv", "tbmv", "tpmv", "trsv", "tbsv", "tpsv", "ger", "geru", "gerc", "her", "hpr", "her2", "hpr2", "syr", "spr",
        "syr2", "spr2", "gemm", "symm", "hemm", "syrk", "herk", "syr2k", "her2k", "trmm", "trsm", "omatcopy",
    ]

    /// Words that code abbreviates, spelled out: a symbol's sub-words add them to its symbols column, so a query in
    /// words (`silu gated activation multiply`) meets a name in code (`silu_and_mul`).
    static let abbreviations: [String: String] = [
        "mul": "multiply", "div": "divide", "sub": "subtract", "attn": "attention", "norm": "normalization",
        "avg": "average", "idx": "index", "dim": "dimension", "mat": "matrix", "vec": "vector", "conv": "convolution",
        "proj": "projection", "emb": "embedding", "fwd": "forward", "bwd": "backward", "grad": "gradient",
        "acc": "accumulate", "accum": "accumulate", "quant": "quantize", "dequant": "dequantize", "elem": "element",
        "cumsum": "cumulative sum", "cumprod": "cumulative product", "topk": "top k", "argmax": "arg max",
        "argmin": "arg min", "prob": "probability", "probs": "probabilities", "seq": "sequence", "len": "length",
        "dw": "depthwise", "convdw": "convolution depthwise", "dwconv": "depthwise convolution", "deconv": "deconvolution",
        "interp": "interpolation", "sdpa": "scaled dot product attention", "mha": "multi head attention",
        "embed": "embedding", "ncopy": "pack copy", "tcopy": "pack copy transposed", "oncopy": "pack copy",
        "otcopy": "pack copy transposed", "incopy": "pack copy", "itcopy": "pack copy transposed", "packm": "pack matrix",
        "microk": "micro kernel", "ukr": "micro kernel", "swizzle": "shuffle permute", "shuf": "shuffle",
        "perm": "permute", "splat": "broadcast", "bcast": "broadcast", "hadd": "horizontal add", "hsum": "horizontal sum",
        "hmax": "horizontal maximum", "rcp": "reciprocal", "recip": "reciprocal", "cvt": "convert", "lut": "lookup table",
        "clz": "count leading zeros", "popcnt": "population count",
    ]

    /// A 64-bit content hash (hex) of the text.
    static func contentHash(_ text: String) -> String {
        var text = text
        var h: UInt64 = 0x9E3779B97F4A7C15 ^ UInt64(text.utf8.count)
        var acc: UInt64 = 0
        var n = 0
        text.withUTF8 { bytes in
            // Whole 8-byte words first (big-endian, as the byte loop below accumulates them), then the tail.
            var i = 0
            while i + 8 <= bytes.count {
                h = HashedEmbedder.mix(h ^ UInt64(bigEndian: UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)))
                i += 8
            }
            while i < bytes.count {
                acc = (acc << 8) | UInt64(bytes[i])
                n += 1
                i += 1
            }
        }
        h = HashedEmbedder.mix(h ^ acc ^ UInt64(n))
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Writes a batch's outcomes in one transaction; returns whether content changed. Once committed, the chunks'
    /// `vectors` go to the spill when they are ready.
    func write(_ outcomes: [Outcome], vectors: PendingVectors, df: inout [Int32], dfCount: inout Int,
               report: inout IngestReport, saveFrequencies: Bool) throws(RetrievalError) -> Bool {
        let embedder = store.embedder
        var changed = false
        var prepared: [(Prepared, [Diagnostic])] = []
        for outcome in outcomes {
            switch outcome {
            case .prepared(let p, let d): prepared.append((p, d))
            case .unchangedContent: report.unchanged += 1
            case .failed(let e):
                report.failed += 1
                report.diagnostics.append(e.diagnostic(.error))
            case .skipped(let e, _):
                report.skipped += 1
                report.diagnostics.append(e.diagnostic(.warning))
            }
        }
        // Sources now empty or binary: nothing left to index, so a stored version of them goes.
        let emptied: [String] = outcomes.compactMap {
            guard case .skipped(let e, let source?) = $0 else { return nil }
            switch e {
            case .empty, .binary: return source
            default: return nil
            }
        }
        let touchUnchanged: [(String, Int, Double)] = outcomes.compactMap {
            if case .unchangedContent(let s, let size, let m) = $0 { return (s, size, m) } else { return nil }
        }
        guard !prepared.isEmpty || !touchUnchanged.isEmpty || !emptied.isEmpty else { return false }
        let snapshotDF = df, snapshotCount = dfCount, snapshotBase = frequencyBase
        var written: [Int64] = []
        do {
            try store.db.transaction { () throws(SQLiteFailure) in
                for (source, size, modified) in touchUnchanged {
                    try store.db.prepare("UPDATE documents SET size = ?, mtime = ? WHERE source = ?")
                        .run([.int(Int64(size)), .double(modified), .text(source)])
                }
                // Stored documents are looked up here, inside the transaction, not taken from the map read when the
                // ingest began: another ingest of the same files may have written or removed them since.
                let lookup = try store.db.prepare("SELECT id FROM documents WHERE source = ?")
                func storedID(_ source: String) throws(SQLiteFailure) -> Int64? {
                    try lookup.bind([.text(source)])
                    defer { lookup.reset() }
                    return try lookup.step() ? lookup.int(0) : nil
                }
                var removedHere = 0
                if !emptied.isEmpty {
                    for source in emptied {
                        guard let id = try storedID(source) else { continue }
                        try forgetWords(ofDocument: id, df: &df, dfCount: &dfCount)
                        try deleteDocument(id)
                        removedHere += 1
                    }
                    report.removed += removedHere
                }
                guard !prepared.isEmpty || removedHere > 0 else { return }
                // Chunk ids only grow (a high-water mark survives deletes), so the vector file, keyed by chunk id,
                // can never hand a deleted chunk's vector to a new one.
                var nextChunkID = max(try store.metaInt("chunk_id_high_water"),
                                      try store.db.scalarInt("SELECT max(id) FROM chunks") ?? 0) + 1
                for (p, diagnostics) in prepared {
                    // Document frequencies: the replaced document's words out, the new ones in.
                    if let storedID = try storedID(p.source) {
                        try forgetWords(ofDocument: storedID, df: &df, dfCount: &dfCount)
                        try deleteDocument(storedID)
                        report.updated += 1
                    } else {
                        report.added += 1
                    }
                    for bag in p.bags {
                        for h in bag.hashes { df[embedder.dfBucket(h)] &+= 1 }
                    }
                    dfCount += p.bags.count
                    try insert(p, nextChunkID: &nextChunkID, written: &written)
                    report.bytes += p.size
                    report.chunks += p.chunks.count
                    report.diagnostics.append(contentsOf: diagnostics)
                }
                try store.setMeta("chunk_id_high_water", .int(nextChunkID - 1))
                if saveFrequencies { try self.saveFrequencies(&df, count: &dfCount) }
                try store.setMeta("generation", .int(try store.generation() + 1))
                changed = true
            }
        } catch {
            df = snapshotDF
            dfCount = snapshotCount
            frequencyBase = snapshotBase
            throw RetrievalError.from(error, path: store.path)
        }
        // Committed: keep the vectors for the vector file. A failed spill only means re-embedding those chunks.
        if !written.isEmpty { spill?.append(ids: written, vectors: vectors) }
        return changed
    }

    /// Saves the word document frequencies inside the caller's transaction. What this run changed since it last read
    /// or saved them is added to the stored table, not written over it, so an ingest running beside this one in another
    /// process keeps its counts; `df` and `dfCount` then hold the stored sums.
    func saveFrequencies(_ df: inout [Int32], count dfCount: inout Int) throws(SQLiteFailure) {
        let base = frequencyBase
        if !base.replace, base.saved.count == df.count, base.shortfall.count == df.count {
            let (stored, storedCount) = try store.loadDocumentFrequencies(raw: true)
            if stored.count == df.count {
                // Saved unclamped, so a removal another ingest has not counted yet cancels out once it has.
                var sums = stored
                for i in sums.indices { sums[i] = stored[i] &+ (df[i] &- base.saved[i] &- base.shortfall[i]) }
                let count = storedCount + dfCount - base.savedCount - base.shortfallCount
                try store.saveDocumentFrequencies(sums, count: count)
                for i in df.indices { df[i] = max(0, sums[i]) }
                dfCount = max(0, count)
                frequencyBase = FrequencyBase(saved: df, count: dfCount)
                return
            }
        }
        try store.saveDocumentFrequencies(df, count: dfCount)
        frequencyBase = FrequencyBase(saved: df, count: dfCount)
    }

    func forgetWords(ofDocument id: Int64, df: inout [Int32], dfCount: inout Int) throws(SQLiteFailure) {
        let s = try store.db.prepare("""
            SELECT c.title, c.symbols, c.body FROM chunks c WHERE c.document_id = ?
            """)
        try s.bind([.int(id)])
        while try s.step() {
            let bag = store.embedder.words(parts: Self.embeddingParts(title: s.text(0), symbols: s.text(1), body: s.text(2)))
            for h in bag.hashes {
                let b = store.embedder.dfBucket(h)
                if df[b] > 0 { df[b] -= 1 } else if b < frequencyBase.shortfall.count { frequencyBase.shortfall[b] &+= 1 }
            }
            if dfCount > 0 { dfCount -= 1 } else { frequencyBase.shortfallCount += 1 }
        }
    }

    /// Deletes a document and everything derived from it. Children are deleted explicitly (ingest runs with foreign
    /// keys off: their checks cost ~15 % of a large ingest); the chunks' delete trigger removes their FTS rows.
    func deleteDocument(_ id: Int64) throws(SQLiteFailure) {
        let db = store.db
        for table in ["traces"] {
            try db.prepare("DELETE FROM \(table) WHERE chunk_id IN (SELECT id FROM chunks WHERE document_id = ?)").run([.int(id)])
        }
        try db.prepare("DELETE FROM chunks WHERE document_id = ?").run([.int(id)])
        try db.prepare("DELETE FROM documents WHERE id = ?").run([.int(id)])
    }

    /// Inserts a prepared document; `written` gets the ids of its chunks that have word bags (so vectors), in order.
    func insert(_ p: Prepared, nextChunkID: inout Int64, written: inout [Int64]) throws(SQLiteFailure) {
        let db = store.db
        try db.prepare("""
            INSERT INTO documents(source, display_path, format, kind, title, content_hash, size, mtime, parser_version, ingested_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([.text(p.source), .text(p.displayPath), .text(p.format.rawValue), .text(p.format.kind.rawValue),
                      .text(p.title), .text(p.hash), .int(Int64(p.size)), .double(p.modified),
                      .int(Int64(KnowledgeStore.parserVersion)), .double(Date().timeIntervalSince1970)])
        let documentID = db.lastInsertRowID
        let chunkInsert = try db.prepare("""
            INSERT INTO chunks(id, document_id, ordinal, kind, lang, backend, symbol, title, symbols, body, start_line, end_line, isa, ops, meta)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // The FTS row is written here rather than by a trigger: the trigger path costs ~2.3x the direct insert.
        let ftsInsert = try db.prepare("INSERT INTO chunks_fts(rowid, title, symbols, body) VALUES (?, ?, ?, ?)")
        for (ordinal, chunk) in p.chunks.enumerated() {
            let metaJSON = p.metadataJSON[ordinal]
            let chunkID = nextChunkID
            nextChunkID += 1
            try chunkInsert.runBorrowing([.int(chunkID), .int(documentID), .int(Int64(ordinal)), .text(chunk.kind.rawValue), .text(chunk.language),
                          chunk.backend.map { .text($0) } ?? .null, chunk.symbol.map { .text($0) } ?? .null,
                          .text(chunk.title), .text(p.symbols[ordinal]), .text(chunk.text),
                          .int(Int64(chunk.startLine)), .int(Int64(chunk.endLine)),
                          .text(" " + chunk.metadata.isa.joined(separator: " ") + " "),
                          .text(" " + chunk.metadata.ops.joined(separator: " ") + " "), .text(metaJSON)])
            try ftsInsert.runBorrowing([.int(chunkID), .text(chunk.title), .text(p.symbols[ordinal]), .text(chunk.text)])
            if ordinal < p.bags.count { written.append(chunkID) }
            if let t = chunk.metadata.trace {
                try db.prepare("""
                    INSERT INTO traces(chunk_id, task, backend, outcome, stage, median_ms, baseline_ms, sol_ms, speedup, sol_fraction, sol_score, threads, p10_ms, p90_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).run([.int(chunkID), .text(t.task), .text(t.backend), .text(t.outcome), t.stage.map { .text($0) } ?? .null,
                              t.medianMs.map { .double($0) } ?? .null, t.baselineMs.map { .double($0) } ?? .null,
                              t.solMs.map { .double($0) } ?? .null, t.speedup.map { .double($0) } ?? .null,
                              t.solFraction.map { .double($0) } ?? .null, t.solScore.map { .double($0) } ?? .null,
                              t.threads.map { .int(Int64($0)) } ?? .null, t.p10Ms.map { .double($0) } ?? .null,
                              t.p90Ms.map { .double($0) } ?? .null])
            }
        }
    }

    /// Deletes documents under `roots` whose files are gone.
    func prune(roots: [String], seen: Set<String>, df: inout [Int32], dfCount: inout Int) throws(RetrievalError) -> Int {
        let existing = try existingDocuments()
        let gone = existing.filter { source, _ in
            !URLFetcher.isURL(source) && !seen.contains(source)
                && roots.contains { source == $0 || source.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
                && !FileManager.default.fileExists(atPath: source)
        }
        guard !gone.isEmpty else { return 0 }
        try store.sql { () throws(SQLiteFailure) in
            try store.db.transaction { () throws(SQLiteFailure) in
                for (_, doc) in gone {
                    try forgetWords(ofDocument: doc.id, df: &df, dfCount: &dfCount)
                    try deleteDocument(doc.id)
                }
                try saveFrequencies(&df, count: &dfCount)
                try store.setMeta("generation", .int(try store.generation() + 1))
            }
        }
        return gone.count
    }
}

/// Appends committed vectors to a `VectorSpill` on a queue of its own, so the writer does not stop to copy and write
/// them; `finish()` waits for the appends.
final class SpillWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "kb.ingest.spill")
    /// Nil once an append failed (the rebuild then embeds those chunks again from their text).
    private var spill: VectorSpill?

    init?(_ spill: VectorSpill?) {
        guard let spill else { return nil }
        self.spill = spill
    }

    /// Queues one committed batch's vectors: `ids[i]` is the chunk of `vectors.vectors[i]`, appended once they are
    /// embedded (appends keep the order they were queued in).
    func append(ids: [Int64], vectors: IngestService.PendingVectors) {
        queue.async {
            vectors.group.wait()
            let embedded = vectors.vectors
            guard embedded.count == ids.count else {
                self.spill = nil  // cannot happen: the rebuild would then embed these chunks from their text
                return
            }
            let records = zip(ids, embedded).map { (id: $0, scale: $1.scale, data: $1.data) }
            if self.spill?.append(records) != true { self.spill = nil }
        }
    }

    /// The spill with every queued batch written, or nil when an append failed.
    func finish() -> VectorSpill? {
        queue.sync { spill }
    }
}

/// Fixed slots written by concurrent workers (each slot by exactly one worker), read after they finish.
final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: T) {
        lock.lock(); storage[i] = value; lock.unlock()
    }

    func values() -> [T] {
        lock.lock(); defer { lock.unlock() }
        return storage.compactMap { $0 }
    }
}

