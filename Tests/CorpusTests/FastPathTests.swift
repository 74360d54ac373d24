import Foundation
@testable import Corpus
import KBTestSupport
import Testing

/// The byte-level fast paths must agree with the straightforward definitions they replaced.
@Suite("Byte-level scanning and JSON parsing")
struct FastPathTests {
    static let samples: [String] = [
        """
        static inline __m512 fma_row(const float *restrict x, __m512 acc) { return _mm512_fmadd_ps(_mm512_loadu_ps(x), acc, acc); }
        float32x4_t v = vld1q_f32(p); svfloat32_t z = svadd_f32_z(pg, a, b); __mmask16 m = _cvtu32_mask16(7u);
        """,
        "clEnqueueNDRangeKernel(queue, k, 1, NULL, &gws, &lws, 0, NULL, NULL); int size_t_x = 1e5f + 0x1Fu; layer_norm2d",
        "# Heading\nPlain words, HTMLParser and getLocalID, vaddq_f32 vs vadd, 123abc _ __ a_b_c Ünïcode_ident x86_64",
        // Repeats (handled once), and names near the NEON and SVE rules: stems, suffixes, `sv` and `s` starts.
        """
        svld1_f32(pg, p) svld1_f32(pg, q) sv_x sval_f32 svint32_t size_t sum_sq vmaxq_f32 vmaxq_f32 vmaxq vmax_s8
        vfoo_f32 vld1q_f32x vreinterpretq_u32_f32 vreinterpretqq_u32_f32 v_f32 vadd_ HTMLParser HTMLParser getLocalID
        _mm512_add_ps(_mm512_add_ps(a, b), getLocalID) float16x8_t uint8x16_t int32x4_t
        """,
        "",
    ]

    @Test("Tokens.scan finds what identifiers(in:) with isIntrinsic and hasCamelBoundary find",
          arguments: samples)
    func scanMatchesSlowPath(text: String) {
        var intrinsics: [String] = []
        var camel = Set<String>()
        for id in Tokens.identifiers(in: text) {
            if MetadataExtractor.isIntrinsic(id), !intrinsics.contains(String(id)) { intrinsics.append(String(id)) }
            if Tokens.hasCamelBoundary(id) { camel.insert(Tokens.subwords(of: id).joined(separator: " ")) }
        }
        let scan = Tokens.scan(text, camel: true)
        #expect(scan.intrinsics == intrinsics)
        #expect(scan.camelWords == camel.sorted())
    }

