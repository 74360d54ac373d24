/// Splits Markdown (and text converted to Markdown) into one chunk per heading section.
///
/// Fenced code blocks are never split and headings inside them are ignored. Sections longer than
/// `maxSectionCharacters` are split at blank lines outside code blocks.
public struct MarkdownChunker: Sendable {
    /// Sections longer than this are split at paragraph boundaries.
    public var maxSectionCharacters: Int

    /// Creates a chunker.
    public init(maxSectionCharacters: Int = 6000) {
        self.maxSectionCharacters = maxSectionCharacters
    }

    /// Chunks Markdown text. `sourceLines`, when given, maps each text line to its line in the original source
    /// (for HTML converted to Markdown); `language` names the original format.
    public func chunk(_ source: SourceText, sourceLines: [Int]? = nil, language: String = "markdown",
                      documentTitle: String? = nil) -> ParsedDocument {
        let lines = source.text.lineArray
        func srcLine(_ i: Int) -> Int { sourceLines.map { i < $0.count ? $0[i] : ($0.last ?? i + 1) } ?? (i + 1) }

        struct Section { var level: Int; var title: String; var start: Int; var end: Int; var path: [String] }
        var sections: [Section] = []
        var stack: [(level: Int, title: String)] = []
        var fence: String? = nil
        var inComment = false
        var current = Section(level: 0, title: "", start: 0, end: 0, path: [])
        var firstH1: String? = nil
        for (i, line) in lines.enumerated() {
            let trimmed = String(line.trimmedSpaces)
            if let f = fence {
                if trimmed.hasPrefix(f) { fence = nil }
                continue
            }
            // Inside an HTML comment (`<!-- ... -->` over several lines) a `#` line is no heading.
            if inComment {
                if line.utf8Offset(of: "-->") != nil { inComment = false }
                continue
            }
            if let open = line.utf8Offset(of: "<!--"), line.utf8Offset(of: "-->", from: open + 4) == nil {
                inComment = true
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = String(trimmed.prefix(3))
                continue
            }
            var heading: (Int, String)? = nil
            if line.hasPrefix("#") {
                let level = line.prefix { $0 == "#" }.count
                let rest = line.dropFirst(level)
                if level <= 6, rest.isEmpty || rest.first == " " {
                    var title = String(rest.trimmedSpaces)
                    while title.hasSuffix("#") { title = String(title.dropLast().trimmedSpaces) }
                    heading = (level, title)
                }
            } else if i + 1 < lines.count, !trimmed.isEmpty, i > 0 ? lines[i - 1].isBlank : true {
                let next = String(lines[i + 1].trimmedSpaces)
                if next.count >= 3, next.allSatisfy({ $0 == "=" }) { heading = (1, trimmed) }
                else if next.count >= 3, next.allSatisfy({ $0 == "-" }), !trimmed.hasPrefix("-"), !trimmed.hasPrefix("|") { heading = (2, trimmed) }
            }
            if let (level, title) = heading {
                current.end = i
                sections.append(current)
                while let top = stack.last, top.level >= level { stack.removeLast() }
                stack.append((level, title))
                if level == 1, firstH1 == nil { firstH1 = title }
                current = Section(level: level, title: title, start: i, end: i, path: stack.map(\.title))
            }
        }
        current.end = lines.count
        sections.append(current)

        let docTitle = documentTitle ?? firstH1 ?? CodeChunker.fileName(source.displayPath)
        var chunks: [Chunk] = []
        for (n, section) in sections.enumerated() {
            var body = Array(lines[section.start..<section.end])
            while let last = body.last, last.isBlank { body.removeLast() }
            let contentLines = body.dropFirst(section.level > 0 ? 1 : 0)
            let hasBody = contentLines.contains { !$0.isBlank
                && !($0.hasPrefix("===") || $0.hasPrefix("---")) }
            // A heading with no text of its own is kept when no subsection follows it (a list of headings, such as a
            // wishlist of ops): its title is its content. Followed by a subsection, it lives on in that one's path.
            let leafHeading = section.level > 0 && !section.title.isEmpty
                && (n + 1 == sections.count || sections[n + 1].level <= section.level)
            guard hasBody || leafHeading else { continue }
            // A table of contents repeats the headings that head their own sections: it would answer every query
            // that names a section (SLEEF's reference pages each open with one).
            if section.level > 0, Self.isTableOfContents(title: section.title, lines: contentLines) { continue }
            let title = section.level == 0 ? docTitle : section.title
            let parts = split(body, startingAt: section.start)
            for (k, part) in parts.enumerated() {
                let text = part.lines.joined(separator: "\n")
                var meta = ChunkMetadata()
                meta.headingPath = section.level == 0 ? [docTitle] : section.path
                if meta.headingPath.first != docTitle, section.level > 1 { meta.headingPath.insert(docTitle, at: 0) }
                Self.annotate(&meta, text: text, heading: meta.headingPath.joined(separator: " ") + " " + source.displayPath)
                let partTitle = parts.count > 1 ? "\(title) (part \(k + 1)/\(parts.count))" : title
                chunks.append(Chunk(kind: .doc, language: language, title: partTitle, startLine: srcLine(part.start),
                                    endLine: srcLine(part.start + part.lines.count - 1), text: text, metadata: meta))
            }
        }
        return ParsedDocument(title: docTitle, chunks: chunks)
    }

