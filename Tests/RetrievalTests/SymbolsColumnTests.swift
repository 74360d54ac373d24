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

    @Test("abbreviated sub-words of a symbol are spelled out", arguments: [
        ("silu_and_mul_kernel", ["multiply"]), ("rms_norm_f32", ["normalization"]), ("flash_attn_ext", ["attention"]),
        ("topk_stage1", ["top", "k"]), ("cumsum_blelloch", ["cumulative", "sum"]), ("softmax_rows", []),
        ("convdw3x3s1_neon", ["convolution", "depthwise"]), ("interp_bilinear", ["interpolation"]),
        ("swizzle_bytes", ["shuffle", "permute"]), ("hsum_ps", ["horizontal", "sum"]), ("tile_madd", []),
    ])
    func abbreviations(symbol: String, spelled: [String]) {
        let chunk = Chunk(kind: .kernel, language: "c", backend: nil, symbol: symbol, title: symbol, startLine: 1, endLine: 9,
                          text: "", metadata: ChunkMetadata())
        let words = Set(IngestService.symbolsColumn(chunk, fileWords: "").split(separator: " ").map(String.init))
        for w in spelled { #expect(words.contains(w), "\(symbol): \(words)") }
        let numberWords = Tokens.subwords(of: Substring(symbol)).flatMap(Tokens.numberSplit)
        #expect(words.subtracting(Tokens.subwords(of: Substring(symbol))).subtracting([symbol]).subtracting(numberWords)
                == Set(spelled))
    }

    @Test("sub-words joined through numbers are split where a word meets a number", arguments: [
        ("float2int8", ["float", "2", "int8"]), ("transpose8x8", ["transpose", "8x8"]), ("exp256", ["exp", "256"]),
        ("avx512", ["avx", "512"]), ("conv3x3s1", ["conv", "3x3s1"]), ("pack16to8", ["pack", "16", "to8"]),
        ("int8", []), ("uint16", []), ("im2col", []), ("mm512", []), ("bf16", []), ("f32", []), ("softmax", []), ("2d", []), ("", []),
    ])
    func numberSplits(word: String, parts: [String]) {
        #expect(Tokens.numberSplit(word) == parts)
    }

    @Test("`quantize float to int8` meets `float2int8_avx`, whose name joins the words through a number")
    func numberJoinedNamesFound() {
        let chunk = Chunk(kind: .kernel, language: "c", backend: "c-simd", symbol: "float2int8_avx", title: "float2int8_avx",
                          startLine: 1, endLine: 9, text: "", metadata: ChunkMetadata())
        let words = IngestService.symbolsColumn(chunk, fileWords: "").split(separator: " ").map(String.init)
        #expect(words.contains("float") && words.contains("int8") && words.contains("float2int8"))
    }

    @Test("a BLAS routine behind its precision letter is spelled bare", arguments: [
        ("xswap", "swap"), ("Xgemv", "gemv"), ("dgemm", "gemm"), ("sgemm", "gemm"), ("zherk", "herk"), ("isamax", "amax"),
        ("ixamax", "amax"), ("xnrm2", "nrm2"), ("hgemm", "gemm"), ("cdotc", "dotc"), ("sbgemm", "gemm"), ("sbdot", "dot"),
    ])
    func blasRoutines(word: String, routine: String) {
        #expect(IngestService.blasRoutine(word) == routine)
    }

    @Test("a BLAS name says what it computes and in which precision; a bare name only where it is no common word",
          arguments: [
              ("zgemm", "gemm general matrix multiply complex double precision"),
              ("idamax", "amax index of maximum absolute value double precision"),
              ("iamax", "amax index of maximum absolute value"), ("nrm2", "euclidean norm"),
              ("gemv", "general matrix vector multiply"), ("sbgemm", "gemm general matrix multiply bf16 bfloat16 precision"),
              ("Xswap", "swap swap vectors"), ("daxpyv", "axpy scaled vector addition double precision"),
              ("dotv", "dot dot product"), ("amaxv", "amax index of maximum absolute value"),
              ("damax", "amax maximum absolute value double precision"), ("amax", "maximum absolute value"),
          ])
    func blasWords(word: String, words: String) {
        #expect(IngestService.blasWords(word) == words)
    }

    @Test("common words are no bare BLAS names", arguments: ["dot", "copy", "sum", "max", "swap", "rot", "kernel", "sbx", "setv",
                                                          "gemv2"])
    func notBLASWords(word: String) {
        #expect(IngestService.blasWords(word) == nil)
    }

    @Test("a math function's name says what it computes, with SLEEF's prefixes and precision suffixes", arguments: [
        ("xtanhf", "tanh hyperbolic tangent single precision float"), ("expf", "exp exponential single precision float"),
        ("log1pl", "log1p logarithm of one plus x long double precision"), ("xsqrtq", "sqrt square root quad precision"),
        ("sind4", "sin sine double precision"), ("expf16", "exp exponential single precision float"),
        ("xlog", "log natural logarithm"), ("vgather", "gather"), ("vfma", "fma fused multiply add"),
        ("xaddq", "add addition quad precision"), ("tanh", "hyperbolic tangent"), ("Exp", "exponential"),
        ("atan2f", "atan2 arc tangent of y over x single precision float"), ("vfmaq", "fma fused multiply add"),
        ("exp2f4", "exp2 base 2 exponential single precision float"), ("log1pd4", "log1p logarithm of one plus x double precision"),
        ("sinq1", "sin sine quad precision"), ("vmull", "mul multiplication"), ("vaddl", "add addition"),
    ])
    func mathWords(word: String, words: String) {
        #expect(MathNames.words(word) == words)
    }

    @Test("common words, NEON's q and other names are no math names", arguments: [
        "log", "round", "floor", "self", "half", "cosd", "xor", "vsqrtq2", "leaf", "exponent", "vset", "softmax", "x",
    ])
    func notMathWords(word: String) {
        #expect(MathNames.words(word) == nil)
    }

    @Test("SLEEF's accuracy suffixes are ulp bounds; type widths are not", arguments: [
        ("u1", true), ("u05", true), ("u10", true), ("u3500", true), ("u10avx2", true), ("U35", true),
        ("u8", false), ("u16", false), ("u32", false), ("u64", false), ("u128", false), ("u", false), ("uint", false),
        ("f32", false),
    ])
    func ulpSuffixes(word: String, ulp: Bool) {
        #expect(MathNames.isULPSuffix(word) == ulp)
    }

    @Test("SLEEF's functions carry their math in words, and their accuracy suffix as an ulp bound")
    func sleefSymbols() {
        let text = "EXPORT CONST vdouble xsin_u1(vdouble d) {\n  vdouble u = vmul_vd_vd_vd(d, d);\n  return u;\n}\n"
        let chunk = CodeChunker().chunk(SourceText(source: "/r/src/libm/sleefsimddp.c", displayPath: "src/libm/sleefsimddp.c",
                                                   format: .c, text: text)).chunks[0]
        let column = IngestService.symbolsColumn(chunk, fileWords: IngestService.fileWords("src/libm/sleefsimddp.c"))
        #expect(column.contains("sin sine"))
        #expect(column.contains("ulp error bound"))
        let plain = CodeChunker().chunk(SourceText(source: "/r/a.c", displayPath: "a.c", format: .c,
                                                   text: "int run_u1(int n) {\n  return n + 1;\n}\n")).chunks[0]
        #expect(!IngestService.symbolsColumn(plain, fileWords: "a").contains("ulp"))
    }

    @Test("a file named for a BLAS routine says what the routine computes")
    func blasFileWords() {
        #expect(IngestService.fileWords("kernel/x86_64/dgemv_t_microk_haswell-4.c")
            == "dgemv t microk haswell-4 gemv general matrix vector multiply double precision transposed micro kernel intel haswell avx2 fma")
        #expect(IngestService.fileWords("kernel/x86_64/symv_L_sse.S") == "symv l sse symmetric matrix vector multiply lower")
        // Not `not transposed`: its `transposed` would match the transposed kernel's query alike.
        #expect(IngestService.fileWords("kernel/x86_64/dgemv_n_microk_haswell-4.c").contains("nontransposed")
            && !IngestService.fileWords("kernel/x86_64/dgemv_n_microk_haswell-4.c").contains(" transposed"))
        #expect(IngestService.fileWords("kernel/arm64/dgemm_kernel_8x4_thunderx2t99.S")
            == "dgemm kernel 8x4 thunderx2t99 gemm general matrix multiply double precision marvell cavium thunderx2 neon")
        #expect(IngestService.fileWords("kernels/c/layernorm_avx512.c") == "layernorm avx512")
        // `spr` first is the BLAS routine; last, Sapphire Rapids.
        #expect(!IngestService.fileWords("driver/level2/spr_k.c").contains("sapphire"))
        #expect(IngestService.fileWords("kernel/x86_64/sbgemm_kernel_16x16_spr.c").contains("intel sapphire rapids"))
        // Abbreviations are spelled out as in a symbol.
        #expect(IngestService.fileWords("src/conv_dw.cpp") == "conv dw convolution depthwise")
        #expect(IngestService.fileWords("kernel/arm64/dgemm_ncopy_8.S")
            == "dgemm ncopy 8 gemm general matrix multiply double precision pack copy")
    }

    @Test("CPUs named in file names are spelled out", arguments: [
        ("skx", "intel skylake x avx512"), ("cortexa53", "arm cortex a53"), ("cortexx1", "arm cortex x1"),
        ("neoversen2", "arm neoverse n2 sve2"), ("spr", "intel sapphire rapids avx512 amx bf16"),
    ])
    func cpuNames(piece: String, words: String) {
        #expect(CPUNames.words(for: Substring(piece)) == words)
    }

    @Test("words that are no CPU names are left alone", arguments: ["cortex", "cortexa", "cortexab", "x86", "sse", "kernel", "ab"])
    func notCPUNames(piece: String) {
        #expect(CPUNames.words(for: Substring(piece)) == nil)
    }

    @Test("words that only look like BLAS names are left alone", arguments: [
        "swap", "gemm", "xyz", "sum", "s", "", "ssum2", "bgemm", "idot", "x", "isa", "axpy",
    ])
    func notBLASRoutines(word: String) {
        #expect(IngestService.blasRoutine(word) == nil)
    }

    @Test("`swap two vectors` finds CLBlast's Xswap kernel, whose text never says swap")
    func blasNamesFound() throws {
        let dir = temporaryFolder()
        write(dir + "/repo/kernels/xswap.opencl", """
            __kernel void Xswap(const int n, __global float* xgm, __global float* ygm) {
              for (int id = get_global_id(0); id < n; id += get_global_size(0)) {
                float t = xgm[id]; xgm[id] = ygm[id]; ygm[id] = t;
              }
            }
            """)
        // Other routines, so that `swap` is a rare word and the others common ones.
        for name in ["Xscal", "Xcopy", "Xasum", "Xdot"] {
            write(dir + "/repo/kernels/\(name.lowercased()).opencl", """
                // Two vectors in, one out.
                __kernel void \(name)(const int n, __global float* xgm, __global float* ygm) {
                  for (int id = get_global_id(0); id < n; id += get_global_size(0)) { ygm[id] += xgm[id]; }
                }
                """)
        }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "swap two vectors", mode: .bm25)).hits
        #expect(hits.first?.symbol == "Xswap", "\(hits.map(\.symbol))")
    }

    @Test("a query in words finds a name in code: `multiply` finds silu_and_mul, whose text never says it")
    func wordsFindAbbreviations() throws {
        let dir = temporaryFolder()
        write(dir + "/repo/fused/silu_and_mul.py", """
            import triton
            import triton.language as tl

            @triton.jit
            def silu_and_mul_kernel(x, y, out, n, BLOCK: tl.constexpr):
                i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
                a = tl.load(x + i, mask=i < n)
                tl.store(out + i, a * tl.sigmoid(a) * tl.load(y + i, mask=i < n), mask=i < n)
            """)
        write(dir + "/repo/notes.md", "# Gated units\n\nA gated activation scales one half of a projection by another.\n")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "multiply", mode: .bm25)).hits
        #expect(hits.first?.symbol == "silu_and_mul_kernel")
    }
}

