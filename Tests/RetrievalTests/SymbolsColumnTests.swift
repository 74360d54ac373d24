import Corpus
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
