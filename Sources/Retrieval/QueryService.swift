public import Corpus
import Dispatch
import Foundation

/// Which retrieval legs answer a query.
public enum RetrievalMode: String, Sendable, Codable, CaseIterable {
    /// BM25, vectors and exact identifier lookups, fused (convex combination of normalized scores by default).
    case hybrid
    /// FTS5 BM25 only.
    case bm25
    /// kb's hashed-embedding vectors only.
    case vector
}

/// Restrictions on which chunks a query may return.
public struct QueryFilters: Sendable, Codable, Equatable {
    /// Only this kind (kernel, doc, trace).
    public var kind: ContentKind?
    /// Only this language (`c`, `opencl`, `markdown`, ...).
    public var language: String?
    /// Only this backend (`c-simd`, `opencl`, `cuda`, `triton`).
    public var backend: String?
    /// Only chunks tagged with this ISA (`avx512`, `avx2`, `sse`, `neon`, `sve`, `lasx`, `lsx`, `msa`, `rvv`, `vsx`, `vxe`).
    public var isa: String?
    /// Only chunks tagged with this op (`softmax`, `layernorm`, `gemm`, ...).
    public var op: String?
    /// Only chunks of this file, or of files under this folder, by displayed path (`ggml/src/ggml-cuda`; a trailing
    /// `/` is ignored; `ggml` is not `ggml-extra`).
    public var path: String?

    /// Creates filters; nil means any.
    public init(kind: ContentKind? = nil, language: String? = nil, backend: String? = nil, isa: String? = nil, op: String? = nil,
                path: String? = nil) {
        self.kind = kind; self.language = language; self.backend = backend; self.isa = isa; self.op = op; self.path = path
    }

    /// Whether no filter is set.
    public var isEmpty: Bool { kind == nil && language == nil && backend == nil && isa == nil && op == nil && path == nil }
}

/// A query.
public struct SearchQuery: Sendable {
    /// The user's text, any characters.
    public var text: String
    /// Filters.
    public var filters: QueryFilters
    /// Number of results wanted.
    public var limit: Int
    /// Legs used.
    public var mode: RetrievalMode

    /// Creates a query.
    public init(text: String, filters: QueryFilters = QueryFilters(), limit: Int = 10, mode: RetrievalMode = .hybrid) {
        self.text = text; self.filters = filters; self.limit = limit; self.mode = mode
    }
}

/// One leg's view of a hit: its rank (1-based) and raw score in that leg.
public struct LegScore: Sendable, Codable, Equatable {
    /// Rank in the leg's list, 1-based.
    public var rank: Int
    /// The leg's own score (BM25: higher is better, sign flipped from FTS5; vector: cosine; identifier: weight).
    public var score: Double
}

/// A piece of a snippet, highlighted when it matched a query term.
public struct SnippetSegment: Sendable, Codable, Equatable {
    /// The text.
    public var text: String
    /// Whether it matched a query term.
    public var highlighted: Bool
}

/// One search result.
public struct SearchHit: Sendable, Codable {
    /// Rank, 1-based.
    public var rank: Int
    /// Chunk id (for `kb show`).
    public var id: Int64
    /// Displayed path or URL.
    public var path: String
    /// Source identity (absolute path or URL).
    public var source: String
    /// First line.
    public var startLine: Int
    /// Last line.
    public var endLine: Int
    /// Title.
    public var title: String
    /// Defined symbol.
    public var symbol: String?
    /// Kind.
    public var kind: ContentKind
    /// Language.
    public var language: String
    /// Backend.
    public var backend: String?
    /// ISA tags.
    public var isa: [String]
    /// Op tags.
    public var ops: [String]
    /// Fused score (the convex or RRF combination in hybrid mode, the leg's own score otherwise).
    public var score: Double
    /// BM25 leg.
    public var bm25: LegScore?
    /// Vector leg.
    public var vector: LegScore?
    /// Identifier leg.
    public var identifier: LegScore?
    /// Snippet with matches marked.
    public var snippet: [SnippetSegment]
    /// Why the hybrid score was scaled by `QueryService.supportingFactor`, if it was.
    public var supporting: SupportingReason?
    /// Lower-ranked chunks with exactly this chunk's text (vendored or per-backend copies), as `path:start-end` (by
    /// source where the display path would repeat the hit's or another copy's); they are folded into this hit instead
    /// of taking places of their own.
    public var copies: [String]?

    /// The snippet as plain text.
    public var snippetText: String { snippet.map(\.text).joined() }
}

/// A query's answer.
public struct SearchResult: Sendable, Codable {
    /// The hits, best first.
    public var hits: [SearchHit]
    /// Words searched for.
    public var terms: [String]
    /// Words dropped because nearly every chunk has them.
    public var droppedTerms: [String]
    /// Milliseconds spent.
    public var milliseconds: Double
    /// Set when no chunk contains any query word or identifier, so the hits are only the nearest vectors.
    public var onlySimilar: Bool = false
    /// The filters no chunk of the store passes on their own, each with the values the store does hold (`isa vsx2: no
    /// chunk has it; this store's: avx2, neon, ...`); set only when the filters together leave no chunk.
    public var unmatchedFilters: [String] = []
}

/// Why a chunk counts as supporting, its hybrid score scaled by `QueryService.supportingFactor`.
public enum SupportingReason: String, Sendable, Codable, CaseIterable {
    /// Code that defines nothing: declarations, members, module-level code.
    case declarations
    /// Code of at most three lines, or a definition of at most three lines of its own.
    case short
    /// A C-family host function that only hands its work to a namesake (a dispatcher, a launcher).
    case wrapper
    /// Host code, when the query asks for device code.
    case hostCode = "host-code"
    /// Code of another backend than the query names.
    case otherBackend = "other-backend"
    /// SIMD code of another architecture than the ISAs the query names (`softmax neon` and x86's AVX code), or C and
    /// C++ code with no SIMD at all.
    case otherISA = "other-isa"
    /// A chunk of a test or benchmark file, when the query does not ask for tests.
    case testFile = "test-file"
    /// Host code with no loop and no SIMD intrinsics (setup, checks, an API entry, a launch, a constructor), unless the
    /// query asks for the host's side (`launch`, `setup`, `api`...).
    case glue
    /// A document, when the query names a kernel to find (`transpose kernel with local memory`) rather than asks
    /// about kernels (`how to tell whether a kernel is memory bound`).
    case document
    /// A chunk of release notes (`CHANGELOG.md`, `NEWS`, `HISTORY.rst`), when the query does not ask about releases or
    /// changes: they name every feature once per release.
    case releaseNotes = "release-notes"
}

/// How hybrid retrieval combines its legs' ranked lists.
public enum FusionMethod: String, Sendable, CaseIterable {
    /// Reciprocal rank fusion: `Σ weight / (k + rank)`.
    case reciprocalRank = "rrf"
    /// Convex combination of scores, each leg's normalized by its best score: `Σ weight · score / best`.
    case convex
}

/// Answers queries over a store with BM25, vectors and exact identifiers, fused by a convex combination of
/// normalized scores (or reciprocal rank fusion).
public final class QueryService {
    let store: KnowledgeStore
    var vectorIndex: VectorIndex?
    var storeGeneration: Int64 = -1
    var chunkCount = 0

