import Glibc

/// Splits C, C++, OpenCL C and CUDA sources into one chunk per function or kernel.
///
/// Comments, strings and preprocessor lines are blanked first, so braces inside them never confuse the
/// structure scan. Text between two functions (comments, includes, macros, structs) attaches to the function
/// that follows it when it is short; a long prefix, or one whose text above the function's own leading comment has
/// more than a few lines (a file's license and include list, a table), becomes a `declarations` chunk of its own.
public struct CodeChunker: Sendable {
    /// Functions longer than this many lines are split into parts that repeat the signature.
    public var maxLinesPerChunk: Int
    /// A prefix longer than this many lines is split off as a declarations chunk.
    public var maxAttachedPrefixLines: Int
    /// A prefix whose text above the function's leading comment has more lines of code or preprocessor directives than
    /// this is split there: the function keeps its own comment, and the rest (an include list, a table, with the
    /// comments among them) becomes a declarations chunk. Comments alone never split (a file's header comment
    /// describes its first kernel).
    public var maxAttachedPreambleLines: Int

    /// Creates a chunker.
    public init(maxLinesPerChunk: Int = 150, maxAttachedPrefixLines: Int = 80, maxAttachedPreambleLines: Int = 8) {
        self.maxLinesPerChunk = maxLinesPerChunk
        self.maxAttachedPrefixLines = maxAttachedPrefixLines
        self.maxAttachedPreambleLines = maxAttachedPreambleLines
    }

    /// A function found in the source: byte ranges into the original text.
    struct Function {
        var name: String  // empty for the leftover members of a closed scope
        var chunkStart: Int
        var declStart: Int
        var bodyEnd: Int  // index of the closing brace
        var scope: String = ""
    }

