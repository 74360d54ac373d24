import Foundation

/// Splits Python sources into one chunk per top-level function or class; `@triton.jit` functions are Triton kernels.
public struct PythonChunker: Sendable {
    /// Functions longer than this are split into parts, classes longer than this into their methods, and runs of
    /// top-level statements into chunks of at most this many lines.
    public var maxLines: Int

    /// Creates a chunker.
    public init(maxLines: Int = 150) {
        self.maxLines = maxLines
    }

    /// Chunks `source`; the document is Triton when it imports triton and decorates a function with one of its
    /// decorators: `@triton.jit`, or `@jit` after `from triton import jit`, or `@tr.jit` after `import triton as tr`.
    public func chunk(_ source: SourceText) -> ParsedDocument {
        let lines = source.text.characterLines
        let spellings = source.text.containsASCIIPhrase("triton") ? Self.tritonDecoratorSpellings(lines) : nil
        /// The decorator as `@triton.name` when it is one of Triton's, however the file imported it.
        func tritonDecorator(_ line: String) -> String? {
            guard let spellings else { return nil }
            let d = line.trimmedSpaces
            guard d.hasPrefix("@") else { return nil }
            let name = d.dropFirst().prefix { $0 != "(" && $0 != " " }
            if let dot = name.firstIndex(of: "."), spellings.modules.contains(String(name[..<dot])) {
                return "@triton." + name[name.index(after: dot)...]
            }
            return spellings.names[String(name)].map { "@triton." + $0 }
        }
        let isTriton = lines.contains { $0.hasPrefix("@") && tritonDecorator($0) != nil }
        // Top-level statement starts: (line index, is def/class/decorator).
        var starts: [Int] = []
        var i = 0
        var inTripleQuote = false
        while i < lines.count {
            let line = lines[i]
            let tripleCount = Self.tripleQuoteCount(line)
            if !inTripleQuote, Self.startsWithCode(line),
               line.hasPrefix("def ") || line.hasPrefix("async def ") || line.hasPrefix("class ") || line.hasPrefix("@") {
                // A decorator run belongs to the def that follows it.
                if !(starts.last.map { lines[$0].hasPrefix("@") && isDecoratorRun(lines, from: $0, to: i) } ?? false) {
                    starts.append(i)
                }
            }
            if tripleCount % 2 == 1 { inTripleQuote.toggle() }
            i += 1
        }
        var chunks: [Chunk] = []
        /// Appends the chunk of `lines[begin..<end]` (blank lines at its end dropped), in parts of at most `maxLines`
        /// lines, each after the first opening with the definition's first line and a note of where it continues.
        func emit(_ begin: Int, _ end: Int, name: String?, decorators: [String]) {
            var end = end
            while end > begin, lines[end - 1].isBlank { end -= 1 }
            guard end > begin else { return }
            let tritonKernel = isTriton && decorators.contains { tritonDecorator($0) != nil }
            let partLength = end - begin > maxLines ? maxLines * 4 / 5 : end - begin
            let parts = stride(from: begin, to: end, by: partLength).map { $0..<min($0 + partLength, end) }
            let openingIndex = lines[begin..<end].firstIndex { Self.isDefinitionLine(String($0.trimmedSpaces)) }
            let opening = openingIndex.map { lines[$0] }
            for (k, range) in parts.enumerated() {
                var text = lines[range].joined(separator: "\n")
                if k > 0, let opening { text = opening + "\n    # ... continued from part \(k)\n" + text }
                var meta = ChunkMetadata()
                meta.camelWords = Tokens.scan(text, camel: true).camelWords
                if tritonKernel {
                    meta.qualifiers = decorators.map { tritonDecorator($0) ?? String($0.trimmedSpaces.prefix { $0 != "(" }) }
                    meta.intrinsics = Self.tritonPrimitives(in: text)
                    meta.features = MetadataExtractor.features(code: text, language: .triton)
                }
                meta.ops = MetadataExtractor.ops(heading: (name ?? "") + " " + source.displayPath, body: text)
                // The definition's own lines, without the comments and imports attached above it.
                if name != nil, parts.count == 1, let openingIndex, end - openingIndex <= 3 { meta.features.append("trivial") }
                let title = (name ?? "module") + (parts.count > 1 ? " (part \(k + 1)/\(parts.count))" : "")
                chunks.append(Chunk(kind: .kernel, language: tritonKernel || isTriton ? "triton" : "python",
                                    backend: tritonKernel || isTriton ? "triton" : nil, symbol: name, title: title,
                                    startLine: range.lowerBound + 1, endLine: range.upperBound, text: text, metadata: meta))
            }
        }
        var prefixStart = 0
        for (k, s) in starts.enumerated() {
            var begin = s
            // Comments directly above belong to the definition.
            while begin > prefixStart, lines[begin - 1].hasPrefix("#") { begin -= 1 }
            var end = k + 1 < starts.count ? starts[k + 1] : lines.count
            // The definition's own line, after its decorators, whose arguments may span lines and close at column 0
            // (`@triton.autotune(` ... `)`); the body stops at the last indented or blank line before the next
            // top-level statement.
            var defLine = s
            while defLine < end - 1, !Self.isDefinitionLine(lines[defLine]) { defLine += 1 }
            var last = defLine
            var j = defLine + 1
            while j < end {
                let l = lines[j]
                if !l.isEmpty, !l.firstIsWhitespace, !l.hasPrefix("#"), !l.hasPrefix(")"), !l.hasPrefix("]") { break }
                if !l.isBlank { last = j }
                j += 1
            }
            end = last + 1
            if k == 0, begin > 0, lines[0..<begin].contains(where: { !$0.isBlank }) {
                begin = 0  // module docstring and imports attach to the first definition
            }
            let header = Self.isDefinitionLine(lines[defLine]) ? lines[defLine] : lines[s]
            let name = Self.definedName(header)
            let decorators = lines[s..<defLine].filter { $0.hasPrefix("@") }
            if let name, header.hasPrefix("class "), end - begin > maxLines,
               let methods = Self.methods(lines, classLine: defLine, end: end), !methods.isEmpty {
                // A long class is chunked like a C++ one: its head (docstring, attributes) and each method.
                emit(begin, methods[0].begin, name: name, decorators: decorators)
                for (m, method) in methods.enumerated() {
                    let methodEnd = m + 1 < methods.count ? methods[m + 1].begin : end
                    emit(method.begin, methodEnd, name: name + "." + method.name, decorators: method.decorators)
                }
            } else {
                emit(begin, end, name: name, decorators: decorators)
            }
            prefixStart = end
        }
        if chunks.isEmpty, !source.text.isBlank {
            chunks.append(Chunk(kind: .kernel, language: isTriton ? "triton" : "python", backend: isTriton ? "triton" : nil,
                                title: CodeChunker.fileName(source.displayPath), startLine: 1, endLine: lines.count,
                                text: source.text))
        } else {
            // Top-level statements between and after the definitions (tables, `if __name__ == "__main__":` blocks)
            // become chunks of their own, in parts of at most `maxLines`.
            var module: [Chunk] = []
            var cursor = 0
            for chunk in chunks.map(Optional.some) + [nil] {
                let gapEnd = chunk.map { $0.startLine - 1 } ?? lines.count
                var first = cursor, last = gapEnd
                while first < last, lines[first].isBlank { first += 1 }
                while last > first, lines[last - 1].isBlank { last -= 1 }
                var partStart = first
                while partStart < last {
                    let partEnd = min(last, partStart + maxLines)
                    let text = lines[partStart..<partEnd].joined(separator: "\n")
                    var meta = ChunkMetadata()
                    meta.camelWords = Tokens.scan(text, camel: true).camelWords
                    meta.ops = MetadataExtractor.ops(heading: "module " + source.displayPath, body: text)
                    module.append(Chunk(kind: .kernel, language: isTriton ? "triton" : "python", backend: isTriton ? "triton" : nil,
                                        title: "module", startLine: partStart + 1, endLine: partEnd, text: text, metadata: meta))
                    partStart = partEnd
                }
                if let chunk { cursor = chunk.endLine }
            }
            if !module.isEmpty { chunks = (chunks + module).sorted { $0.startLine < $1.startLine } }
        }
        return ParsedDocument(title: CodeChunker.fileName(source.displayPath), chunks: chunks)
    }