    /// RRF's k.
    public var rrfK = 20.0
    /// Candidates taken from each leg before fusion.
    public var depth = 100
    /// FTS5 column weights: title, symbols, body.
    public var columnWeights = (title: 2.0, symbols: 2.0, body: 1.0)
    /// BM25 keeps the rarest query terms whose document frequencies sum to at most this many postings.
    public var postingBudget = 10_000
    /// Weight of each leg in the fusion. Chosen on the development queries (`bench/eval/dev-queries.jsonl`) and the
    /// real-repository sets (`bench/eval/real/`), never on the test set; see docs/BENCHMARKS.md: the development set
    /// gains up to 0.5, FlagGems loses from 0.5 on, and 0.4 is where they meet. The identifier leg still promotes
    /// definitions for identifier queries; as an added score it lowered nDCG on the development set at every weight
    /// tried.
    public var legWeights = (bm25: 1.0, vector: 0.4, identifier: 0.0)
    /// How the legs' lists are combined.
    public var fusion = FusionMethod.convex
    /// Whether a chunk whose text equals a better-ranked hit's is folded into that hit (`SearchHit.copies`) instead of
    /// taking a place of its own.
    public var foldCopies = true
    /// Hybrid scores of supporting chunks are multiplied by this (1 turns it off): chunks of test and benchmark files
    /// (`isTestOrBenchmark`, unless the query itself asks for tests or benchmarks), which repeat an op's name in
    /// every case and setup; code chunks that define nothing (a header's declarations, a struct's members, a Python
    /// module's imports), which repeat the names of what is defined elsewhere; and code chunks of at most three lines
    /// (wrappers, constants), which BM25's length normalization favours; C-family functions that only hand their work
    /// to a namesake (feature `wrapper`, `MetadataExtractor.isThinWrapper`: dispatchers, launchers); and, when the query asks for device code
    /// (`asksForDeviceCode`), host code (launchers, pipeline getters, dispatch tables, Python wrappers), which names
    /// the op as often as its kernel does; and, when the query names a backend (`namedBackends`), code of another
    /// backend (`rms norm cuda` against a Vulkan shader named `rms_norm`). All outranked the implementations on real
    /// repositories (`bench/eval/real/`).
    public var supportingFactor = 0.5
    /// In hybrid mode, a part of a long definition split into parts, or a chunk of an assembly file (whose macros and
    /// routines make one kernel), has its score multiplied by this once for every better-scored part of the same
    /// definition or chunk of the same assembly file (1 turns it off): the parts repeat the definition's name and
    /// signature, so they match alike and would fill the list (OpenBLAS's assembly routines are thousands of lines in
    /// 120-line parts). Other chunks of one file are left alone: a file's other functions are often the next best
    /// answers (ggml's `softmax.cu`), and scaling them lowered the bundled and ggml sets.
    public var repeatedPartFactor = 0.5

    /// Creates a service reading `store`.
    public init(store: KnowledgeStore) {
        self.store = store
    }

    static let stopwords: Set<String> = ["a", "an", "the", "of", "for", "to", "in", "on", "with", "and", "or", "how", "what",
                                         "why", "is", "are", "does", "do", "by", "at", "it", "its", "be", "as", "from", "that",
                                         "this", "which", "when", "use", "using", "i", "my", "can", "vs", "into", "not", "no"]

    /// Runs a query.
    public func search(_ query: SearchQuery) throws(RetrievalError) -> SearchResult {
        let started = DispatchTime.now().uptimeNanoseconds
        let limit = max(1, min(query.limit, 1000))
        let rawWords = Tokens.words(in: query.text)
        var terms: [String] = []
        var seen = Set<String>()
        for w in rawWords {
            for t in [w] + Tokens.subwords(of: Substring(w)) where !t.isEmpty && seen.insert(t).inserted {
                terms.append(t)
            }
            // A BLAS name with its precision letter also asks for the routine (`daxpy` → `axpy`), as OpenBLAS's
            // `axpy.S` is built for every precision.
            // Not for routines whose bare names are common words (`max`, `sum`: `hsum`, `xmax`).
            if let routine = IngestService.blasRoutine(w), IngestService.blasDescriptions[routine] != nil,
               seen.insert(routine).inserted {
                terms.append(routine)
            }
        }
        // Identifier pieces: split camelCase in the original text as well.
        for id in Tokens.identifiers(in: query.text) {
            for t in Tokens.subwords(of: id) where seen.insert(t).inserted { terms.append(t) }
        }
        let contentTerms = terms.filter { !Self.stopwords.contains($0) }
        let searchTerms = contentTerms.isEmpty ? terms : contentTerms
        guard !searchTerms.isEmpty else {
            throw .invalidQuery(reason: "it has no searchable words (letters or digits); try e.g. kb query \"softmax avx512\"")
        }
        let depth = query.mode == .hybrid ? max(1, self.depth) : max(self.depth, limit, 1)
        return try store.sql { () throws(SQLiteFailure) in
            try refreshCaches()
            let allowed = try allowedIDs(query.filters)
            var dropped: [String] = []
            var bm25: [(Int64, Double)] = []
            var vector: [(Int64, Double)] = []
            var identifier: [(Int64, Double)] = []
            var definitions = Set<Int64>()
            var dottedUses = Set<Int64>()
            // The vector scan touches only the mapped index, so it runs on another thread while this one asks
            // SQLite for the BM25 and identifier legs.
            let vectorResult = ResultSlots<[(Int64, Double)]>(count: 1)
            let vectorDone = DispatchGroup()
            let sharedScan = SharedVectorScanSlot()
            if query.mode != .bm25, let index = vectorIndex {
                let embedder = store.embedder, text = query.text
                vectorDone.enter()
                DispatchQueue.global(qos: .userInitiated).async {
                    vectorResult.set(0, Self.vectorLeg(text, index: index, embedder: embedder, allowed: allowed, depth: depth,
                                                       share: sharedScan))
                    vectorDone.leave()
                }
            }
            defer { vectorDone.wait() }
            if query.mode != .vector {
                let (kept, drop) = try pruneCommonTerms(searchTerms)
                dropped = drop
                bm25 = try bm25Leg(kept, filters: query.filters, depth: depth)
            }
            if query.mode == .hybrid {
                (identifier, definitions, dottedUses) = try identifierLeg(query.text, allowed: allowed, depth: depth)
            }
            // This thread's legs are done: it helps with what is left of the vector scan (a 100k-chunk scan streams
            // 56 MB and is the slowest leg), then waits for the leg's ranking.
            sharedScan.current()?.work()
            vectorDone.wait()
            vector = vectorResult.values().first ?? []
            var fused: [Int64: Double] = [:]
            var legs: [Int64: (LegScore?, LegScore?, LegScore?)] = [:]
            func add(_ list: [(Int64, Double)], weight: Double, slot: Int) {
                // Convex fusion: each leg's scores divided by its best (all scores are positive, 0 is the
                // theoretical floor), so a leg that barely matches adds little; RRF: only ranks count.
                let top = list.first.map { max($0.1, 1e-12) } ?? 1
                for (i, (id, score)) in list.enumerated() {
                    let rank = i + 1
                    switch fusion {
                    case .reciprocalRank: fused[id, default: 0] += weight / (rrfK + Double(rank))
                    case .convex: fused[id, default: 0] += weight * max(0, score) / top
                    }
                    var entry = legs[id] ?? (nil, nil, nil)
                    let ls = LegScore(rank: rank, score: score)
                    switch slot { case 0: entry.0 = ls; case 1: entry.1 = ls; default: entry.2 = ls }
                    legs[id] = entry
                }
            }
            switch query.mode {
            case .bm25: add(bm25, weight: 1, slot: 0)
            case .vector: add(vector, weight: 1, slot: 1)
            case .hybrid:
                add(bm25, weight: legWeights.bm25, slot: 0)
                add(vector, weight: legWeights.vector, slot: 1)
                add(identifier, weight: legWeights.identifier, slot: 2)
            }
            var supporting: [Int64: SupportingReason] = [:]
            // Folding copies reads further down the list than `limit`: the supporting chunks there must be scaled too.
            let window = foldCopies ? Self.foldWindow(limit) : limit
            if query.mode == .hybrid, supportingFactor < 1 {
                let architectures = Self.namedArchitectures(rawWords)
                // A CPU architecture named (`vsx`, `rvv`, `haswell`) asks for CPU SIMD code as `neon` or `avx2` does,
                // unless the query asks for GPU code (`aarch64 gpu matmul`).
                var backends = Self.namedBackends(rawWords)
                if !architectures.isEmpty, backends.isEmpty, !Self.asksForDeviceCode(rawWords) { backends = ["c-simd"] }
                supporting = try scaleSupportingScores(&fused, definitions: definitions, limit: window, testsAsked: Self.asksForTests(rawWords),
                                          releaseNotesAsked: Self.asksForReleaseNotes(rawWords),
                                          deviceCodeAsked: Self.asksForDeviceCode(rawWords), glueDemoted: !Self.asksForHost(rawWords),
                                          kernelNamed: Self.namesKernel(rawWords),
                                          namedBackends: backends,
                                          namedArchitectures: architectures,
                                          x86Floor: Self.askedX86Floor(rawWords))
            }
            if query.mode == .hybrid, repeatedPartFactor < 1 {
                try scaleRepeatedParts(&fused, limit: window)
            }
            let ranked: [(Int64, Double)]
            switch query.mode {
            case .bm25: ranked = bm25
            case .vector: ranked = vector
            case .hybrid:
                // An identifier query (one or two words) puts the chunks defining that identifier first, and a
                // dotted name's query (`tl.dot`) the chunks using it next.
                let promote = Tokens.identifiers(in: query.text).count <= 2 || !dottedUses.isEmpty ? definitions : []
                ranked = fused.sorted {
                    let a = promote.contains($0.key), b = promote.contains($1.key)
                    if a != b { return a }
                    let c = dottedUses.contains($0.key), d = dottedUses.contains($1.key)
                    if c != d { return c }
                    return $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
                }.map { ($0.key, $0.value) }
            }
            // The places to fill, and the copies folded into them: the candidates' texts are compared first, and only
            // the kept hits are read whole (decoding every candidate's metadata was a sixth of a query's main thread).
            var keptIDs: [Int64] = []
            var copies: [Int64: [String]] = [:]
            if foldCopies {
                let window = Array(ranked.prefix(window))
                let places = try store.chunkPlaces(ofChunks: window.map(\.0))
                var byText: [String: Int64] = [:]
                for (id, _) in window {
                    guard let place = places[id] else { continue }
                    if let kept = byText[place.text] {
                        // Where the display path says no more than the hit's own or a listed copy's (the same folder
                        // ingested from two places), the copy is named by its source.
                        let label = "\(place.path):\(place.startLine)-\(place.endLine)"
                        let keptLabel = places[kept].map { "\($0.path):\($0.startLine)-\($0.endLine)" }
                        let ambiguous = label == keptLabel || copies[kept]?.contains(label) == true
                        copies[kept, default: []].append(ambiguous ? "\(place.source):\(place.startLine)-\(place.endLine)" : label)
                    } else if keptIDs.count < limit {
                        byText[place.text] = id
                        keptIDs.append(id)
                    }
                }
            } else {
                keptIDs = ranked.prefix(limit).map(\.0)
            }
            let scores = Dictionary(ranked.prefix(window), uniquingKeysWith: { a, _ in a })
            let stored = try storedChunks(keptIDs)
            var hits: [SearchHit] = []
            let highlightTerms = searchTerms
            for id in keptIDs {
                guard let s = stored[id], let score = scores[id] else { continue }
                let l = legs[id] ?? (nil, nil, nil)
                hits.append(SearchHit(rank: hits.count + 1, id: id, path: s.path, source: s.source, startLine: s.chunk.startLine,
                                      endLine: s.chunk.endLine, title: s.chunk.title, symbol: s.chunk.symbol, kind: s.chunk.kind,
                                      language: s.chunk.language, backend: s.chunk.backend, isa: s.chunk.metadata.isa,
                                      ops: s.chunk.metadata.ops, score: score, bm25: l.0, vector: l.1, identifier: l.2,
                                      snippet: Snippets.make(s.chunk.text, terms: highlightTerms), supporting: supporting[id],
                                      copies: copies[id]))
            }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            var result = SearchResult(hits: hits, terms: searchTerms.filter { !dropped.contains($0) }, droppedTerms: dropped, milliseconds: ms)
            result.onlySimilar = query.mode == .hybrid && bm25.isEmpty && identifier.isEmpty && !hits.isEmpty
            if allowed?.isEmpty == true { result.unmatchedFilters = try unmatchedFilters(query.filters) }
            return result
        }
    }

