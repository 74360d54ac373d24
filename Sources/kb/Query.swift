public import ArgumentParser
import Corpus
import Retrieval

/// `kb query "fused softmax tiling"`
struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search the store with hybrid retrieval (BM25 + vectors + identifiers, fused).")

    @OptionGroup var options: StoreOptions

    @Argument(help: "What to look for: words, identifiers, intrinsic names, any text.")
    var text: [String]

    @Option(name: .customShort("k"), help: "Number of results.")
    var limit = 10

    @Option(name: .long, help: "hybrid, bm25 or vector.")
    var mode: RetrievalMode = .hybrid

    @Option(name: .long, help: "Only this kind: kernel, doc or trace.")
    var kind: ContentKind?

    @Option(name: .long, help: "Only this language (c, cpp, opencl, cuda, hip, triton, python, metal, glsl, asm, markdown, asciidoc, html, xml, text, jsonl).")
    var lang: String?

    @Option(name: .long, help: "Only this backend (c-simd, opencl, cuda, hip, triton, metal, vulkan).")
    var backend: String?

    @Option(name: .long, help: "Only this ISA (avx512, avx2, sse, neon, sve, lasx, lsx, msa, rvv, vsx, vxe, vector-ext).")
    var isa: String?

    @Option(name: .long, help: "Only this op (softmax, layernorm, rmsnorm, gemm, reduction, attention, rope, quantize, ...; docs/usage.md lists them).")
    var op: String?

    @Option(name: .long, help: "Only this file, or files under this folder, as results show paths (ggml/src/ggml-cuda).")
    var path: String?

    func validate() throws {
        if limit < 1 || limit > 1000 { throw ValidationError("-k must be between 1 and 1000") }
        if let path, path.isEmpty { throw ValidationError("--path needs a file or folder as results show it (e.g. ggml/src)") }
    }

    func run() throws {
        let query = SearchQuery(text: text.joined(separator: " "),
                                filters: QueryFilters(kind: kind, language: lang, backend: backend, isa: isa, op: op,
                                                     path: path),
                                limit: limit, mode: mode)
        let result: SearchResult
        do {
            let store = try KnowledgeStore(path: options.storePath, readOnly: true)
            result = try QueryService(store: store).search(query)
        } catch {
            throw CommandFailure(description: error.description)
        }
        if options.json {
            print(Terminal.json(result))
        } else {
            print(TextReports.search(result, color: Terminal.stdoutIsTTY), terminator: "")
        }
    }
}

extension RetrievalMode: ExpressibleByArgument {}
extension ContentKind: ExpressibleByArgument {}