    /// Chunks `source`. A `.h` header written in C++ is chunked, and reported, as C++.
    public func chunk(_ source: SourceText) -> ParsedDocument {
        var source = source
        let bytes = Array(source.text.utf8)
        let code = Self.blankCommentsAndStrings(bytes)
        let refined = source.format == .c && Self.isHeader(source.displayPath) && Self.looksLikeCPlusPlus(code)
            && !Self.declaresCLinkage(bytes)
        if refined { source.format = .cpp }
        let lineStarts = Self.lineStarts(bytes)
        let functions = findFunctions(code: code, bytes: bytes, lineStarts: lineStarts, format: source.format)
        var pieces: [(title: String, symbol: String?, start: Int, end: Int, decl: Int?)] = []
        var cursor = 0
        for fn in functions {
            if fn.name.isEmpty {
                let title = fn.scope.isEmpty ? "declarations" : fn.scope + (fn.scope == "declarations" ? "" : " (members)")
                pieces.append((title, nil, fn.chunkStart, Self.endOfLine(fn.bodyEnd, bytes), nil))
                cursor = Self.endOfLine(fn.bodyEnd, bytes)
                continue
            }
            var start = fn.chunkStart
            // Lines after the previous function that name it (explicit instantiations such as Metal's
            // `template [[host_name("k_f16")]] kernel k_t k<half>;`, or `template void f<float>(float*);`) belong to
            // it, not to this function: up to the last such line before this function's leading comment.
            if let previous = pieces.last, let name = previous.symbol, previous.end == start {
                let comment = Self.leadingCommentStart(bytes: bytes, declStart: fn.declStart, lineStarts: lineStarts)
                let end = Self.lastLineNaming(name, code: code, bytes: bytes, from: start, to: comment)
                if let end {
                    pieces[pieces.count - 1].end = end
                    start = end
                }
            }
            // The prefix is the text between the previous chunk and this function's declaration.
            // A long prefix, or a preamble above the leading comment of more than a few lines (an include list named
            // `convolution_3x3_winograd.h` made a constructor match winograd queries), is split off.
            let prefixLines = Self.line(of: fn.declStart, lineStarts) - Self.line(of: start, lineStarts)
            let commentStart = prefixLines > 0
                ? Self.leadingCommentStart(bytes: bytes, declStart: fn.declStart, lineStarts: lineStarts) : start
            if prefixLines > maxAttachedPrefixLines
                || (Self.line(of: commentStart, lineStarts) - Self.line(of: start, lineStarts) > maxAttachedPreambleLines
                    && Self.codeLines(code: code, bytes: bytes, start..<commentStart, moreThan: maxAttachedPreambleLines)) {
                if commentStart > start, Self.hasContent(bytes[start..<commentStart]) {
                    pieces.append(("declarations", nil, start, commentStart, nil))
                }
                start = commentStart
            }
            pieces.append((fn.name, fn.name, start, Self.endOfLine(fn.bodyEnd, bytes), fn.declStart))
            cursor = Self.endOfLine(fn.bodyEnd, bytes)
        }
        let tail = cursor..<bytes.count
        if Self.hasContent(bytes[tail]) {
            let tailLines = bytes[tail].filter { $0 == 10 }.count
            if pieces.isEmpty || tailLines > 3 {
                pieces.append((pieces.isEmpty ? Self.fileName(source.displayPath) : "declarations", nil, cursor, bytes.count, nil))
            } else {
                pieces[pieces.count - 1].end = bytes.count
            }
        }

        var chunks: [Chunk] = []
        var partGroups: [Range<Int>] = []  // the chunks of each function split into parts
        for var piece in pieces {
            // Leading blank lines belong to no chunk.
            while piece.start < piece.end, Self.isSpace(bytes[piece.start]) {
                let eol = Self.endOfLine(piece.start, bytes)
                guard !Self.hasContent(bytes[piece.start..<min(eol, piece.end)]) else { break }
                piece.start = eol
            }
            while piece.end > piece.start, Self.isSpace(bytes[piece.end - 1]) { piece.end -= 1 }
            guard piece.end > piece.start else { continue }
            let startLine = Self.line(of: piece.start, lineStarts)
            let endLine = Self.line(of: max(piece.start, piece.end - 1), lineStarts)
            let text = String(decoding: bytes[piece.start..<piece.end], as: UTF8.self)
            let signature: String = piece.decl.map { declStart in
                let open = code[declStart...].firstIndex(of: UInt8(ascii: "{")) ?? declStart
                return String(decoding: bytes[declStart..<open], as: UTF8.self).trimmingTrailingWhitespace()
            } ?? ""
            if endLine - startLine + 1 > maxLinesPerChunk {
                // Byte by byte where that is the Character split (Character splitting was ~13 % of an ingest of
                // long C++ functions).
                let lines = text.characterLines
                let partLen = maxLinesPerChunk * 4 / 5
                let parts = stride(from: 0, to: lines.count, by: partLen).map { $0..<min($0 + partLen, lines.count) }
                let first = chunks.count
                for (k, range) in parts.enumerated() {
                    var body = lines[range].joined(separator: "\n")
                    if k > 0, !signature.isEmpty { body = signature + " {\n    /* ... continued from part \(k) */\n" + body }
                    chunks.append(makeChunk(source: source, title: "\(piece.title) (part \(k + 1)/\(parts.count))",
                                            symbol: piece.symbol, startLine: startLine + range.lowerBound,
                                            endLine: startLine + range.upperBound - 1, text: body, signature: signature))
                }
                partGroups.append(first..<chunks.count)
            } else {
                var chunk = makeChunk(source: source, title: piece.title, symbol: piece.symbol, startLine: startLine,
                                      endLine: endLine, text: text.trimmingTrailingWhitespace(), signature: signature)
                // The definition's own lines, without the comments and preamble (includes, globals) attached above it.
                // A one-line body is looked for only in definitions short enough to hold one (a long signature and
                // the braces on lines of their own): scanning every body cost ~0.5 % of an ingest. A one-line loop
                // (`for (i = 0; i < n; i++) y[i] *= a;`) is work, not a getter.
                if let declStart = piece.decl, piece.symbol != nil, case let ownLines = endLine - Self.line(of: declStart, lineStarts),
                   ownLines < 3 || (ownLines < 10 && Self.hasOneLineBody(code: code, declStart: declStart, end: piece.end)
                                    && !MetadataExtractor.hasLoop(String(decoding: bytes[declStart..<piece.end], as: UTF8.self))) {
                    chunk.metadata.features.append("trivial")
                }
                chunks.append(chunk)
            }
        }
        Self.inheritMacroISA(&chunks, text: source.text)
        Self.inheritFileNameISA(&chunks, path: source.displayPath)
        // IBM Z's vector facility shares POWER's `vec_` intrinsics and `__vector`: in a file whose path names it (`s390`,
        // OpenBLAS's `zarch`, `zvector`, xsimd's `xsimd_vxe.hpp`) they are IBM Z's, `vxe`, and so are NEON's type
        // names without a NEON function (ggml names its IBM Z vector types `float32x4_t`).
        if chunks.contains(where: { $0.metadata.isa.contains("vsx") || $0.metadata.isa.contains("neon") }),
           Self.namesIBMZ(source.displayPath) {
            for i in chunks.indices {
                let neonTypesOnly = !chunks[i].metadata.intrinsics.contains { $0.hasPrefix("v") && !$0.hasPrefix("vec_") }
                let isa = Set(chunks[i].metadata.isa.map { $0 == "vsx" || ($0 == "neon" && neonTypesOnly) ? "vxe" : $0 })
                chunks[i].metadata.isa = MetadataExtractor.isaNames.filter(isa.contains)
            }
        } else {
            // Elsewhere, a chunk under IBM Z's macros and none of POWER's (ggml's shared `vec.cpp`, `#elif
            // defined(__VXE__)`) is IBM Z's.
            for i in chunks.indices where chunks[i].metadata.isa.contains("vsx") {
                let h = ByteHaystack(chunks[i].text)
                guard h.contains("__VXE") || h.contains("__s390x__"), !h.contains("__VSX__"), !h.contains("__ALTIVEC__"),
                      !h.contains("__POWER"), !h.contains("__powerpc") else { continue }
                let isa = Set(chunks[i].metadata.isa.map { $0 == "vsx" ? "vxe" : $0 })
                chunks[i].metadata.isa = MetadataExtractor.isaNames.filter(isa.contains)
            }
        }
        // The parts of a function are one function: each has the ISAs of all (a part between two SIMD loops, or one
        // that uses none of the SIMD macros, is no scalar code).
        for group in partGroups {
            let isa = Set(chunks[group].flatMap(\.metadata.isa))
            guard !isa.isEmpty else { continue }
            let simd = MetadataExtractor.isaNames.filter(isa.contains)
            for i in group {
                chunks[i].metadata.isa = simd.isEmpty ? ["vector-ext"] : simd
                if chunks[i].backend == nil { chunks[i].backend = "c-simd" }
            }
        }
        // Device code of a C/C++ file that names HIP anywhere (its includes, its launches, in the chunk or not) is HIP,
        // not CUDA: the dialects share `__global__` and `threadIdx`, and a kernel's own text rarely says which it is.
        if source.format == .c || source.format == .cpp, chunks.contains(where: { $0.backend == "cuda" }),
           MetadataExtractor.namesHIP(ByteHaystack(source.text)) {
            for i in chunks.indices where chunks[i].backend == "cuda" { chunks[i].backend = "hip" }
        }
        return ParsedDocument(title: Self.fileName(source.displayPath), chunks: chunks, format: refined ? .cpp : nil)
    }

    /// Whether a path names IBM Z: `s390` or `zarch` anywhere, or a file name word `vxe`, `vxe2` or `zvector`.
    static func namesIBMZ(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.contains("s390") || lower.contains("zarch") || lower.contains("zvector") { return true }
        return MetadataExtractor.isaNamed(inFileName: fileName(path)).contains("vxe")
    }

    /// Whether a loop-less function computes a math function: its name names one (`xtanhf`, `expf_poly`) and its text
    /// holds two or more floating-point constants (`MetadataExtractor.floatLiteralCount`).
    static func computesMath(symbol: String, text: String) -> Bool {
        let name = symbol.split(separator: ":").last.map(String.init) ?? symbol
        guard Tokens.subwords(of: Substring(name)).contains(where: { MathNames.words($0) != nil }) else { return false }
        return MetadataExtractor.floatLiteralCount(text, limit: 2) >= 2
    }