    /// The methods of the class defined at `classLine` (body up to `end`): each with the line its comments or
    /// decorators start on, its name and its decorators; nil when the body is not indented.
    static func methods(_ lines: [String], classLine: Int, end: Int) -> [(begin: Int, name: String, decorators: [String])]? {
        // The body's indentation: that of its first indented line.
        guard let first = (classLine + 1..<end).first(where: { !lines[$0].isBlank && lines[$0].firstIsWhitespace }) else {
            return nil
        }
        let indent = lines[first].prefix { $0 == " " || $0 == "\t" }.count
        var methods: [(begin: Int, name: String, decorators: [String])] = []
        var runStart: Int?  // where the comments and decorators before a `def` start
        var decorators: [String] = []
        var inTripleQuote = false
        for i in first..<end {
            let line = lines[i]
            defer { if tripleQuoteCount(line) % 2 == 1 { inTripleQuote.toggle() } }
            guard !inTripleQuote, !line.isBlank else { continue }
            let depth = line.prefix { $0 == " " || $0 == "\t" }.count
            // Deeper lines (method bodies, a decorator's arguments) leave the run as it is.
            guard depth <= indent else { continue }
            let code = line.dropFirst(depth)
            if depth == indent, code.hasPrefix("@") || code.hasPrefix("#") {
                if runStart == nil { runStart = i }
                if code.hasPrefix("@") { decorators.append(String(code)) }
            } else if depth == indent, code.hasPrefix("def ") || code.hasPrefix("async def ") {
                methods.append((runStart ?? i, definedName(String(code)) ?? "method", decorators))
                runStart = nil
                decorators = []
            } else {
                runStart = nil
                decorators = []
            }
        }
        return methods
    }

