/// Splits assembly sources (`.s`, `.S`, `.asm`) into one chunk per macro and per routine, as BLAS libraries write their
/// micro-kernels.
///
/// A `.macro NAME` … `.endm` block is a chunk named `NAME`; a label at the start of a line that is no local label
/// (`.L…:`, `1:`), global or not, starts a routine named by it, as does OpenBLAS's `PROLOGUE` (the build names that
/// routine, so the chunk takes the file's name); the routine runs to the next macro or routine, or to the comments
/// above it. Comments directly above a start
/// belong to it; text before the first start is a `declarations` chunk. Long chunks are split into parts. The ISA
/// comes from the registers and mnemonics (`MetadataExtractor.inlineAssemblyISA`), those of the macros a chunk invokes
/// included; the parts of a routine share theirs, and chunks with none have the file's, else the file name's.
public struct AssemblyChunker: Sendable {
    /// Chunks longer than this many lines are split into parts.
    public var maxLines: Int

    /// Creates a chunker.
    public init(maxLines: Int = 150) {
        self.maxLines = maxLines
    }

    /// Chunks `source`.
    public func chunk(_ source: SourceText) -> ParsedDocument {
        let lines = source.text.lineArray
        let fileName = CodeChunker.fileName(source.displayPath)
        let stem = String(fileName.prefix { $0 != "." })
        let commented = Self.commentLines(lines)
        // Section starts: (line index, name, is a macro).
        var starts: [(line: Int, name: String, macro: Bool)] = []
        var macroEnds: [Int: Int] = [:]  // a macro's start line → the line of its `.endm`
        var i = 0
        while i < lines.count {
            let trimmed = lines[i].trimmedSpaces
            if commented[i] { i += 1; continue }
            if let name = Self.macroName(trimmed) {
                var end = i + 1
                while end < lines.count, !lines[end].trimmedSpaces.lowercased().hasPrefix(".endm") { end += 1 }
                starts.append((i, name, true))
                macroEnds[i] = min(end, lines.count - 1)
                i = end + 1
                continue
            }
            if trimmed == "PROLOGUE" || trimmed.hasPrefix("PROLOGUE ") {
                starts.append((i, stem, false))
            } else if let label = Self.routineLabel(lines[i]) {
                starts.append((i, label, false))
            }
            i += 1
        }
        // Where each start's chunk begins: the comments above it belong to it, blank lines between them too (banners
        // between macros), back to the end of the macro before it.
        var begins: [Int] = []
        var floor = 0
        for s in starts {
            var begin = s.line
            while begin > floor, commented[begin - 1] || lines[begin - 1].isBlank { begin -= 1 }
            while begin < s.line, lines[begin].isBlank { begin += 1 }
            begins.append(begin)
            floor = s.macro ? (macroEnds[s.line] ?? s.line) + 1 : s.line + 1
        }
        var pieces: [(start: Int, end: Int, name: String?)] = []  // line ranges, end exclusive
        var cursor = 0
        for (k, s) in starts.enumerated() {
            let begin = max(begins[k], cursor)
            if begin > cursor { pieces.append((cursor, begin, nil)) }
            // A routine runs to the comments of the next start.
            let end = s.macro ? (macroEnds[s.line] ?? s.line) + 1 : (k + 1 < starts.count ? max(begins[k + 1], s.line + 1) : lines.count)
            pieces.append((begin, end, s.name))
            cursor = end
        }
        if cursor < lines.count { pieces.append((cursor, lines.count, nil)) }

        var chunks: [Chunk] = []
        for piece in pieces {
            var start = piece.start, end = piece.end
            while start < end, lines[start].isBlank { start += 1 }
            while end > start, lines[end - 1].isBlank { end -= 1 }
            guard end > start else { continue }
            // A routine's comments that precede the next start belong to that one (already cut above); trailing
            // comments of a declarations piece stay with it.
            let partLength = end - start > max(maxLines, 2) ? max(maxLines * 4 / 5, 1) : end - start
            let parts = stride(from: start, to: end, by: partLength).map { $0..<min($0 + partLength, end) }
            for (k, range) in parts.enumerated() {
                let text = lines[range].joined(separator: "\n")
                var meta = ChunkMetadata()
                meta.camelWords = Tokens.scan(text, camel: true).camelWords
                meta.isa = MetadataExtractor.inlineAssemblyISA(ByteHaystack(text))
                if text.contains("prefetch") || text.contains("prfm") { meta.features.append("prefetch") }
                meta.ops = MetadataExtractor.ops(heading: (piece.name ?? "") + " " + source.displayPath, body: text)
                let name = piece.name ?? (chunks.isEmpty && parts.count == 1 && pieces.count == 1 ? fileName : "declarations")
                let title = name + (parts.count > 1 ? " (part \(k + 1)/\(parts.count))" : "")
                chunks.append(Chunk(kind: .kernel, language: "asm", backend: meta.isa.isEmpty ? nil : "c-simd",
                                    symbol: piece.name, title: title, startLine: range.lowerBound + 1,
                                    endLine: range.upperBound, text: text, metadata: meta))
            }
        }
        // A chunk that invokes the file's macros has their ISAs (the registers are in the macros' text); the parts of
        // one routine share theirs; `xmm` beside `ymm` or `zmm` is the AVX code's own, not SSE code.
        var macroISA: [String: [String]] = [:]
        let macroNames = Set(starts.filter(\.macro).map(\.name))
        for c in chunks where !c.metadata.isa.isEmpty && c.symbol.map(macroNames.contains) == true {
            macroISA[c.symbol ?? "", default: []] += c.metadata.isa
        }
        var routineISA: [String: Set<String>] = [:]
        for i in chunks.indices {
            var isa = Set(chunks[i].metadata.isa)
            if !macroISA.isEmpty {
                // A macro is invoked as a line's first word, where a mnemonic stands (scanning every identifier of
                // every chunk cost a quarter of an OpenBLAS ingest).
                for line in chunks[i].text.utf8.split(separator: 10) {
                    let word = line.drop { $0 == 32 || $0 == 9 }.prefix { $0 == 95 || $0 == 46 || ($0 | 0x20) &- 97 < 26 || $0 &- 48 < 10 }
                    if !word.isEmpty, let m = macroISA[String(decoding: word, as: UTF8.self)] { isa.formUnion(m) }
                }
            }
            chunks[i].metadata.isa = Array(isa)
            if let symbol = chunks[i].symbol { routineISA[symbol, default: []].formUnion(isa) }
        }
        // One file is written for one target: a chunk with none has the rest of the file's, and a file with none those
        // its name names.
        var fileISA = Set(chunks.flatMap(\.metadata.isa))
        if fileISA.isEmpty { fileISA = Set(MetadataExtractor.isaNamed(inFileName: fileName)) }
        for i in chunks.indices {
            var isa = chunks[i].symbol.flatMap { routineISA[$0] } ?? Set(chunks[i].metadata.isa)
            if isa.isEmpty { isa = fileISA }
            if isa.contains("avx2") || isa.contains("avx512") { isa.remove("sse") }
            chunks[i].metadata.isa = MetadataExtractor.isaNames.filter(isa.contains)
            chunks[i].backend = isa.isEmpty ? nil : "c-simd"
        }
        return ParsedDocument(title: fileName, chunks: chunks)
    }