    @Test("op tags from the one-pass phrase count equal those from searching each phrase",
          arguments: samples + [
              "Layer Norm then LAYERNORM and layer-norm; softmax softmaxsoftmax log_softmax LogSoftmax",
              "reducereduce reduce row_sum rowsum ROW SUM scanscan prefix sum prefix_sum cumsum exclusive scan",
              "matrix multiplication, Matrix Multiply, sgemm gemm matmul mat_mul conv2d im2col CONVOLUTION",
              "gelu silu swish relu sigmoid activation attention memcpy stream copy copy kernel l2 normalization",
              "rms norm root mean square norm rms_norm cross entropy cross-entropy crossentropy maxpool avgpool",
              "lay layer laye layer n", "argmax argmaxargmax ARGMAX", "ssscan", "transpose" + String(repeating: " x", count: 500),
              "flash_attn attn topk top_k top-k rotary rope_neox apply_rope group_norm batch norm dequantize quantization",
          ])
    func opsMatchSearch(text: String) {
        for heading in ["", "softmax kernel", "Fused LayerNorm tiling", text] {
            #expect(MetadataExtractor.ops(heading: heading, body: text) == MetadataExtractor.opsBySearch(heading: heading, body: text),
                    "heading \(heading.prefix(40))")
        }
    }

    @Test("op tags name what code calls an op", arguments: [
        ("flash_attn_ext_f16", "attention"), ("rope_neox", "rope"), ("apply_rotary_pos_emb", "rope"), ("topk_moe", "topk"),
        ("group_norm_f32", "groupnorm"), ("batch_norm_forward", "batchnorm"), ("dequantize_row_q4_0", "quantize"),
        ("quantize_row_q8_K", "quantize"),
    ])
    func opNames(symbol: String, op: String) {
        #expect(MetadataExtractor.ops(heading: symbol, body: "").contains(op))
    }

    @Test("op phrases do not fire inside unrelated words", arguments: ["property_map", "europe", "tropes", "sorted keys"])
    func opNonNames(symbol: String) {
        #expect(MetadataExtractor.ops(heading: symbol, body: "").isEmpty)
    }

    static let whitespaceSamples = ["  a b  ", "\r\n x \r\n", " \u{301}x ", "\t\u{301}", "x \u{301}", "", "   ", "\r\n",
                                    "a\r\n\r\nb\n\nc", "é ", " é", "\n\u{301}a", "\t\tkernel\t", "a\r", " \r ", "\u{301} x"]

    @Test("byte-level trimming gives what Character-level trimming gives", arguments: whitespaceSamples)
    func trimming(text: String) {
        func trimmed(_ s: Substring, _ isTrimmed: (Character) -> Bool) -> Substring {
            guard let first = s.firstIndex(where: { !isTrimmed($0) }), let last = s.lastIndex(where: { !isTrimmed($0) }) else {
                return s[s.endIndex...]
            }
            return s[first...last]
        }
        #expect(text.trimmedWhitespaceAndNewlines == trimmed(Substring(text)) { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
        #expect(text.trimmedSpaces == trimmed(Substring(text)) { $0 == " " || $0 == "\t" })
        #expect(XMLReferenceReader.nonEmptyLines(text) == text.split(separator: "\n"))
        #expect(text.lineFeedCount == text.utf8.filter { $0 == 10 }.count)
    }

    @Test("ignore rules answer on a path's bytes what they answer Character by Character")
    func ignoreRulesBytePath() {
        var rules = IgnoreRules()
        rules.add(fileContents: "*.o\n/build\ngen/\ndocs/**/draft.md\n[ab]?.c\n!keep.o\n*\n!*.c\n", base: "")
        rules.add(fileContents: "tmp*\n/out/\nsub/x.md\n!tmpkeep\n", base: "src")
        rules.add(fileContents: "*.bin\n", base: "naïve")
        let paths = ["a.o", "src/a.o", "build", "src/build", "gen", "x/gen", "docs/a/b/draft.md", "docs/draft.md", "b1.c",
                     "keep.o", "src", "src/", "src//", "src/tmp1", "src/tmpkeep", "src/out", "src/sub/x.md", "srcx/tmp1",
                     "src/a/tmp2", "naïve/a.bin", "naïve", "dir/naïve.c", "a//b.o", "a/b/", "", "/", "e\u{301}/x.o",
                     "src/e\u{301}.c", "sr"]
        for path in paths {
            for isDirectory in [false, true] {
                #expect(rules.isIgnored(path, isDirectory: isDirectory) == rules.characterIsIgnored(path, isDirectory: isDirectory),
                        "\(path) \(isDirectory)")
            }
        }
    }

    @Test("the one-pass qualifier scan finds each word exactly where containsWord does")
    func qualifierWords() {
        let signatures = ["static inline __m512 f(const float *x)", "__kernel void k(__global float *a)",
                          "template <class T, class = typename std::enable_if<true>::type> constexpr T g()",
                          "kernel void kernelx(int kernel_)", "__global__ __launch_bounds__(256) void h()", "", "x",
                          "staticinline externC __host____device__ void q()", "__attribute__((always_inline)) inline int i"]
        let words = CodeChunker.qualifierWords.map(\.1) + [CodeChunker.launchBoundsWord]
        for signature in signatures {
            var text = signature
            let (fast, slow) = text.withUTF8 { buffer in
                (CodeChunker.wholeWords(in: buffer, among: words), words.map { CodeChunker.containsWord(buffer, $0) })
            }
            #expect(fast == slow, "\(signature)")
        }
    }

    @Test("triple quotes counted on bytes as components(separatedBy:) counts them",
          arguments: ["x = 1", "\"\"\"doc\"\"\"", "\"\"\"\"", "\"\"\"\"\"\"", "'''a''' \"\"\"", "\"\"", "''''''''",
                      "s = 'é' \"\"\"", "\"\"\"\u{301}\"\"\"", ""])
    func tripleQuotes(line: String) {
        #expect(PythonChunker.tripleQuoteCount(line)
                == line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1)
    }

    @Test("an ASCII phrase is found on bytes exactly where Foundation's contains finds it",
          arguments: ["import triton\n", "x = 1 # import tritonic", "import trito", "", "# é\nimport triton as t",
                      "import triton\u{301}", "é@triton.jit", "@triton.\u{301}jit", "ximport triton", "import  triton"])
    func asciiPhrase(text: String) {
        for needle in ["import triton", "@triton.", "tl."] {
            #expect(text.containsASCIIPhrase(needle) == text.contains(needle), "\(text) \(needle)")
        }
    }

    @Test("an ASCII needle's byte offset is where a byte-by-byte search finds it",
          arguments: ["", "<", "<!-", "<!--", "a <!-- b --> c", "<!<!--", "-->", "é<!--é-->", "x-->y<!--", "<!---->"])
    func byteOffset(text: String) {
        let bytes = Array(text.utf8)
        func naive(_ needle: String, from: Int) -> Int? {
            let n = Array(needle.utf8)
            guard from >= 0, from + n.count <= bytes.count else { return nil }
            return (from...(bytes.count - n.count)).first { Array(bytes[$0..<($0 + n.count)]) == n }
        }
        for from in -1...(bytes.count + 1) {
            #expect(text.utf8Offset(of: "<!--", from: from) == naive("<!--", from: from), "\(text) \(from)")
            #expect(text.utf8Offset(of: "-->", from: from) == naive("-->", from: from), "\(text) \(from)")
        }
    }

    @Test("a line's first Character is whitespace, code or neither, on bytes as by Characters",
          arguments: ["", " x", "\tx", "x", "#c", "#\u{301}c", "\r\n", "\r", "\u{85}x", "\u{A0}x", "é", "e\u{301}", " \u{301}",
                      "\u{B}", "\u{1F}a", "@dec", "\u{2003}x"])
    func pythonLineStarts(line: String) {
        #expect(line.firstIsWhitespace == (line.first?.isWhitespace == true))
        let code = line.first.map { !$0.isWhitespace && $0 != "#" } ?? false
        #expect(PythonChunker.startsWithCode(line) == code)
    }

    @Test("HTML text: whitespace collapsed, and its first and last Characters tested, on bytes as by Characters",
          arguments: ["", " ", "a", " a b  c ", "\t\nx\r\n", "\r\n", "a\r\n", "é ", " é", "a\u{301} ", " \u{301}a", "\u{A0}x\u{A0}",
                      "x\u{2003}", "cl\u{2019}s  spec ", "\u{600} ", "x \u{300}", "\u{85}"])
    func htmlWhitespace(text: String) {
        #expect(text.collapsedWhitespace() == text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " "))
        #expect(text.firstIsWhitespace == (text.first?.isWhitespace == true))
        #expect(text.lastIsWhitespace == (text.last?.isWhitespace == true))
        // A text that collapses to nothing holds whitespace exactly when it is not empty.
        if MarkdownBuilder.collapsingWhitespace(text).isEmpty {
            #expect(!text.isEmpty == text.contains(where: \.isWhitespace))
        }
    }

    @Test("Triton primitives read on bytes are those found Character by Character")
    func tritonPrimitives() {
        let texts = ["x = tl.load(p) + tl.load(q); tl.store(o, tl.dot(a, b)); tl.", "tl.tl.x tl.arange(0, 8) mtl.sum",
                     "y = tl.exp(x)  # no é here but tl.max", ""]
        for text in texts where !text.contains("é") {
            #expect(PythonChunker.asciiTritonPrimitives(in: text) != nil)
        }
        #expect(PythonChunker.asciiTritonPrimitives(in: texts[2]) == nil)
        #expect(PythonChunker.tritonPrimitives(in: texts[0]) == ["tl.load", "tl.store", "tl.dot"])
        #expect(PythonChunker.tritonPrimitives(in: texts[1]) == ["tl.tl", "tl.x", "tl.arange", "tl.sum"])
        #expect(PythonChunker.tritonPrimitives(in: texts[2]) == ["tl.exp", "tl.max"])
        #expect(PythonChunker.tritonPrimitives(in: texts[3]) == [])
    }

    @Test("long chunks split at line feeds into the lines a Character split gives",
          arguments: ["a\nb\n\nc", "a\r\nb\nc\r\n", "\n", "", "x\u{301}\ny\n\u{301}z", "a\rb\nc"])
    func lineSplit(text: String) {
        #expect(text.characterLines == text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        #expect(text.containsByte(10) == text.utf8.contains(10))
        #expect(Substring(text).dropFirst().containsByte(10) == text.utf8.dropFirst(text.first.map { String($0).utf8.count } ?? 0).contains(10))
    }

    @Test("a path's file name, byte by byte, is the last non-empty component",
          arguments: ["a/b/c.c", "c.c", "", "/", "//", "a/b/", "/x//y//", "kernels/c/layernorm_avx512.c", "dir/naïve.md", "é/f\u{301}/g"])
    func fileName(path: String) {
        #expect(CodeChunker.fileName(path) == (path.split(separator: "/").last.map(String.init) ?? path))
    }

    @Test("the phrase counter counts leftmost non-overlapping occurrences, capped, case ignored")
    func phraseCounts() throws {
        let counter = try #require(PhraseCounter(["aa", "aba", "b", "reduce", "re"]))
        #expect(counter.counts(in: "aaaa", cap: 10) == [2, 0, 0, 0, 0])
        #expect(counter.counts(in: "aaa", cap: 10) == [1, 0, 0, 0, 0])
        #expect(counter.counts(in: "ababa", cap: 10) == [0, 1, 2, 0, 0])
        #expect(counter.counts(in: "REDUCE reduce Re", cap: 10) == [0, 0, 0, 2, 3])
        #expect(counter.counts(in: "reduce reduce reduce reduce", cap: 3) == [0, 0, 0, 3, 3])
        #expect(counter.counts(in: "", cap: 3) == [0, 0, 0, 0, 0])
        #expect(counter.counts(in: "naïve ünïcode aa", cap: 3) == [1, 0, 0, 0, 0])
        #expect(PhraseCounter(["ok", ""]) == nil)
        #expect(PhraseCounter([]) == nil)
    }

    @Test("intrinsics of every ISA are recognised on the byte path")
    func intrinsicsRecognised() {
        let scan = Tokens.scan("_mm256_add_ps __m512i vld1q_f32 svfloat32_t float32x4_t __builtin_ia32_x sizeof vadd")
        #expect(scan.intrinsics == ["_mm256_add_ps", "__m512i", "vld1q_f32", "svfloat32_t", "float32x4_t", "__builtin_ia32_x"])
    }

    @Test("String.lineArray splits like split(separator:omittingEmptySubsequences: false)",
          arguments: ["", "a", "a\n", "\n\nb\n c \n", "ü\nß\n\n"])
    func lines(text: String) {
        #expect(text.lineArray == text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    @Test("String.lineArray splits at every line feed byte, as the UTF-8 view's split does (traces read lines so)",
          arguments: ["", "a", "{\"a\": 1}\r\n{\"b\": 2}\r\n", "\n\n", "x\u{301}\n\u{301}y", "ü\nß\n\n"])
    func byteLines(text: String) {
        #expect(text.lineArray == text.utf8.split(separator: 10, omittingEmptySubsequences: false).map { String(Substring($0)) })
    }

    @Test("the JSON parser reads what JSONDecoder reads", arguments: [
        #"{"a": 1, "b": [true, false, null], "c": {"d": "e\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}, "n": -12.5e-3}"#,
        #"  [1, 2.0, 0, -0, 1E3, "x"]  "#,
        #""plain""#,
        #"{}"#,
    ])
    func parserAgreesWithDecoder(text: String) throws {
        let fast = try JSONParser.parse(Substring(text))
        let slow = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(fast == slow)
    }

    @Test("malformed JSON is rejected with the column where it went wrong", arguments: [
        (#"{"a": 1,}"#, 9), (#"{"a" 1}"#, 6), (#"[1, 2"#, 6), (#"{"a": tru}"#, 7), (#""abc"#, 5),
        (#"01"#, 2), (#"{"a": 1} x"#, 10), (#""\x""#, 2), (#""\ud800""#, 8), ("[1,\u{1}]", 4),
    ])
    func parserRejects(text: String, column: Int) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Substring(text)) }
        do { _ = try JSONParser.parse(Substring(text)) } catch { #expect(error.column == column, "\(text): \(error.description)") }
    }

    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Substring(text)) }
    }

    @Test("whitespace collapsing on bytes equals splitting on Character.isWhitespace", arguments: [
        "  a\tb\r\n c  ", "", "   ", "one", "x\u{0B}y\u{0C}z", "tabs\t\tand\n\nlines\r\n", "nbsp\u{00A0}here  ünï",
        "\u{1C}sep\u{1F}", "trailing ", " leading",
    ])
    func collapsing(text: String) {
        #expect(MarkdownBuilder.collapsingWhitespace(text) == text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " "))
    }
}