    /// Gives a function with no ISA of its own the ISAs of the file's macros it uses (`#define NAME ...` whose text has
    /// intrinsics or inline assembly, directly or through another such macro): OpenBLAS's `dot_kernel_sve` builds its
    /// loop from inline-assembly macros defined above it, and its own text names no register. Such a function is no
    /// glue either.
    static func inheritMacroISA(_ chunks: inout [Chunk], text: String) {
        guard chunks.contains(where: { $0.symbol != nil && $0.metadata.isa.isEmpty }) else { return }
        let macros = simdMacros(ByteHaystack(text))
        guard !macros.isEmpty else { return }
        for i in chunks.indices where chunks[i].symbol != nil && chunks[i].metadata.isa.isEmpty
            && (chunks[i].backend == nil || chunks[i].backend == "c-simd") {
            var found = Set<String>()
            for word in Tokens.identifiers(in: chunks[i].text) { if let isa = macros[String(word)] { found.formUnion(isa) } }
            guard !found.isEmpty else { continue }
            chunks[i].metadata.isa = MetadataExtractor.isaNames.filter(found.contains)
            chunks[i].metadata.features.removeAll { $0 == "glue" }
            if chunks[i].backend == nil { chunks[i].backend = "c-simd" }
        }
    }

    /// Gives the functions with no ISA of their own the ISAs the file's name names (`MetadataExtractor.isaNamed`):
    /// OpenBLAS's `trsm_kernel_LN_sve.c` is plain C that its build compiles for SVE.
    static func inheritFileNameISA(_ chunks: inout [Chunk], path: String) {
        guard chunks.contains(where: { $0.symbol != nil && $0.metadata.isa.isEmpty }) else { return }
        let named = MetadataExtractor.isaNamed(inFileName: fileName(path))
        guard !named.isEmpty else { return }
        for i in chunks.indices where chunks[i].symbol != nil && chunks[i].metadata.isa.isEmpty
            && (chunks[i].backend == nil || chunks[i].backend == "c-simd") {
            chunks[i].metadata.isa = named
            chunks[i].backend = "c-simd"
        }
    }

    /// The file's object-like and function-like macros whose definitions (continuation lines included) use SIMD, with
    /// the ISAs they use; a macro naming such a macro uses its ISAs too.
    static func simdMacros(_ haystack: ByteHaystack) -> [String: Set<String>] {
        guard haystack.contains("define") else { return [:] }
        let bytes = haystack.bytes
        var definitions: [(name: String, text: String)] = []
        var i = 0
        while i < bytes.count {
            // A line whose first non-blank byte is `#`, then `define` after optional blanks.
            var j = i
            while j < bytes.count, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
            var end = j
            if j < bytes.count, bytes[j] == UInt8(ascii: "#") {
                var k = j + 1
                while k < bytes.count, bytes[k] == 32 || bytes[k] == 9 { k += 1 }
                let word = Array("define".utf8)
                if k + word.count < bytes.count, bytes[k..<(k + word.count)].elementsEqual(word),
                   bytes[k + word.count] == 32 || bytes[k + word.count] == 9 {
                    var n = k + word.count
                    while n < bytes.count, bytes[n] == 32 || bytes[n] == 9 { n += 1 }
                    let nameStart = n
                    while n < bytes.count, bytes[n] == 95 || (bytes[n] | 0x20) &- 97 < 26 || bytes[n] &- 48 < 10 { n += 1 }
                    // The definition runs to a line end not escaped by a backslash.
                    end = n
                    while end < bytes.count {
                        if bytes[end] == 10 {
                            var b = end - 1
                            while b > n, bytes[b] == 13 || bytes[b] == 32 || bytes[b] == 9 { b -= 1 }
                            if bytes[b] != 92 { break }
                        }
                        end += 1
                    }
                    if n > nameStart {
                        definitions.append((String(decoding: bytes[nameStart..<n], as: UTF8.self),
                                            String(decoding: bytes[n..<end], as: UTF8.self)))
                    }
                }
            }
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            i = end + 1
        }
        var isa: [String: Set<String>] = [:]
        for d in definitions {
            // Registers must be numbered here (`xmm1`, `v0.4s`, `z2.d`): a macro's text may be a format string
            // (`"%.2d\n"`) or a name (`USE_ZMM`), where a chunk's is only searched when it holds inline assembly.
            let own = Set(MetadataExtractor.isa(for: Tokens.scan(d.text, camel: false).intrinsics))
                .union(MetadataExtractor.inlineAssemblyISA(ByteHaystack(d.text), numberedRegisters: true))
            if !own.isEmpty { isa[d.name, default: []].formUnion(own) }
        }
        guard !isa.isEmpty else { return [:] }
        // Macros built from SIMD macros, two levels deep.
        for _ in 0..<2 {
            for d in definitions where isa[d.name] == nil {
                var found = Set<String>()
                for word in Tokens.identifiers(in: d.text) { if let i = isa[String(word)] { found.formUnion(i) } }
                if !found.isEmpty { isa[d.name] = found }
            }
        }
        return isa
    }

    /// Whether a path names a `.h` header (C or C++ alike; `.hpp` and friends are C++ already).
    static func isHeader(_ path: String) -> Bool {
        let u = path.utf8
        guard u.count >= 2 else { return false }
        let last = u.suffix(2)
        return last.first == UInt8(ascii: ".") && (last.last == UInt8(ascii: "h") || last.last == UInt8(ascii: "H"))
    }

    /// Whether code (comments and strings blanked) uses C++: a qualified name (`std::max`), `namespace` or
    /// `template <`, or `class` before a name and a body or base list; C has none of them (inline assembly's
    /// `::: "memory"` is no qualified name).
    static func looksLikeCPlusPlus(_ code: [UInt8]) -> Bool {
        code.withUnsafeBufferPointer { b in
            /// Where the spaces after `word` end, when `word` is the whole identifier starting at `i`.
            func after(_ word: [UInt8], at i: Int) -> Int? {
                guard i + word.count < b.count else { return nil }
                for k in 0..<word.count where b[i + k] != word[k] { return nil }
                guard !isIdentByte(b[i + word.count]) else { return nil }
                var j = i + word.count
                while j < b.count, isSpace(b[j]) { j += 1 }
                return j < b.count ? j : nil
            }
            for i in 0..<b.count {
                let c = b[i]
                if c == UInt8(ascii: ":"), i > 0, i + 2 < b.count, b[i + 1] == UInt8(ascii: ":"), isIdentByte(b[i - 1]),
                   isIdentByte(b[i + 2]) {
                    return true
                }
                guard c == UInt8(ascii: "n") || c == UInt8(ascii: "t") || c == UInt8(ascii: "c"), i == 0 || !isIdentByte(b[i - 1])
                else { continue }
                if let j = after(cppNamespace, at: i), isIdentByte(b[j]) || b[j] == UInt8(ascii: "{") { return true }
                if let j = after(cppTemplate, at: i), b[j] == UInt8(ascii: "<") { return true }
                // `class` alone may be a C identifier (`int class;` is legal C): a name and a body or base list follow.
                if var j = after(cppClass, at: i), isIdentByte(b[j]) {
                    while j < b.count, isIdentByte(b[j]) { j += 1 }
                    while j < b.count, isSpace(b[j]) { j += 1 }
                    if j < b.count, b[j] == UInt8(ascii: "{") || b[j] == UInt8(ascii: ":") { return true }
                }
            }
            return false
        }
    }

