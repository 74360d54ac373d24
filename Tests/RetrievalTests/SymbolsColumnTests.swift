import Corpus
import KBTestSupport
@testable import Retrieval
import Testing

@Suite("The FTS symbols column")
struct SymbolsColumnTests {
    /// The file-name words as they were computed before (splitting the whole path for every chunk).
    static func splitting(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return Tokens.subwords(of: Substring(file.split(separator: ".").first ?? Substring(file))).joined(separator: " ")
    }

    @Test("file words match the split-based definition", arguments: [
        "corpus/kernels/c/layernorm_avx512.c", "layernormAVX512.cl", "docs/x86-intrinsics-reference.xml", "a/b/",
        "/", "///", "", ".hidden", "dir/.hidden.md", "...", "a.b.c", "https://example.org/docs/Tiling.md?x=1",
        "copy00017/kernels/opencl/softmax_online.cl", "ünï/cödé.c",
    ])
    func fileWords(path: String) {
        #expect(IngestService.fileWords(path) == Self.splitting(path))
    }
}

@Suite("The symbols column carries kb's own words for a chunk")
struct SymbolsColumnWordsTests {
    @Test("op tags and backend are searchable: `softmax cuda` finds a soft_max kernel whose text names neither")
    func opsAndBackend() throws {
        let dir = temporaryFolder()
        write(dir + "/repo/ggml-cuda/norm.cu", """
            static __global__ void soft_max_f32(const float * x, float * dst, const int ncols) {
                float max_val = -INFINITY;
                for (int col = threadIdx.x; col < ncols; col += blockDim.x) max_val = fmaxf(max_val, x[col]);
                __syncthreads();
                for (int col = threadIdx.x; col < ncols; col += blockDim.x) dst[col] = expf(x[col] - max_val);
            }
            """)
        write(dir + "/repo/notes.md", "# Notes\n\nA kernel launch needs a grid and a block size; see the vendor's guide.\n")
        var meta = ChunkMetadata()
        meta.ops = ["softmax"]
        let chunk = Chunk(kind: .kernel, language: "cuda", backend: "cuda", symbol: "soft_max_f32", title: "soft_max_f32",
                          startLine: 1, endLine: 6, text: "", metadata: meta)
        let words = IngestService.symbolsColumn(chunk, fileWords: "norm").split(separator: " ")
        #expect(words.contains("softmax") && words.contains("cuda"))
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "softmax cuda", mode: .bm25)).hits
        #expect(hits.first?.symbol == "soft_max_f32")
    }
}