    /// How far down the ranking copies are looked for when `limit` hits are wanted: three times as far, at least 30.
    static func foldWindow(_ limit: Int) -> Int { max(limit * 3, 30) }

    /// Whether a query's words ask for tests or benchmarks themselves.
    /// Whether a query asks about releases or changes (`changelog`, `release`, `changed`, `added`...), so release notes
    /// are no supporting chunks. Not `new` or `version`, which queries say of code (`add a new layer`, `the avx2
    /// version of exp`).
    static func asksForReleaseNotes(_ words: [String]) -> Bool {
        words.contains {
            ["changelog", "changes", "changed", "release", "releases", "released", "news", "added", "deprecated",
             "removed"].contains($0)
        }
    }

    /// Whether a path is release notes: a document named `CHANGELOG`, `CHANGES`, `NEWS`, `HISTORY`, `RELEASE_NOTES` or
    /// `WHATSNEW` (any case), with no extension or a document's (`.md`, `.rst`, `.txt`, `.adoc`...): not code such as
    /// Keras's `history.py`.
    public static func isReleaseNotes(path: String) -> Bool {
        guard let file = path.utf8.split(separator: UInt8(ascii: "/")).last else { return false }
        let stem = lowerASCII(file.prefix { $0 != UInt8(ascii: ".") })
        guard releaseNoteNames.contains(stem) else { return false }
        let ext = lowerASCII(file.dropFirst(stem.utf8.count).drop { $0 == UInt8(ascii: ".") })
        return ["", "md", "markdown", "rst", "txt", "adoc", "asciidoc", "html", "htm"].contains(ext)
    }

    /// File names of release notes (`isReleaseNotes`).
    static let releaseNoteNames: Set<String> = ["changelog", "changes", "news", "history", "release_notes", "releasenotes",
                                                "release-notes", "whatsnew", "whats_new", "whats-new"]

    /// Whether a query asks for tests or benchmarks (`test`, `unittest`, `bench`, `perf`...).
    static func asksForTests(_ words: [String]) -> Bool {
        words.contains { ["test", "tests", "testing", "unittest", "benchmark", "benchmarks", "bench", "perf"].contains($0) }
    }

    /// Whether a query asks for device code: it names a GPU dialect or asks for a shader (`softmax cuda kernel`, `rms
    /// normalization on the gpu with cuda`, `rms norm metal shader`; not `avx2 softmax kernel`, whose kernels are host
    /// code), and it does not ask for the host's side (`launch`, `host`, `pipeline`, `wrapper`...).
    static func asksForDeviceCode(_ words: [String]) -> Bool {
        guard words.contains(where: { gpuWords.contains($0) || $0 == "shader" || $0 == "shaders" }) else { return false }
        return !words.contains { hostWords.contains($0) }
    }

    /// Whether a query asks for the host's side of code (`launch`, `host`, `wrapper`, `setup`...: `hostWords`): glue is
    /// supporting unless it does.
    static func asksForHost(_ words: [String]) -> Bool { words.contains { hostWords.contains($0) } }

    /// Whether a query asks for a kernel: it says `kernel`, `kernels` or `microkernel`, and not the host's side
    /// (`launch`, `host`, `wrapper`...: `hostWords`).
    static func asksForKernel(_ words: [String]) -> Bool {
        guard words.contains(where: { $0 == "kernel" || $0 == "kernels" || $0 == "microkernel" }) else { return false }
        return !words.contains { hostWords.contains($0) }
    }

    /// Whether a query that asks for a kernel names one to find, as a bare noun phrase (`dot product reduction kernel`,
    /// `layernorm forward cuda kernel`), rather than asks or says something about kernels: a question word or an
    /// article or determiner before the kernel (`how to tell whether a kernel ...`, `score a kernel ...`, `tune the
    /// gemm kernel parameters`) makes it a question that documents answer.
    static func namesKernel(_ words: [String]) -> Bool {
        asksForKernel(words) && !words.contains { questionWords.contains($0) }
    }

    /// Words that make a kernel query a question about kernels (`namesKernel`).
    static let questionWords: Set<String> = ["how", "what", "why", "when", "which", "whether", "where", "who", "should",
                                             "can", "does", "do", "is", "are", "a", "an", "the", "this", "that",
                                             "these", "those", "my", "our", "your", "its", "vs", "versus",
                                             "compare", "difference", "explain", "tune", "tuning"]