    /// Whether a top-level line opens a function or class definition.
    static func isDefinitionLine(_ line: String) -> Bool {
        line.hasPrefix("def ") || line.hasPrefix("async def ") || line.hasPrefix("class ")
    }

    /// Whether `lines[from..<to]` are decorators (with arguments over several lines, and comments between them).
    func isDecoratorRun(_ lines: [String], from: Int, to: Int) -> Bool {
        lines[from..<to].allSatisfy {
            $0.hasPrefix("@") || $0.firstIsWhitespace || $0.hasPrefix(")") || $0.hasPrefix("]") || $0.hasPrefix("#") || $0.isEmpty
        }
    }

    /// The first Character of `line` when it is one ASCII byte; nil when the line is empty or the next byte may be part
    /// of the first Character (a non-ASCII byte, or the `\n` of `\r\n`).
    @inline(__always) static func leadingASCII(_ line: String) -> UInt8? {
        var line = line
        return line.withUTF8 { b -> UInt8? in
            guard let c = b.first, c < 0x80 else { return nil }
            if b.count == 1 { return c }
            guard b[1] < 0x80, !(c == 13 && b[1] == 10) else { return nil }
            return c
        }
    }

    /// Whether the line starts with a Character that is neither whitespace nor `#`.
    static func startsWithCode(_ line: String) -> Bool {
        if let c = leadingASCII(line) { return !(c == 32 || (c >= 9 && c <= 13)) && c != 35 }
        guard let first = line.first else { return false }
        return !first.isWhitespace && first != "#"
    }

    /// Occurrences of `"""` plus occurrences of `'''`, each counted left to right without overlap, as Foundation's
    /// `components(separatedBy:)` counts them; on bytes when the line is ASCII (that function walked Characters, at
    /// ~1,000 instructions a byte of Python).
    static func tripleQuoteCount(_ line: String) -> Int {
        var text = line
        let counted: Int? = text.withUTF8 { bytes in
            // No quote byte, no occurrence (a Foundation match is a byte match: neither quote has another canonical
            // form); most lines end here.
            guard let base = bytes.baseAddress, memchr(base, 34, bytes.count) != nil || memchr(base, 39, bytes.count) != nil
            else { return 0 }
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            func count(_ quote: UInt8) -> Int {
                var n = 0, i = 0
                while i + 3 <= bytes.count {
                    if bytes[i] == quote, bytes[i + 1] == quote, bytes[i + 2] == quote { n += 1; i += 3 } else { i += 1 }
                }
                return n
            }
            return count(34) + count(39)
        }
        return counted ?? (line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1)
    }