@Suite("Reading file bytes")
struct FileReadTests {
    @Test("reads whole files up to the limit and one byte past it, whatever fstat says", arguments: [0, 1, 999, 1000, 1001, 70_000, 200_000])
    func sizes(size: Int) throws {
        let path = temporaryFolder() + "/f.bin"
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        for limit in [1000, 100_000, 1 << 20] {
            let read = try FileSystem.read(path, limit: limit).get()
            #expect(read == Array(bytes.prefix(limit + 1)), "size \(size), limit \(limit)")
        }
    }

    @Test("a file whose size fstat cannot tell (procfs reports 0) is still read to its end")
    func unknownSize() throws {
        let read = try FileSystem.read("/proc/self/status", limit: 1 << 20).get()
        #expect(String(decoding: read, as: UTF8.self).contains("Name:"))
        #expect(read.count > 100)
    }

    @Test("a missing file is an error with errno's text")
    func missing() {
        guard case .failure(let f) = FileSystem.read(temporaryFolder() + "/none", limit: 10) else {
            Issue.record("read of a missing file succeeded")
            return
        }
        #expect(f.message.contains("No such file"))
    }
}

/// The comment, string and preprocessor blanking on raw buffers with memchr/memset against the array version it
/// replaced (kept here as the definition).
@Suite("Blanking comments and strings")
struct BlankingTests {
    static func referenceBlank(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var i = 0
        let n = bytes.count
        var atLineStart = true
        var ifStack: [Int] = [], skipDepth = 0, braceDepth = 0
        func blank(_ k: Int) { if out[k] != 10 { out[k] = 32 } }
        while i < n {
            let b = bytes[i]
            if b == 10 { atLineStart = true; i += 1; continue }
            if skipDepth > 0, !(atLineStart && b == UInt8(ascii: "#")) {
                // Inside an #else/#elif branch: blanked so that braces duplicated across branches stay balanced.
                blank(i); i += 1
                if !CodeChunker.isSpace(b) { atLineStart = false }
                continue
            }
            if atLineStart, b == UInt8(ascii: "#") {
                var d = i + 1
                while d < n, bytes[d] == 32 || bytes[d] == 9 { d += 1 }
                var e = d
                while e < n, CodeChunker.isIdentByte(bytes[e]) { e += 1 }
                let directive = String(decoding: bytes[d..<e], as: UTF8.self)
                // An #else/#elif branch is blanked only when the branch before it left the braces unbalanced
                // (`if (a) {` written twice); balanced alternatives, such as whole functions, are kept.
                switch directive {
                case "if", "ifdef", "ifndef":
                    if skipDepth > 0 { skipDepth += 1 } else { ifStack.append(braceDepth) }
                case "else", "elif", "elifdef", "elifndef":
                    if skipDepth == 0, let opened = ifStack.last, braceDepth != opened { skipDepth = 1 }
                case "endif":
                    if skipDepth > 0 {
                        skipDepth -= 1
                        if skipDepth == 0 { _ = ifStack.popLast() }
                    } else {
                        _ = ifStack.popLast()
                    }
                default: break
                }
                // Preprocessor line, with backslash continuations; a block comment runs on across line feeds, and a
                // string holds no comment.
                while i < n {
                    if bytes[i] == 10 {
                        var k = i - 1
                        while k >= 0, bytes[k] == 13 { k -= 1 }
                        if k >= 0, bytes[k] == UInt8(ascii: "\\") { i += 1; continue }
                        break
                    }
                    if bytes[i] == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                        blank(i); blank(i + 1); i += 2
                        while i < n, !(bytes[i] == UInt8(ascii: "*") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "/")) { blank(i); i += 1 }
                        if i < n { blank(i); if i + 1 < n { blank(i + 1) }; i += 2 }
                        continue
                    }
                    if bytes[i] == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "/") {
                        // A line comment (`// see kernel/*.c`) runs to the line's end, where a backslash continues it.
                        while i < n, bytes[i] != 10 { blank(i); i += 1 }
                        continue
                    }
                    if bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") {
                        // A string or character literal (`#define OPEN "/*"`, `#define DQ '"'`) holds no comment.
                        let quote = bytes[i]
                        blank(i); i += 1
                        while i < n, bytes[i] != quote, bytes[i] != 10 {
                            if bytes[i] == UInt8(ascii: "\\"), i + 1 < n, bytes[i + 1] != 10 { blank(i); i += 1 }
                            blank(i); i += 1
                        }
                        if i < n, bytes[i] == quote { blank(i); i += 1 }
                        continue
                    }
                    blank(i); i += 1
                }
                continue
            }
            if !CodeChunker.isSpace(b) { atLineStart = false }
            if b == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "/") {
                while i < n, bytes[i] != 10 { blank(i); i += 1 }
                continue
            }
            if b == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                blank(i); blank(i + 1); i += 2
                while i < n, !(bytes[i] == UInt8(ascii: "*") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "/")) { blank(i); i += 1 }
                if i < n { blank(i); if i + 1 < n { blank(i + 1) }; i += 2 }
                continue
            }
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                let quote = b
                i += 1
                while i < n, bytes[i] != quote, bytes[i] != 10 {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < n { blank(i); i += 1 }
                    blank(i); i += 1
                }
                i += 1
                continue
            }
            if b == UInt8(ascii: "{") { braceDepth += 1 } else if b == UInt8(ascii: "}") { braceDepth -= 1 }
            i += 1
        }
        return out
    }


    @Test("the buffer version blanks exactly what the array version blanks, on sources and on random bytes")
    func sameAsDefinition() {
        var samples = [
            "int a; // c\n/* b\n c */ int d = '{'; \"s\\\"}\" \n#if X\nvoid f() {\n#else\nvoid f() {\n#endif\n}\n",
            "/* unterminated\n\n", "//", "/", "*/", "#define A \\\n  {\n{}", "a/*/b*/c", "'\\", "\"\n\"", "",
            "#include \"k.h\" // see kernel/*.c\nvoid f(void) {}\n/* x */\n", "#define DQ '\"' /* c\n */ x\nint y;\n",
            "#define L // a \\\n b /* c\nint z;\n",
        ]
        let alphabet = Array("/*\"'\\\n#{} aifelsndx\r".utf8)
        var state: UInt64 = 0x9E3779B97F4A7C15
        for _ in 0..<400 {
            var s: [UInt8] = []
            for _ in 0..<Int(state % 80) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                s.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            samples.append(String(decoding: s, as: UTF8.self))
        }
        for sample in samples {
            let bytes = Array(sample.utf8)
            #expect(CodeChunker.blankCommentsAndStrings(bytes) == Self.referenceBlank(bytes), "\(sample.debugDescription)")
        }
    }
}