    /// The backends a query names, among those kb gives chunks (`cuda` names CUDA and HIP, which share their sources;
    /// `cpu` and the SIMD ISAs name C SIMD); empty when it names none.
    static func namedBackends(_ words: [String]) -> Set<String> {
        var named = Set<String>()
        for w in words {
            switch w {
            case "cuda", "hip", "rocm": named.formUnion(["cuda", "hip"])
            case "opencl": named.insert("opencl")
            case "metal": named.insert("metal")
            case "vulkan", "glsl", "spirv": named.insert("vulkan")
            case "triton": named.insert("triton")
            case "cpu", "simd", "avx", "avx2", "avx512", "sse", "neon", "sve": named.insert("c-simd")
            default: break
            }
        }
        return named
    }

    /// The CPU architectures whose SIMD ISAs a query names (`x86` for `avx2`, `sse4`, `avx512` or `x86`; `arm` for
    /// `neon`, `asimd`, `sve`, `arm` or `aarch64`; `loongarch` for `lsx`, `lasx`; `mips` for `msa`; `riscv` for `rvv`
    /// or `riscv`; and a CPU's name its vendor's architecture: `haswell`, `skx`, `zen3` x86, `thunderx2`, `cortexa53`,
    /// `a64fx` Arm); empty when it names none. Architectures, not single ISAs: `max pooling avx` still wants the SSE
    /// code beside the AVX code, not NEON's.
    static func namedArchitectures(_ words: [String]) -> Set<String> {
        var named = Set<String>()
        for (k, w) in words.enumerated() {
            // A CPU's name names its architecture (`haswell`, `skx`, `thunderx2`, `cortexa53`: `CPUNames`).
            // `spr` is also a BLAS routine's name, so it names no architecture here.
            let vendor = w.utf8.count >= 3 && !IngestService.blasRoutines.contains(w)
                ? CPUNames.words(for: Substring(w))?.prefix { $0 != " " } : nil
            if vendor == "intel" || vendor == "amd" { named.insert("x86") }
            else if vendor == "arm" || vendor == "marvell" || vendor == "fujitsu" || vendor == "huawei" { named.insert("arm") }
            else if vendor == "ibm" { named.insert("power") }
            else if w == "x86" || w == "x64" || w == "amd64" || w.hasPrefix("sse") || w.hasPrefix("avx") { named.insert("x86") }
            else if ["neon", "asimd", "sve", "sve2", "arm", "arm64", "aarch64"].contains(w) || w.hasPrefix("armv") {
                named.insert("arm")
            }
            else if w == "lsx" || w == "lasx" || w.hasPrefix("loongarch") { named.insert("loongarch") }
            else if w == "msa" || w.hasPrefix("mips") { named.insert("mips") }
            else if w == "rvv" || w.hasPrefix("riscv") || (w == "risc" && k + 1 < words.count && words[k + 1] == "v") {
                named.insert("riscv")
            }
            // Not `power` alone, which queries say of functions (`power of two`).
            else if ["vsx", "altivec", "vmx", "powerpc", "ppc", "ppc64", "ppc64le"].contains(w) { named.insert("power") }
            else if ["vxe", "vxe2", "zvector", "s390", "s390x", "zarch"].contains(w)
                        || (w == "ibm" && k + 1 < words.count && words[k + 1] == "z") {
                named.insert("s390x")
            }
        }
        return named
    }

    /// The oldest x86 ISA a query asks its x86 code to use: `avx512` when it names AVX-512 (`asksForAVX512`) or a CPU
    /// with it (`skx`, `icelake`, `zen4`), `avx2` when it names a CPU with AVX2 (`haswell`, `zen3`) and no x86 ISA word;
    /// nil otherwise. x86 code whose tags are all older is then set aside: `symmetric matrix vector multiply lower
    /// haswell` wants OpenBLAS's Haswell kernel, not the SSE one beside it.
    static func askedX86Floor(_ words: [String]) -> String? {
        if asksForAVX512(words) { return "avx512" }
        guard !words.contains(where: { $0.hasPrefix("avx") || $0.hasPrefix("sse") }) else { return nil }
        var floor: String?
        for w in words where w.utf8.count >= 3 && !IngestService.blasRoutines.contains(w) {
            guard let isa = CPUNames.isa(of: w), x86Level(Substring(isa)) > 0 else { continue }
            if floor.map({ x86Level(Substring(isa)) > x86Level(Substring($0)) }) ?? true { floor = isa }
        }
        return floor == "sse" ? nil : floor
    }

    /// An x86 ISA tag's rank (`sse` 1, `avx2` 2, `avx512` 3), 0 for other tags.
    static func x86Level(_ isa: Substring) -> Int {
        switch isa {
        case "sse": 1
        case "avx2": 2
        case "avx512": 3
        default: 0
        }
    }

    /// Whether a query names AVX-512 (`avx512`, `avx512f`, `avx-512`...): its SIMD code is then wanted over the SSE and
    /// AVX2 versions of a kernel, which other x86 ISA words (`avx`, `sse4`) keep beside each other. On OpenBLAS,
    /// `sum of absolute values asum avx512` put the SSE `asum` kernels first.
    /// A query that names an older x86 ISA too (`port the avx2 kernel to avx512`) asks about both: no.
    static func asksForAVX512(_ words: [String]) -> Bool {
        var avx512 = false, older = false
        for (k, w) in words.enumerated() {
            if w.hasPrefix("avx512") || (w == "avx" && k + 1 < words.count && words[k + 1].hasPrefix("512")) {
                avx512 = true
            } else if w == "avx" || w == "avx2" || w.hasPrefix("sse") {
                older = true
            }
        }
        return avx512 && !older
    }

    /// The architecture of one of kb's ISA tags (`namedArchitectures`); nil for a tag of none (`vector-ext`).
    static func architecture(ofISA isa: Substring) -> String? {
        switch isa {
        case "sse", "avx2", "avx512": "x86"
        case "neon", "sve": "arm"
        case "lsx", "lasx": "loongarch"
        case "msa": "mips"
        case "rvv": "riscv"
        case "vsx": "power"
        case "vxe": "s390x"
        default: nil
        }
    }

    /// Words that name a GPU or a GPU programming dialect whose device code kb tells apart (`asksForDeviceCode`). SYCL,
    /// WGSL and HLSL are left out: kb reads SYCL as plain C++ and does not read WGSL or HLSL, so a query naming them
    /// would only push their code down.
    static let gpuWords: Set<String> = ["cuda", "hip", "rocm", "opencl", "metal", "vulkan", "triton", "gpu", "gpus", "glsl",
                                        "spirv"]

    /// Words that ask for the host's side of GPU code (`asksForDeviceCode`).
    static let hostWords: Set<String> = ["host", "launch", "launches", "launching", "launcher", "dispatch", "dispatcher",
                                         "pipeline", "pipelines", "wrapper", "binding", "bindings", "api", "setup",
                                         "init", "initialization", "runtime", "driver", "stream", "streams"]

    /// Whether a document path is a test or benchmark file: a folder named `test`, `tests`, `testing`, `unittests`,
    /// `ctests`, `benchmark(s)` or `bench(es)` on the way below the walked folder (whose own name, the path's first
    /// component, is the user's choice), or a file named `test_*`, `test-*`, `*_test`, `*_tests`, `*-test`, `*_bench`,
    /// `*_benchmark` or `bench_*` (any extension, any case).
    public static func isTestOrBenchmark(path: String) -> Bool {
        // On bytes, ASCII-lower-cased (Character-level lower-casing and splitting of ~30 paths was a fifth of a
        // 100k-chunk query's time on its main thread).
        let parts = path.utf8.split(separator: UInt8(ascii: "/"))
        guard let file = parts.last else { return false }
        for folder in parts.dropFirst().dropLast() where folder.count <= 10 && testFolders.contains(lowerASCII(folder)) {
            return true
        }
        let stem = lowerASCII(file.prefix { $0 != UInt8(ascii: ".") })
        return stem.hasPrefix("test_") || stem.hasPrefix("test-") || stem.hasSuffix("_test") || stem.hasSuffix("_tests")
            || stem.hasSuffix("-test") || stem.hasSuffix("_bench") || stem.hasSuffix("_benchmark") || stem.hasPrefix("bench_")
    }

