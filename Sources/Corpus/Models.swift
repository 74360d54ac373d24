import Foundation

/// What a chunk is: a kernel (code), documentation, or a recorded optimization trace.
public enum ContentKind: String, Sendable, Codable, CaseIterable {
    case kernel, doc, trace
}

/// A file format kb knows how to read.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
    case c, cpp, opencl, cuda, triton, python, markdown, text, html, xml, jsonl
    /// Metal Shading Language (`.metal`): Apple GPU kernels.
    case metal
    /// GLSL compute shaders (`.comp`, `.glsl`), as Vulkan runs them.
    case glsl
    /// HIP C++ (`.hip`): AMD GPU kernels in CUDA's dialect, as ROCm compiles them.
    case hip
    /// Assembly (`.s`, `.S`, `.asm`): hand-written micro-kernels, as BLAS libraries ship them.
    case assembly
    /// AsciiDoc (`.adoc`, `.asciidoc`): Khronos' specifications and many libraries' references.
    case asciidoc

    /// The content kind this format produces.
    public var kind: ContentKind {
        switch self {
        case .c, .cpp, .opencl, .cuda, .hip, .triton, .python, .metal, .glsl, .assembly: .kernel
        case .markdown, .text, .html, .xml, .asciidoc: .doc
        case .jsonl: .trace
        }
    }

    /// The format implied by a file name's extension, or nil when kb does not read such files.
    public static func fromPath(_ path: String) -> DocumentFormat? {
        // The last non-empty `/` component, found on the UTF-8 bytes (splitting the whole path into components was
        // ~9,000 instructions a file of the walk).
        let utf8 = path.utf8
        var end = utf8.endIndex
        while end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "/") { end = utf8.index(before: end) }
        let start = utf8[..<end].lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
        let name = end > start ? Substring(path[start..<end]) : Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "c", "h": return .c
        case "cc", "cpp", "cxx", "hpp", "hh", "hxx", "inl": return .cpp
        case "cl", "opencl", "clc": return .opencl
        case "cu", "cuh": return .cuda
        case "hip": return .hip
        case "metal": return .metal
        case "comp", "glsl": return .glsl
        case "s", "asm": return .assembly
        case "py": return .python
        case "md", "markdown", "mdown": return .markdown
        case "adoc", "asciidoc": return .asciidoc
        case "txt", "text", "rst": return .text
        case "html", "htm", "xhtml": return .html
        case "xml": return .xml
        case "jsonl", "ndjson": return .jsonl
        default: return nil
        }
    }

    /// The format implied by an HTTP Content-Type header, if it names one kb reads.
    public static func fromContentType(_ contentType: String) -> DocumentFormat? {
        let mime = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch mime {
        case "text/html", "application/xhtml+xml": return .html
        case "text/markdown", "text/x-markdown": return .markdown
        case "application/xml", "text/xml": return .xml
        case "text/plain": return .text
        case "application/x-ndjson", "application/jsonl", "application/x-jsonlines": return .jsonl
        case "text/x-c", "text/x-csrc", "text/x-chdr": return .c
        default: return nil
        }
    }
}

/// Numeric and categorical fields of an optimization trace record, kept as columns for filtering.
public struct TraceFields: Sendable, Hashable, Codable {
    /// The task the attempt targeted (e.g. `layernorm`).
    public var task: String
    /// The backend (`c-simd`, `opencl`, ...).
    public var backend: String
    /// The outcome (`accepted`, `rejected`, `compile_error`, `timeout`, ...).
    public var outcome: String
    /// The verification stage that decided the outcome, if recorded.
    public var stage: String?
    /// Median kernel time in milliseconds.
    public var medianMs: Double?
    /// 10th percentile kernel time in milliseconds.
    public var p10Ms: Double?
    /// 90th percentile kernel time in milliseconds.
    public var p90Ms: Double?
    /// Baseline time in milliseconds.
    public var baselineMs: Double?
    /// Speed-of-light time in milliseconds.
    public var solMs: Double?
    /// Speedup over the baseline.
    public var speedup: Double?
    /// Fraction of the speed of light reached (T_sol / T_k).
    public var solFraction: Double?
    /// SOL-ExecBench score S.
    public var solScore: Double?
    /// Threads used.
    public var threads: Int?

    /// Creates trace fields.
    public init(task: String, backend: String, outcome: String, stage: String? = nil, medianMs: Double? = nil,
                baselineMs: Double? = nil, solMs: Double? = nil, speedup: Double? = nil, solFraction: Double? = nil,
                solScore: Double? = nil, threads: Int? = nil) {
        self.task = task; self.backend = backend; self.outcome = outcome; self.stage = stage
        self.medianMs = medianMs; self.baselineMs = baselineMs; self.solMs = solMs; self.speedup = speedup
        self.solFraction = solFraction; self.solScore = solScore; self.threads = threads
    }
}

