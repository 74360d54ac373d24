import Corpus
import Foundation
import KBTestSupport
@testable import Retrieval
import Testing


/// Writes `count` small unrelated C files into `folder`, so that BM25's idf gives the words of a test's own files
/// weight (in a store of three chunks, every word is common).
func writeUnrelatedCode(into folder: String, count: Int) {
    for i in 1...count {
        write(folder + "/other\(i).c", "// Copies row \(i).\nvoid copy_row_\(i)(float *d, const float *s, int n) { for (int i = 0; i < n; i++) d[i] = s[i]; }\n")
    }
}

/// A small corpus: two kernels, a doc, a trace file.
func makeCorpus(_ dir: String) {
    write(dir + "/kernels/softmax.c", """
        /* Online softmax with AVX-512: one pass for max and sum, a second to normalize. */
        #include <immintrin.h>
        static inline float hmax(__m512 v) { return _mm512_reduce_max_ps(v); }

        // softmax: row-wise, numerically stable.
        void softmax(const float *x, float *y, long rows, long cols) {
            for (long r = 0; r < rows; r++) {
                __m512 m = _mm512_set1_ps(-1e30f);
                (void)hmax(m);
            }
        }
        """)
    write(dir + "/kernels/transpose.cl", """
        // kb-launch: kernel=transpose global=ceil(cols,16),ceil(rows,16) local=16,16
        __kernel void transpose(__global const float *a, __global float *b, int rows, int cols) {
            __local float tile[16][17];
            tile[get_local_id(1)][get_local_id(0)] = a[0];
            barrier(CLK_LOCAL_MEM_FENCE);
            b[0] = tile[get_local_id(0)][get_local_id(1)];
        }
        """)
    write(dir + "/docs/numerics.md", """
        # Stable numerics

        ## Welford's algorithm

        Welford's update computes mean and variance in one pass without catastrophic cancellation.

        ## Log-sum-exp

        Subtract the running maximum before exponentiating.
        """)
    write(dir + "/traces/t.jsonl", """
        {"id":"tr-1","task":"layernorm","backend":"c-simd","outcome":"accepted","timings":{"median_ms":4.1},"speedup":6.3}
        {"id":"tr-2","task":"softmax","backend":"opencl","outcome":"rejected","message":"NaN on large offsets"}
        """)
}

/// The sample corpus plus twelve small docs: enough files for many batches when batches are small.
func makeCorpusWithExtraDocs(_ root: String) {
    makeCorpus(root)
    for i in 0..<12 { write(root + "/docs/extra\(i).md", "# Extra \(i)\n\n## Tiling \(i)\n\nBlocking for L\(i % 3 + 1) cache reuse.\n") }
}

/// The small corpus ingested into a fresh store at `dir/kb.sqlite` (the corpus at `dir/c`).
func ingestedSampleStore(_ dir: String) throws -> KnowledgeStore {
    makeCorpus(dir + "/c")
    let store = try KnowledgeStore(path: dir + "/kb.sqlite")
    _ = try IngestService(store: store).ingest([dir + "/c"])
    return store
}

