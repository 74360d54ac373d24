public import Corpus
import Dispatch
import Foundation
import Glibc

/// kb's SQLite store: documents, chunks, the FTS5 index (which also answers exact identifier lookups) and the vector index.
///
/// One instance owns one connection and must be used from one thread at a time. Every write runs in a
/// transaction; the database uses WAL so readers never block the writer and a killed process leaves it intact.
public final class KnowledgeStore {
    /// The store file.
    public let path: String
    let db: Database
    /// The vector index whose token counts BM25 reads (see `installRowLengths`).
    private var rowLengthsOwner: VectorIndex?
    /// The embedder whose vectors this store holds.
    public let embedder: HashedEmbedder
    /// The schema version this kb writes (`PRAGMA user_version`).
    public static var schemaVersion: Int { Schema.currentVersion }
    /// Bumped by the chunker when its output changes, so unchanged files are re-chunked once (7: `soft_max` tags
    /// softmax, as ggml spells it; CUDA code in `.h`/`.cpp` files has backend cuda; Metal and GLSL are read;
    /// Python functions under decorators with multi-line arguments keep their bodies, top-level statements are chunks,
    /// long classes are chunked by method and long functions in parts; 8: HIP is read, HIP device code in `.h`/`.cpp`
    /// files has backend hip, and the symbols column holds op tags and backend; 9: `attn` tags attention; 10: topk, rope,
    /// groupnorm, batchnorm and quantize tags; 11: the symbols column spells out abbreviated sub-words;
    /// 12: feature `wrapper`; 13: feature `trivial`; 14: `wrapper` skips comments and needs a real call; 15: BLAS routine
    /// names behind precision letters in the symbols column, and feature `glue`; 16: CUDA qualifiers spelled through a macro,
    /// `CUTLASS_DEVICE`; 17: a function named only `norm` that computes a mean and a variance is tagged layernorm;
    /// 18: macro-spelled qualifiers in C++, CUDA and HIP only, not C; 19: a preamble of more than eight lines above a
    /// function's leading comment is a declarations chunk of its own, and a one-line body is `trivial`; 20: LoongArch,
    /// MIPS and RISC-V vector intrinsics and their ISAs, and LoongArch's `__m128` and `__m256` no longer x86; 21: ISA tags
    /// in the symbols column; 22: a symbol's sub-words joined through numbers split there too, `float2int8` →
    /// `float 2 int8`; 23: loop words inside string literals are no loops, for `glue` and `wrapper`; 24: a one-line loop
    /// body is not `trivial`, and `L'"'` is a character literal; 25: Triton decorators imported by name, `@jit` after
    /// `from triton import jit`, or through an alias, `@tr.jit`; 26: inline assembly's ISAs and feature `inline-asm`,
    /// which is no glue; 27: assembly, `.s`, `.S` and `.asm`; 28: ISAs from the macros a function uses and from the
    /// file name, and BLAS names spelled out in words, with their precisions; 29: a block comment across lines inside a
    /// macro does not end it, and the parts of a long function share its ISAs; 30: BLIS's level-1 names, `axpyv`, are
    /// BLAS words; 31: a macro's ISA only from numbered registers, comments above an assembly routine are its own; 32:
    /// CPU names and OpenBLAS's one-letter BLAS variants in file words; 33: abbreviations spelled out in file words, and
    /// packing and micro-kernel abbreviations; 34: the parts of an assembly routine share its ISAs; 35: without `sse` beside
    /// AVX, and a file name's first word that is a BLAS routine is no CPU, `spr_k.c`; 36: math function names in words,
    /// `xtanhf` → hyperbolic tangent single precision, and no NEON from names with a double underscore, `vset__u8`; 37:
    /// ISAs from the CPU a file is named for, `bli_dgemm_skx_asm_16x14.c` → avx512, and BLIS's assembly macros,
    /// `BEGIN_ASM()` and `ZMM(0)`, as inline assembly; 38: no chunk for a table of contents; 39: POWER's AltiVec and
    /// VSX, tag `vsx`; 40: a review's fixes: SLEEF's lane names `exp2f4`, no ulp from type widths, NEON's `l`, IBM Z's
    /// `zarch`, `-` in file names, tables of contents under setext headings; 41: AsciiDoc, `.txt` files in it included;
    /// 42: a math function computing with its own constants is no thin wrapper; 43: IBM Z's vector code, tag `vxe`; 44:
    /// a review's AsciiDoc fixes, two-line titles and `[source]` paragraphs, and IBM Z code under its macros; 45: SIMD
    /// operation abbreviations spelled out, `swizzle` → shuffle permute, `hsum` → horizontal sum; 46: `gemv_n` →
    /// nontransposed, one word; 47: only `i?amax` and BLIS's `amaxv` are the index of the maximum, `damax` its value;
    /// 48: AltiVec's generic-sounding names, `vec_ld`, `vec_perm`, `vec_sel`, say no VSX).
    public static let parserVersion = 48

    /// The default store: `$KB_STORE`, else `$XDG_DATA_HOME/kb/kb.sqlite`, else `~/.local/share/kb/kb.sqlite`.
    public static func defaultPath(environment: [String: String]? = nil) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let p = environment["KB_STORE"], !p.isEmpty { return p }
        if let x = environment["XDG_DATA_HOME"], !x.isEmpty { return x + "/kb/kb.sqlite" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        return home + "/.local/share/kb/kb.sqlite"
    }