    static let cppNamespace = Array("namespace".utf8), cppTemplate = Array("template".utf8), cppClass = Array("class".utf8)

    /// Whether a header declares C linkage (`extern "C"`): a C header that C++ can include, whatever C++ its
    /// `#ifdef __cplusplus` parts hold.
    static func declaresCLinkage(_ bytes: [UInt8]) -> Bool {
        let needle = Array("extern \"C\"".utf8)
        guard bytes.count >= needle.count else { return false }
        // Only asked of headers that look like C++, so a plain scan is enough.
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    func makeChunk(source: SourceText, title: String, symbol: String?, startLine: Int, endLine: Int, text: String,
                   signature: String) -> Chunk {
        var meta = ChunkMetadata()
        let scan = Tokens.scan(text, camel: true)
        meta.intrinsics = scan.intrinsics
        meta.camelWords = scan.camelWords
        meta.isa = MetadataExtractor.isa(for: meta.intrinsics)
        meta.qualifiers = Self.qualifiers(in: signature, format: source.format)
        // A qualifier spelled through a macro (`CUTLASS_DEVICE`) makes device code as the keyword itself does.
        let (features, deviceCode) = MetadataExtractor.traits(
            code: text, language: source.format,
            device: meta.qualifiers.contains { $0 == "__device__" || $0 == "__global__" })
        meta.features = features
        // Inline assembly's registers and mnemonics name ISAs that no intrinsic does (OpenBLAS's micro-kernels).
        if features.contains("inline-asm") {
            let fromAssembly = MetadataExtractor.inlineAssemblyISA(ByteHaystack(text))
            if !fromAssembly.isEmpty { meta.isa = MetadataExtractor.isaNames.filter { meta.isa.contains($0) || fromAssembly.contains($0) } }
        }
        if meta.isa.isEmpty, meta.features.contains("vector-ext") { meta.isa = ["vector-ext"] }
        // A C-family host function that only hands its work to a namesake (a dispatcher, a launcher): ranking counts it
        // as supporting, below the implementation it calls. Device functions calling a namesake are helpers at work
        // (`rope_yarn` calling `rope_yarn_ramp`), not wrappers.
        let onDevice = meta.qualifiers.contains(where: { $0 == "__device__" || $0 == "__global__" })
        if let symbol, [.c, .cpp, .cuda, .hip].contains(source.format),
           !onDevice || Self.isConstructor(symbol) {
            // A math function computing with its own constants is no thin wrapper either, though it calls its kernel
            // (xsimd's `erf` calling `erf_kernel<B>::erf1` for one range of its argument).
            var math: Bool?
            func computesMath() -> Bool {
                if let math { return math }
                let m = Self.computesMath(symbol: symbol, text: text)
                math = m
                return m
            }
            if !onDevice, MetadataExtractor.isThinWrapper(symbol: symbol, text: text), !computesMath() {
                meta.features.append("wrapper")
            }
            // Code that does no work of its own, no loop and no SIMD: setup, checks, an API entry, a launch; on the
            // device too when it is a constructor or destructor (CUTLASS's `CUTLASS_HOST_DEVICE` parameter structs).
            // A query asking for a kernel counts it as supporting.
            // A math function computing in straight lines with floating-point constants is no glue either (SLEEF's
            // `xtanhf`, a polynomial through vector helpers); setup code names no math function, and a launcher
            // named for one (`exp_f32_cuda`) holds no such constants.
            if meta.intrinsics.isEmpty, !meta.features.contains("vector-ext"), !meta.features.contains("inline-asm"),
               !MetadataExtractor.hasLoop(text), !computesMath() {
                meta.features.append("glue")
            }
        }
        meta.ops = MetadataExtractor.ops(heading: (symbol ?? title) + " " + source.displayPath, body: text)
        if let symbol, MetadataExtractor.layernormByContent(symbol: symbol, body: text, ops: meta.ops) {
            meta.ops.insert("layernorm", at: 0)
        }
        let byFormat: String? = switch source.format {
        case .opencl: "opencl"
        case .cuda: "cuda"
        case .hip: "hip"
        case .metal: "metal"
        case .glsl: "vulkan"
        case .cpp: meta.intrinsics.isEmpty && meta.isa.isEmpty ? nil : "c-simd"  // host C++ is no SIMD kernel
        default: "c-simd"
        }
        let backend = deviceCode ? "cuda" : byFormat
        return Chunk(kind: .kernel, language: source.format.rawValue, backend: backend, symbol: symbol, title: title,
                     startLine: startLine, endLine: endLine, text: text, metadata: meta)
    }

    static let qualifierWords: [(String, [UInt8])] = ["__kernel", "kernel", "__global__", "__device__", "__host__", "static",
                                                       "inline", "extern", "__forceinline__", "__attribute__", "constexpr",
                                                       "template"].map { ($0, Array($0.utf8)) }

    static let launchBoundsWord = Array("__launch_bounds__".utf8)

    /// For each of `words` (identifiers), whether it occurs in `bytes` as a whole identifier: `containsWord` for all of
    /// them in one pass over the identifiers of `bytes` (a whole-identifier occurrence is an identifier equal to the
    /// word). Calling `containsWord` for each of 13 qualifier words was ~2.4 % of an ingest of C++ headers.
    static func wholeWords(in bytes: UnsafeBufferPointer<UInt8>, among words: [[UInt8]]) -> [Bool] {
        @inline(__always) func isIdent(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 }
        var found = [Bool](repeating: false, count: words.count)
        var i = 0
        while i < bytes.count {
            guard isIdent(bytes[i]) else { i += 1; continue }
            let start = i
            while i < bytes.count, isIdent(bytes[i]) { i += 1 }
            let length = i - start
            for (k, word) in words.enumerated() where !found[k] && word.count == length && word.first == bytes[start] {
                var j = 1
                while j < length, bytes[start + j] == word[j] { j += 1 }
                if j == length { found[k] = true }
            }
        }
        return found
    }

    /// The end of the last line in `code[from..<to]` (whole lines) that names `symbol`'s last component as a whole
    /// identifier, and of the `#endif` lines right after it (read in `bytes`: `code` blanks directives), or nil when
    /// no line names it.
    static func lastLineNaming(_ symbol: String, code: [UInt8], bytes: [UInt8], from: Int, to: Int) -> Int? {
        guard to > from, to <= code.count, code.count == bytes.count else { return nil }
        let name = symbol.split(separator: ":").last.map { Array($0.utf8) } ?? []
        guard name.count >= 2, name.allSatisfy(isIdentByte) else { return nil }
        var found: Int?
        code.withUnsafeBufferPointer { blanked in
            bytes.withUnsafeBufferPointer { raw in
                var lineStart = from
                while lineStart < to {
                    var lineEnd = lineStart
                    while lineEnd < to, blanked[lineEnd] != 10 { lineEnd += 1 }
                    if lineEnd < to { lineEnd += 1 }  // with its line feed
                    if containsWord(UnsafeBufferPointer(rebasing: blanked[lineStart..<lineEnd]), name) {
                        found = lineEnd
                    } else if found == lineStart, isConditionalEnd(UnsafeBufferPointer(rebasing: raw[lineStart..<lineEnd])) {
                        found = lineEnd  // the `#endif` closing instantiations under `#if`
                    }
                    lineStart = lineEnd
                }
            }
        }
        return found
    }

    /// Whether a line is `#endif` (after optional spaces; comments are blanked).
    static func isConditionalEnd(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < line.count, isSpace(line[i]) { i += 1 }
        let word = Array("#endif".utf8)
        guard i + word.count <= line.count else { return false }
        for k in 0..<word.count where line[i + k] != word[k] { return false }
        return i + word.count == line.count || !isIdentByte(line[i + word.count])
    }

    /// Whether `word` occurs in `bytes` as a whole identifier (not inside a longer one).
    static func containsWord(_ bytes: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        @inline(__always) func isIdent(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 }
        guard word.count <= bytes.count, let first = word.first else { return false }
        var i = 0
        while i + word.count <= bytes.count {
            if bytes[i] == first, i == 0 || !isIdent(bytes[i - 1]), i + word.count == bytes.count || !isIdent(bytes[i + word.count]) {
                var k = 1
                while k < word.count, bytes[i + k] == word[k] { k += 1 }
                if k == word.count { return true }
            }
            i += 1
        }
        return false
    }

    static func qualifiers(in signature: String, format: DocumentFormat) -> [String] {
        var sig = signature
        let (present, launchBounds): ([String], Bool) = sig.withUTF8 { buffer in
            let found = wholeWords(in: buffer, among: qualifierWords.map(\.1) + [launchBoundsWord])
            return (qualifierWords.indices.compactMap { found[$0] ? qualifierWords[$0].0 : nil }, found[qualifierWords.count])
        }
        let words = Set(present)
        var q: [String] = []
        for w in ["__kernel", "kernel", "__global__", "__device__", "__host__", "static", "inline", "extern",
                  "__forceinline__", "__attribute__", "constexpr", "template"] where words.contains(w) {
            // `kernel` marks an entry point in OpenCL C (recorded as `__kernel`) and in Metal; elsewhere it is a name.
            if w == "kernel", format != .opencl, format != .metal { continue }
            q.append(w == "kernel" && format == .opencl ? "__kernel" : w)
        }
        if launchBounds { q.append("__launch_bounds__") }
        // C++ only: the libraries that spell qualifiers so are C++, and in C an all-capital `..._DEVICE` is more
        // likely a hardware name than CUDA.
        if [.cpp, .cuda, .hip].contains(format) { q.append(contentsOf: macroQualifiers(in: signature)) }
        var seen = Set<String>()
        return q.filter { seen.insert($0).inserted }
    }

    /// Whether a symbol names a C++ constructor or destructor: `T::T`, `T::~T` (`ns::T::T` too).
    static func isConstructor(_ symbol: String) -> Bool {
        let parts = symbol.split(separator: "::", omittingEmptySubsequences: false)
        guard parts.count >= 2, let last = parts.last, !last.isEmpty else { return false }
        let owner = parts[parts.count - 2]
        return !owner.isEmpty && (last == owner || last == "~" + owner)
    }

    /// The CUDA qualifiers a signature spells through a macro, as libraries do to compile one source for host and
    /// device: `CUTLASS_DEVICE`, `CUTE_HOST_DEVICE`, `C10_HOST_DEVICE`, `_CCCL_DEVICE` (`__device__`, and `__host__`
    /// where the name says HOST), `CUTLASS_GLOBAL` (`__global__`). Only all-capital words before the parameter list
    /// count, so a parameter named `MAX_DEVICE` does not.
    static func macroQualifiers(in signature: String) -> [String] {
        var q: [String] = []
        var sig = signature
        sig.withUTF8 { bytes in
            let end = bytes.firstIndex(of: UInt8(ascii: "(")) ?? bytes.count
            var i = 0
            while i < end {
                let b = bytes[i]
                guard (b >= 65 && b <= 90) || b == 95 else {
                    // Skip the rest of any other word (a lower-case or mixed-case identifier, a number).
                    if (b >= 97 && b <= 122) || (b >= 48 && b <= 57) {
                        while i < end, Self.isIdentByte(bytes[i]) { i += 1 }
                    } else {
                        i += 1
                    }
                    continue
                }
                let start = i
                var allCaps = true
                while i < end, Self.isIdentByte(bytes[i]) {
                    if bytes[i] >= 97 && bytes[i] <= 122 { allCaps = false }
                    i += 1
                }
                guard allCaps else { continue }
                let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                let parts = word.split(separator: "_")
                guard let last = parts.last else { continue }
                let hostDevice = parts.count >= 2 && parts[parts.count - 2] == "HOST" && last == "DEVICE"
                if last == "DEVICE" || (parts.count >= 2 && parts[parts.count - 2] == "DEVICE" && (last == "INLINE" || last == "FUNC")) {
                    if hostDevice { q.append("__host__") }
                    q.append("__device__")
                } else if last == "GLOBAL", parts.count >= 2 {
                    q.append("__global__")
                }
            }
        }
        return q
    }

    // MARK: structure scan

    func findFunctions(code: [UInt8], bytes: [UInt8], lineStarts: [Int], format: DocumentFormat = .c) -> [Function] {
        // In GLSL `layout(binding = 0) buffer A { ... };` declares an interface block, not a function `layout`.
        let notNames: Set<String> = format == .glsl ? ["layout"] : []
        var functions: [Function] = []
        var segmentStart = 0   // start of the current top-level declaration
        var pendingStart = 0   // start of text not yet owned by a chunk
        // Scopes whose members are scanned like top-level code: namespaces and `extern "C"` (nil), and C++
        // classes, structs and unions (their name, used to qualify methods as `Class::method`).
        var scopes: [String?] = []
        // Parentheses open in the current declaration: a `{` inside them is a braced initializer (a default
        // argument `= {}`), not a body.
        var parens = 0
        var i = 0
        let n = code.count
        while i < n {
            let c = code[i]
            if c == UInt8(ascii: "(") {
                parens += 1
            } else if c == UInt8(ascii: ")") {
                parens = max(0, parens - 1)
            } else if c == UInt8(ascii: "{"), parens > 0 {
                i = Self.matchingBrace(code, from: i) + 1
                continue
            } else if c == UInt8(ascii: ";") {
                parens = 0
                segmentStart = i + 1
            } else if c == UInt8(ascii: "}") {
                parens = 0
                if let scope = scopes.popLast() {
                    // Members left since the scope's last function (fields, declarations) become their own chunk
                    // instead of opening the next function's.
                    let end = Self.endOfLine(i, bytes)
                    let hasMembers = code[pendingStart..<min(end, n)].contains {
                        !($0 == 32 || ($0 >= 9 && $0 <= 13) || $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: ";"))
                    }
                    if hasMembers {
                        functions.append(Function(name: "", chunkStart: Self.startOfLine(pendingStart, bytes),
                                                  declStart: Self.startOfLine(pendingStart, bytes), bodyEnd: i,
                                                  scope: scope ?? "declarations"))
                        pendingStart = end
                    }
                }
                segmentStart = i + 1
            } else if c == UInt8(ascii: "{") {
                // The declaration without its leading whitespace, where blanked comments before a function end up
                // (every test below skips leading whitespace itself; done once here, they no longer walk it ~5 times).
                var first = segmentStart
                while first < i, Self.isSpace(code[first]) { first += 1 }
                let decl = code[first..<i]
                let trimmed = String(decoding: decl, as: UTF8.self)
                if trimmed.hasPrefix("namespace") || trimmed.hasPrefix("export namespace")
                    || (trimmed.hasPrefix("extern") && !decl.contains(UInt8(ascii: "("))) {
                    scopes.append(nil)
                    segmentStart = i + 1
                    i += 1
                    continue
                }
                if let className = Self.classScopeName(decl: Array(decl)) {
                    scopes.append(className)
                    segmentStart = i + 1
                    i += 1
                    continue
                }
                let close = Self.matchingBrace(code, from: i)
                if var name = Self.functionName(decl: Array(decl)), !notNames.contains(name) {
                    let enclosing = scopes.compactMap { $0 }
                    if !enclosing.isEmpty, !name.contains("::") { name = enclosing.joined(separator: "::") + "::" + name }
                    let declStart = first < i ? first : segmentStart
                    functions.append(Function(name: name, chunkStart: Self.startOfLine(pendingStart, bytes),
                                              declStart: Self.startOfLine(declStart, bytes), bodyEnd: close))
                    pendingStart = Self.endOfLine(close, bytes)
                }
                i = close + 1
                segmentStart = i
                continue
            }
            i += 1
        }
        return functions
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 11 || b == 12 }