@Suite("Ranking for kernel libraries' naming: prefixes of unknown words, parts of one routine")
struct KernelLibraryRankingTests {
    /// A store of `files` (path under a fresh folder → text), ingested.
    static func store(_ files: [String: String]) throws -> KnowledgeStore {
        let dir = temporaryFolder()
        for (path, text) in files { write(dir + "/repo/" + path, text) }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        return store
    }

    @Test("a word no chunk holds is searched as a prefix: `thunderx2` meets `dgemm_kernel_8x4_thunderx2t99.S`")
    func unknownWordsArePrefixes() throws {
        let store = try Self.store([
            "arm64/dgemm_kernel_8x4_thunderx2t99.S": "\tPROLOGUE\n\tfmla v0.2d, v8.2d, v16.d[0]\n\tret\n",
            "arm64/dgemm_kernel_8x4.S": "\tPROLOGUE\n\tfmla v0.2d, v8.2d, v16.d[0]\n\tfmla v1.2d, v9.2d, v16.d[0]\n\tret\n",
        ])
        let result = try QueryService(store: store).search(SearchQuery(text: "thunderx2 dgemm kernel", mode: .bm25))
        #expect(result.hits.first?.path.hasSuffix("dgemm_kernel_8x4_thunderx2t99.S") == true, "\(result.hits.map(\.path))")
        #expect(QueryService.ftsString("thunderx2" + QueryService.prefixMark) == "\"thunderx2\"*")
        #expect(QueryService.ftsString("a\"b") == "\"a\"\"b\"")
    }