    /// Opens the store at `path`, creating it (and its folder) unless `readOnly`; migrates older schemas forward.
    /// `maxBytes` caps the file size, rounded down to whole pages (a quota; writes beyond it fail as a full disk).
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int = 30_000, maxBytes: Int? = nil,
                embedder: HashedEmbedder = HashedEmbedder()) throws(RetrievalError) {
        self.path = path
        self.embedder = embedder
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw .cannotOpen(path: path, reason: "no store there yet; run kb ingest PATH first")
            }
        } else {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                catch { throw .cannotOpen(path: path, reason: "cannot create folder \(folder): \(Self.reason(error))") }
            }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                throw .cannotOpen(path: path, reason: "it is a folder; give a file path")
            }
        }
        do {
            db = try Self.open(path: path, readOnly: readOnly)
        } catch {
            if error.primaryCode == SQLiteCode.cantOpen, !readOnly, !FileManager.default.isWritableFile(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent) {
                throw .readOnly(path: path)
            }
            throw RetrievalError.from(error, path: path)
        }
        do {
            try db.execute("PRAGMA busy_timeout=\(busyTimeoutMilliseconds)")
            try db.execute("PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456")
            // Validate that this is a database before changing anything.
            let version = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
            if !readOnly {
                // Only takes effect on a store with no pages yet (a new file); existing stores keep theirs.
                if version == 0 { try db.execute("PRAGMA page_size=\(Self.newStorePageSize)") }
                if let maxBytes { try db.execute("PRAGMA max_page_count=\(try pages(bytes: maxBytes))") }
                try enableWAL(timeoutMilliseconds: busyTimeoutMilliseconds)
                try db.execute("PRAGMA synchronous=NORMAL")
                try db.execute("PRAGMA wal_autocheckpoint=\(try pages(bytes: Self.walCheckpointBytes))")
            }
            if version > Schema.currentVersion {
                throw RetrievalError.schemaTooNew(path: path, found: version, supported: Schema.currentVersion)
            }
            if version < Schema.currentVersion {
                if readOnly { throw RetrievalError.cannotOpen(path: path, reason: "its schema (v\(version)) needs an upgrade; run kb ingest once") }
                let foreign = try db.transaction { () throws(SQLiteFailure) -> Bool in
                    // Decided under the write lock: another kb process may have created or migrated the store
                    // between our first look and now.
                    let current = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
                    if current == 0, (try db.scalarInt("SELECT count(*) FROM sqlite_master") ?? 0) > 0 { return true }
                    for v in current..<Schema.currentVersion {
                        try db.execute(Schema.migrations[v])
                        try db.execute("PRAGMA user_version=\(v + 1)")
                    }
                    try db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('store_id', randomblob(16))")
                    return false
                }
                if foreign { throw RetrievalError.corrupt(path: path, reason: "it is a SQLite database that kb did not create") }
            }
            try checkEmbedderCompatibility(readOnly: readOnly)
        } catch let e as RetrievalError {
            throw e
        } catch let f as SQLiteFailure {
            throw RetrievalError.from(f, path: path)
        } catch {
            throw .sqlite(path: path, code: -1, message: "\(error)")
        }
    }

    /// Opens the database. A read-only open of a store in a folder this process cannot write cannot create the WAL
    /// index (`-shm`) SQLite reads a WAL store through. On a read-only mount nothing can change the file, so with no
    /// WAL file holding changes beside it, it is opened as immutable. Anywhere else its owner may write to it at any
    /// moment, and an immutable reader would then see pages of two versions: that is refused with what to do.
    static func open(path: String, readOnly: Bool) throws(SQLiteFailure) -> Database {
        let db = try Database(path: path, readOnly: readOnly, create: !readOnly)
        guard readOnly else { return db }
        do {
            _ = try db.scalarInt("PRAGMA user_version")
            return db
        } catch where error.primaryCode == SQLiteCode.readOnly || error.primaryCode == SQLiteCode.cantOpen {
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            if wal == 0, MountFlags.isReadOnlyMount(path) {
                return try Database(path: path, readOnly: true, create: false, immutable: true)
            }
            let folder = (path as NSString).deletingLastPathComponent
            throw SQLiteFailure(code: SQLiteCode.cantOpen, message: "reading it needs its WAL index (\(path)-shm), which "
                + "this user cannot create in \(folder.isEmpty ? "." : folder) (SQLite reads a store that others may be "
                + "writing only through it); make the folder writable for this user, or copy the store and its .vectors "
                + "file to a folder that is", sql: "open")
        }
    }

    /// The page size of new stores. Against SQLite's default 4 KiB at 100k chunks, 64 KiB pages made a raw FTS5 bulk
    /// insert 0.78× as long, kb's ingest 0.92×, whole `kb query` processes 0.85–0.89× and the store 0.91× as large
    /// (docs/BENCHMARKS.md). A WAL store cannot change its page size, so existing stores keep theirs.
    static let newStorePageSize = 65536

    /// WAL bytes between automatic checkpoints outside bulk ingests: SQLite's default of 1000 pages of 4 KiB.
    static let walCheckpointBytes = 4_096_000

    /// A byte count as whole pages of this store's page size, at least one (SQLite counts WAL checkpoints and
    /// size caps in pages).
    func pages(bytes: Int) throws(SQLiteFailure) -> Int {
        let pageSize = max(Int(try db.scalarInt("PRAGMA page_size") ?? 4096), 512)
        return max(bytes / pageSize, 1)
    }

    /// Switches a new store to WAL. Changing the journal mode needs an exclusive lock and SQLite does not wait
    /// for it (no busy handler), so a second process creating the same store at the same moment retries here.
    func enableWAL(timeoutMilliseconds: Int) throws(SQLiteFailure) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(timeoutMilliseconds, 0)) * 1_000_000
        while true {
            let mode = try db.prepare("PRAGMA journal_mode")
            let current = try mode.step() ? mode.text(0).lowercased() : ""
            mode.reset()
            if current == "wal" { return }
            do {
                try db.execute("PRAGMA journal_mode=WAL")
                return
            } catch where error.primaryCode == SQLiteCode.busy && DispatchTime.now().uptimeNanoseconds < deadline {
                usleep(20_000)
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }

    /// Runs SQLite work, mapping failures to `RetrievalError`.
    func sql<T>(_ body: () throws(SQLiteFailure) -> T) throws(RetrievalError) -> T {
        do { return try body() } catch { throw RetrievalError.from(error, path: path) }
    }

    /// Records the embedder's shape; a store embedded with another shape has its vectors rebuilt by the next ingest.
    /// Identifies the embedder's parameters; stored with the vectors it made.
    var embedderSignature: String { "hashed-v3-d\(embedder.dimension)-b\(embedder.dfBuckets)-g\(embedder.ngramWeight)" }

    func checkEmbedderCompatibility(readOnly: Bool) throws(SQLiteFailure) {
        let signature = embedderSignature
        let stored = try metaText("embedder")
        if stored == nil, !readOnly { try setMeta("embedder", .text(signature)) }
        embedderMatches = stored == nil || stored == signature
    }

    /// Whether the stored vectors were made by this embedder.
    var embedderMatches = true

    // MARK: meta

    func metaText(_ key: String) throws(SQLiteFailure) -> String? {
        let s = try db.prepare("SELECT value FROM meta WHERE key = ?")
        try s.bind([.text(key)])
        defer { s.reset() }
        return try s.step() ? s.optionalText(0) : nil
    }

    func metaInt(_ key: String) throws(SQLiteFailure) -> Int64 {
        let s = try db.prepare("SELECT value FROM meta WHERE key = ?")
        try s.bind([.text(key)])
        defer { s.reset() }
        return try s.step() ? s.int(0) : 0
    }

    /// FTS5 merge settings for a bulk load (`true`) or for everyday use. A bulk load keeps each transaction's terms in
    /// memory (16 MB instead of 1 MB) and merges no segments until the final `optimize` (at most 64 per level, a
    /// crisis merge's threshold), so the index is merged once instead of level by level: on the 100k-chunk text a raw
    /// FTS5 load took 0.74× the time, its inserts 0.68×. Everyday settings are FTS5's defaults: incremental merges
    /// keep the segment count, and so query time, low for stores that grow by small ingests. The settings are stored
    /// in the FTS5 table, so an ingest killed during a bulk load leaves them behind until the next ingest resets them.
    func setFTSBulkLoad(_ bulk: Bool) throws(SQLiteFailure) {
        let settings: [(String, Int)] = bulk
            ? [("hashsize", 16 << 20), ("automerge", 0), ("crisismerge", 64)]
            : [("hashsize", 1 << 20), ("automerge", 4), ("crisismerge", 16)]
        for (key, value) in settings {
            try db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES('\(key)', \(value))")
        }
    }

    /// Whether the FTS5 table holds the bulk-load merge settings (see `setFTSBulkLoad`).
    func ftsBulkLoadSet() throws(SQLiteFailure) -> Bool {
        (try db.scalarInt("SELECT v FROM chunks_fts_config WHERE k = 'automerge'")).map { $0 == 0 } ?? false
    }

    func setMeta(_ key: String, _ value: SQLValue) throws(SQLiteFailure) {
        try db.prepare("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run([.text(key), value])
    }

    /// The store's generation: bumped by every ingest that changes content.
    func generation() throws(SQLiteFailure) -> Int64 { try metaInt("generation") }

    /// The stored word document frequencies. Concurrent ingests save their changes as sums that may dip below zero
    /// for a while (one removed words another had not yet counted); `raw` keeps those, otherwise they read as zero.
    func loadDocumentFrequencies(raw: Bool = false) throws(SQLiteFailure) -> (df: [Int32], count: Int) {
        let s = try db.prepare("SELECT value FROM meta WHERE key = 'word_df'")
        defer { s.reset() }
        var df = [Int32](repeating: 0, count: embedder.dfBuckets)
        if try s.step() {
            s.withBlob(0) { bytes in
                if bytes.count == df.count * 4 { df.withUnsafeMutableBytes { $0.copyMemory(from: bytes) } }
            }
        }
        let count = Int(try metaInt("word_df_count"))
        if raw { return (df, count) }
        for i in df.indices where df[i] < 0 { df[i] = 0 }
        return (df, max(0, count))
    }

    func saveDocumentFrequencies(_ df: [Int32], count: Int) throws(SQLiteFailure) {
        try setMeta("word_df", .blob(df.withUnsafeBytes { Array($0) }))
        try setMeta("word_df_count", .int(Int64(count)))
    }

    // MARK: reads

    /// A stored chunk with its document's path.
    public struct StoredChunk: Sendable, Codable {
        /// Chunk id.
        public var id: Int64
        /// The document's displayed path (or URL).
        public var path: String
        /// The document's identity (absolute path or URL).
        public var source: String
        /// The chunk.
        public var chunk: Chunk
    }

    /// The chunk with `id`, or an error naming it.
    public func chunk(id: Int64) throws(RetrievalError) -> StoredChunk {
        let rows = try chunks(ids: [id])
        guard let first = rows.first else { throw .chunkNotFound(id: id) }
        return first
    }

    /// The chunks with these ids (missing ids are skipped), in the order given.
    public func chunks(ids: [Int64]) throws(RetrievalError) -> [StoredChunk] {
        guard !ids.isEmpty else { return [] }
        return try sql { () throws(SQLiteFailure) in
            var byID: [Int64: StoredChunk] = [:]
            let s = try db.prepare("""
                SELECT c.id, d.display_path, d.source, c.kind, c.lang, c.backend, c.symbol, c.title, c.body,
                       c.start_line, c.end_line, c.meta
                FROM chunks c JOIN documents d ON d.id = c.document_id
                WHERE c.id IN (SELECT value FROM json_each(?))
                """)
            try s.bind([.text("[" + ids.map(String.init).joined(separator: ",") + "]")])
            while try s.step() {
                let meta = MetadataJSON.decode(s.text(11)) ?? ChunkMetadata()
                let chunk = Chunk(kind: ContentKind(rawValue: s.text(3)) ?? .doc, language: s.text(4), backend: s.optionalText(5),
                                  symbol: s.optionalText(6), title: s.text(7), startLine: Int(s.int(9)), endLine: Int(s.int(10)),
                                  text: s.text(8), metadata: meta)
                byID[s.int(0)] = StoredChunk(id: s.int(0), path: s.text(1), source: s.text(2), chunk: chunk)
            }
            return ids.compactMap { byID[$0] }
        }
    }

    /// Where a chunk is and what its text is, without its metadata: what folding copies compares.
    struct ChunkPlace: Sendable {
        /// Its document's display path.
        var path: String
        /// Its document's source (absolute path or URL).
        var source: String
        /// First and last line.
        var startLine: Int, endLine: Int
        /// The chunk's text.
        var text: String
    }

    /// The `ChunkPlace` of each of `ids`; ids not stored are left out.
    func chunkPlaces(ofChunks ids: [Int64]) throws(SQLiteFailure) -> [Int64: ChunkPlace] {
        guard !ids.isEmpty else { return [:] }
        let s = try db.prepare("""
            SELECT c.id, d.display_path, c.start_line, c.end_line, c.body, d.source
            FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.id IN (SELECT value FROM json_each(?))
            """)
        try s.bind([.text("[" + ids.map(String.init).joined(separator: ",") + "]")])
        var places: [Int64: ChunkPlace] = [:]
        while try s.step() {
            places[s.int(0)] = ChunkPlace(path: s.text(1), source: s.text(5), startLine: Int(s.int(2)), endLine: Int(s.int(3)),
                                          text: s.text(4))
        }
        return places
    }

    /// Which definition a chunk is a part of: its document and its title without the ` (part k/n)` suffix kb's chunkers
    /// give the parts of a split definition; for an assembly chunk, its document alone (a file's macros and routines
    /// make one kernel).
    struct DefinitionKey: Hashable, Sendable {
        /// The document's id.
        var document: Int64
        /// The definition's title.
        var title: String
    }

    /// The definition each of `ids` is a part of, for those that are parts of a definition split into parts or chunks
    /// of an assembly file.
    func definitionParts(ofChunks ids: [Int64]) throws(SQLiteFailure) -> [Int64: DefinitionKey] {
        guard !ids.isEmpty else { return [:] }
        let s = try db.prepare("""
            SELECT id, document_id, title, lang FROM chunks
            WHERE id IN (SELECT value FROM json_each(?)) AND (title LIKE '% (part %/%)' OR lang = 'asm')
            """)
        try s.bind([.text("[" + ids.map(String.init).joined(separator: ",") + "]")])
        var out: [Int64: DefinitionKey] = [:]
        while try s.step() {
            // An assembly file's macros and routines are one kernel: its chunks count as parts of one definition.
            if s.text(3) == "asm" { out[s.int(0)] = DefinitionKey(document: s.int(1), title: ""); continue }
            guard let base = Self.splitDefinitionTitle(s.text(2)) else { continue }
            out[s.int(0)] = DefinitionKey(document: s.int(1), title: base)
        }
        return out
    }

    /// The title of the definition a part's title names (`gemm (part 3/20)` → `gemm`), or nil when the title does not
    /// end in ` (part k/n)` with numbers (a heading `Notes (part of the C/C++ API)` is no part).
    static func splitDefinitionTitle(_ title: String) -> String? {
        guard title.hasSuffix(")"), let cut = title.range(of: " (part ", options: .backwards) else { return nil }
        let numbers = title[cut.upperBound..<title.index(before: title.endIndex)].split(separator: "/", omittingEmptySubsequences: false)
        guard numbers.count == 2, numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        return String(title[..<cut.lowerBound])
    }

    /// What ranking needs to know of a candidate chunk beyond its scores.
    struct CandidateFacts: Sendable {
        /// Its document's display path.
        var path: String
        /// Why it is minor code, if it is: it defines nothing (no symbol: declarations, members, module-level code),
        /// it is at most three lines long or defines something in at most three lines of its own or with a one-line
        /// body (feature `trivial`: a chunk also holds the comments, includes and imports above its definition), or it
        /// only hands its work to
        /// a namesake (feature `wrapper`); with `withGlue`, also when it is host code with no loop and no SIMD (feature
        /// `glue`).
        var minorCode: SupportingReason?
        /// Code that runs on the host, not on a device: not OpenCL C, Metal or GLSL, not a CUDA or HIP function marked
        /// `__global__` or `__device__`, not a Triton `@triton.*` function (C, C++ and Python included).
        var hostCode: Bool
        /// Its backend, if any.
        var backend: String?
        /// Its ISA tags (`avx2`, `neon`, ...).
        var isa: [Substring] = []
        /// Whether it is code that may be SIMD code: `kind` kernel, backend none or `c-simd` (not docs, traces or GPU
        /// code).
        var cpuCode = false
        /// Whether it is C, C++ or assembly CPU code (`cpuCode`, language `c`, `cpp` or `asm`): with no ISA, scalar code.
        var cFamilyCode = false
    }

    /// The `CandidateFacts` of each of `ids`; ids not stored are left out. `hostCode` is only worked out when
    /// `withHostCode` (false otherwise: it reads each chunk's qualifiers), glue only counts as minor `withGlue`, and a
    /// document counts as minor (`document`) only `withDocuments`.
    ///
    /// Features are looked up in the metadata JSON's first array, which is `features` (`MetadataJSON` writes its keys
    /// sorted), so a heading or qualifier spelled like a feature cannot match. CUDA and HIP code is told by its
    /// backend as well as its language: a `__global__` function in a `.h` or `.cpp` file has language `cpp`.
    func candidateFacts(ofChunks ids: [Int64], withHostCode: Bool = true, withGlue: Bool = false,
                        withDocuments: Bool = false) throws(SQLiteFailure)
        -> [Int64: CandidateFacts] {
        let s = try db.prepare("""
            SELECT c.id, d.display_path,
                   CASE WHEN c.kind = 'doc' AND ?4 THEN 5
                        WHEN c.kind <> 'kernel' THEN 0
                        WHEN c.symbol IS NULL THEN 1
                        WHEN c.end_line - c.start_line < 3 OR instr(substr(c.meta, 1, instr(c.meta, ']')), '"trivial"') > 0 THEN 2
                        WHEN instr(substr(c.meta, 1, instr(c.meta, ']')), '"wrapper"') > 0 THEN 3
                        WHEN ?3 AND instr(substr(c.meta, 1, instr(c.meta, ']')), '"glue"') > 0 THEN 4
                        ELSE 0 END,
                   CASE WHEN ?2 THEN c.kind = 'kernel' AND NOT (c.lang IN ('opencl', 'metal', 'glsl')
                       OR ((c.lang IN ('cuda', 'hip') OR c.backend IN ('cuda', 'hip'))
                           AND EXISTS (SELECT 1 FROM json_each(c.meta, '$.qualifiers') WHERE value IN ('__global__', '__device__')))
                       OR (c.lang = 'triton' AND EXISTS (SELECT 1 FROM json_each(c.meta, '$.qualifiers')
                                                         WHERE value LIKE '@triton.%')))
                   ELSE 0 END,
                   c.backend, c.isa, c.kind = 'kernel' AND (c.backend IS NULL OR c.backend = 'c-simd'), c.lang IN ('c', 'cpp', 'asm')
            FROM chunks c JOIN documents d ON d.id = c.document_id
            WHERE c.id IN (SELECT value FROM json_each(?1))
            """)
        try s.bind([.text("[" + ids.map(String.init).joined(separator: ",") + "]"), .int(withHostCode ? 1 : 0),
                    .int(withGlue ? 1 : 0), .int(withDocuments ? 1 : 0)])
        var facts: [Int64: CandidateFacts] = [:]
        while try s.step() {
            let minor: SupportingReason? = switch s.int(2) {
            case 1: .declarations
            case 2: .short
            case 3: .wrapper
            case 4: .glue
            case 5: .document
            default: nil
            }
            facts[s.int(0)] = CandidateFacts(path: s.text(1), minorCode: minor, hostCode: s.int(3) != 0, backend: s.optionalText(4),
                                             isa: s.text(5).split(separator: " "), cpuCode: s.int(6) != 0,
                                             cFamilyCode: s.int(6) != 0 && s.int(7) != 0)
        }
        return facts
    }

    /// Totals of what the store holds.
    public struct Statistics: Sendable, Codable {
        /// The store file.
        public var path: String
        /// Documents.
        public var documents: Int
        /// Chunks.
        public var chunks: Int
        /// Chunks per kind.
        public var chunksByKind: [String: Int]
        /// Chunks per language.
        public var chunksByLanguage: [String: Int]
        /// Chunks per backend.
        public var chunksByBackend: [String: Int]
        /// Chunks per ISA tag.
        public var chunksByISA: [String: Int]
        /// Chunks per op tag.
        public var chunksByOp: [String: Int]
        /// Bytes of source text ingested.
        public var sourceBytes: Int
        /// Size of the store file, its WAL and its vector file in bytes.
        public var storeBytes: Int
        /// Distinct symbols defined by chunks (functions, kernels, reference entries, trace ids).
        public var symbols: Int
        /// Trace records.
        public var traces: Int
        /// Schema version.
        public var schemaVersion: Int
        /// The store's content generation.
        public var generation: Int
    }

    /// Sums what the store holds.
    public func statistics() throws(RetrievalError) -> Statistics {
        try sql { () throws(SQLiteFailure) in
            func counts(_ query: String) throws(SQLiteFailure) -> [String: Int] {
                var out: [String: Int] = [:]
                let s = try db.prepare(query)
                while try s.step() { out[s.optionalText(0) ?? "none"] = Int(s.int(1)) }
                return out
            }
            func tagCounts(_ column: String) throws(SQLiteFailure) -> [String: Int] {
                var out: [String: Int] = [:]
                let s = try db.prepare("SELECT \(column), count(*) FROM chunks GROUP BY \(column)")
                while try s.step() {
                    for tag in s.text(0).split(separator: " ") { out[String(tag), default: 0] += Int(s.int(1)) }
                }
                return out
            }
            let fileBytes = [path, path + "-wal", vectorFilePath].reduce(0) { acc, p in
                acc + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0)
            }
            return Statistics(
                path: path,
                documents: Int(try db.scalarInt("SELECT count(*) FROM documents") ?? 0),
                chunks: Int(try db.scalarInt("SELECT count(*) FROM chunks") ?? 0),
                chunksByKind: try counts("SELECT kind, count(*) FROM chunks GROUP BY kind"),
                chunksByLanguage: try counts("SELECT lang, count(*) FROM chunks GROUP BY lang"),
                chunksByBackend: try counts("SELECT backend, count(*) FROM chunks GROUP BY backend"),
                chunksByISA: try tagCounts("isa"),
                chunksByOp: try tagCounts("ops"),
                sourceBytes: Int(try db.scalarInt("SELECT coalesce(sum(size), 0) FROM documents") ?? 0),
                storeBytes: fileBytes,
                symbols: Int(try db.scalarInt("SELECT count(DISTINCT symbol) FROM chunks") ?? 0),
                traces: Int(try db.scalarInt("SELECT count(*) FROM traces") ?? 0),
                schemaVersion: Int(try db.scalarInt("PRAGMA user_version") ?? 0),
                generation: Int(try generation()))
        }
    }

    // MARK: vector index

    /// The memory-mapped vector file beside the store.
    public var vectorFilePath: String { path + ".vectors" }

    /// A random identity written when the store is created, so a vector file never pairs with another store.
    func storeID() throws(SQLiteFailure) -> [UInt8] {
        let s = try db.prepare("SELECT value FROM meta WHERE key = 'store_id'")
        defer { s.reset() }
        if try s.step() { return s.withBlob(0) { Array($0) } }
        return []
    }

    /// The vector index: the mapped file when it is current; otherwise the file's vectors for chunks that still exist
    /// plus fresh embeddings of the chunks it lacks (after a crash or a lost race between two ingests), from one read
    /// snapshot, and the file rewritten unless a newer one appeared meanwhile.
    func loadVectorIndex() throws(SQLiteFailure) -> VectorIndex {
        let gen = try generation()
        let id = try storeID()
        if let mapped = VectorIndex.map(path: vectorFilePath, storeID: id, generation: gen, dimension: embedder.dimension,
                                        buckets: embedder.dfBuckets) {
            installRowLengths(of: mapped)
            return mapped
        }
        let (arrays, dfCount, snapshotGeneration) = try db.readTransaction { () throws(SQLiteFailure) in
            try buildVectorArrays(pending: nil)
        }
        let current = VectorIndex.fileGeneration(path: vectorFilePath, storeID: id)
        if current.map({ $0 < snapshotGeneration }) ?? true {
            _ = VectorIndex.write(path: vectorFilePath, storeID: id, generation: snapshotGeneration,
                                  dimension: embedder.dimension, arrays: arrays, dfCount: dfCount)
        }
        let index = VectorIndex.inMemory(arrays, dimension: embedder.dimension, generation: snapshotGeneration, dfCount: dfCount)
        installRowLengths(of: index)
        return index
    }

    /// Lets BM25 read row sizes from `index`'s token counts (kept alive here until the next index replaces it). A
    /// chunk's text never changes under its id (ids are never reused), so a count is right whenever its id is in the
    /// index; rows it lacks (written since it was read) are sized by FTS5 itself.
    func installRowLengths(of index: VectorIndex) {
        db.installRowLengths(rowids: index.ids, tokens: index.tokens)
        rowLengthsOwner = index
    }

    /// Columns of the FTS table (title, symbols, body): the vector file keeps each row's token count per column.
    static let ftsColumns = 3

    /// The FTS token counts of every chunk in `ids` (ascending), `ftsColumns` per chunk, from FTS5's own per-row sizes
    /// (`UInt32.max` where it has none).
    func tokenCounts(of ids: [Int64]) throws(SQLiteFailure) -> [UInt32] {
        let columns = Self.ftsColumns
        var out = [UInt32](repeating: .max, count: ids.count * columns)
        let rows = try db.prepare("SELECT id, sz FROM chunks_fts_docsize ORDER BY id")
        var k = 0
        while try rows.step() {
            let id = rows.int(0)
            while k < ids.count, ids[k] < id { k += 1 }
            guard k < ids.count else { break }
            guard ids[k] == id else { continue }
            // Decoded in place (an array per row cost 100k allocations at the end of a 100k-chunk ingest).
            let base = k * columns
            rows.withBlob(1) { bytes in
                var i = 0, c = 0
                while i < bytes.count {
                    guard c < columns, let (value, next) = Self.varint(bytes, at: i) else { c = -1; break }
                    out[base + c] = UInt32(min(value, UInt64(UInt32.max - 1)))
                    c += 1
                    i = next
                }
                if c != columns { for j in 0..<columns { out[base + j] = .max } }
            }
            k += 1
        }
        return out
    }

    /// The SQLite varints in `bytes` (an FTS5 docsize record: one token count per column); nil when malformed.
    static func varints(_ bytes: UnsafeRawBufferPointer) -> [UInt64]? {
        var values: [UInt64] = []
        var i = 0
        while i < bytes.count {
            guard let (value, next) = varint(bytes, at: i) else { return nil }
            values.append(value)
            i = next
        }
        return values
    }

    /// The SQLite varint starting at byte `i` of `bytes` and the offset after it; nil when it runs past the end.
    @inline(__always) static func varint(_ bytes: UnsafeRawBufferPointer, at start: Int) -> (UInt64, Int)? {
        var value: UInt64 = 0
        var i = start, n = 0
        while true {
            guard i < bytes.count else { return nil }
            let b = bytes[i]
            i += 1
            n += 1
            if n == 9 { return ((value << 8) | UInt64(b), i) }
            value = (value << 7) | UInt64(b & 0x7F)
            if b & 0x80 == 0 { return (value, i) }
        }
    }

    /// The vectors of every chunk in the store, in id order, taken from `pending` (this ingest's), else the existing
    /// vector file, else embedded now from the chunk's text. Call inside a transaction.
    func buildVectorArrays(pending: VectorSpill?) throws(SQLiteFailure) -> (VectorIndex.Arrays, Int, Int64) {
        let sources = try vectorFileSources(pending: pending)
        return (sources.arrays(), sources.dfCount, sources.generation)
    }

    /// What the vector file is rebuilt from, read on this connection's thread: the chunk ids, the word frequencies,
    /// the vectors of `pending` and of the existing file, and fresh embeddings of the chunks neither holds. The
    /// merge itself (`VectorFileSources.arrays()`) needs no connection and can run on another thread.
    func vectorFileSources(pending: VectorSpill?) throws(SQLiteFailure) -> VectorFileSources {
        var sources = try vectorFileSources(fresh: pending?.records())
        try embedMissing(&sources)
        return sources
    }

    /// `vectorFileSources(pending:)` with `fresh` as this ingest's vectors and nothing embedded yet.
    func vectorFileSources(fresh: VectorSpill.Records?) throws(SQLiteFailure) -> VectorFileSources {
        var storeIDs: [Int64] = [], symbols: [String?] = []
        let rows = try db.prepare("SELECT id, symbol FROM chunks ORDER BY id")
        while try rows.step() {
            storeIDs.append(rows.int(0))
            symbols.append(rows.optionalText(1))
        }
        let tokens = try tokenCounts(of: storeIDs)
        let (df, dfCount) = try loadDocumentFrequencies()
        let old = VectorIndex.map(path: vectorFilePath, storeID: try storeID(), generation: nil, dimension: embedder.dimension,
                                  buckets: embedder.dfBuckets)
        return VectorFileSources(dimension: embedder.dimension, storeIDs: storeIDs, symbols: symbols, tokens: tokens, df: df, dfCount: dfCount,
                                 generation: try generation(), old: old, fresh: fresh)
    }

    /// Embeds, from their stored text, the chunks whose vectors neither the fresh vectors nor the old file hold.
    @discardableResult
    func embedMissing(_ sources: inout VectorFileSources) throws(SQLiteFailure) -> Int {
        let df = sources.df, dfCount = sources.dfCount
        var missing: [Int64] = []
        sources.forEachSource { chunkID, source in if case .missing = source { missing.append(chunkID) } }
        if !missing.isEmpty {
            let text = try db.prepare("SELECT title, symbols, body FROM chunks WHERE id = ?")
            for chunkID in missing {
                try text.bind([.int(chunkID)])
                guard try text.step() else { continue }
                let bag = embedder.words(parts: IngestService.embeddingParts(title: text.text(0), symbols: text.text(1), body: text.text(2)))
                text.reset()
                sources.embedded[chunkID] = HashedEmbedder.quantize(embedder.embed(bag, df: df, documentCount: dfCount))
            }
        }
        return sources.embedded.count
    }

    /// Whether the vector file is missing, foreign or older than the store's content.
    func vectorFileIsBehind() throws(SQLiteFailure) -> Bool {
        guard let fileGeneration = VectorIndex.fileGeneration(path: vectorFilePath, storeID: try storeID()) else { return true }
        return fileGeneration < (try generation())
    }

    /// Rewrites the vector file after an ingest committed: under the write lock, so no other writer changes the
    /// chunks between reading them and naming the file's generation. Call inside a transaction.
    ///
    /// The file is written on another thread while this one runs `alongside` (more work in the same transaction
    /// that leaves the chunks alone, such as merging FTS segments): writing the file is mostly copying into the page
    /// cache, 0.2 s at 100k chunks; beside the merge, both took 0.41–0.50 s instead of 0.55–0.59 s one after the other.
    /// `pending` (this ingest's vectors) is called on that thread, so it may wait for vectors still being embedded.
    /// Chunks neither it nor the old file holds are embedded here from their text once `alongside` is done; returns
    /// how many.
    @discardableResult
    func rebuildVectorFile(pending: @escaping @Sendable () -> VectorSpill? = { nil },
                           alongside: () throws(SQLiteFailure) -> Void = {}) throws(SQLiteFailure) -> Int {
        let job = VectorFileJob(path: vectorFilePath, storeID: try storeID(), sources: try vectorFileSources(fresh: nil),
                                pending: pending)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { job.run() }
        do {
            try alongside()
        } catch {
            group.wait()
            throw error
        }
        group.wait()
        guard var sources = job.incomplete else { return 0 }
        let embedded = try embedMissing(&sources)
        VectorFileJob.write(path: vectorFilePath, storeID: job.storeID, sources: sources)
        return embedded
    }
}

