import Corpus
import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

@Suite("Exact identifier lookup")
struct IdentifierLookupTests {
    @Test("whole identifiers are counted, ignoring ASCII case; longer identifiers and prose do not count", arguments: [
        ("_mm512_fmadd_ps(a, b, c) + _MM512_FMADD_PS(d, e, f)", 2),
        ("_mm512_fmadd_ps_mask(a) x_mm512_fmadd_ps(b) _mm512_fmadd_pss", 0),
        ("mm512 fmadd ps: the words, not the identifier", 0),
        ("_mm512_fmadd_ps", 1),
        ("(_mm512_fmadd_ps)", 1),
        ("", 0),
    ])
    func counting(text: String, expected: Int) {
        let token = Array("_mm512_fmadd_ps".utf8)
        var text = text
        let count = text.withUTF8 { QueryService.identifierCount(token, in: $0) }
        #expect(count == expected)
    }

    @Test("an identifier becomes the FTS5 phrase of its letter-and-digit runs")
    func phrases() {
        #expect(QueryService.ftsPhrase("_mm512_fmadd_ps") == "\"mm512 fmadd ps\"")
        #expect(QueryService.ftsPhrase("tr-layernorm-0007") == "\"tr layernorm 0007\"")
        #expect(QueryService.ftsPhrase("___") == nil)
    }

    @Test("definitions come first; uses need the exact identifier; prose with the same words is no use")
    func definitionsAndUses() throws {
        let dir = temporaryFolder()
        write(dir + "/c/a.c", """
            // Defines the helper.
            static inline float hsum_avx(float x) { return x; }

            void caller(float *y) { y[0] = hsum_avx(y[0]) + hsum_avx(y[1]); }

            void lookalike(float *y) { y[0] = hsum_avx2(y[0]); }
            """)
        write(dir + "/c/notes.md", "# Notes\n\nThe hsum avx trick: add halves, then hsum avx again.\n")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let result = try QueryService(store: store).search(SearchQuery(text: "hsum_avx"))
        let withIdentifier = result.hits.filter { $0.identifier != nil }
        #expect(withIdentifier.map(\.symbol) == ["hsum_avx", "caller"])
        #expect(result.hits.first?.symbol == "hsum_avx")
        let none = try QueryService(store: store).search(SearchQuery(text: "hsum_avx512"))
        #expect(none.hits.allSatisfy { $0.identifier == nil })
    }

    @Test("a dotted name is a name: dotted, with identifier parts", arguments: [
        ("tl.dot", true), ("torch.nn.functional", true), ("nl.load_tile", true), ("tl.", false), (".dot", false),
        ("tl..dot", false), ("e.g.", false), ("3.14", false), ("x.2d", false), ("softmax", false), ("tr-layernorm.x", false),
    ])
    func dottedNames(piece: String, dotted: Bool) {
        #expect(QueryService.isDottedName(piece) == dotted)
    }