    /// How a Python file names Triton's decorators: the module spellings (`triton`, or `tr` after
    /// `import triton as tr`) and the bare names imported from it (`jit` → `jit` after `from triton import jit`,
    /// `tjit` → `jit` after `from triton import jit as tjit`); nil when the file imports no triton at all.
    static func tritonDecoratorSpellings(_ lines: [String]) -> (modules: Set<String>, names: [String: String])? {
        var modules = Set<String>(), names: [String: String] = [:]
        var imports = false
        for line in lines where line.hasPrefix("import ") || line.hasPrefix("from ") {
            let words = line.split { $0 == " " || $0 == "," || $0 == "(" || $0 == ")" || $0 == "\t" }.map(String.init)
            if words.first == "import" {
                // `import triton`, `import triton as tr`, `import torch, triton`, `import triton.language as tl`
                var k = 1
                while k < words.count {
                    if words[k] == "triton" || words[k].hasPrefix("triton.") {
                        imports = true
                        if words[k] == "triton", k + 2 < words.count, words[k + 1] == "as" {
                            modules.insert(words[k + 2])
                            k += 3
                            continue
                        }
                    }
                    k += 1
                }
            } else if words.count > 1, words[1].hasPrefix("triton.") {
                imports = true  // `from triton.language import ...`
            } else if words.count >= 4, words[1] == "triton", words[2] == "import" {
                // `from triton import jit, autotune as tune`; Triton's decorators live in its top-level module.
                imports = true
                var k = 3
                while k < words.count {
                    let name = words[k]
                    if k + 2 < words.count, words[k + 1] == "as" { names[words[k + 2]] = name; k += 3; continue }
                    names[name] = name
                    k += 1
                }
            }
        }
        guard imports else { return nil }
        // Any import of triton (`import triton.language as tl` too) keeps `@triton.` meaning Triton, as kb always read it.
        modules.insert("triton")
        names = names.filter { Self.tritonDecorators.contains($0.value) }
        return (modules, names)
    }

    /// Triton's decorators, by their names in the `triton` module.
    static let tritonDecorators: Set<String> = ["jit", "autotune", "heuristics"]

    /// `tritonPrimitives` on the bytes of an ASCII text, where a Character is a byte and a letter or number is
    /// `A-Z`, `a-z` or `0-9` (Foundation's `range(of:)` walked it Character by Character); nil for other text.
    static func asciiTritonPrimitives(in text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            @inline(__always) func isName(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 }
            var seen = Set<String>(), out: [String] = []
            var i = 0
            while i + 3 <= bytes.count {
                guard bytes[i] == 116, bytes[i + 1] == 108, bytes[i + 2] == 46 else { i += 1; continue }  // "tl."
                var end = i + 3
                while end < bytes.count, isName(bytes[end]) { end += 1 }
                if end > i + 3 {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 3)..<end]), as: UTF8.self)
                    if seen.insert(name).inserted { out.append("tl." + name) }
                }
                i += 3
            }
            return out
        }
    }

    static func definedName(_ line: String) -> String? {
        let rest: Substring
        if line.hasPrefix("async def ") { rest = line.dropFirst(10) }
        else if line.hasPrefix("def ") { rest = line.dropFirst(4) }
        else if line.hasPrefix("class ") { rest = line.dropFirst(6) }
        else { return nil }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }

    /// `tl.load`, `tl.dot`, ... in first-use order.
    static func tritonPrimitives(in text: String) -> [String] {
        if let primitives = asciiTritonPrimitives(in: text) { return primitives }
        var seen = Set<String>(), out: [String] = []
        var rest = Substring(text)
        while let r = rest.range(of: "tl.") {
            let name = rest[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, seen.insert(String(name)).inserted { out.append("tl." + name) }
            rest = rest[r.upperBound...]
        }
        return out
    }
}