@Suite("Store and ingest", .serialized)
struct StoreTests {
    @Test("ingest then query: hybrid finds kernels, docs and traces, with provenance")
    func roundTrip() throws {
        let dir = temporaryFolder()
        makeCorpus(dir + "/c")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: store).ingest([dir + "/c"])
        #expect(report.added == 4)
        #expect(report.failed == 0)
        #expect(report.chunks == 2 + 1 + 2 + 2)
        let q = QueryService(store: store)
        let welford = try q.search(SearchQuery(text: "variance in one pass"))
        #expect(welford.hits.first?.title == "Welford's algorithm")
        #expect(welford.hits.first?.path == "c/docs/numerics.md")
        #expect(welford.hits.first?.startLine == 3)
        #expect(welford.hits.first?.snippet.contains { $0.highlighted } == true)
        let ident = try q.search(SearchQuery(text: "_mm512_reduce_max_ps"))
        #expect(ident.hits.first?.symbol == "hmax")
        #expect(ident.hits.first?.identifier?.rank == 1)
        let traces = try q.search(SearchQuery(text: "NaN large offsets", filters: QueryFilters(kind: .trace)))
        #expect(traces.hits.first?.symbol == "tr-2")
        #expect(traces.hits.allSatisfy { $0.kind == .trace })
        #expect(!welford.onlySimilar)
        let nowhere = try q.search(SearchQuery(text: "zyzzyvaquux"))
        #expect(nowhere.onlySimilar || nowhere.hits.isEmpty)
        let stats = try store.statistics()
        #expect(stats.documents == 4)
        #expect(stats.traces == 2)
    }

    @Test("a stored file that becomes empty or binary loses its chunks (skipped and counted as removed)", arguments: ["", "\u{0}\u{1}binary\u{0}"])
    func fileEmptied(content: String) throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let q = QueryService(store: store)
        #expect(try q.search(SearchQuery(text: "variance in one pass")).hits.first?.title == "Welford's algorithm")
        write(dir + "/c/docs/numerics.md", content)
        let report = try IngestService(store: store).ingest([dir + "/c"])
        #expect(report.skipped == 1 && report.removed == 1 && report.failed == 0, "\(report)")
        #expect(try store.statistics().documents == 3)
        #expect(try QueryService(store: store).search(SearchQuery(text: "Welford variance", mode: .bm25)).hits.allSatisfy { !$0.path.hasSuffix("numerics.md") })
        // Again: nothing more to remove, and the file stays skipped.
        let again = try IngestService(store: store).ingest([dir + "/c"])
        #expect(again.skipped == 1 && again.removed == 0)
    }

    @Test("a trace's numeric fields are stored as columns, as written; a value of the wrong type is left out with a warning")
    func traceColumns() throws {
        let dir = temporaryFolder()
        write(dir + "/t/runs.jsonl", """
            {"id":"a1","task":"rmsnorm","backend":"c-simd","outcome":"accepted","stage":"performance","hardware":{"threads":8},"timings":{"median_ms":1.25,"p10_ms":1.2,"p90_ms":1.5,"baseline_ms":9.5,"sol_ms":0.75},"speedup":7.6,"sol_fraction":0.6,"sol_score":0.81}
            {"id":"a2","task":"softmax","backend":"opencl","outcome":"rejected","timings":{"median_ms":"fast"}}
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: store).ingest([dir + "/t"])
        #expect(report.chunks == 2)
        #expect(report.diagnostics.contains { $0.field == "timings.median_ms" && $0.line == 2 && $0.message.contains("expected a number") }, "\(report.diagnostics)")
        let s = try store.db.prepare("""
            SELECT t.task, t.backend, t.outcome, t.stage, t.median_ms, t.p10_ms, t.p90_ms, t.baseline_ms, t.sol_ms, t.speedup,
                   t.sol_fraction, t.sol_score, t.threads
            FROM traces t JOIN chunks c ON c.id = t.chunk_id ORDER BY c.symbol
            """)
        #expect(try s.step())
        #expect([s.text(0), s.text(1), s.text(2), s.text(3)] == ["rmsnorm", "c-simd", "accepted", "performance"])
        #expect((Int32(4)...11).map { s.double($0) } == [1.25, 1.2, 1.5, 9.5, 0.75, 7.6, 0.6, 0.81])
        #expect(s.int(12) == 8)
        #expect(try s.step())
        #expect(s.text(0) == "softmax" && s.isNull(4) && s.isNull(5) && s.isNull(12))
        #expect(try s.step() == false)
        // And in the chunk's metadata, which kb show prints.
        let shown = try QueryService(store: store).search(SearchQuery(text: "rmsnorm accepted", filters: QueryFilters(kind: .trace)))
        let chunk = try store.chunk(id: try #require(shown.hits.first?.id))
        #expect(chunk.chunk.metadata.trace?.p10Ms == 1.2 && chunk.chunk.metadata.trace?.p90Ms == 1.5)
    }

    @Test("filters restrict every leg", arguments: RetrievalMode.allCases)
    func filters(mode: RetrievalMode) throws {
        let dir = temporaryFolder()
        makeCorpus(dir + "/c")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let q = QueryService(store: store)
        let ocl = try q.search(SearchQuery(text: "tile barrier softmax", filters: QueryFilters(backend: "opencl"), mode: mode))
        #expect(!ocl.hits.isEmpty)
        #expect(ocl.hits.allSatisfy { $0.backend == "opencl" })
        let avx = try q.search(SearchQuery(text: "softmax", filters: QueryFilters(isa: "avx512"), mode: mode))
        #expect(avx.hits.allSatisfy { $0.isa.contains("avx512") })
        let none = try q.search(SearchQuery(text: "softmax", filters: QueryFilters(language: "cuda"), mode: mode))
        #expect(none.hits.isEmpty)
    }

    @Test("a path filter keeps a folder's files or one file, by whole path components", arguments: RetrievalMode.allCases)
    func pathFilter(mode: RetrievalMode) throws {
        let dir = temporaryFolder()
        // Each file's text differs (a copy of a better hit's text would be folded into it).
        func kernel(_ n: Int) -> String {
            "// Row softmax with a running max, version \(n).\nvoid softmax_row(float *x, int n) { for (int i = 0; i < n; i++) x[i] = \(n); }\n"
        }
        write(dir + "/repo/gpu/softmax.c", kernel(1))
        write(dir + "/repo/gpu-extra/softmax.c", kernel(2))
        write(dir + "/repo/cpu/softmax.c", kernel(3))
        write(dir + "/repo/né/softmax.c", kernel(4))
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        func paths(_ path: String) throws -> Set<String> {
            Set(try q.search(SearchQuery(text: "softmax running max", filters: QueryFilters(path: path), mode: mode)).hits.map(\.path))
        }
        #expect(try paths("repo/gpu") == ["repo/gpu/softmax.c"])
        #expect(try paths("./repo/gpu/") == ["repo/gpu/softmax.c"])
        #expect(try paths("repo/gpu-extra/softmax.c") == ["repo/gpu-extra/softmax.c"])
        #expect(try paths("repo/né") == ["repo/né/softmax.c"])
        #expect(try paths("repo").count == 4)
        #expect(try paths("rep").isEmpty)
        #expect(try paths("repo/gpu/soft").isEmpty)
    }

    @Test("test and benchmark files are told by their folders and names", arguments: [
        ("gems/tests/test_reduction_ops.py", true), ("ggml/tests/test-backend-ops.cpp", true), ("simde/test/x86/avx.c", true),
        ("liger/benchmark/scripts/benchmark_rope.py", true), ("hwy/contrib/sort/sort_test.cc", true),
        ("gems/ctests/test_triton_argmax.cpp", true), ("x/Tests/Foo.c", true), ("x/bench_gemm.c", true),
        ("gems/src/flag_gems/ops/argmax.py", false), ("corpus/kernels/c/softmax_avx512.c", false), ("x/testing.md", false),
        ("x/latest/attest.c", false), ("x/contest_test", true), ("docs/benchmarking.md", false),
        ("tests/kernels/softmax.c", false), ("bench/gemm.c", false), ("test_gemm.c", true),
    ])
    func testPaths(path: String, isTest: Bool) {
        #expect(QueryService.isTestOrBenchmark(path: path) == isTest)
    }

    @Test("hybrid ranks an op's implementation above the tests that repeat its name, unless tests are asked for")
    func testFilesRankedBelow() throws {
        let dir = temporaryFolder()
        write(dir + "/repo/ops/argmax.py", """
            @triton.jit
            def argmax_kernel(inp, out_index, M, N, BLOCK_N: tl.constexpr):
                # argmax: the index of the largest value, a max reduction along a dimension.
                row = tl.program_id(0)
                vals = tl.load(inp + row * N + tl.arange(0, BLOCK_N), mask=tl.arange(0, BLOCK_N) < N, other=-float("inf"))
                tl.store(out_index + row, tl.argmax(vals, axis=0))
            """)
        write(dir + "/repo/tests/test_reduction_ops.py", """
            def test_accuracy_argmax(shape, dim, dtype):
                # argmax reduction along a dimension, against torch.argmax
                ref = torch.argmax(inp, dim=dim)
                res = flag_gems.argmax(inp, dim=dim)
                assert torch.equal(ref, res)
            """)
        // Other kernels, so that BM25's IDF tells common words from rare ones.
        for op in ["relu", "add", "mul", "exp", "sqrt", "abs"] {
            write(dir + "/repo/ops/\(op).py", """
                @triton.jit
                def \(op)_kernel(x, y, N, BLOCK: tl.constexpr):
                    # elementwise \(op)
                    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
                    tl.store(y + i, tl.load(x + i, mask=i < N), mask=i < N)
                """)
        }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        func first(_ text: String) throws -> String? { try q.search(SearchQuery(text: text, limit: 2)).hits.first?.path }
        #expect(try first("argmax reduction along a dimension") == "repo/ops/argmax.py")
        #expect(try q.search(SearchQuery(text: "argmax reduction along a dimension", limit: 2)).hits.last?.supporting == .testFile)
        #expect(try first("argmax reduction along a dimension test") == "repo/tests/test_reduction_ops.py")
        q.supportingFactor = 1
        #expect(try first("argmax reduction along a dimension") == "repo/tests/test_reduction_ops.py")
    }

    @Test("scaling supporting chunks' scores from the best candidates down gives the top k that scaling all of them gives")
    func testFileScalingIsExact() throws {
        let dir = temporaryFolder()
        let ops = ["softmax", "layernorm", "rmsnorm", "argmax", "cumsum", "transpose", "gelu", "matmul"]
        for (i, op) in ops.enumerated() {
            let body = "row reduction over a tile of floats, block size \(i), \(op) along the last dimension"
            write(dir + "/repo/ops/\(op).c", "// \(op): \(body)\nvoid \(op)_kernel(float *x, int n) {\n    for (int k = 0; k < n; k++)\n"
                  + "        x[k] = (float)k;\n    x[\(i)] = 0;\n}\n")
            write(dir + "/repo/tests/test_\(op).c", "// test \(op): \(body), \(op) against a reference\nvoid check_\(op)(void) {}\n")
            write(dir + "/repo/bench/\(op)_bench.c", "// time \(op) \(body)\nvoid time_\(op)(void) {}\n")
            // A two-line wrapper: it defines a function, but is minor code.
            write(dir + "/repo/api/\(op).c", "// \(op) wrapper: \(body)\nvoid \(op)(float *x, int n) { \(op)_kernel(x, n); }\n")
            // A header that defines nothing: declarations only.
            write(dir + "/repo/include/\(op).h", "// \(op) \(op): \(body)\nvoid \(op)_kernel(float *x, int n);\n#define \(op.uppercased())_BLOCK \(i)\n")
        }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        for text in ["softmax row reduction over a tile", "tile of floats along the last dimension", "block size reduction gelu matmul"] {
            q.supportingFactor = 1
            let all = try q.search(SearchQuery(text: text, limit: 1000)).hits
            let supporting = { (h: SearchHit) in
                QueryService.isTestOrBenchmark(path: h.path) || (h.kind == .kernel && (h.symbol == nil || h.endLine - h.startLine < 3))
            }
            #expect(all.contains { $0.symbol == nil && $0.path.hasSuffix(".h") })
            #expect(all.contains { $0.symbol != nil && $0.path.hasPrefix("repo/api/") })
            let scaled = all.map { ($0.id, supporting($0) ? $0.score * 0.5 : $0.score) }
                .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
            q.supportingFactor = 0.5
            for limit in [1, 2, 3, 5, 8, 13] {
                let hits = try q.search(SearchQuery(text: text, limit: limit)).hits.map(\.id)
                #expect(hits == Array(scaled.prefix(limit)), "\(text) k=\(limit)")
            }
        }
        // The header and the wrapper repeat the op's name and its words, as the kernel does: the kernel comes first.
        let top = try q.search(SearchQuery(text: "softmax softmax row reduction over a tile", limit: 3)).hits
        #expect(top.first?.path == "repo/ops/softmax.c", "\(top.map(\.path))")
        q.supportingFactor = 1
        let unscaled = try q.search(SearchQuery(text: "softmax softmax row reduction over a tile", limit: 3)).hits
        #expect(["repo/include/softmax.h", "repo/api/softmax.c"].contains(unscaled.first?.path ?? ""), "\(unscaled.map(\.path))")
    }

    @Test("a query asks for device code when it names a GPU dialect or a shader, and not the host's side", arguments: [
        ("softmax cuda kernel", true), ("rms normalization on the gpu with cuda", true), ("rms norm metal shader", true),
        ("flash attention vulkan shaders", true), ("fused softmax triton kernel", true), ("avx2 softmax kernel", false),
        ("softmax kernel", false), ("layer normalization on the cpu", false), ("launch a cuda kernel on a stream", false),
        ("metal pipeline for softmax", false), ("host code of the opencl softmax", false), ("softmax sycl kernel", false),
    ])
    func deviceCodeQueries(text: String, asks: Bool) {
        #expect(QueryService.asksForDeviceCode(Tokens.words(in: text)) == asks)
    }

    @Test("a query asks for a kernel when it says kernel, and not the host's side", arguments: [
        ("swap two vectors kernel", true), ("gemv kernels", true), ("register blocking microkernel", true),
        ("swap two vectors", false), ("launch the swap kernel", false), ("kernel launch overhead", false),
        ("host side of the gemm kernel", false),
    ])
    func kernelQueries(text: String, asks: Bool) {
        #expect(QueryService.asksForKernel(Tokens.words(in: text)) == asks)
    }

    @Test("a loop of its own is a for, while or do outside comments and literals", arguments: [
        ("void f(int n) { for (int i = 0; i < n; i++) g(i); }", true), ("void f() { while (busy()) {} }", true),
        ("void f() { do { g(); } while (0); }", true), ("void f() { g(); }", false),
        ("void f() { // for each row\n /* while here */ g(); }", false), ("void before(int fortune, int dough) { g(); }", false),
        ("", false),
        ("int f() { if (!q) { log(\"build with NCNN_INT8 for int8 inference\"); return -1; } return 0; }", false),
        ("void f() { log(\"a \\\" quote, then for\"); }", false), ("void f() { char c = '\"'; for (;;) g(c); }", true),
        ("void f() { long n = 1'000; for (;;) g(n); }", true), ("void f() { if (c == L'\"') for (;;) g(); }", true),
        ("void f() { char d = u8'x'; for (;;) g(d); }", true), ("void f() { puts(\"unterminated\n for (;;) g();", true),
    ])
    func loops(text: String, loop: Bool) {
        #expect(MetadataExtractor.hasLoop(text) == loop)
    }

    @Test("host functions with no loop and no SIMD are glue; device code, loops and intrinsics are not")
    func glueFeature() throws {
        let dir = temporaryFolder()
        write(dir + "/repo/api.cpp", """
            int Swap(int n, float *x, float *y) {
              auto routine = Routine(n);
              routine.Run(x, y);
              return 0;
            }

            void swap_cpu(int n, float *x, float *y) {
              for (int i = 0; i < n; i++) { float t = x[i]; x[i] = y[i]; y[i] = t; }
            }

            void swap8_avx(float *x, float *y) {
              __m256 a = _mm256_loadu_ps(x), b = _mm256_loadu_ps(y);
              _mm256_storeu_ps(x, b); _mm256_storeu_ps(y, a);
            }
            """)
        write(dir + "/repo/swap.cu", """
            __global__ void swap_kernel(int n, float *x, float *y) {
              int i = blockIdx.x * blockDim.x + threadIdx.x;
              if (i < n) { float t = x[i]; x[i] = y[i]; y[i] = t; }
            }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let rows = try store.db.prepare("SELECT symbol, meta FROM chunks WHERE symbol IS NOT NULL")
        var glue: [String: Bool] = [:]
        while try rows.step() { glue[rows.text(0)] = rows.text(1).contains("\"glue\"") }
        #expect(glue == ["Swap": true, "swap_cpu": false, "swap8_avx": false, "swap_kernel": false])
    }

    @Test("a query ranks the kernel above the glue that calls it, unless it asks for the host's side")
    func kernelRankedAboveGlue() throws {
        let dir = temporaryFolder()
        // The API function's name and comment are the query's words; the kernel's text never says swap (its name does,
        // and what a BLAS swap does: `swap vectors`).
        write(dir + "/repo/src/api.cpp", """
            // Swaps two arrays: checks the arguments and runs the routine.
            int Swap(int n, float *x, float *y) {
              if (n < 0) return -1;
              auto routine = SwapRoutine(n, x, y);
              return routine.Run();
            }
            """)
        write(dir + "/repo/kernels/xswap.opencl", """
            // Exchanges x and y element by element.
            __kernel void Xswap(const int n, __global float* xgm, __global float* ygm) {
              for (int id = get_global_id(0); id < n; id += get_global_size(0)) {
                float t = xgm[id]; xgm[id] = ygm[id]; ygm[id] = t;
              }
            }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        // Without the rule (nothing scaled) the API function leads: its name is the query's word.
        q.supportingFactor = 1
        let unscaled = try q.search(SearchQuery(text: "swap two arrays kernel", limit: 2)).hits
        #expect(unscaled.first?.symbol == "Swap", "\(unscaled.map(\.symbol))")
        q.supportingFactor = 0.5
        let kernel = try q.search(SearchQuery(text: "swap two arrays kernel", limit: 2)).hits
        #expect(kernel.first?.symbol == "Xswap", "\(kernel.map(\.symbol))")
        #expect(kernel.first { $0.symbol == "Swap" }?.supporting == .glue)
        // Without the word kernel too: what the query asks for is the code that does the work.
        let plain = try q.search(SearchQuery(text: "swap two arrays", limit: 2)).hits
        #expect(plain.first { $0.symbol == "Swap" }?.supporting == .glue)
        let host = try q.search(SearchQuery(text: "swap kernel launch api", limit: 2)).hits
        #expect(host.allSatisfy { $0.supporting != .glue })
    }

    @Test("a query naming a kernel ranks the kernel above the documents about it; a question about kernels does not")
    func namedKernelRankedAboveDocuments() throws {
        let dir = temporaryFolder()
        // The API reference names the routine in its heading and repeats the query's words; the kernel is terse.
        write(dir + "/repo/doc/api.md", """
            # xGEMV: General matrix-vector multiplication

            Computes y = alpha * A * x + beta * y for a matrix A and vectors x and y: the gemv routine.
            """)
        write(dir + "/repo/kernels/xgemv.opencl", """
            // Matrix-vector multiplication: y = alpha * A * x + beta * y, one row per work-item.
            __kernel void Xgemv(const int m, const int n, const float alpha, const float beta,
                                __global const float* agm, __global const float* xgm, __global float* ygm) {
              const int row = get_global_id(0);
              float acc = 0.0f;
              for (int k = 0; k < n; ++k) { acc += agm[row * n + k] * xgm[k]; }
              ygm[row] = alpha * acc + beta * ygm[row];
            }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        q.supportingFactor = 1
        let unscaled = try q.search(SearchQuery(text: "matrix vector multiplication gemv kernel", limit: 2)).hits
        #expect(unscaled.first?.kind == .doc, "\(unscaled.map { ($0.title, $0.score) })")
        q.supportingFactor = 0.5
        let named = try q.search(SearchQuery(text: "matrix vector multiplication gemv kernel", limit: 2)).hits
        #expect(named.first?.symbol == "Xgemv", "\(named.map { ($0.title, $0.score) })")
        #expect(named.first { $0.kind == .doc }?.supporting == .document)
        for question in ["how to tune the gemv kernel for matrix vector multiplication",
                         "is a matrix vector multiplication gemv kernel memory bound", "gemv matrix vector multiplication"] {
            let hits = try q.search(SearchQuery(text: question, limit: 2)).hits
            #expect(hits.allSatisfy { $0.supporting != .document }, "\(question)")
        }
    }

    @Test("which kernel queries name a kernel to find", arguments: [
        ("dot product reduction kernel", true), ("layernorm forward cuda kernel", true), ("swap two vectors kernel", true),
        ("register blocking micro-kernel for matrix multiply", true),
        ("how to tell whether a kernel is limited by memory bandwidth", false), ("score a kernel between baseline and sol", false),
        ("tune the gemm kernel parameters", false), ("compare kernel variants statistically", false),
        ("softmax kernel launch", false), ("fused softmax tiling", false),
    ])
    func namesKernel(query: String, named: Bool) {
        #expect(QueryService.namesKernel(Tokens.words(in: query)) == named)
    }

    @Test("the backends a query names", arguments: [
        ("softmax cuda kernel", ["cuda", "hip"]), ("rms norm metal shader", ["metal"]), ("vulkan glsl softmax", ["vulkan"]),
        ("port the opencl softmax to triton", ["opencl", "triton"]), ("avx2 softmax on the cpu", ["c-simd"]), ("softmax on the gpu", []), ("fused softmax tiling", []),
        ("softmax sycl", []), ("webgpu softmax", []),
    ])
    func namedBackends(text: String, backends: [String]) {
        #expect(QueryService.namedBackends(Tokens.words(in: text)) == Set(backends))
    }

    @Test("the CPU architectures a query names through its ISAs", arguments: [
        ("softmax neon", ["arm"]), ("layernorm avx512", ["x86"]), ("max pooling 2x2 avx", ["x86"]), ("sse4 dot product", ["x86"]),
        ("gemm on aarch64 with sve", ["arm"]), ("port the x86 kernel to loongarch lsx", ["x86", "loongarch"]),
        ("msa convolution", ["mips"]), ("rvv softmax", ["riscv"]), ("fused softmax tiling", []), ("_mm256_fmadd_ps", []),
        ("softmax on risc-v", ["riscv"]), ("riscv64 gemm", ["riscv"]), ("armv8 dot product", ["arm"]),
        ("loongarch64 transpose", ["loongarch"]), ("mips64 pooling", ["mips"]), ("a risc of v", []),
        ("dgemm micro kernel haswell", ["x86"]), ("thunderx2 dgemm kernel", ["arm"]), ("skx sgemm", ["x86"]),
        ("cortexa53 sgemm 8x8", ["arm"]), ("power10 mma gemm", ["power"]), ("zen3 dot product", ["x86"]),
        ("power vsx vector helpers", ["power"]), ("altivec dot product", ["power"]), ("power of two sizes", []),
        ("square root on the ibm z vector extension", ["s390x"]), ("s390x gemm", ["s390x"]), ("z buffer", []),
        ("spr symmetric packed rank 1 update", []),
    ])
    func namedArchitectures(text: String, architectures: [String]) {
        #expect(QueryService.namedArchitectures(Tokens.words(in: text)) == Set(architectures))
    }

    @Test("a query naming an ISA ranks its architecture's SIMD code above other architectures' ports and scalar code")
    func otherArchitecturesAreSupporting() throws {
        let dir = temporaryFolder()
        // The x86 and LoongArch ports' names match the query's words as well as the NEON code's.
        write(dir + "/layer/x86/softmax_x86.cpp", """
            // Softmax of a row, eight lanes at a time.
            static void softmax_rows(float* ptr, int n) {
                __m256 m = _mm256_set1_ps(-1e30f);
                for (int i = 0; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(ptr + i));
                for (int i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(ptr + i, _mm256_sub_ps(_mm256_loadu_ps(ptr + i), m));
            }
            """)
        write(dir + "/layer/loongarch/softmax_loongarch.cpp", """
            // Softmax of a row, four lanes at a time.
            static void softmax_rows(float* ptr, int n) {
                __m128 m = (__m128)__lsx_vreplfr2vr_s(-1e30f);
                for (int i = 0; i + 4 <= n; i += 4) m = __lsx_vfmax_s(m, (__m128)__lsx_vld(ptr + i, 0));
                for (int i = 0; i + 4 <= n; i += 4) __lsx_vst(__lsx_vfsub_s((__m128)__lsx_vld(ptr + i, 0), m), ptr + i, 0);
            }
            """)
        write(dir + "/layer/arm/softmax_arm.cpp", """
            // Max-subtracted exponentials of one row of values for a numerically stable softmax.
            static void softmax(float* ptr, int elemcount) {
                float32x4_t _max = vdupq_n_f32(-1e30f);
                for (int i = 0; i + 4 <= elemcount; i += 4) _max = vmaxq_f32(_max, vld1q_f32(ptr + i));
                for (int i = 0; i + 4 <= elemcount; i += 4) vst1q_f32(ptr + i, vsubq_f32(vld1q_f32(ptr + i), _max));
            }
            """)
        write(dir + "/layer/softmax.cpp", """
            // Reference softmax of a row.
            static void softmax_rows(float* ptr, int n) {
                float m = -1e30f;
                for (int i = 0; i < n; i++) m = ptr[i] > m ? ptr[i] : m;
                for (int i = 0; i < n; i++) ptr[i] = expf(ptr[i] - m);
            }
            """)
        write(dir + "/layer/cuda/softmax_cuda.cpp", """
            // Softmax rows on the GPU.
            __global__ void softmax_rows(float* ptr, int n) {
                for (int i = threadIdx.x; i < n; i += blockDim.x) ptr[i] = expf(ptr[i]);
            }
            """)
        write(dir + "/layer/notes.md", "# Softmax rows\n\nThe x86 port of softmax rows loads with `_mm256_loadu_ps` and keeps a running max.\n")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/layer"])
        let q = QueryService(store: store)
        let hits = try q.search(SearchQuery(text: "softmax rows neon", limit: 8)).hits
        #expect(hits.first?.path.hasSuffix("arm/softmax_arm.cpp") == true, "\(hits.map { ($0.path, $0.score, $0.supporting as Any, $0.bm25?.rank as Any) })")
        #expect(hits.first { $0.path.hasSuffix("x86/softmax_x86.cpp") }?.supporting == .otherISA)
        #expect(hits.first { $0.path.hasSuffix("loongarch/softmax_loongarch.cpp") }?.supporting == .otherISA)
        // The scalar reference is no SIMD code at all.
        #expect(hits.first { $0.path.hasSuffix("layer/softmax.cpp") }?.supporting == .otherISA)
        // Docs and GPU code are no architecture's SIMD code: unaffected.
        let unaffected = hits.filter { $0.kind != .kernel || $0.backend == "cuda" }
        #expect(unaffected.count == 2 && unaffected.allSatisfy { $0.supporting != .otherISA }, "\(unaffected.map(\.path))")
        // LoongArch's `__m128` is no x86: the port is LSX only.
        #expect(hits.first { $0.path.hasSuffix("loongarch/softmax_loongarch.cpp") }?.isa == ["lsx"])
        // Naming x86 puts the AVX port first; naming no ISA demotes none of them.
        #expect(try q.search(SearchQuery(text: "softmax rows avx", limit: 8)).hits.first { $0.kind == .kernel }?.path
            .hasSuffix("x86/softmax_x86.cpp") == true)
        let plain = try q.search(SearchQuery(text: "softmax rows", limit: 8)).hits
        #expect(plain.allSatisfy { $0.supporting != .otherISA }, "\(plain.map { ($0.path, $0.supporting as Any) })")
    }

    @Test("a query naming AVX-512 sets aside the SSE and AVX2 versions of a kernel; one naming AVX keeps them")
    func avx512AskedForSetsAsideOlderX86() throws {
        let dir = temporaryFolder()
        write(dir + "/x86/asum_avx2.c", """
            // Sum of absolute values, eight lanes at a time.
            float asum_kernel(const float *x, int n) {
                __m256 acc = _mm256_setzero_ps(), mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
                for (int i = 0; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_and_ps(mask, _mm256_loadu_ps(x + i)));
                return acc[0];
            }
            """)
        write(dir + "/x86/asum_avx512.c", """
            // Sum of absolute values, sixteen lanes at a time.
            float asum_kernel(const float *x, int n) {
                __m512 acc = _mm512_setzero_ps();
                for (int i = 0; i + 16 <= n; i += 16) acc = _mm512_add_ps(acc, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
                return _mm512_reduce_add_ps(acc);
            }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/x86"])
        let q = QueryService(store: store)
        let hits = try q.search(SearchQuery(text: "sum of absolute values avx512", limit: 4)).hits
        #expect(hits.first?.path.hasSuffix("asum_avx512.c") == true, "\(hits.map(\.path))")
        #expect(hits.first { $0.path.hasSuffix("asum_avx2.c") }?.supporting == .otherISA)
        let avx = try q.search(SearchQuery(text: "sum of absolute values avx", limit: 4)).hits
        #expect(avx.count == 2 && avx.allSatisfy { $0.supporting != .otherISA }, "\(avx.map { ($0.path, $0.supporting as Any) })")
        #expect(QueryService.asksForAVX512(["asum", "avx512bw"]) && !QueryService.asksForAVX512(["avx2", "sse4"]))
        #expect(QueryService.asksForAVX512(["avx", "512", "softmax"]))
        // A CPU's name asks for its ISA as the ISA's own name does; an x86 ISA word beside it keeps the old rule.
        #expect(QueryService.askedX86Floor(["sgemm", "skx"]) == "avx512")
        #expect(QueryService.askedX86Floor(["symv", "lower", "haswell"]) == "avx2")
        #expect(QueryService.askedX86Floor(["haswell", "vs", "sse2"]) == nil)
        #expect(QueryService.askedX86Floor(["nehalem", "dot"]) == nil && QueryService.askedX86Floor(["thunderx2", "dot"]) == nil)
        #expect(QueryService.askedX86Floor(["spr", "update"]) == nil)
        let haswell = try q.search(SearchQuery(text: "sum of absolute values haswell", limit: 4)).hits
        #expect(haswell.allSatisfy { $0.supporting != .otherISA }, "\(haswell.map { ($0.path, $0.supporting as Any) })")
        #expect(!QueryService.asksForAVX512(["port", "the", "avx2", "kernel", "to", "avx512"]))
        // Portable vector-extension code is no x86 code to set aside.
        write(dir + "/more/asum_vecext.c", """
            typedef float v8sf __attribute__((vector_size(32)));
            // Sum of absolute values with vector extensions.
            float asum_vecext(const v8sf *x, int n) {
                v8sf acc = {0};
                for (int i = 0; i < n; i++) acc += x[i] * x[i];
                return acc[0];
            }
            """)
        _ = try IngestService(store: store).ingest([dir + "/more"])
        let withVecExt = try q.search(SearchQuery(text: "sum of absolute values avx512", limit: 4)).hits
        let vecext = try #require(withVecExt.first { $0.path.hasSuffix("asum_vecext.c") }, "\(withVecExt.map(\.path))")
        #expect(vecext.isa == ["vector-ext"] && vecext.supporting != .otherISA)
    }

    @Test("a query naming a CPU architecture without a GPU word sets GPU code aside, as one naming neon does")
    func architectureAsksForCPUCode() throws {
        let dir = temporaryFolder()
        write(dir + "/k/dot.cu", """
            // Dot product of two float vectors, dot product reduction per block.
            __global__ void dot_product(const float *x, const float *y, float *out, int n) {
                float s = 0; for (int i = threadIdx.x; i < n; i += blockDim.x) s += x[i] * y[i];
                atomicAdd(out, s);
            }
            """)
        write(dir + "/k/dot_power.c", """
            float dot_kernel(const float *x, const float *y, int n) {
                __vector float acc = vec_splats(0.0f);
                for (int i = 0; i + 4 <= n; i += 4) acc = vec_madd(vec_xl(0, x + i), vec_xl(0, y + i), acc);
                return acc[0] + acc[1] + acc[2] + acc[3];
            }
            """)
        writeUnrelatedCode(into: dir + "/k", count: 4)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/k"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "dot product vsx", limit: 3)).hits
        #expect(hits.first?.path.hasSuffix("dot_power.c") == true, "\(hits.map(\.path))")
        #expect(hits.first?.isa == ["vsx"])
        #expect(hits.first { $0.path.hasSuffix("dot.cu") }?.supporting == .otherBackend)
        // Asking for GPU code too, the query sets no GPU code aside.
        let gpu = try QueryService(store: store).search(SearchQuery(text: "dot product vsx or gpu kernel", limit: 3)).hits
        #expect(gpu.first { $0.path.hasSuffix("dot.cu") }?.supporting != .otherBackend, "\(gpu.map(\.path))")
    }

    @Test("the query result schema lists every supporting reason kb gives")
    func schemaListsSupportingReasons() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let data = try Data(contentsOf: root.appendingPathComponent("schemas/query-result.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hits = try #require((schema["properties"] as? [String: Any])?["hits"] as? [String: Any])
        let item = try #require((hits["items"] as? [String: Any])?["properties"] as? [String: Any])
        let listed = try #require((item["supporting"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(listed) == Set(SupportingReason.allCases.map(\.rawValue)), "\(listed)")
    }

    @Test("a query naming a CPU sets aside x86 code older than that CPU's ISA: haswell wants the AVX2 kernel, not the SSE one")
    func cpuNameSetsAsideOlderX86() throws {
        let dir = temporaryFolder()
        write(dir + "/k/dot_sse.c", """
            // Dot product, four lanes at a time.
            float dot_kernel(const float *x, const float *y, int n) {
                __m128 acc = _mm_setzero_ps();
                for (int i = 0; i + 4 <= n; i += 4) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(x + i), _mm_loadu_ps(y + i)));
                return _mm_cvtss_f32(acc);
            }
            """)
        write(dir + "/k/dot_haswell.c", """
            float dot_kernel(const float *x, const float *y, int n) {
                __m256 acc = _mm256_setzero_ps();
                for (int i = 0; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc);
                return acc[0];
            }
            """)
        writeUnrelatedCode(into: dir + "/k", count: 4)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/k"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "dot product haswell", limit: 3)).hits
        #expect(hits.first?.path.hasSuffix("dot_haswell.c") == true, "\(hits.map(\.path))")
        #expect(hits.first { $0.path.hasSuffix("dot_sse.c") }?.supporting == .otherISA)
    }

    @Test("a filter no chunk passes says so, with the values the store holds; filters that only together match nothing do not")
    func unmatchedFilters() throws {
        let dir = temporaryFolder()
        write(dir + "/k/sum_avx2.c", """
            float sum(const float *x, int n) {
                __m256 acc = _mm256_setzero_ps();
                for (int i = 0; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
                return acc[0];
            }
            """)
        write(dir + "/k/notes.md", "# Sums\n\nHow to sum a vector.\n")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/k"])
        let q = QueryService(store: store)
        let typo = try q.search(SearchQuery(text: "sum", filters: QueryFilters(isa: "avx-2", path: "nowhere"), limit: 3))
        #expect(typo.hits.isEmpty)
        #expect(typo.unmatchedFilters.count == 2, "\(typo.unmatchedFilters)")
        #expect(typo.unmatchedFilters.first?.hasPrefix("isa avx-2: no chunk has it; this store's: avx2") == true, "\(typo.unmatchedFilters)")
        #expect(TextReports.search(typo, color: false).contains("--isa avx-2: no chunk has it"))
        let together = try q.search(SearchQuery(text: "sum", filters: QueryFilters(kind: .doc, isa: "avx2"), limit: 3))
        #expect(together.hits.isEmpty && together.unmatchedFilters.isEmpty)
    }

    @Test("release notes give way to code unless the query asks about releases or changes")
    func releaseNotesSupporting() throws {
        let dir = temporaryFolder()
        write(dir + "/lib/CHANGELOG.md", """
            # Changelog

            ## 3.6 - 2024-01-02

            ### Added
            - Gather of doubles for AVX-512 targets.
            - Faster exp.
            """)
        write(dir + "/lib/src/gather_avx512.c", """
            // Gathers doubles at 32-bit indices, eight at a time.
            void gather_doubles(double *out, const double *ptr, const int *idx, int n) {
                for (int i = 0; i + 8 <= n; i += 8) {
                    __m256i vi = _mm256_loadu_si256((const __m256i *)(idx + i));
                    _mm512_storeu_pd(out + i, _mm512_i32gather_pd(vi, ptr, 8));
                }
            }
            """)
        writeUnrelatedCode(into: dir + "/lib/src", count: 4)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/lib"])
        let q = QueryService(store: store)
        let hits = try q.search(SearchQuery(text: "gather of doubles with avx-512", limit: 3)).hits
        #expect(hits.first?.path.hasSuffix("gather_avx512.c") == true, "\(hits.map(\.path))")
        #expect(hits.first { $0.path.hasSuffix("CHANGELOG.md") }?.supporting == .releaseNotes)
        let asked = try q.search(SearchQuery(text: "when was gather of doubles with avx-512 added", limit: 3)).hits
        #expect(asked.first { $0.path.hasSuffix("CHANGELOG.md") }?.supporting == nil, "\(asked.map { $0.supporting as Any })")
        #expect(QueryService.isReleaseNotes(path: "/r/NEWS") && QueryService.isReleaseNotes(path: "/r/docs/Changelog.rst"))
        #expect(!QueryService.isReleaseNotes(path: "/r/src/changes.c.orig/x.c") && !QueryService.isReleaseNotes(path: "/r/README.md"))
        #expect(!QueryService.isReleaseNotes(path: "/r/keras/callbacks/history.py") && !QueryService.isReleaseNotes(path: "/r/news.c"))
        #expect(!QueryService.asksForReleaseNotes(["add", "a", "new", "layer"]) && QueryService.asksForReleaseNotes(["what", "changed"]))
    }

    @Test("among one-line helpers, one per architecture, the ISA the query names comes first (SLEEF's helpers)")
    func minorHelpersOfAnotherISA() throws {
        let dir = temporaryFolder()
        // The other architectures' helpers say more of the query's words: without the second demotion they would lead.
        write(dir + "/arch/helpersve.h", """
            // Fused multiply add helper, like the avx2 helper: fused multiply add of doubles.
            static INLINE vdouble vfma_vd_vd_vd_vd(vdouble x, vdouble y, vdouble z) { return svmla_f64_x(ptrue, z, x, y); }
            """)
        write(dir + "/arch/helperneon.h", """
            // Fused multiply add helper, like the avx2 helper: fused multiply add of doubles.
            static INLINE vdouble vfma_vd_vd_vd_vd(vdouble x, vdouble y, vdouble z) { return vfmaq_f64(z, x, y); }
            """)
        write(dir + "/arch/helperavx2.h", """
            static INLINE vdouble vfma_vd_vd_vd_vd(vdouble x, vdouble y, vdouble z) { return _mm256_fmadd_pd(x, y, z); }
            """)
        writeUnrelatedCode(into: dir + "/arch", count: 6)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/arch"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "avx2 fused multiply add helper", limit: 3)).hits
        #expect(hits.first?.path.hasSuffix("helperavx2.h") == true, "\(hits.map(\.path))")
        #expect(hits.count == 3 && hits.allSatisfy { $0.supporting == .short }, "\(hits.map { $0.supporting as Any })")
    }

    @Test("a query for GPU code ranks the device code above the host code that launches it, unless it asks for the host")
    func deviceCodeRankedAboveHost() throws {
        let dir = temporaryFolder()
        // The launcher's name holds the op and the word kernel, the kernel's does not: plain hybrid ranking puts the
        // launcher and the CPU function first.
        write(dir + "/repo/cuda/softmax.cu", """
            // Row softmax: one block per row, a max and a sum reduction in shared memory.
            static __global__ void soft_max_f32(const float * x, float * dst, const int ncols) {
                extern __shared__ float buf[];
                const int row = blockIdx.x;
                float m = -INFINITY;
                for (int c = threadIdx.x; c < ncols; c += blockDim.x) m = fmaxf(m, x[row*ncols + c]);
                buf[threadIdx.x] = m;
                __syncthreads();
                for (int c = threadIdx.x; c < ncols; c += blockDim.x) dst[row*ncols + c] = expf(x[row*ncols + c] - buf[0]);
            }

            // Launches the softmax kernel with a block size that suits the row length.
            static void launch_soft_max_kernel(const float * x, float * dst, int ncols, int nrows, cudaStream_t stream) {
                const int block = ncols < 1024 ? 32 : 1024;
                soft_max_f32<<<nrows, block, block*sizeof(float), stream>>>(x, dst, ncols);
            }
            """)
        // Another backend's softmax kernel, whose name matches the query better than the CUDA kernel's.
        write(dir + "/repo/opencl/softmax.cl", """
            // Softmax kernel: one work-group per row.
            __kernel void softmax_kernel(__global const float * x, __global float * dst, const int ncols) {
                const int row = get_group_id(0);
                for (int c = get_local_id(0); c < ncols; c += get_local_size(0)) dst[row*ncols + c] = exp(x[row*ncols + c]);
            }
            """)
        write(dir + "/repo/cpu/softmax.c", """
            // Softmax of each row on the CPU.
            void softmax_rows(float *x, int n, int rows) {
                for (int r = 0; r < rows; r++) for (int i = 0; i < n; i++) x[r * n + i] = x[r * n + i] * 0.5f;
            }
            """)
        for op in ["relu", "add", "mul", "exp", "sqrt", "abs"] {
            write(dir + "/repo/cuda/\(op).cu", """
                // Elementwise \(op) kernel: one thread per element.
                static __global__ void \(op)_f32(const float * x, float * dst, const int k) {
                    const int i = blockDim.x*blockIdx.x + threadIdx.x;
                    if (i < k) dst[i] = x[i];
                }
                """)
        }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        func first(_ text: String) throws -> String? { try q.search(SearchQuery(text: text, limit: 3)).hits.first?.symbol }
        #expect(try first("softmax cuda kernel") == "soft_max_f32")
        let hits = try q.search(SearchQuery(text: "softmax cuda kernel", limit: 5)).hits
        #expect(hits.first { $0.symbol == "launch_soft_max_kernel" }?.supporting == .hostCode)
        #expect(hits.first { $0.symbol == "softmax_kernel" }?.supporting == .otherBackend)
        #expect(hits.first { $0.symbol == "soft_max_f32" }?.supporting == nil)
        #expect(try first("launch the softmax cuda kernel") == "launch_soft_max_kernel")
        #expect(try first("softmax opencl kernel") == "softmax_kernel")
        // CPU code is host code too: a CUDA query puts it below the CUDA kernel, a query without a GPU word does not.
        let cuda = try q.search(SearchQuery(text: "softmax kernel cuda", limit: 5)).hits.map { $0.symbol ?? "" }
        #expect(cuda.firstIndex(of: "soft_max_f32") ?? 9 < cuda.firstIndex(of: "softmax_rows") ?? 9, "\(cuda)")
        q.supportingFactor = 1
        #expect(try first("softmax cuda kernel") != "soft_max_f32")
    }

    @Test("a thin wrapper calls a namesake and has no loop of its own", arguments: [
        ("ggml_compute_forward_soft_max", "void ggml_compute_forward_soft_max(P p, T dst) {\n    switch (t) {\n"
            + "        case F32: ggml_compute_forward_soft_max_f32(p, dst); break;\n    }\n}\n", true),
        ("soft_max_f32_cuda", "static void soft_max_f32_cuda(const float *x) {\n    soft_max_f32<true, 0><<<g, b>>>(x);\n}\n", true),
        ("Runner::run", "void Runner::run() {\n    run_impl ();\n}\n", true),
        ("Runner::run", "void Runner::run() {\n    run_impl<float>(x);\n}\n", true),
        ("max_pool", "float max_pool(float a, float b) {\n    return max < b ? a : b;\n}\n", false),
        ("sum_rows", "void sum_rows(float *y) {\n    float sum[4];\n    y[0] = sum[0];\n}\n", false),
        ("k_get_rows", "void k_get_rows(int n) {\n    if (k < n) get(k);\n}\n", false),
        ("scale", "void scale(float *x) {\n    // for each row\n    /* while here */ scale_impl(x);\n}\n", true),
        ("layernorm_avx512", "void layernorm_avx512(float *x) {\n    for (int i = 0; i < n; i++) layernorm_avx512_row(x);\n}\n", false),
        ("conv2d", "void conv2d(float *x) {\n    im2col(x);\n    sgemm(x);\n}\n", false),
        ("relu", "void relu(float *x) {\n    relu(x + 1);\n}\n", false),
        ("soft_max", "// see soft_max_f32 too\nint soft_max(int x) { return x + 1; }\n", false),
        ("gemm", "void gemm(float *c) {\n    gemmx(c);\n    while (busy) {}\n    gemm_tile(c);\n}\n", false),
        ("ab", "void ab(void) { ab_c(); }\n", false),
    ])
    func thinWrappers(symbol: String, text: String, wrapper: Bool) {
        #expect(MetadataExtractor.isThinWrapper(symbol: symbol, text: text) == wrapper)
    }

    @Test("a dispatcher ranks below the implementation it calls")
    func dispatcherBelowImplementation() throws {
        let dir = temporaryFolder()
        // The dispatcher is short and names the op in its own name: plain hybrid ranking puts it first.
        write(dir + "/repo/ops.cpp", """
            static void compute_forward_rms_norm_f32(const float * x, float * y, int n) {
                float sum = 0.0f;
                for (int i = 0; i < n; i++) sum += x[i] * x[i];
                const float scale = 1.0f / sqrtf(sum / n + 1e-6f);
                for (int i = 0; i < n; i++) y[i] = x[i] * scale;
            }

            void compute_forward_rms_norm(const float * x, float * y, int n, int type) {
                switch (type) {
                    case 0: compute_forward_rms_norm_f32(x, y, n); break;
                    default: abort();
                }
            }
            """)
        for op in ["relu", "add", "mul", "exp"] {
            write(dir + "/repo/\(op).cpp", "static void compute_forward_\(op)_f32(const float * x, float * y, int n) {\n"
                  + "    for (int i = 0; i < n; i++) y[i] = x[i];\n}\n")
        }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        let hits = try q.search(SearchQuery(text: "compute forward rms norm", limit: 5)).hits
        let dispatcher = try #require(hits.first { $0.symbol == "compute_forward_rms_norm" })
        let implementation = try #require(hits.first { $0.symbol == "compute_forward_rms_norm_f32" })
        #expect(try store.chunk(id: dispatcher.id).chunk.metadata.features.contains("wrapper"))
        #expect(try !store.chunk(id: implementation.id).chunk.metadata.features.contains("wrapper"))
        func first(_ text: String) throws -> String? { try q.search(SearchQuery(text: text, limit: 3)).hits.first?.symbol }
        #expect(try first("rms norm forward") == "compute_forward_rms_norm_f32")
        #expect(try q.search(SearchQuery(text: "rms norm forward", limit: 3)).hits.first { $0.symbol == "compute_forward_rms_norm" }?
            .supporting == .wrapper)
        q.supportingFactor = 1
        #expect(try first("rms norm forward") == "compute_forward_rms_norm")
    }

    @Test("device code is told by dialect and qualifiers", arguments: [
        ("k.cl", "float twice(float x) { return 2.0f * x * x + x - 1.0f; }\n// helper\n// more\n", false),
        ("k.cu", "__device__ float twice(float x) {\n    return 2.0f * x;\n    // more\n}\n", false),
        ("k.cu", "void twice(float *x) {\n    launch(x);\n    // more\n}\n", true),
        ("k.c", "void twice(float *x) {\n    x[0] *= 2;\n    // more\n}\n", true),
        ("k.metal", "kernel void twice(device float *x) {\n    x[0] *= 2;\n    // more\n}\n", false),
        ("k.h", "#include <cuda_runtime.h>\n__global__ void twice(float *x) {\n    x[threadIdx.x] *= 2;\n}\n", false),
        ("k.py", "import triton\n\n@triton.jit\ndef twice(x_ptr):\n    x = tl.load(x_ptr)\n    tl.store(x_ptr, x * 2)\n", false),
        ("k.py", "import triton\n\n@triton.jit\ndef other(x):\n    pass\n\ndef twice(x):\n    y = x * 2\n    return y\n", true),
    ])
    func hostCodeFacts(file: String, text: String, host: Bool) throws {
        let dir = temporaryFolder()
        write(dir + "/repo/" + file, text)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let hit = try #require(try QueryService(store: store).search(SearchQuery(text: "twice", limit: 1)).hits.first)
        let facts = try store.sql { () throws(SQLiteFailure) in try store.candidateFacts(ofChunks: [hit.id]) }
        #expect(facts[hit.id]?.hostCode == host)
    }

    @Test("chunks with a better hit's exact text are folded into it, in every mode", arguments: RetrievalMode.allCases)
    func copiesFolded(mode: RetrievalMode) throws {
        let dir = temporaryFolder()
        let kernel = """
            @triton.jit
            def silu_kernel(x, y, n, BLOCK: tl.constexpr):
                # silu: x * sigmoid(x), elementwise
                i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
                v = tl.load(x + i, mask=i < n)
                tl.store(y + i, v * tl.sigmoid(v), mask=i < n)
            """
        write(dir + "/repo/ops/silu.py", "import triton\n" + kernel)
        for backend in ["_a", "_b", "_c"] { write(dir + "/repo/backend/\(backend)/ops/silu.py", "import triton\n" + kernel) }
        // The same kernel with one change is no copy.
        write(dir + "/repo/backend/_d/ops/silu.py", "import triton\n" + kernel.replacingOccurrences(of: "elementwise", with: "per element"))
        write(dir + "/repo/ops/gelu.py", "import triton\n" + kernel.replacingOccurrences(of: "silu", with: "gelu"))
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/repo"])
        let q = QueryService(store: store)
        let hits = try q.search(SearchQuery(text: "silu sigmoid elementwise", limit: 3, mode: mode)).hits
        let silu = hits.filter { $0.symbol == "silu_kernel" }
        #expect(silu.count == 2, "\(hits.map(\.path))")
        let copyCounts: [Int] = silu.map { $0.copies?.count ?? 0 }
        #expect(copyCounts.sorted() == [0, 3])
        let copyPaths: [String] = silu.flatMap { $0.copies ?? [] }
        let copyFiles = Set(copyPaths.map { String($0.prefix { $0 != ":" }) })
        #expect(copyFiles.count == 3)
        #expect(hits.map(\.rank) == Array(1...hits.count))
        let text = TextReports.search(try q.search(SearchQuery(text: "silu sigmoid elementwise", limit: 3, mode: mode)), color: false)
        #expect(text.contains("identical text also at: "))
        q.foldCopies = false
        let unfolded = try q.search(SearchQuery(text: "silu sigmoid elementwise", limit: 3, mode: mode)).hits
        let unfoldedSymbols: [String] = unfolded.map { $0.symbol ?? "" }
        #expect(unfoldedSymbols == ["silu_kernel", "silu_kernel", "silu_kernel"])
        #expect(unfolded.allSatisfy { $0.copies == nil })
    }

    @Test("a copy whose display path is the hit's own (one folder ingested from two places) is named by its source")
    func copiesFromTwoPlacesNamedBySource() throws {
        let dir = temporaryFolder()
        let kernel = "// scales a row by its inverse norm\nvoid l2_normalize_row(float *x, int n) {\n  float s = 0;\n  for (int i = 0; i < n; i++) s += x[i] * x[i];\n  for (int i = 0; i < n; i++) x[i] /= s;\n}\n"
        for place in ["one", "two", "three"] { write(dir + "/\(place)/corpus/norm.c", kernel) }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/one/corpus", dir + "/two/corpus", dir + "/three/corpus"])
        let hits = try QueryService(store: store).search(SearchQuery(text: "l2 normalize row", limit: 3)).hits
        let hit = try #require(hits.first)
        #expect(hit.path == "corpus/norm.c")
        let copies = hit.copies ?? []
        #expect(copies.count == 2)
        #expect(Set(copies).count == 2, "\(copies)")
        #expect(copies.allSatisfy { $0.hasPrefix(dir) && $0.hasSuffix("/corpus/norm.c:1-6") }, "\(copies)")
        #expect(!copies.contains { $0.hasPrefix(hit.source) })
    }

    @Test("hostile query text never reaches FTS5 syntax", arguments: [
        "\"unbalanced", "softmax AND (", "NEAR(a b)", "-softmax", "col:softmax", "a OR OR b", "\u{0}softmax",
        "ソフトマックス softmax", "'; DROP TABLE chunks; --", "^softmax", "softmax*", "{title}: x",
    ])
    func hostileQueries(text: String) throws {
        let dir = temporaryFolder()
        makeCorpus(dir + "/c")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let result = try QueryService(store: store).search(SearchQuery(text: text))
        if text.lowercased().contains("softmax") { #expect(!result.hits.isEmpty) }
        #expect(try store.statistics().chunks == 7)
    }

    @Test("a query without words is a clear error", arguments: ["", "   ", "!!! ??? ***", "()", "*", "(((("])
    func emptyQueries(text: String) throws {
        let dir = temporaryFolder()
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        #expect(throws: RetrievalError.self) { try QueryService(store: store).search(SearchQuery(text: text)) }
    }

    @Test("re-ingest is idempotent; a changed file is replaced; --prune drops deleted files")
    func incremental() throws {
        let dir = temporaryFolder()
        makeCorpus(dir + "/c")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let service = IngestService(store: store)
        _ = try service.ingest([dir + "/c"])
        let again = try service.ingest([dir + "/c"])
        #expect(again.unchanged == 4)
        #expect(again.added + again.updated == 0)
        #expect(try store.statistics().chunks == 7)

        write(dir + "/c/docs/numerics.md", "# Stable numerics\n\n## Kahan summation\n\nCompensated summation.\n")
        let changed = try service.ingest([dir + "/c"])
        #expect(changed.updated == 1)
        let q = QueryService(store: store)
        #expect(try q.search(SearchQuery(text: "Welford", mode: .bm25)).hits.isEmpty)
        #expect(try q.search(SearchQuery(text: "compensated summation")).hits.first?.title == "Kahan summation")

        try FileManager.default.removeItem(atPath: dir + "/c/kernels/transpose.cl")
        let kept = try service.ingest([dir + "/c"])
        #expect(kept.removed == 0)
        #expect(try store.statistics().documents == 4)
        var pruneOptions = IngestOptions()
        pruneOptions.prune = true
        let pruned = try IngestService(store: store, options: pruneOptions).ingest([dir + "/c"])
        #expect(pruned.removed == 1)
        #expect(try store.statistics().documents == 3)
        #expect(try q.search(SearchQuery(text: "transpose tile", filters: QueryFilters(backend: "opencl"))).hits.isEmpty)
    }

    @Test("bad files are reported and the rest is ingested")
    func badFiles() throws {
        let dir = temporaryFolder()
        makeCorpus(dir + "/c")
        write(dir + "/c/docs/empty.md", "")
        #expect(FileManager.default.createFile(atPath: dir + "/c/kernels/blob.c", contents: Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1])))
        #expect(FileManager.default.createFile(atPath: dir + "/c/docs/latin1.md", contents: Data([UInt8](repeating: 0xE9, count: 64))))
        write(dir + "/c/docs/broken.xml", "<a><b></a>")
        write(dir + "/c/traces/bad.jsonl", "{\"id\":\"ok\",\"task\":\"t\",\"backend\":\"b\",\"outcome\":\"accepted\"}\n{broken\n")
        write(dir + "/c/docs/huge.md", String(repeating: "word ", count: 3000))
        var options = IngestOptions()
        options.maxFileSize = 10_000
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        let report = try IngestService(store: store, options: options).ingest([dir + "/c"])
        #expect(report.added == 5)  // the 4 good files and bad.jsonl, whose good line is kept
        #expect(report.skipped == 2)  // empty, binary
        #expect(report.failed == 3)   // latin1, broken xml, huge
        let messages = report.diagnostics.map(\.description).joined(separator: "\n")
        #expect(messages.contains("docs/broken.xml:1: error: malformed"))
        #expect(messages.contains("traces/bad.jsonl:2: error"))
        #expect(messages.contains("c/docs/huge.md: error: 15000 bytes exceeds the 10000-byte limit"))
        #expect(messages.contains("docs/latin1.md:1: error: not valid UTF-8"))
        #expect(try store.statistics().traces == 3)
    }
}

@Suite("Store failures", .serialized)
struct StoreFailureTests {
    @Test("a full disk (store size cap) fails the batch cleanly and keeps what was stored")
    func diskFull() throws {
        let dir = temporaryFolder()
        makeCorpus(dir + "/small")
        let path = dir + "/kb.sqlite"
        do {
            let store = try KnowledgeStore(path: path)
            _ = try IngestService(store: store).ingest([dir + "/small"])
        }
        let before = try KnowledgeStore(path: path).statistics()
        for i in 0..<40 { write(dir + "/big/doc\(i).md", "# Doc \(i)\n\n" + String(repeating: "payload\(i) text words ", count: 4000)) }
        let capped = try KnowledgeStore(path: path, maxBytes: before.storeBytes + 256 * 1024)
        #expect(throws: RetrievalError.diskFull(path: path)) { try IngestService(store: capped).ingest([dir + "/big"]) }
        // Batches committed before the disk filled stay; the failing batch leaves nothing half-written.
        let after = try KnowledgeStore(path: path).statistics()
        #expect(after.documents >= before.documents)
        #expect(after.documents < before.documents + 40)
        let hits = try QueryService(store: KnowledgeStore(path: path)).search(SearchQuery(text: "Welford"))
        #expect(!hits.hits.isEmpty)
        // With space again, a re-run completes the rest.
        let uncapped = try KnowledgeStore(path: path)
        let rerun = try IngestService(store: uncapped).ingest([dir + "/big"])
        #expect(rerun.failed == 0)
        #expect(rerun.added + rerun.unchanged == 40)
        #expect(try uncapped.statistics().documents == before.documents + 40)
    }

    @Test("a file that is not a kb store is refused without being modified")
    func notAStore() throws {
        let dir = temporaryFolder()
        write(dir + "/notes.sqlite", "hello, this is not a database at all, just text padding it out" + String(repeating: ".", count: 200))
        let original = FileManager.default.contents(atPath: dir + "/notes.sqlite")
        #expect(throws: RetrievalError.self) { try KnowledgeStore(path: dir + "/notes.sqlite") }
        #expect(FileManager.default.contents(atPath: dir + "/notes.sqlite") == original)
    }

    @Test("a store from a newer kb is refused")
    func newerSchema() throws {
        let dir = temporaryFolder()
        let path = dir + "/kb.sqlite"
        _ = try KnowledgeStore(path: path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3; c = sqlite3.connect('\(path)'); c.execute('PRAGMA user_version=99'); c.commit()"]
        try p.run()
        p.waitUntilExit()
        #expect(throws: RetrievalError.schemaTooNew(path: path, found: 99, supported: KnowledgeStore.schemaVersion)) { try KnowledgeStore(path: path) }
    }

    @Test("a store location that cannot be written is a clear error")
    func unwritable() throws {
        let path = "/proc/kb-test/kb.sqlite"
        do {
            _ = try KnowledgeStore(path: path)
            Issue.record("opening a store under /proc should fail")
        } catch {
            #expect(error.description.contains(path))
            #expect(error.description.contains("--store"))
        }
    }

    @Test("querying a store that does not exist says to ingest first")
    func missingStore() {
        #expect(throws: RetrievalError.self) { try KnowledgeStore(path: "/nonexistent-kb/kb.sqlite", readOnly: true) }
    }
}

@Suite("Vector file", .serialized)
struct VectorFileTests {
    @Test("a damaged, stale or foreign vector file is ignored and rebuilt; results do not change")
    func derivedCache() throws {
        let dir = temporaryFolder()
        let path = dir + "/kb.sqlite"
        let store = try ingestedSampleStore(dir)
        #expect(FileManager.default.fileExists(atPath: store.vectorFilePath))
        let query = SearchQuery(text: "online softmax maximum", mode: .vector)
        let reference = try QueryService(store: store).search(query).hits.map(\.id)
        #expect(!reference.isEmpty)

        write(store.vectorFilePath, "garbage")
        #expect(try QueryService(store: store).search(query).hits.map(\.id) == reference)
        #expect((try FileManager.default.attributesOfItem(atPath: store.vectorFilePath)[.size] as? Int ?? 0) > 100)

        // A new store at the same path must not pick up the old store's vector file.
        let saved = try Data(contentsOf: URL(fileURLWithPath: store.vectorFilePath))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let fresh = try KnowledgeStore(path: path)
        try saved.write(to: URL(fileURLWithPath: fresh.vectorFilePath))
        write(dir + "/d/other.md", "# Other\n\nNothing about the first corpus.\n")
        _ = try IngestService(store: fresh).ingest([dir + "/d"])
        try saved.write(to: URL(fileURLWithPath: fresh.vectorFilePath))  // stale file from the deleted store
        let hits = try QueryService(store: fresh).search(SearchQuery(text: "softmax other corpus", mode: .vector)).hits
        #expect(hits.allSatisfy { $0.path == "d/other.md" })
    }
}

@Suite("Pipelined ingest")
struct PipelineTests {
    @Test("one file per batch stores the same chunks and answers the same queries as one batch")
    func batchSizes() throws {
        let dir = temporaryFolder()
        makeCorpusWithExtraDocs(dir + "/c")
        var small = IngestOptions()
        small.batchBytes = 1
        let a = try KnowledgeStore(path: dir + "/a.sqlite")
        let b = try KnowledgeStore(path: dir + "/b.sqlite")
        let ra = try IngestService(store: a, options: small).ingest([dir + "/c"])
        let rb = try IngestService(store: b).ingest([dir + "/c"])
        #expect(ra.added == rb.added)
        #expect(ra.chunks == rb.chunks)
        #expect(try a.statistics().chunks == b.statistics().chunks)
        for text in ["cache reuse blocking", "Welford variance", "_mm512_reduce_max_ps"] {
            let ha = try QueryService(store: a).search(SearchQuery(text: text, mode: .bm25)).hits.map(\.title)
            let hb = try QueryService(store: b).search(SearchQuery(text: text, mode: .bm25)).hits.map(\.title)
            #expect(ha == hb)
            #expect(!ha.isEmpty)
        }
        #expect(try !QueryService(store: a).search(SearchQuery(text: "cache reuse", mode: .vector)).hits.isEmpty)
    }
}