    @Test("a dotted name's query puts its uses first, not look-alike words or definitions of its last part")
    func dottedNameUses() throws {
        let dir = temporaryFolder()
        write(dir + "/k/kernels.py", """
            import triton
            import triton.language as tl


            @triton.jit
            def rowwise_kernel(x_ptr, y_ptr, n):
                # dot product of a row with itself: tl.sum, not a matrix product
                tl.store(y_ptr, tl.sum(tl.load(x_ptr) * tl.load(x_ptr)))
                dot = tl.load(x_ptr) + tl.load(y_ptr) + tl.load(x_ptr + 1) + tl.load(y_ptr + 1)
                tl.store(y_ptr, dot)


            @triton.jit
            def tile_kernel(a_ptr, b_ptr, c_ptr):
                acc = tl.dot(tl.load(a_ptr), tl.load(b_ptr))
                tl.store(c_ptr, acc)


            def dot(a, b):
                return sum(x * y for x, y in zip(a, b))
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/k"])
        let result = try QueryService(store: store).search(SearchQuery(text: "tl.dot"))
        #expect(result.hits.first?.symbol == "tile_kernel")
        #expect(result.hits.first?.identifier != nil)
        // The plain word still finds the function named `dot` first.
        let plain = try QueryService(store: store).search(SearchQuery(text: "dot"))
        #expect(plain.hits.first?.symbol == "dot")
    }

    @Test("a namespace prefix is one word joined by an underscore", arguments: [
        ("simde_vaddq_f32", "vaddq_f32", true), ("simde_mm_add_ps", "_mm_add_ps", true), ("ggml_vec_dot_f16", "vec_dot_f16", true),
        ("xvaddq_f32", "vaddq_f32", false), ("test_simde_vaddq_f32", "vaddq_f32", false),
        ("simde_x_mm_add_ps", "_mm_add_ps", false), ("simde__mm_add_ps", "_mm_add_ps", false), ("vaddq_f32", "vaddq_f32", false),
        ("_vaddq_f32", "vaddq_f32", false), ("simde_f32", "_f32", false), ("simde_vaddq_f64", "vaddq_f32", false),
        ("mish_avx512", "avx512", false), ("simde_float16", "float16", false),
    ])
    func namespacePrefixes(symbol: String, token: String, prefixed: Bool) {
        #expect(QueryService.isPrefixedDefinition(symbol, of: token) == prefixed)
    }

    @Test("a class name finds the class's own methods first, not the specializations that mention it most")
    func classDefinitions() throws {
        let dir = temporaryFolder()
        write(dir + "/cute/arch.hpp", """
            // One warp-wide MMA instruction.
            struct SM80_16x8x8_F16_TN
            {
              using DRegisters = uint32_t[2];
              static void fma(uint32_t& d0, uint32_t const& a0) { d0 = a0; }
            };
            """)
        write(dir + "/cute/traits.hpp", """
            template <class Op> struct MMA_Traits;

            template <>
            struct MMA_Traits<SM80_16x8x8_F16_TN>
            {
              using Shape_MNK = Shape<_16, _8, _8>;
              using Op = SM80_16x8x8_F16_TN;  // SM80_16x8x8_F16_TN, SM80_16x8x8_F16_TN again
              int count;
            };
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/cute"])
        let result = try QueryService(store: store).search(SearchQuery(text: "SM80_16x8x8_F16_TN"))
        #expect(result.hits.first?.symbol == "SM80_16x8x8_F16_TN::fma")
        // Exactly the class's method defines it; a shorter name that is only its prefix is defined by nothing.
        let service = QueryService(store: store)
        #expect(try service.identifierRows("sm80_16x8x8_f16_tn", definitionsOnly: false).filter(\.1).count == 1)
        #expect(try service.identifierRows("sm80_16x8x8_f16", definitionsOnly: false).allSatisfy { !$0.1 })
    }

    @Test("a member's name is defined by Class::member and Class.member symbols", arguments: [
        ("attention::correction_rescale", "correction_rescale", true), ("attention.correction_rescale", "correction_rescale", true),
        ("a::b::correction_rescale", "correction_rescale", true), ("attention:correction_rescale", "correction_rescale", false),
        ("xcorrection_rescale", "correction_rescale", false), ("correction_rescale", "correction_rescale", false),
        (".correction_rescale", "correction_rescale", false),
    ])
    func memberNames(symbol: String, token: String, member: Bool) {
        #expect(QueryService.isMemberDefinition(symbol, of: token) == member)
    }

    @Test("a method's name finds the method first, not the code calling it most")
    func methodDefinitions() throws {
        let dir = temporaryFolder()
        var text = "class Attention:\n    \"\"\"FMHA.\"\"\"\n\n    def correction_rescale(self, acc, scale):\n        return acc * scale\n"
        for i in 0..<160 { text += "\n    def step_\(i)(self, acc):\n        return self.correction_rescale(acc, \(i))\n" }
        text += "\n\ndef run(a):\n    a.correction_rescale(1, 2)\n    a.correction_rescale(3, 4)\n    return a.correction_rescale(5, 6)\n"
        write(dir + "/k/fmha.py", text)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/k"])
        let service = QueryService(store: store)
        let result = try service.search(SearchQuery(text: "correction_rescale"))
        #expect(result.hits.first?.symbol == "Attention.correction_rescale")
        // It is found as the definition, and only it.
        let definitions = try service.identifierRows("correction_rescale", definitionsOnly: false, prefixed: true).filter(\.1)
        let symbols = try service.storedChunks(definitions.map(\.0)).values.compactMap(\.chunk.symbol)
        #expect(symbols == ["Attention.correction_rescale"])
    }

    @Test("an identifier defined only behind a namespace prefix finds that definition first; its own definition wins")
    func prefixedDefinitions() throws {
        let dir = temporaryFolder()
        write(dir + "/lib/add.h", """
            /* Portable vaddq_f32: four lanes added. */
            static inline simde_float32x4_t simde_vaddq_f32(simde_float32x4_t a, simde_float32x4_t b) { return a + b; }

            /* Adds pairs of lanes of vaddq_f32 results, calling vaddq_f32 and vaddq_f32 again. */
            static inline simde_float32x4_t pairwise(simde_float32x4_t a) {
                return simde_vaddq_f32(simde_vaddq_f32(a, a), simde_vaddq_f32(a, a));
            }

            static inline void test_simde_vaddq_f32(void) { pairwise(simde_vaddq_f32(x, x)); }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/lib"])
        let result = try QueryService(store: store).search(SearchQuery(text: "vaddq_f32"))
        #expect(result.hits.first?.symbol == "simde_vaddq_f32")
        #expect(result.hits.first?.identifier != nil)
        // With a definition of its own, that one comes first.
        write(dir + "/lib/neon.h", "static inline float32x4_t vaddq_f32(float32x4_t a, float32x4_t b) { return a + b; }\n")
        _ = try IngestService(store: store).ingest([dir + "/lib"])
        let own = try QueryService(store: store).search(SearchQuery(text: "vaddq_f32"))
        #expect(own.hits.first?.symbol == "vaddq_f32")
    }

    @Test("an ISA word in a two-word query promotes no function named after it (`layernorm avx512`)")
    func isaWordsPromoteNothing() throws {
        let dir = temporaryFolder()
        var activations = ""
        for name in ["mish", "swish", "elu", "tanh", "gelu", "prelu"] {
            activations += "static inline __m512 \(name)_avx512(__m512 x) { return _mm512_max_ps(x, _mm512_setzero_ps()); }\n\n"
        }
        write(dir + "/x86/activation.h", activations)
        write(dir + "/x86/layernorm_x86.cpp", """
            static void layernorm(float* ptr, const float* gamma, const float* beta, float eps, int n) {
                __m512 sum = _mm512_setzero_ps();
                for (int i = 0; i + 16 <= n; i += 16) sum = _mm512_add_ps(sum, _mm512_loadu_ps(ptr + i));
                float mean = _mm512_reduce_add_ps(sum) / n;
                __m512 var = _mm512_setzero_ps();
                for (int i = 0; i + 16 <= n; i += 16) {
                    __m512 d = _mm512_sub_ps(_mm512_loadu_ps(ptr + i), _mm512_set1_ps(mean));
                    var = _mm512_fmadd_ps(d, d, var);
                }
                float inv = 1.f / sqrtf(_mm512_reduce_add_ps(var) / n + eps);
                for (int i = 0; i + 16 <= n; i += 16) {
                    __m512 x = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(ptr + i), _mm512_set1_ps(mean)), _mm512_set1_ps(inv));
                    _mm512_storeu_ps(ptr + i, _mm512_fmadd_ps(x, _mm512_loadu_ps(gamma + i), _mm512_loadu_ps(beta + i)));
                }
            }
            """)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/x86"])
        let service = QueryService(store: store)
        #expect(try service.search(SearchQuery(text: "layernorm avx512")).hits.first?.symbol == "layernorm")
        #expect(try service.identifierRows("avx512", definitionsOnly: false, prefixed: true).filter(\.1).isEmpty)
    }
}

@Suite("Query term pruning")
struct TermPruningTests {
    @Test("a symbol is keyed under each name a definition rule could accept", arguments: [
        ("Softmax_F32", [SymbolKeys.Kind.exact: ["softmax_f32"], .prefixed: ["_f32"].filter { $0.count >= 6 }]),
        ("simde_vaddq_f32", [.exact: ["simde_vaddq_f32"], .prefixed: ["_vaddq_f32", "vaddq_f32"]]),
        ("TiledCopy::get_slice", [.exact: ["tiledcopy::get_slice"], .scope: ["tiledcopy"], .member: ["get_slice"]]),
        ("a::b::c", [.exact: ["a::b::c"], .scope: ["a", "a::b"], .member: ["b::c", "c"]]),
        ("Attention.forward", [.exact: ["attention.forward"], .member: ["forward"]]),
        ("ggml_vec_dot_f16", [.exact: ["ggml_vec_dot_f16"], .prefixed: ["_vec_dot_f16", "vec_dot_f16"]]),
        ("x_abc", [.exact: ["x_abc"]]),
    ])
    func symbolKeys(symbol: String, expected: [SymbolKeys.Kind: [String]]) {
        let keys = Set(SymbolKeys.keys(ofSymbol: symbol))
        let wanted = Set(expected.flatMap { kind, names in names.map { SymbolKeys.key(kind, token: $0) } })
        #expect(keys == wanted)
        #expect(SymbolKeys.keys(ofSymbol: "").isEmpty)
    }

    @Test("the keyed table finds each row under each of its keys, and nothing under others")
    func symbolTable() {
        let symbols: [String?] = ["softmax", nil, "Softmax", "simde_softmax_f32", "Attention::softmax", "layernorm"]
        let table = SymbolKeys.table(symbols)
        #expect(table == table.sorted())
        table.withUnsafeBufferPointer { t in
            #expect(SymbolKeys.rows(t, key: SymbolKeys.key(.exact, token: "softmax")) == [0, 2])
            #expect(SymbolKeys.rows(t, key: SymbolKeys.key(.prefixed, token: "softmax_f32")) == [3])
            #expect(SymbolKeys.rows(t, key: SymbolKeys.key(.member, token: "softmax")) == [4])
            #expect(SymbolKeys.rows(t, key: SymbolKeys.key(.scope, token: "attention")) == [4])
            #expect(SymbolKeys.rows(t, key: SymbolKeys.key(.exact, token: "gemm")).isEmpty)
        }
        #expect([UInt64]().withUnsafeBufferPointer { SymbolKeys.rows($0, key: 7) }.isEmpty)
    }

    @Test("definitions found through the exact-identifier index are those FTS5 finds without it")
    func indexMatchesFTS() throws {
        let dir = temporaryFolder()
        write(dir + "/c/a.c", """
            static inline float hsum_avx(float x) { return x; }
            void simde_vaddq_f32(float *y) { y[0] += 1.0f; }
            void caller(float *y) { y[0] = hsum_avx(y[0]); simde_vaddq_f32(y); }
            """)
        write(dir + "/c/b.cpp", """
            struct Attention {
                void softmax(float *x) { for (int i = 0; i < 4; i++) x[i] = 0; }
                void rescale(float *x) { for (int i = 0; i < 4; i++) x[i] *= 2; }
            };
            void softmax(float *x, int n) { for (int i = 0; i < n; i++) x[i] = 1; }
            """)
        // A class this long is chunked by its methods (`Norm.forward`).
        var python = "class Norm:\n    def forward(self, x):\n        return x * 2\n"
        for i in 0..<160 { python += "\n    def step_\(i)(self, x):\n        return self.forward(x) + \(i)\n" }
        write(dir + "/c/k.py", python)
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let service = QueryService(store: store)
        let index = try store.loadVectorIndex()
        #expect(index.symbolKeys?.isEmpty == false)
        for (token, definitionsOnly, prefixed) in [("hsum_avx", false, true), ("vaddq_f32", false, true), ("_vaddq_f32", false, true),
                                                   ("softmax", true, false), ("attention", true, false), ("rescale", false, true),
                                                   ("forward", false, true), ("caller", true, false), ("nothing_here", false, true)] {
            service.vectorIndex = nil
            let viaFTS = try store.sql { () throws(SQLiteFailure) in try service.identifierRows(token, definitionsOnly: definitionsOnly, prefixed: prefixed) }
            service.vectorIndex = index
            let viaIndex = try store.sql { () throws(SQLiteFailure) in try service.identifierRows(token, definitionsOnly: definitionsOnly, prefixed: prefixed) }
            #expect(viaIndex.map(\.0) == viaFTS.map(\.0), "\(token)")
            #expect(viaIndex.map(\.1) == viaFTS.map(\.1), "\(token)")
            #expect(viaIndex.map(\.2) == viaFTS.map(\.2), "\(token)")
            if token != "nothing_here" { #expect(viaIndex.contains { $0.1 }, "\(token) has a definition") }
        }
    }

    @Test("a damaged identifier index costs answers, never a crash or a wrong definition")
    func damagedIdentifierIndex() throws {
        let dir = temporaryFolder()
        let store = try ingestedSampleStore(dir)
        let index = try store.loadVectorIndex()
        let keyCount = try #require(index.symbolKeys?.count)
        #expect(keyCount > 0)
        // Garbage over the whole index: unsorted entries, rows far past the end.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store.vectorFilePath)))
        var state: UInt64 = 7
        for k in (bytes.count - keyCount * 8)..<bytes.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[k] = UInt8(truncatingIfNeeded: state >> 56)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: store.vectorFilePath))
        let reopened = try KnowledgeStore(path: dir + "/kb.sqlite", readOnly: true)
        let service = QueryService(store: reopened)
        let result = try service.search(SearchQuery(text: "hmax"))
        // Whatever the index names, a definition is one whose stored symbol is the identifier.
        let definitions = try reopened.sql { () throws(SQLiteFailure) in
            try service.identifierRows("hmax", definitionsOnly: false, prefixed: true).filter(\.1).map(\.0)
        }
        let symbols = try service.storedChunks(definitions).values.compactMap(\.chunk.symbol)
        #expect(symbols.allSatisfy { $0.lowercased() == "hmax" })
        #expect(!result.hits.isEmpty)
    }

    @Test("document frequencies follow the FTS5 tokenizer (one is stemmed to on), so common words are dropped")
    func stemmedFrequencies() throws {
        let dir = temporaryFolder()
        let sections = (0..<1100).map { "## Section \($0)\n\nThe one common word here, and rare\($0).\n" }
        write(dir + "/c/many.md", "# Many\n\n" + sections.joined(separator: "\n"))
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let service = QueryService(store: store)
        let result = try service.search(SearchQuery(text: "one rare7 common", mode: .bm25))
        #expect(result.terms == ["rare7"])
        #expect(Set(result.droppedTerms) == ["one", "common"])
        #expect(result.hits.first?.title == "Section 7")
        // Counted through FTS5's own tokenizer, capped just past what pruning distinguishes.
        #expect(try service.documentFrequency("one") == service.chunkCount)
        service.postingBudget = 50
        #expect(try service.documentFrequency("one") == 51)
        #expect(try service.documentFrequency("rare7") == 1)
        #expect(try service.documentFrequency("absent") == 0)
    }
}