    /// The index of the brace closing the one at `open`, or the last index when unbalanced.
    static func matchingBrace(_ code: [UInt8], from open: Int) -> Int {
        var depth = 0
        var i = open
        while i < code.count {
            if code[i] == UInt8(ascii: "{") { depth += 1 }
            else if code[i] == UInt8(ascii: "}") { depth -= 1; if depth == 0 { return i } }
            i += 1
        }
        return code.count - 1
    }

    static let nonNameCallees: Set<String> = ["__attribute__", "__declspec", "alignas", "__align__", "__launch_bounds__",
                                               "decltype", "__attribute", "_Alignas", "__cluster_dims__", "noexcept"]

    /// The function name if `decl` (blanked code before a `{`) declares a function definition, else nil.
    static func functionName(decl fullDecl: [UInt8]) -> String? {
        let decl = Array(skipTemplateClause(fullDecl))
        guard let lastClose = decl.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // An initializer (`= {`) or a struct/enum/class body is not a function.
        var depth = 0
        for (k, b) in decl.enumerated() {
            if b == UInt8(ascii: "(") { depth += 1 } else if b == UInt8(ascii: ")") { depth -= 1 }
            else if b == UInt8(ascii: "="), depth == 0 {
                let prev = k > 0 ? decl[k - 1] : 0, next = k + 1 < decl.count ? decl[k + 1] : 0
                if prev != UInt8(ascii: "=") && next != UInt8(ascii: "=") && !String(decoding: decl[..<k], as: UTF8.self).hasSuffix("operator") {
                    return nil
                }
            }
        }
        let after = String(decoding: decl[(lastClose + 1)...], as: UTF8.self)
        if after.utf8.contains(UInt8(ascii: ";")) { return nil }
        var i = 0
        depth = 0
        while i <= lastClose {
            let b = decl[i]
            if b == UInt8(ascii: "("), depth == 0 {
                var j = i - 1
                while j >= 0, isSpace(decl[j]) { j -= 1 }
                var name = j >= 0 ? Self.qualifiedName(decl, endingAt: j) : ""
                if name.isEmpty, j >= 0 {
                    // `operator==(`, `operator()(`: punctuation after the keyword `operator`.
                    var p = j
                    while p >= 0, !isIdentByte(decl[p]), !isSpace(decl[p]) { p -= 1 }
                    let punct = p + 1 <= j ? String(decoding: decl[(p + 1)...j], as: UTF8.self) : ""
                    var q = p
                    while q >= 0, isSpace(decl[q]) { q -= 1 }
                    let word = q >= 0 ? Self.qualifiedName(decl, endingAt: q) : ""
                    if word.hasSuffix("operator"), !punct.isEmpty { name = word + punct }
                } else if name == "operator" || name.hasSuffix("::operator") {
                    // `operator()(`: the call operator's own parentheses come first.
                    var k = i + 1
                    while k <= lastClose, isSpace(decl[k]) { k += 1 }
                    if k <= lastClose, decl[k] == UInt8(ascii: ")") { name += "()" }
                }
                if !name.isEmpty, !nonNameCallees.contains(name), !(name.first?.isNumber ?? true) {
                    let keywordsNotNames: Set<String> = ["if", "for", "while", "switch", "return", "sizeof", "struct", "union", "enum"]
                    return keywordsNotNames.contains(name) ? nil : name
                }
                depth += 1
            } else if b == UInt8(ascii: "(") {
                depth += 1
            } else if b == UInt8(ascii: ")") {
                depth -= 1
            }
            i += 1
        }
        return nil
    }