    /// Whether a section is a table of contents: titled so (`Table of contents`, `Contents`, `TOC`, `On this page`) and
    /// made of list items and links only, each a link or a short title (not ``- `kernels/`: CUDA kernels``, a
    /// description of a repository's folders).
    static func isTableOfContents(title: String, lines: ArraySlice<String>) -> Bool {
        var name = title.lowercased().trimmedSpaces
        if name.last == ":" { name = name.dropLast() }
        guard ["table of contents", "table of content", "contents", "toc", "on this page"].contains(String(name)) else {
            return false
        }
        var items = 0
        for line in lines where !line.isBlank {
            let t = line.trimmedSpaces
            // A setext heading's underline.
            if t.count >= 3, t.allSatisfy({ $0 == "=" }) || t.allSatisfy({ $0 == "-" }) { continue }
            let numbered = t.first?.isNumber == true && t.drop { $0.isNumber }.hasPrefix(". ")
            guard t.hasPrefix("- ") || t.hasPrefix("* ") || t.hasPrefix("+ ") || t.hasPrefix("[") || numbered else {
                return false
            }
            let item = String(t)
            let link = item.utf8Offset(of: "](") != nil
            guard link || (t.split(separator: " ").count <= 10 && item.utf8Offset(of: ": ") == nil && !t.contains("`")) else {
                return false
            }
            items += 1
        }
        return items > 0
    }

    /// Splits a long section at blank lines outside fenced code.
    func split(_ lines: [String], startingAt start: Int) -> [(start: Int, lines: [String])] {
        let total = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        guard total > maxSectionCharacters else { return [(start, lines)] }
        var parts: [(start: Int, lines: [String])] = []
        var current: [String] = [], currentStart = start, size = 0, inFence = false
        for (i, line) in lines.enumerated() {
            let t = String(line.trimmedSpaces)
            if t.hasPrefix("```") || t.hasPrefix("~~~") { inFence.toggle() }
            if !inFence, t.isEmpty, size > maxSectionCharacters * 2 / 3 {
                parts.append((currentStart, current))
                current = []; size = 0; currentStart = start + i + 1
                continue
            }
            current.append(line); size += line.utf8.count + 1
        }
        if current.contains(where: { !$0.isBlank }) { parts.append((currentStart, current)) }
        return parts
    }

    /// Fills intrinsics, ISA, op tags and camelCase words of a documentation chunk.
    static func annotate(_ meta: inout ChunkMetadata, text: String, heading: String) {
        let scan = Tokens.scan(text, camel: true)
        meta.camelWords = scan.camelWords
        for name in scan.intrinsics where !meta.intrinsics.contains(name) { meta.intrinsics.append(name) }
        meta.isa = MetadataExtractor.isa(for: meta.intrinsics)
        meta.ops = MetadataExtractor.ops(heading: heading, body: text)
    }
}

/// Splits plain text: underlined headings and ALL-CAPS lines start sections, otherwise paragraphs are grouped.
public struct PlainTextChunker: Sendable {
    /// Creates a chunker.
    public init() {}

    /// Chunks plain text by turning recognizable headings into Markdown headings first.
    public func chunk(_ source: SourceText) -> ParsedDocument {
        let lines = source.text.lineArray
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            let t = String(line.trimmedSpaces)
            let prevBlank = i == 0 || lines[i - 1].isBlank
            let nextBlank = i + 1 >= lines.count || String(lines[i + 1].trimmedSpaces).isEmpty
            // An all-capitals line between blank lines is a heading (letters only looked at for such lines).
            if prevBlank, nextBlank, t.count >= 4, t.count <= 80, !t.hasPrefix("#"),
               case let letters = t.filter(\.isLetter), !letters.isEmpty, letters == letters.uppercased() {
                out.append("## " + t)
            } else if line.hasPrefix("#") {
                out.append(" " + line)  // a leading # in plain text is not a Markdown heading
            } else {
                out.append(line)
            }
        }
        let md = SourceText(source: source.source, displayPath: source.displayPath, format: .markdown,
                            text: out.joined(separator: "\n"))
        return MarkdownChunker().chunk(md, language: "text")
    }
}