    /// Folder names that make a test or benchmark file (`isTestOrBenchmark`).
    static let testFolders: Set<String> = ["test", "tests", "testing", "unittest", "unittests", "ctests", "benchmark",
                                           "benchmarks", "bench", "benches"]

    /// The bytes as a String with ASCII letters lower-cased.
    static func lowerASCII(_ bytes: Substring.UTF8View.SubSequence) -> String {
        String(decoding: bytes.map { $0 &- 65 < 26 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Multiplies the fused scores of supporting chunks by `supportingFactor`, looking chunks up only as far as the
    /// top `limit` needs: scores only fall, so candidates are looked up best first until the next one's score is
    /// below the `limit`-th best scaled score (looking up all ~300 candidates read a 64 KiB page each and cost 2–3 ms
    /// of a 100k-chunk query). Definitions, which may be promoted above everything, are always looked up.
    @discardableResult
    func scaleSupportingScores(_ fused: inout [Int64: Double], definitions: Set<Int64>, limit: Int,
                               testsAsked: Bool, releaseNotesAsked: Bool = true, deviceCodeAsked: Bool = false,
                               glueDemoted: Bool = false,
                               kernelNamed: Bool = false, namedBackends: Set<String> = [],
                               namedArchitectures: Set<String> = [],
                               x86Floor: String? = nil) throws(SQLiteFailure) -> [Int64: SupportingReason] {
        var reasons: [Int64: SupportingReason] = [:]
        let order = fused.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        var scaled: [Double] = []
        var looked = Set<Int64>()
        var next = 0
        let batch = max(2 * limit, 16)
        var ids = Array(definitions.filter { fused[$0] != nil })
        repeat {
            while ids.count < batch + definitions.count, next < order.count {
                if !looked.contains(order[next]) { ids.append(order[next]) }
                next += 1
            }
            let supporting = try supportingChunks(ids, testsAsked: testsAsked, releaseNotesAsked: releaseNotesAsked,
                                                  deviceCodeAsked: deviceCodeAsked,
                                                  glueDemoted: glueDemoted, kernelNamed: kernelNamed,
                                                  namedBackends: namedBackends, namedArchitectures: namedArchitectures,
                                                  x86Floor: x86Floor)
            for id in ids where looked.insert(id).inserted {
                if let found = supporting[id], let reason = found.first {
                    fused[id]? *= pow(supportingFactor, Double(found.count))
                    reasons[id] = reason
                }
                scaled.append(fused[id] ?? 0)
            }
            ids = []
            scaled.sort(by: >)
        } while next < order.count && (scaled.count < limit || (fused[order[next]] ?? 0) >= scaled[limit - 1])
        return reasons
    }

    /// Multiplies the fused score of each part of a split definition (`KnowledgeStore.definitionParts`) by
    /// `repeatedPartFactor` once per better-scored part of the same definition, among the best three times `limit`
    /// candidates (at least 60).
    func scaleRepeatedParts(_ fused: inout [Int64: Double], limit: Int) throws(SQLiteFailure) {
        let order = fused.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(max(3 * limit, 60))
        let parts = try store.definitionParts(ofChunks: order.map(\.key))
        var seen: [KnowledgeStore.DefinitionKey: Int] = [:]
        for (id, _) in order {
            guard let key = parts[id] else { continue }
            let before = seen[key, default: 0]
            if before > 0 { fused[id]? *= pow(repeatedPartFactor, Double(before)) }
            seen[key] = before + 1
        }
    }

    /// Which of `ids` are supporting chunks (see `supportingFactor`): minor code (thin wrappers included, and glue when
    /// `glueDemoted`); documents when `kernelNamed`; host code when `deviceCodeAsked`; another backend's code when the
    /// query names backends; SIMD code of other architectures when it names ISAs; release notes unless
    /// `releaseNotesAsked`; and, unless `testsAsked`, chunks of test or benchmark files; with `x86Floor`, x86 code whose
    /// ISA tags are all older (`askedX86Floor`).
    func supportingChunks(_ ids: [Int64], testsAsked: Bool, releaseNotesAsked: Bool = true, deviceCodeAsked: Bool = false,
                          glueDemoted: Bool = false,
                          kernelNamed: Bool = false, namedBackends: Set<String> = [],
                          namedArchitectures: Set<String> = [],
                          x86Floor: String? = nil) throws(SQLiteFailure) -> [Int64: [SupportingReason]] {
        guard !ids.isEmpty else { return [:] }
        var verdicts: [String: Bool] = [:], noteVerdicts: [String: Bool] = [:]  // chunks of one file share its verdicts
        var reasons: [Int64: [SupportingReason]] = [:]
        for (id, facts) in try store.candidateFacts(ofChunks: ids, withHostCode: deviceCodeAsked, withGlue: glueDemoted,
                                                    withDocuments: kernelNamed) {
            // Minor code counts once; code of another backend or architecture than the query names (scalar C-family
            // code included) counts again, so that among minor chunks (SLEEF's one-line helpers, one per
            // architecture) the asked ISA's still comes first.
            var minorReason: SupportingReason?
            // Glue asked for device code is host code first: that is the rule the query meant.
            if let minor = facts.minorCode, !(minor == .glue && deviceCodeAsked && facts.hostCode) {
                minorReason = minor
            } else if deviceCodeAsked && facts.hostCode {
                reasons[id] = [.hostCode]
                continue
            }
            if !namedBackends.isEmpty, let b = facts.backend, !namedBackends.contains(b.lowercased()) {
                reasons[id] = [minorReason, .otherBackend].compactMap { $0 }
                continue
            }
            // SIMD code of other architectures only, or C, C++ or assembly with no SIMD at all (a scalar reference).
            if !namedArchitectures.isEmpty, facts.cpuCode, facts.isa.isEmpty ? facts.cFamilyCode
                : !facts.isa.contains(where: { Self.architecture(ofISA: $0).map(namedArchitectures.contains) ?? true }) {
                reasons[id] = [minorReason, .otherISA].compactMap { $0 }
                continue
            }
            // A query for AVX-512 code, or for a CPU's, also sets aside x86 code without that CPU's ISA (SSE and AVX2
            // versions of the kernel).
            if let x86Floor, facts.cpuCode, !facts.isa.isEmpty, !facts.isa.contains(where: { Self.x86Level($0) >= Self.x86Level(x86Floor[...]) }),
               facts.isa.allSatisfy({ Self.architecture(ofISA: $0) == "x86" }) {
                reasons[id] = [minorReason, .otherISA].compactMap { $0 }
                continue
            }
            if let minorReason {
                reasons[id] = [minorReason]
                continue
            }
            if !releaseNotesAsked {
                let notes = noteVerdicts[facts.path] ?? Self.isReleaseNotes(path: facts.path)
                noteVerdicts[facts.path] = notes
                if notes { reasons[id] = [.releaseNotes]; continue }
            }
            guard !testsAsked else { continue }
            let isTest = verdicts[facts.path] ?? Self.isTestOrBenchmark(path: facts.path)
            verdicts[facts.path] = isTest
            if isTest { reasons[id] = [.testFile] }
        }
        return reasons
    }

    /// Reloads the vector index and document frequencies when the store changed.
    func refreshCaches() throws(SQLiteFailure) {
        let gen = try store.generation()
        if gen != storeGeneration || vectorIndex == nil {
            let index = try store.loadVectorIndex()
            vectorIndex = index
            // The index holds one vector per chunk of this generation (a stale file is repaired on load), so its
            // count is the chunk count without a `count(*)` over the table (~2 ms per process at 100k chunks).
            chunkCount = index.count
            storeGeneration = gen
        }
    }

    func storedChunks(_ ids: [Int64]) throws(SQLiteFailure) -> [Int64: KnowledgeStore.StoredChunk] {
        do {
            let rows = try store.chunks(ids: ids)
            return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        } catch {
            throw SQLiteFailure(code: 1, message: error.description, sql: "chunks")
        }
    }

    /// SQL conditions and bindings for the filters on table alias `c`.
    static func filterSQL(_ f: QueryFilters) -> (String, [SQLValue]) {
        var conds: [String] = []
        var binds: [SQLValue] = []
        if let k = f.kind { conds.append("c.kind = ?"); binds.append(.text(k.rawValue)) }
        if let l = f.language { conds.append("c.lang = ?"); binds.append(.text(l.lowercased())) }
        if let b = f.backend { conds.append("c.backend = ?"); binds.append(.text(b.lowercased())) }
        if let i = f.isa { conds.append("instr(c.isa, ?) > 0"); binds.append(.text(" " + i.lowercased() + " ")) }
        if let o = f.op { conds.append("instr(c.ops, ?) > 0"); binds.append(.text(" " + o.lowercased() + " ")) }
        if let p = f.path {
            // The file itself, or files under the folder: compared as bytes (no LIKE wildcards to escape).
            var folder = Substring(p)
            while folder.hasPrefix("./") { folder = folder.dropFirst(2) }
            while folder.count > 1, folder.hasSuffix("/") { folder = folder.dropLast() }
            let under = folder == "/" ? "/" : folder + "/"
            // SQLite's substr counts code points.
            conds.append("c.document_id IN (SELECT id FROM documents WHERE display_path = ? OR substr(display_path, 1, ?) = ?)")
            binds += [.text(String(folder)), .int(Int64(under.unicodeScalars.count)), .text(String(under))]
        }
        return (conds.joined(separator: " AND "), binds)
    }

    /// The filters that no chunk passes on its own, each said with the values the store holds for it (the commonest
    /// twelve): a mistyped `--isa avx-512` or `--lang c++` says so instead of answering nothing.
    func unmatchedFilters(_ f: QueryFilters) throws(SQLiteFailure) -> [String] {
        var out: [String] = []
        func check(_ name: String, _ value: String?, _ filter: QueryFilters, _ values: () throws(SQLiteFailure) -> [String: Int])
            throws(SQLiteFailure) {
            guard let value, try allowedIDs(filter)?.isEmpty == true else { return }
            let held = try values().filter { $0.key != "none" }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let list = held.prefix(12).map(\.key).joined(separator: ", ")
            out.append("\(name) \(value): no chunk has it; this store's: \(list.isEmpty ? "none" : list)")
        }
        func counts(_ sql: String, tags: Bool) throws(SQLiteFailure) -> [String: Int] {
            var out: [String: Int] = [:]
            let s = try store.db.prepare(sql)
            while try s.step() {
                let key = s.optionalText(0) ?? "none"
                for tag in tags ? key.split(separator: " ").map(String.init) : [key] { out[tag, default: 0] += Int(s.int(1)) }
            }
            return out
        }
        try check("lang", f.language, QueryFilters(language: f.language)) { () throws(SQLiteFailure) in
            try counts("SELECT lang, count(*) FROM chunks GROUP BY lang", tags: false)
        }
        try check("backend", f.backend, QueryFilters(backend: f.backend)) { () throws(SQLiteFailure) in
            try counts("SELECT backend, count(*) FROM chunks GROUP BY backend", tags: false)
        }
        try check("isa", f.isa, QueryFilters(isa: f.isa)) { () throws(SQLiteFailure) in
            try counts("SELECT isa, count(*) FROM chunks GROUP BY isa", tags: true)
        }
        try check("op", f.op, QueryFilters(op: f.op)) { () throws(SQLiteFailure) in
            try counts("SELECT ops, count(*) FROM chunks GROUP BY ops", tags: true)
        }
        if let path = f.path, try allowedIDs(QueryFilters(path: path))?.isEmpty == true {
            out.append("path \(path): no file is there or under it (give a path as results show it, e.g. ggml/src)")
        }
        return out
    }

    /// The ids passing the filters (sorted), or nil when there are no filters.
    func allowedIDs(_ f: QueryFilters) throws(SQLiteFailure) -> Set<Int64>? {
        guard !f.isEmpty else { return nil }
        let (cond, binds) = Self.filterSQL(f)
        let s = try store.db.prepare("SELECT c.id FROM chunks c WHERE \(cond)")
        try s.bind(binds)
        var out = Set<Int64>()
        while try s.step() { out.insert(s.int(0)) }
        return out
    }

    /// Drops terms that most chunks contain, then the commonest terms beyond a budget of postings: FTS5 scores
    /// every row matching any OR-ed term, so cost grows with the summed document frequency. The rarest term is
    /// always kept; dropped terms still count in the vector leg.
    func pruneCommonTerms(_ terms: [String]) throws(SQLiteFailure) -> (kept: [String], dropped: [String]) {
        guard !terms.isEmpty else { return (terms, []) }
        var counts = try documentFrequencies(terms)
        // A word of four or more characters that no chunk holds is searched as a prefix (`Self.prefixMark`):
        // `thunderx2` meets OpenBLAS's `thunderx2t99`, `cortex` its `cortexa53`. The prefix's own frequency counts
        // below, so a prefix of common words (`kern`) is pruned like them.
        var terms = terms
        let unknown = terms.indices.filter { counts[$0] == 0 && terms[$0].utf8.count >= 4 }
        if !unknown.isEmpty {
            let prefixes = unknown.map { terms[$0] + Self.prefixMark }
            for (i, (prefix, df)) in zip(unknown, zip(prefixes, try documentFrequencies(prefixes))) where df > 0 {
                terms[i] = prefix
                counts[i] = df
            }
        }
        guard terms.count > 1 else { return (terms, []) }
        let total = Double(chunkCount)
        guard total >= 1000 else { return (terms, []) }
        var dfs: [(term: String, df: Int)] = []
        for (t, df) in zip(terms, counts) { dfs.append((t, df)) }
        dfs.sort { $0.df != $1.df ? $0.df < $1.df : $0.term < $1.term }
        var kept: [String] = [], dropped: [String] = []
        var postings = 0
        for (i, (t, df)) in dfs.enumerated() {
            if i > 0, Double(df) / total > 0.25 || postings + df > postingBudget { dropped.append(t); continue }
            kept.append(t)
            postings += df
        }
        let order = Dictionary(terms.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        // Dropped words are reported as the query wrote them.
        return (kept.sorted { order[$0, default: 0] < order[$1, default: 0] },
                dropped.map { $0.hasSuffix(Self.prefixMark) ? String($0.dropLast()) : $0 })
    }

    /// How many chunks contain `term` as FTS5 tokenizes it (Porter-stemmed: `one` is `on`, which the vocabulary
    /// lookup this replaced missed, keeping the commonest word of all as if it were the rarest), counted up to just
    /// past the posting budget, so a count costs at most that many postings. Past the budget a word is dropped
    /// unless it is the rarest, and only words that all exceed the budget are then told apart by name, not count.
    ///
    /// All terms are counted by one statement when the connection has kb's FTS5 functions (`kb_phrase_counts` walks
    /// each term's rows inside FTS5; a `count(*)` per term stepped SQLite's VM once per row: ~3.6 ms of a 100k-chunk
    /// query).
    func documentFrequencies(_ terms: [String]) throws(SQLiteFailure) -> [Int] {
        guard store.db.hasRankFunctions, !terms.isEmpty else { return try terms.map { t throws(SQLiteFailure) in try documentFrequency(t) } }
        let match = terms.map(Self.ftsString).joined(separator: " OR ")
        let s = try store.db.prepare("SELECT kb_phrase_counts(chunks_fts, ?) FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1")
        try s.bind([.int(Int64(postingBudget + 1)), .text(match)])
        defer { s.reset() }
        // No row matches any term: every count is 0.
        guard try s.step() else { return terms.map { _ in 0 } }
        let counts: [Int] = s.withBlob(0) { raw in
            (0..<(raw.count / 8)).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
        guard counts.count == terms.count else { return try terms.map { t throws(SQLiteFailure) in try documentFrequency(t) } }
        return counts
    }

    /// A term as an FTS5 string (one phrase of the tokens it holds; a prefix query where it ends in `prefixMark`).
    static func ftsString(_ term: String) -> String {
        if term.hasSuffix(prefixMark) { return ftsString(String(term.dropLast())) + "*" }
        return "\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Marks a BM25 term to be searched as a prefix (`pruneCommonTerms`): query words never hold it, since
    /// `Tokens.words` keeps letters, digits and underscores only.
    static let prefixMark = "*"

    /// One term's count (see `documentFrequencies`), by a `count(*)` capped at the budget.
    func documentFrequency(_ term: String) throws(SQLiteFailure) -> Int {
        let cap = postingBudget + 1
        return Int(try store.db.scalarInt(
            "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
            [.text(Self.ftsString(term)), .int(Int64(cap))]) ?? 0)
    }

    func bm25Leg(_ terms: [String], filters: QueryFilters, depth: Int) throws(SQLiteFailure) -> [(Int64, Double)] {
        guard !terms.isEmpty else { return [] }
        let match = terms.map(Self.ftsString).joined(separator: " OR ")
        let (cond, binds) = Self.filterSQL(filters)
        let w = columnWeights
        // kb_bm25 is BM25F: each column normalized by its own length (FTS5's bm25() divides by the row's total, so a
        // long body buried a match in the title or symbols), with column sizes from the vector index instead of one
        // docsize lookup per candidate row (two thirds of the leg's time at 100k chunks). FTS5's bm25() is the
        // fallback where the auxiliary functions could not be registered.
        let rank = store.db.hasRankFunctions ? "kb_bm25" : "bm25"
        let sql: String
        if cond.isEmpty {
            sql = "SELECT rowid, \(rank)(chunks_fts, \(w.title), \(w.symbols), \(w.body)) AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?"
        } else {
            sql = """
                SELECT f.rowid, \(rank)(chunks_fts, \(w.title), \(w.symbols), \(w.body)) AS s
                FROM chunks_fts f JOIN chunks c ON c.id = f.rowid
                WHERE chunks_fts MATCH ? AND \(cond) ORDER BY s LIMIT ?
                """
        }
        let s = try store.db.prepare(sql)
        try s.bind([.text(match)] + binds + [.int(Int64(depth))])
        var out: [(Int64, Double)] = []
        while try s.step() { out.append((s.int(0), -s.double(1))) }
        return out
    }

    /// Exact scan of the int8 vectors against the query's embedding. With `share`, the scan is published there as
    /// soon as it starts, so another thread can take blocks of it (`SharedVectorScan`).
    static func vectorLeg(_ text: String, index: VectorIndex, embedder: HashedEmbedder, allowed: Set<Int64>?,
                          depth: Int, share: SharedVectorScanSlot? = nil) -> [(Int64, Double)] {
        guard index.count > 0 else { return [] }
        let q = embedder.embed(embedder.words(text), df: index.df, documentCount: index.dfCount)
        let (_, q8) = HashedEmbedder.quantize(q)
        guard let scan = SharedVectorScan(query: q8, index: index) else { return [] }
        share?.publish(scan)
        scan.work()
        let scores = scan.finishedScores()
        var best: [(Int, Float)] = []
        best.reserveCapacity(depth * 2 + 1)
        var threshold: Float = -.infinity
        for i in 0..<index.count {
            let s = Float(scores[i]) * index.scales[i]
            guard s > threshold || best.count < depth, s > 0 else { continue }
            if let allowed, !allowed.contains(index.ids[i]) { continue }
            best.append((i, s))
            if best.count > depth * 2 {
                best.sort { $0.1 > $1.1 }
                best.removeLast(best.count - depth)
                threshold = best.last?.1 ?? threshold
            }
        }
        best.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        let qScale = Double(q.map { abs($0) }.max() ?? 0) / 127
        return best.prefix(depth).map { (index.ids[$0.0], Double($0.1) * qScale) }
    }

    /// Whether a query piece is a dotted name, `module.member` (`tl.dot`, `torch.matmul`, `nl.load`): identifiers of
    /// ASCII letters, digits and `_` joined by single dots.
    static func isDottedName<S: StringProtocol>(_ piece: S) -> Bool {
        let parts = piece.utf8.split(separator: 46, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, !(first >= 48 && first <= 57) else { return false }
            return part.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        }
    }

    /// Chunks that define or use the query's identifiers, definitions first, rarer identifiers weighing more; and,
    /// for a short query naming a dotted name (`tl.dot`), the chunks that use it.
    func identifierLeg(_ text: String, allowed: Set<Int64>?, depth: Int) throws(SQLiteFailure)
        -> (ranked: [(Int64, Double)], definitions: Set<Int64>, dottedUses: Set<Int64>) {
        var tokens = Set<String>()
        // Identifier-shaped tokens (underscores, digits, inner capitals) match definitions and uses. In a short,
        // identifier-like query (one or two words) any other word matches definitions only (`Xaxpy`, `softmax`);
        // in longer natural-language queries plain words are left to BM25 and the vectors.
        let pieces = text.split(whereSeparator: \.isWhitespace)
        // A dotted name in a short query is looked up whole, definitions and uses (a library primitive such as
        // `tl.dot` has no definition in the corpus; its uses are what is asked for), and its parts are not looked up
        // as definitions of their own (`dot` is not `tl.dot`).
        let dotted = pieces.count <= 2 ? Set(pieces.filter { Self.isDottedName($0) }.map { $0.lowercased() }) : []
        let dottedParts = Set(dotted.flatMap { $0.split(separator: ".").map(String.init) })
        let words = Tokens.identifiers(in: text).filter { !dottedParts.contains($0.lowercased()) }
        var definitionOnly = Set<String>()
        var promotable = Set<String>()
        for name in dotted { tokens.insert(name); promotable.insert(name) }
        for id in words {
            if Tokens.isDistinctive(id) { tokens.insert(id.lowercased()); promotable.insert(id.lowercased()) }
            else if words.count <= 2, id.count >= 3, !Self.stopwords.contains(id.lowercased()) {
                tokens.insert(id.lowercased()); definitionOnly.insert(id.lowercased())
                if pieces.count == 1 { promotable.insert(id.lowercased()) }
            }
        }
        // Whole whitespace-separated pieces too, for ids with other punctuation (`tr-layernorm-0007`).
        if pieces.count <= 2 {
            for p in pieces where p.count >= 3 && p.contains(where: { !$0.isLetter && !$0.isNumber && $0 != "_" })
                && !dotted.contains(p.lowercased()) {
                let lower = p.lowercased()
                tokens.insert(lower); definitionOnly.insert(lower); promotable.insert(lower)
            }
        }
        guard !tokens.isEmpty else { return ([], [], []) }
        var definitions = Set<Int64>()
        var dottedUses = Set<Int64>()
        let total = Double(max(1, chunkCount))
        var scores: [Int64: Double] = [:]
        for token in tokens.sorted() {
            // A distinctive identifier with no definition of its own is looked for behind a namespace prefix too
            // (`vaddq_f32` is defined as `simde_vaddq_f32` in a portability library).
            let rows = try identifierRows(token, definitionsOnly: definitionOnly.contains(token),
                                          prefixed: !definitionOnly.contains(token) && !dotted.contains(token))
            guard !rows.isEmpty else { continue }
            let idf = log((total + 1) / Double(rows.count)) + 1
            for (id, defines, count) in rows {
                if let allowed, !allowed.contains(id) { continue }
                if defines, promotable.contains(token) { definitions.insert(id) }
                if !defines, dotted.contains(token) { dottedUses.insert(id) }
                scores[id, default: 0] += idf * (defines ? 10 : 1 + log(Double(count)))
            }
        }
        let ranked = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(depth).map { ($0.key, $0.value) }
        return (ranked, definitions, dottedUses)
    }

    /// Most chunks one identifier's uses are read from, in id order (the leg keeps `depth` of them, and its fusion
    /// weight is 0: it adds candidates and shows where an identifier is used; definitions are found separately).
    static let identifierCandidateLimit = 300

    /// The chunks that define `token` (their symbol is it, or it qualifies their symbol as `token::member`, ignoring
    /// ASCII case) and, unless `definitionsOnly`, the chunks whose text uses it as a whole identifier, with its count
    /// there. With `prefixed`, when no chunk defines `token` itself, chunks defining it behind a namespace prefix
    /// (`isPrefixedDefinition`) or as a class member (`isMemberDefinition`) count as its definitions.
    ///
    /// Definitions come from the exact-identifier index in the vector file (`SymbolKeys`: hashed names, binary
    /// search), each candidate checked against its stored symbol; with a file of an earlier format, from FTS5
    /// (`ftsDefinitions`). Uses need no table of their own: FTS5 already holds every token's positions, so the lookup
    /// asks it for the token's pieces as a phrase (`_mm512_fmadd_ps` is the phrase `mm512 fmadd ps` to the tokenizer)
    /// and then checks the exact spelling in the candidates.
    func identifierRows(_ token: String, definitionsOnly: Bool, prefixed: Bool = false) throws(SQLiteFailure)
        -> [(Int64, Bool, Int64)] {
        guard let phrase = Self.ftsPhrase(token) else { return [] }
        var rows: [(Int64, Bool, Int64)] = []
        var seen = Set<Int64>()
        if let index = vectorIndex, index.symbolKeys != nil {
            // The exact-identifier index names the candidates; each is checked against its stored symbol.
            let symbolQuery = try store.db.prepare("SELECT symbol FROM chunks WHERE id = ?")
            func definitions(keyed kinds: [SymbolKeys.Kind], _ accept: (String) -> Bool) throws(SQLiteFailure) {
                let candidates = Set(kinds.flatMap { index.rows(keyed: SymbolKeys.key($0, token: token)) })
                for row in candidates.sorted() where row < index.count {
                    let id = index.ids[row]
                    try symbolQuery.bind([.int(id)])
                    defer { symbolQuery.reset() }
                    guard try symbolQuery.step(), let symbol = symbolQuery.optionalText(0)?.lowercased(), accept(symbol),
                          seen.insert(id).inserted else { continue }
                    rows.append((id, true, 1))
                }
            }
            try definitions(keyed: [.exact, .scope]) { Self.isDefinition($0, of: token) }
            if rows.isEmpty, prefixed {
                try definitions(keyed: [.prefixed, .member]) { Self.isPrefixedDefinition($0, of: token) || Self.isMemberDefinition($0, of: token) }
            }
        } else {
            try ftsDefinitions(token, phrase: phrase, prefixed: prefixed, rows: &rows, seen: &seen)
        }
        guard !definitionsOnly else { return rows }
        let tokenBytes = Array(token.utf8)
        let usesQuery = try store.db.prepare("""
            SELECT c.id, c.body FROM chunks c WHERE c.id IN
                (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT \(Self.identifierCandidateLimit))
            """)
        try usesQuery.bind([.text("body : \(phrase)")])
        while try usesQuery.step() {
            let id = usesQuery.int(0)
            guard !seen.contains(id) else { continue }
            let count = usesQuery.withText(1) { Self.identifierCount(tokenBytes, in: $0) }
            if count > 0 { rows.append((id, false, Int64(count))) }
        }
        return rows
    }

    /// `identifierRows`' definitions without an exact-identifier index (a vector file of an earlier format): FTS5 names
    /// the candidates, an initial-token query on the `symbols` column (which starts with the chunk's symbol), or any
    /// place in it for prefixed and member definitions.
    private func ftsDefinitions(_ token: String, phrase: String, prefixed: Bool, rows: inout [(Int64, Bool, Int64)],
                                seen: inout Set<Int64>) throws(SQLiteFailure) {
        let definitionsQuery = try store.db.prepare("""
            SELECT c.id, c.symbol FROM chunks c WHERE c.id IN (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?) LIMIT 5000
            """)
        try definitionsQuery.bind([.text("symbols : ^ \(phrase)")])
        while try definitionsQuery.step() {
            guard let symbol = definitionsQuery.optionalText(1)?.lowercased(), Self.isDefinition(symbol, of: token) else { continue }
            let id = definitionsQuery.int(0)
            seen.insert(id)
            rows.append((id, true, 1))
        }
        if rows.isEmpty, prefixed {
            let prefixedQuery = try store.db.prepare("""
                SELECT c.id, c.symbol FROM chunks c WHERE c.id IN (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?) LIMIT 5000
                """)
            try prefixedQuery.bind([.text("symbols : \(phrase)")])
            while try prefixedQuery.step() {
                guard let symbol = prefixedQuery.optionalText(1)?.lowercased(),
                      Self.isPrefixedDefinition(symbol, of: token) || Self.isMemberDefinition(symbol, of: token) else { continue }
                let id = prefixedQuery.int(0)
                seen.insert(id)
                rows.append((id, true, 1))
            }
        }
    }

    /// Whether `symbol` defines `token`, both lower-case: it is the token, or the token qualifies it as `token::member`
    /// (a class's methods define the class: a class body is chunked by its methods and members).
    static func isDefinition(_ symbol: String, of token: String) -> Bool {
        symbol == token || (symbol.hasPrefix(token) && symbol.utf8.dropFirst(token.utf8.count).starts(with: "::".utf8))
    }

    /// Whether `symbol` is `token` behind a namespace prefix, both lower-case: one word of letters and digits joined to
    /// the token by an underscore (`simde_vaddq_f32` for `vaddq_f32`, `simde_mm_add_ps` for `_mm_add_ps`); not a
    /// longer word (`xvaddq_f32`) or a longer name (`test_simde_vaddq_f32`). Tokens under 6 bytes never match, nor
    /// do tokens of one word: `avx512` or `float16` name no function behind a prefix (`mish_avx512` is `mish` for
    /// AVX-512, and promoting it buried the layer norm kernels of `layernorm avx512` under activations).
    static func isPrefixedDefinition(_ symbol: String, of token: String) -> Bool {
        let s = Array(symbol.utf8), t = Array(token.utf8)
        guard let first = t.first, t.count >= 6, t.dropFirst().contains(95), s.count > t.count,
              s.suffix(t.count).elementsEqual(t) else { return false }
        let prefix = s.prefix(s.count - t.count)
        // One word, then the underscore (the token's own, or the prefix's last byte).
        let word = first == 95 ? prefix[...] : (prefix.last == 95 ? prefix.dropLast() : [])
        return !word.isEmpty && word.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
    }

    /// Whether `symbol` is a class member named `token`, both lower-case: `attention::correction_rescale` (C++) or
    /// `attention.correction_rescale` (Python) for `correction_rescale`.
    static func isMemberDefinition(_ symbol: String, of token: String) -> Bool {
        let s = symbol.utf8, t = token.utf8
        guard s.count > t.count + 1, s.suffix(t.count).elementsEqual(t) else { return false }
        let before = s.dropLast(t.count)
        return before.last == UInt8(ascii: ".") || (before.last == UInt8(ascii: ":") && before.dropLast().last == UInt8(ascii: ":"))
    }

    /// The FTS5 phrase of a token: its runs of letters and digits, quoted (nil when it has none).
    static func ftsPhrase(_ token: String) -> String? {
        let pieces = token.split { !($0.isLetter || $0.isNumber) }
        guard !pieces.isEmpty else { return nil }
        return "\"" + pieces.joined(separator: " ") + "\""
    }

    /// How often `token` (lower-case) occurs in `text` as a whole identifier, ignoring ASCII case.
    static func identifierCount(_ token: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> Int {
        @inline(__always) func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
        @inline(__always) func isIdentifierByte(_ c: UInt8) -> Bool {
            (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95
        }
        let n = token.count
        guard let first = token.first, text.count >= n else { return 0 }
        var count = 0
        var i = 0
        while i <= text.count - n {
            if lower(text[i]) == first, i == 0 || !isIdentifierByte(text[i - 1]) {
                var k = 1
                while k < n, lower(text[i + k]) == token[k] { k += 1 }
                if k == n, i + n == text.count || !isIdentifierByte(text[i + n]) {
                    count += 1
                    i += n
                    continue
                }
            }
            i += 1
        }
        return count
    }
}