    /// The class name when `decl` opens a C++ class/struct/union body (not an initializer, not a function).
    static func classScopeName(decl: [UInt8]) -> String? {
        let rest = String(decoding: skipTemplateClause(decl), as: UTF8.self).trimmingLeadingWhitespace()
        guard !rest.utf8.contains(UInt8(ascii: "(")), !rest.utf8.contains(UInt8(ascii: "=")) else { return nil }
        for keyword in ["class ", "struct ", "union "] where rest.hasPrefix(keyword) {
            let afterKeyword = rest.dropFirst(keyword.count).drop { $0 == " " || $0 == "\t" || $0 == "\n" }
            let name = afterKeyword.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            // `struct { ... }` (anonymous) and `final`/attributes are not names worth qualifying with.
            return name.isEmpty || name == "final" ? "" : String(name)
        }
        return nil
    }

    /// `decl` without a leading `template <...>` clause (whose default arguments contain `=`).
    static func skipTemplateClause(_ decl: [UInt8]) -> ArraySlice<UInt8> {
        var i = decl.firstIndex { !isSpace($0) } ?? decl.count
        let keyword = Array("template".utf8)
        guard decl.count >= i + keyword.count, Array(decl[i..<(i + keyword.count)]) == keyword else { return decl[...] }
        i += keyword.count
        while i < decl.count, isSpace(decl[i]) { i += 1 }
        guard i < decl.count, decl[i] == UInt8(ascii: "<") else { return decl[...] }
        var depth = 0
        while i < decl.count {
            if decl[i] == UInt8(ascii: "<") { depth += 1 }
            else if decl[i] == UInt8(ascii: ">") { depth -= 1; if depth == 0 { return decl[(i + 1)...] } }
            i += 1
        }
        return decl[...]
    }