/// Metadata extracted for one chunk.
public struct ChunkMetadata: Sendable, Hashable, Codable {
    /// Declaration qualifiers such as `__kernel`, `__global__`, `static`, `@triton.jit`.
    public var qualifiers: [String] = []
    /// SIMD intrinsics and vector builtins used, in first-use order.
    public var intrinsics: [String] = []
    /// Instruction sets inferred from the intrinsics (`sse`, `avx2`, `avx512`, `neon`, `sve`, `lsx`, `lasx`, `msa`, `rvv`).
    public var isa: [String] = []
    /// Programming features used: OpenCL (`local-memory`, `barrier`, `vector-types`, `atomics`, `native-math`,
    /// `subgroups`), CUDA (`shared-memory`, `warp-shuffle`), C (`openmp`, `nt-stores`, `prefetch`, `masked-tail`).
    public var features: [String] = []
    /// Operation tags (`softmax`, `layernorm`, `gemm`, ...).
    public var ops: [String] = []
    /// Headings enclosing a documentation chunk, outermost first.
    public var headingPath: [String] = []
    /// Trace columns for trace chunks.
    public var trace: TraceFields?
    /// Sub-words of the chunk's camelCase identifiers, space-joined and sorted, when the chunker computed them (kept
    /// in memory for the search index, not stored).
    public var camelWords: [String]?

    enum CodingKeys: String, CodingKey {
        case qualifiers, intrinsics, isa, features, ops, headingPath, trace
    }

    /// Creates empty metadata.
    public init() {}
}

/// One retrievable unit: a function, a kernel, a documentation section, a reference entry or a trace record.
public struct Chunk: Sendable, Hashable, Codable {
    /// What the chunk is.
    public var kind: ContentKind
    /// Language or format (`c`, `opencl`, `markdown`, ...).
    public var language: String
    /// Target backend for code (`c-simd`, `opencl`, `cuda`, `triton`), nil for docs.
    public var backend: String?
    /// The defined symbol (function, kernel, intrinsic, trace id), if any.
    public var symbol: String?
    /// A human-readable title.
    public var title: String
    /// First line (1-based) in the source.
    public var startLine: Int
    /// Last line (1-based, inclusive) in the source.
    public var endLine: Int
    /// The chunk's text.
    public var text: String
    /// Extracted metadata.
    public var metadata: ChunkMetadata

    /// Creates a chunk.
    public init(kind: ContentKind, language: String, backend: String? = nil, symbol: String? = nil, title: String,
                startLine: Int, endLine: Int, text: String, metadata: ChunkMetadata = ChunkMetadata()) {
        self.kind = kind; self.language = language; self.backend = backend; self.symbol = symbol; self.title = title
        self.startLine = startLine; self.endLine = endLine; self.text = text; self.metadata = metadata
    }
}

/// A recoverable problem found while reading one source: reported, never thrown.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious the problem is.
    public enum Severity: String, Sendable, Codable { case warning, error }
    /// Severity.
    public var severity: Severity
    /// The file or URL concerned.
    public var source: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The field concerned (for structured records), when known.
    public var field: String?
    /// What went wrong and what to do.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity, source: String, line: Int? = nil, field: String? = nil, message: String) {
        self.severity = severity; self.source = source; self.line = line; self.field = field; self.message = message
    }

    /// `path:line: severity: [field] message`.
    public var description: String {
        var s = source
        if let line { s += ":\(line)" }
        s += ": \(severity.rawValue): "
        if let field { s += "field '\(field)': " }
        return s + message
    }
}

/// Text of one source ready to be parsed.
public struct SourceText: Sendable {
    /// Stable identity: an absolute path or a URL.
    public var source: String
    /// The path shown to users (relative to the ingest root when possible).
    public var displayPath: String
    /// The format to parse as.
    public var format: DocumentFormat
    /// The decoded UTF-8 text.
    public var text: String

    /// Creates a source text.
    public init(source: String, displayPath: String, format: DocumentFormat, text: String) {
        self.source = source; self.displayPath = displayPath; self.format = format; self.text = text
    }
}

/// The result of parsing one source: its chunks and any diagnostics.
public struct ParsedDocument: Sendable {
    /// The document's title.
    public var title: String
    /// Its chunks, in source order.
    public var chunks: [Chunk]
    /// Problems found (broken JSONL lines, recovered HTML errors, ...).
    public var diagnostics: [Diagnostic]
    /// The format the content turned out to be, when it differs from the one its path implied (a `.h` header
    /// written in C++ is `.cpp`).
    public var format: DocumentFormat?

    /// Creates a parsed document.
    public init(title: String, chunks: [Chunk], diagnostics: [Diagnostic] = [], format: DocumentFormat? = nil) {
        self.title = title; self.chunks = chunks; self.diagnostics = diagnostics; self.format = format
    }
}