/// Merging and writing a vector file on another thread: the sources are handed over and not touched again by the
/// caller (building the 58 MB of arrays of a 100k-chunk store took the writer ~0.17 s, most of it page faults).
private final class VectorFileJob: @unchecked Sendable {
    let path: String, storeID: [UInt8]
    private var sources: VectorFileSources
    private let pending: @Sendable () -> VectorSpill?
    /// Set by `run()` when some chunk's vector is in neither the pending vectors nor the old file: the file was not
    /// written, and these sources need those chunks embedded first.
    private(set) var incomplete: VectorFileSources?

    init(path: String, storeID: [UInt8], sources: VectorFileSources, pending: @escaping @Sendable () -> VectorSpill?) {
        self.path = path; self.storeID = storeID; self.sources = sources; self.pending = pending
    }

    func run() {
        let spill = pending()
        sources.fresh = spill?.records()
        var missing = false
        sources.forEachSource { _, source in if case .missing = source { missing = true } }
        if missing {
            incomplete = sources
        } else {
            Self.write(path: path, storeID: storeID, sources: sources)
        }
        withExtendedLifetime(spill) {}
    }

    static func write(path: String, storeID: [UInt8], sources: VectorFileSources) {
        // A failed write leaves the old file, whose generation says it is behind: the next open or ingest rebuilds it.
        _ = VectorIndex.write(path: path, storeID: storeID, generation: sources.generation, dimension: sources.dimension,
                              arrays: sources.arrays(), dfCount: sources.dfCount)
    }
}