    @Test("only a title ending in ` (part k/n)` with numbers names a part", arguments: [
        ("gemm (part 3/20)", "gemm"), ("a (part x) (part 1/2)", "a (part x)"), ("Notes (part of the C/C++ API)", nil),
        ("gemm (part 3/)", nil), ("gemm (part 3/20) x", nil), ("gemm", nil),
    ] as [(String, String?)])
    func partTitles(title: String, base: String?) {
        #expect(KnowledgeStore.splitDefinitionTitle(title) == base)
    }

    @Test("a BLAS name in the query also asks for its routine: `daxpy` finds `axpy.S`, built for every precision")
    func queryBLASNamesAskForTheRoutine() throws {
        let store = try Self.store([
            "arm64/axpy.S": "\tPROLOGUE\n\tfmla v2.2d, v0.2d, v1.2d\n\tret\n",
            "arm64/scal.S": "\tPROLOGUE\n\tfmul v2.2d, v0.2d, v1.2d\n\tret\n",
        ])
        let result = try QueryService(store: store).search(SearchQuery(text: "daxpy", mode: .bm25))
        #expect(result.hits.first?.path.hasSuffix("axpy.S") == true, "\(result.hits.map(\.path))")
        #expect(result.terms.contains("axpy"))
    }

    @Test("the parts of one long routine give way to another file's answer")
    func repeatedPartsGiveWay() throws {
        let dir = temporaryFolder()
        let body = (0..<400).map { "    acc[\($0 % 8)] += a[i + \($0)] * b[i + \($0)]; /* tile step */" }.joined(separator: "\n")
        write(dir + "/repo/gemm_tile_long.c", "void gemm_tile_long(float *acc, const float *a, const float *b, int i) {\n\(body)\n}\n")
        write(dir + "/repo/gemm_tile_short.c", """
            /* One gemm tile step, the short way. */
            void gemm_tile_short(float *acc, const float *a, const float *b, int n) {
                for (int i = 0; i < n; i++) acc[i % 8] += a[i] * b[i];
            }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let service = QueryService(store: store)
        let query = SearchQuery(text: "gemm tile long step", limit: 3, mode: .hybrid)
        service.repeatedPartFactor = 1
        let flooded = try service.search(query).hits.map(\.path)
        #expect(flooded.allSatisfy { $0.hasSuffix("gemm_tile_long.c") }, "\(flooded)")
        service.repeatedPartFactor = 0.5
        let hits = try service.search(query).hits
        #expect(hits.first?.path.hasSuffix("gemm_tile_long.c") == true)
        #expect(hits.contains { $0.path.hasSuffix("gemm_tile_short.c") }, "\(hits.map(\.title))")
    }
}