    /// The (possibly qualified) name ending at index `end` of `decl`, read backwards; the class's template
    /// arguments are skipped (`batch<T, A>::operator` → `batch::operator`, `Cache<T>::Lookup` → `Cache::Lookup`).
    static func qualifiedName(_ decl: [UInt8], endingAt end: Int) -> String {
        var k = end
        func scanName() {
            while k >= 0, isIdentByte(decl[k]) || decl[k] == UInt8(ascii: ":") || decl[k] == UInt8(ascii: "~") { k -= 1 }
        }
        scanName()
        while k >= 1, decl[k] == UInt8(ascii: ">"), k + 1 <= end, decl[k + 1] == UInt8(ascii: ":") {
            var angle = 0
            repeat {
                if decl[k] == UInt8(ascii: ">") { angle += 1 } else if decl[k] == UInt8(ascii: "<") { angle -= 1 }
                k -= 1
            } while k >= 0 && angle > 0
            scanName()
        }
        return k + 1 <= end ? withoutTemplateArguments(decl[(k + 1)...end]) : ""
    }

    /// A qualified name with `<...>` template arguments removed (`Cache<T>::Lookup` → `Cache::Lookup`).
    static func withoutTemplateArguments(_ name: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        var depth = 0
        for b in name {
            if b == UInt8(ascii: "<") { depth += 1 } else if b == UInt8(ascii: ">") { depth -= 1 } else if depth == 0 { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isIdentByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95
    }

    /// A copy of `bytes` with comments, string/char literal contents and preprocessor lines replaced by spaces
    /// (newlines kept), so that offsets and line numbers stay aligned with the original.
    static func blankCommentsAndStrings(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        // On raw buffers: the array accesses' bounds and uniqueness checks were half of this scan's instructions.
        bytes.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { blankCommentsAndStrings(source, into: $0) }
        }
        return out
    }

    private static func blankCommentsAndStrings(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, let outBase = out.baseAddress else { return }
        var i = 0
        let n = bytes.count
        var atLineStart = true
        var ifStack: [Int] = [], skipDepth = 0, braceDepth = 0
        func blank(_ k: Int) { if out[k] != 10 { out[k] = 32 } }
        // Bytes that can change the scan's state once a line has begun outside a skipped branch: `\n`, `"`, `'`, `/`,
        // `{` and `}` (bits of two 64-bit masks). Runs of other bytes are passed over in a tight loop: the full test
        // below leaves them as they are.
        let low: UInt64 = 1 << 10 | 1 << 34 | 1 << 39 | 1 << 47, high: UInt64 = 1 << (123 - 64) | 1 << (125 - 64)
        @inline(__always) func mayMatter(_ b: UInt8) -> Bool {
            b < 64 ? (low >> UInt64(b)) & 1 != 0 : b < 128 && (high >> UInt64(b - 64)) & 1 != 0
        }
        while i < n {
            if skipDepth == 0, !atLineStart {
                while i < n, !mayMatter(bytes[i]) { i += 1 }
                if i == n { break }
            }
            let b = bytes[i]
            if b == 10 { atLineStart = true; i += 1; continue }
            if skipDepth > 0, !(atLineStart && b == UInt8(ascii: "#")) {
                // Inside an #else/#elif branch: blanked so that braces duplicated across branches stay balanced.
                blank(i); i += 1
                if !isSpace(b) { atLineStart = false }
                continue
            }
            if atLineStart, b == UInt8(ascii: "#") {
                var d = i + 1
                while d < n, bytes[d] == 32 || bytes[d] == 9 { d += 1 }
                var e = d
                while e < n, isIdentByte(bytes[e]) { e += 1 }
                let directive = String(decoding: UnsafeBufferPointer(rebasing: bytes[d..<e]), as: UTF8.self)
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
                // Preprocessor line, with backslash continuations. A block comment inside it does not end it at a line
                // feed of its own (comments are gone before directives are read): BLIS writes comments across lines in
                // its assembly macros, and the macro's next lines looked like code.
                while i < n {
                    if bytes[i] == 10 {
                        var k = i - 1
                        while k >= 0, bytes[k] == 13 { k -= 1 }
                        if k >= 0, bytes[k] == UInt8(ascii: "\\") { i += 1; continue }
                        break
                    }
                    if bytes[i] == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                        var k = i + 2
                        while k + 1 < n, !(bytes[k] == UInt8(ascii: "*") && bytes[k + 1] == UInt8(ascii: "/")) { blank(k); k += 1 }
                        blank(i); blank(i + 1)
                        if k + 1 < n { blank(k); blank(k + 1); i = k + 2 } else { while k < n { blank(k); k += 1 }; i = n }
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
            if !isSpace(b) { atLineStart = false }
            if b == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "/") {
                // To the end of the line (memchr), blanked whole (memset): it holds no line feed.
                let end = memchr(base + i, 10, n - i).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? n
                memset(outBase + i, 32, end - i)
                i = end
                continue
            }
            if b == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                // To the `*/` that closes it (memchr from star to star), or the end; its line feeds are kept.
                var close = n
                var from = i + 2
                while from < n, let star = memchr(base + from, 42, n - from) {
                    let at = base.distance(to: star.assumingMemoryBound(to: UInt8.self))
                    if at + 1 < n, bytes[at + 1] == UInt8(ascii: "/") { close = at; break }
                    from = at + 1
                }
                let end = close < n ? close + 2 : n
                var k = i
                while k < end {
                    let lineEnd = memchr(base + k, 10, end - k).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? end
                    memset(outBase + k, 32, lineEnd - k)
                    k = lineEnd + 1
                }
                i = end
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
    }

    static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts = [0]
        // memchr from line feed to line feed (a byte loop was ~4.5 instructions a byte).
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var at = 0
            while at < buffer.count, let hit = memchr(base + at, 10, buffer.count - at) {
                at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                starts.append(at)
            }
        }
        return starts
    }

    /// The 1-based line holding byte `offset`.
    static func line(of offset: Int, _ lineStarts: [Int]) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    static func startOfLine(_ offset: Int, _ bytes: [UInt8]) -> Int {
        var i = min(offset, bytes.count)
        while i > 0, bytes[i - 1] != 10 { i -= 1 }
        return i
    }

    static func endOfLine(_ offset: Int, _ bytes: [UInt8]) -> Int {
        var i = offset
        while i < bytes.count, bytes[i] != 10 { i += 1 }
        return min(i + 1, bytes.count)
    }

    static func hasContent(_ s: ArraySlice<UInt8>) -> Bool { s.contains { !isSpace($0) } }

    /// Whether more than `limit` lines in `range` hold code (non-blank in `code`, where comments, strings and
    /// preprocessor lines are blanked) or a preprocessor directive (`#` first in `bytes`).
    static func codeLines(code: [UInt8], bytes: [UInt8], _ range: Range<Int>, moreThan limit: Int) -> Bool {
        code.withUnsafeBufferPointer { c in
            bytes.withUnsafeBufferPointer { b in
                var count = 0, i = range.lowerBound
                while i < range.upperBound {
                    var first = i
                    while first < range.upperBound, b[first] != 10, isSpace(b[first]) { first += 1 }
                    var end = first
                    var content = first < range.upperBound && b[first] == UInt8(ascii: "#")
                    while end < range.upperBound, b[end] != 10 {
                        if !content, !isSpace(c[end]) { content = true }
                        end += 1
                    }
                    if content {
                        count += 1
                        if count > limit { return true }
                    }
                    i = end + 1
                }
                return false
            }
        }
    }

    /// Whether the body of the definition starting at `declStart` (its first `{` in `code`, comments and strings
    /// blanked, up to the last `}` before `end`) holds at most one line of code: a getter or a forwarding call however
    /// its braces are placed (`int f() const\n{\n    return d->x;\n}` is four lines, one of them code).
    static func hasOneLineBody(code: [UInt8], declStart: Int, end: Int) -> Bool {
        code.withUnsafeBufferPointer { c in
            guard let open = c[declStart..<end].firstIndex(of: UInt8(ascii: "{")),
                  let close = c[open..<end].lastIndex(of: UInt8(ascii: "}")), close > open else { return false }
            var lines = 0, content = false
            for k in (open + 1)..<close {
                if c[k] == 10 {
                    if content { lines += 1; if lines > 1 { return false } }
                    content = false
                } else if !isSpace(c[k]) {
                    content = true
                }
            }
            return lines + (content ? 1 : 0) <= 1
        }
    }

    /// Where the comment block directly above a declaration starts (the declaration's own start if none).
    static func leadingCommentStart(bytes: [UInt8], declStart: Int, lineStarts: [Int]) -> Int {
        var line = Self.line(of: declStart, lineStarts) - 1  // 1-based line above the declaration
        var start = declStart
        while line >= 1 {
            let s = lineStarts[line - 1]
            let e = line < lineStarts.count ? lineStarts[line] : bytes.count
            let text = String(decoding: bytes[s..<e], as: UTF8.self).trimmingLeadingWhitespace()
            if text.hasPrefix("//") || text.hasPrefix("/*") || text.hasPrefix("*") { start = s; line -= 1 } else { break }
        }
        return start
    }

    static func fileName(_ path: String) -> String {
        // Byte by byte for an ASCII path (splitting by Character cost ~20,000 instructions a call); the same result:
        // the last non-empty `/`-separated component, or the path itself when it has none.
        let u = path.utf8
        guard u.allSatisfy({ $0 < 0x80 }) else { return path.split(separator: "/").last.map(String.init) ?? path }
        var end = u.endIndex
        while end > u.startIndex, u[u.index(before: end)] == 47 { end = u.index(before: end) }
        guard end > u.startIndex else { return path }
        var start = end
        while start > u.startIndex, u[u.index(before: start)] != 47 { start = u.index(before: start) }
        return String(path[start..<end])
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        // Byte-level, and no copy when there is nothing to trim (chunks are large; this ran per chunk).
        let u = utf8
        guard let last = u.lastIndex(where: { !($0 == 32 || ($0 >= 9 && $0 <= 13)) }) else { return "" }
        let end = u.index(after: last)
        return end == u.endIndex ? self : String(self[..<end])
    }

    func trimmingLeadingWhitespace() -> String {
        // Byte-level: far cheaper than Character iteration on long declarations.
        let u = utf8
        guard let first = u.firstIndex(where: { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 || $0 == 11 || $0 == 12) }) else { return "" }
        return String(self[first...])
    }
}