/// The inputs of a vector-file rebuild (see `KnowledgeStore.vectorFileSources`), and their merge.
struct VectorFileSources {
    let dimension: Int
    /// Every chunk id in the store, ascending.
    let storeIDs: [Int64]
    /// The symbol of each of `storeIDs` (nil for none), keyed into the exact-identifier index.
    let symbols: [String?]
    /// The FTS token counts of each of `storeIDs`, `KnowledgeStore.ftsColumns` per chunk.
    let tokens: [UInt32]
    let df: [Int32]
    let dfCount: Int
    /// The store generation the sources were read at.
    let generation: Int64
    /// The existing vector file, whatever its generation.
    let old: VectorIndex?
    /// This ingest's vectors, ids ascending.
    var fresh: VectorSpill.Records?
    /// Vectors embedded for chunks neither `fresh` nor `old` holds.
    var embedded: [Int64: (scale: Float, data: [Int8])] = [:]

    /// Where a chunk's vector comes from.
    enum Source { case fresh(Int), old(Int), missing }

    /// Calls `body` for each store chunk id in order with the source of its vector: this ingest's first, then the
    /// old file's.
    func forEachSource(_ body: (Int64, Source) -> Void) {
        var p = 0, o = 0
        for chunkID in storeIDs {
            if let fresh {
                while p < fresh.count, fresh.id(p) < chunkID { p += 1 }
                if p < fresh.count, fresh.id(p) == chunkID { body(chunkID, .fresh(p)); continue }
            }
            if let old {
                while o < old.count, old.ids[o] < chunkID { o += 1 }
                if o < old.count, old.ids[o] == chunkID { body(chunkID, .old(o)); continue }
            }
            body(chunkID, .missing)
        }
    }

    /// The vector index arrays: one vector per store chunk, in id order (zero for a chunk whose text is gone), the
    /// data column-major.
    func arrays() -> VectorIndex.Arrays {
        let d = dimension
        var ids: [Int64] = [], scales: [Float] = [], data: [Int8] = []
        ids.reserveCapacity(storeIDs.count); scales.reserveCapacity(storeIDs.count); data.reserveCapacity(storeIDs.count * d)
        forEachSource { chunkID, source in
            ids.append(chunkID)
            if case .fresh(let p) = source, let fresh {
                scales.append(fresh.scale(p)); data.append(contentsOf: fresh.vector(p))
            } else if case .old(let o) = source, let old {
                scales.append(old.scales[o]); old.appendRows(o..<(o + 1), to: &data)
            } else if let vector = embedded[chunkID], vector.data.count == d {
                scales.append(vector.scale); data.append(contentsOf: vector.data)
            } else {
                scales.append(0); data.append(contentsOf: repeatElement(0, count: d))
            }
        }
        return VectorIndex.Arrays(ids: ids, scales: scales, data: VectorIndex.columns(fromRows: data, count: ids.count, dimension: d),
                                  df: df, tokens: tokens, keys: SymbolKeys.table(symbols))
    }
}