    /// The name a `.macro` line defines (`.macro KERNEL16x4_SUB`, `.macro SAVE m, n`), or nil.
    static func macroName(_ trimmed: Substring) -> String? {
        guard trimmed.hasPrefix(".macro") || trimmed.hasPrefix(".MACRO") else { return nil }
        let rest = trimmed.dropFirst(6)
        guard let first = rest.first, first == " " || first == "\t" else { return nil }
        let name = rest.drop { $0 == " " || $0 == "\t" }.prefix { $0 != " " && $0 != "\t" && $0 != "," }
        return name.isEmpty ? nil : String(name)
    }

    /// The routine a line's label names: an identifier at the line's start followed by `:` (`sgemm_kernel:`), not a
    /// local label (`.L6_01:`, `1:`, `.Lloop:`) nor a directive.
    static func routineLabel(_ line: String) -> String? {
        let bytes = Array(line.utf8)
        guard let first = bytes.first, first == 95 || (first | 0x20) &- 97 < 26 else { return nil }
        var j = 0
        while j < bytes.count, bytes[j] == 95 || bytes[j] == 36 || bytes[j] == 46 || (bytes[j] | 0x20) &- 97 < 26
            || bytes[j] &- 48 < 10 { j += 1 }
        guard j < bytes.count, bytes[j] == 58, j + 1 == bytes.count || bytes[j + 1] != 58 else { return nil }
        return String(decoding: bytes[..<j], as: UTF8.self)
    }

    /// Which lines are comments: inside or opening a `/* … */` block, or a line comment (`isComment`).
    static func commentLines(_ lines: [String]) -> [Bool] {
        var out = [Bool](repeating: false, count: lines.count)
        var open = false
        for (k, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            var first = 0
            while first < bytes.count, bytes[first] == 32 || bytes[first] == 9 { first += 1 }
            out[k] = open || isComment(line)
            // A line comment's `/*` (`// see kernel/*.S`) opens nothing.
            if !open, out[k], !(bytes.count > first + 1 && bytes[first] == 47 && bytes[first + 1] == 42) { continue }
            var j = 0
            while j + 1 < bytes.count {
                if !open, bytes[j] == 47, bytes[j + 1] == 47 { break }  // the rest of the line is a comment
                if !open, bytes[j] == 47, bytes[j + 1] == 42 { open = true; j += 2; continue }
                if open, bytes[j] == 42, bytes[j + 1] == 47 { open = false; j += 2; continue }
                j += 1
            }
        }
        return out
    }

    /// Whether a line is a comment in GNU or NASM assembly (`//`, `/*`, `*`, `;`, `@`, or `#` not followed by a
    /// preprocessor directive).
    static func isComment(_ line: String) -> Bool {
        let t = line.trimmedSpaces
        if t.hasPrefix("//") || t.hasPrefix("/*") || t.hasPrefix("*") || t.hasPrefix(";") || t.hasPrefix("@") { return true }
        guard t.hasPrefix("#") else { return false }
        let word = t.dropFirst().drop { $0 == " " }.prefix { $0.isLetter }
        return !["include", "define", "undef", "if", "ifdef", "ifndef", "else", "elif", "endif", "error", "pragma"]
            .contains(String(word))
    }
}
