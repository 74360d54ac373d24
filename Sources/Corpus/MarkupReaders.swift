import Foundation

/// Reads HTML pages: drops scripts, styles, navigation and page chrome, keeps headings, paragraphs, lists,
/// tables and code, then chunks the result like Markdown with line numbers of the original page.
public struct HTMLReader: Sendable {
    /// Elements whose content is never indexed.
    static let dropped: Set<String> = ["script", "style", "nav", "noscript", "iframe", "svg", "form", "button",
                                       "template", "head", "aside", "select", "canvas", "object", "embed"]
    /// Elements that are dropped outside `<main>`/`<article>` (page chrome).
    static let chrome: Set<String> = ["header", "footer"]
    static let blocks: Set<String> = ["p", "div", "section", "article", "main", "body", "ul", "ol", "dl", "dt", "dd",
                                      "blockquote", "figure", "figcaption", "table", "thead", "tbody", "tfoot",
                                      "details", "summary", "hr", "br", "address", "center", "html"]

    /// Creates a reader.
    public init() {}

    /// Parses and chunks an HTML page.
    public func read(_ source: SourceText) -> ParsedDocument {
        guard let doc = XMLDocumentHandle.parseHTML(source.text, url: source.source), let root = doc.root else {
            return ParsedDocument(title: CodeChunker.fileName(source.displayPath), chunks: [],
                                  diagnostics: [Diagnostic(.error, source: source.displayPath, message: "no HTML content could be parsed")])
        }
        var builder = MarkdownBuilder()
        render(root, into: &builder, inContent: false)
        builder.flush()
        let md = SourceText(source: source.source, displayPath: source.displayPath, format: .markdown,
                            text: builder.lines.joined(separator: "\n"))
        var parsed = MarkdownChunker().chunk(md, sourceLines: builder.sourceLines, language: "html",
                                             documentTitle: doc.htmlTitle)
        if parsed.chunks.isEmpty {
            parsed.diagnostics.append(Diagnostic(.warning, source: source.displayPath, message: "the page has no indexable text"))
        }
        return parsed
    }

    func render(_ node: XMLNode, into b: inout MarkdownBuilder, inContent: Bool) {
        for child in node.children {
            if child.isText {
                b.appendInline(child.content, line: child.line)
                continue
            }
            guard child.isElement else { continue }
            let name = child.name
            if Self.dropped.contains(name) { continue }
            if Self.chrome.contains(name), !inContent { continue }
            let content = inContent || name == "main" || name == "article"
            switch name {
            case "h1", "h2", "h3", "h4", "h5", "h6":
                b.flush()
                let level = Int(String(name.dropFirst())) ?? 2
                let text = child.textContent.collapsedWhitespace()
                if !text.isEmpty { b.addLine(String(repeating: "#", count: level) + " " + text, line: child.line) }
            case "pre":
                b.flush()
                b.addLine("```", line: child.line)
                var l = child.line
                for codeLine in child.textContent.split(separator: "\n", omittingEmptySubsequences: false) {
                    b.addLine(String(codeLine), line: l); l += 1
                }
                b.addLine("```", line: max(child.line, l - 1))
            case "code", "kbd", "samp", "tt":
                b.appendInline("`" + child.textContent.collapsedWhitespace() + "`", line: child.line)
            case "li":
                b.flush()
                b.appendInline("- ", line: child.line)
                render(child, into: &b, inContent: content)
                b.flush()
            case "tr":
                b.flush()
                let cells = child.elementChildren.filter { $0.name == "td" || $0.name == "th" }
                    .map { $0.textContent.collapsedWhitespace() }
                b.addLine("| " + cells.joined(separator: " | ") + " |", line: child.line)
            case "img":
                if let alt = child.attribute("alt"), !alt.isEmpty { b.appendInline("[image: \(alt)]", line: child.line) }
            default:
                let isBlock = Self.blocks.contains(name)
                if isBlock { b.flush() }
                render(child, into: &b, inContent: content)
                if isBlock { b.flush() }
            }
        }
    }
}

/// Accumulates Markdown lines and the source line each came from.
struct MarkdownBuilder {
    var lines: [String] = []
    var sourceLines: [Int] = []
    var inline = ""
    var inlineLine = 1

    mutating func appendInline(_ text: String, line: Int) {
        let collapsed = Self.collapsingWhitespace(text)
        if collapsed.isEmpty {
            // Nothing but whitespace, or nothing (an empty text has no whitespace).
            if !inline.isEmpty, !inline.hasSuffix(" "), !text.isEmpty { inline += " " }
            return
        }
        if inline.isEmpty { inlineLine = line }
        let leadingSpace = text.firstIsWhitespace && !inline.isEmpty && !inline.hasSuffix(" ")
        inline += (leadingSpace ? " " : "") + collapsed
        if text.lastIsWhitespace { inline += " " }
    }

    /// The words of `text` joined by single spaces (on bytes when the text is ASCII, the usual case).
    static func collapsingWhitespace(_ text: String) -> String {
        var text = text
        // One pass over the raw bytes into the new string's storage; a non-ASCII byte stops it (nil).
        let ascii: String? = text.withUTF8 { source -> String? in
            guard let base = source.baseAddress else { return "" }
            var failed = false
            let out = String(unsafeUninitializedCapacity: source.count) { out in
                var n = 0
                var pendingSpace = false
                for i in 0..<source.count {
                    let b = base[i]
                    if b >= 0x80 { failed = true; return 0 }
                    if b == 32 || (b >= 9 && b <= 13) {
                        pendingSpace = n > 0
                    } else {
                        if pendingSpace { out[n] = 32; n += 1; pendingSpace = false }
                        out[n] = b
                        n += 1
                    }
                }
                return n
            }
            return failed ? nil : out
        }
        return ascii ?? text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    mutating func flush() {
        let t = String(inline.trimmedSpaces)
        if !t.isEmpty && t != "-" {
            addLine(t, line: inlineLine)
            addLine("", line: inlineLine)
        }
        inline = ""
    }

    mutating func addLine(_ s: String, line: Int) {
        lines.append(s)
        sourceLines.append(max(1, line))
    }
}

/// Reads XML references: when the document repeats one entry element (e.g. `<intrinsic name=… tech=…>`),
/// each entry becomes a chunk whose symbol is its `name` (or `id`/`title`) attribute; otherwise the text is
/// chunked as prose.
public struct XMLReferenceReader: Sendable {
    /// Creates a reader.
    public init() {}

    /// Parses and chunks an XML document; malformed XML is an error naming the line.
    public func read(_ source: SourceText) throws(CorpusError) -> ParsedDocument {
        let doc: XMLDocumentHandle
        switch XMLDocumentHandle.parseXML(source.text, url: source.source) {
        case .success(let d): doc = d
        case .failure(let f): throw .malformed(path: source.displayPath, line: f.line, message: f.message + "; fix the XML (it must be well-formed)")
        }
        guard let root = doc.root else { throw .malformed(path: source.displayPath, line: nil, message: "no root element") }
        var container = root
        var entries: [XMLNode] = []
        for _ in 0..<4 {
            let children = container.elementChildren
            var counts: [String: Int] = [:]
            for c in children { counts[c.rawName, default: 0] += 1 }
            if let (name, count) = counts.max(by: { $0.value < $1.value }), count >= 2 {
                entries = children.filter { $0.rawName == name }
                break
            }
            guard children.count == 1 else { break }
            container = children[0]
        }
        let fileTitle = root.attribute("title") ?? CodeChunker.fileName(source.displayPath)
        guard !entries.isEmpty else {
            let text = root.textContent.split(separator: "\n").map { String($0.trimmedSpaces) }
                .filter { !$0.isEmpty }.joined(separator: "\n\n")
            let md = SourceText(source: source.source, displayPath: source.displayPath, format: .markdown, text: text)
            return MarkdownChunker().chunk(md, language: "xml", documentTitle: fileTitle)
        }
        let totalLines = 1 + source.text.lineFeedCount
        var chunks: [Chunk] = []
        for (k, entry) in entries.enumerated() {
            let symbol = entry.attribute("name") ?? entry.attribute("id") ?? entry.attribute("title") ?? entry.attribute("key")
                ?? entry.elementChildren.first { ["name", "title", "id"].contains($0.name) }?.textContent.collapsedWhitespace()
            let attrs = entry.attributes.filter { !["name", "id", "title", "key"].contains($0.name.lowercased()) }
            let head = (symbol ?? entry.rawName) + (attrs.isEmpty ? "" : " (" + attrs.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")")
            var bytes = Array(head.utf8)
            let children = entry.elementChildren
            renderChildren(children, indent: 0, into: &bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            var meta = ChunkMetadata()
            MarkdownChunker.annotate(&meta, text: text, heading: (symbol ?? "") + " " + source.displayPath)
            if let symbol {
                if MetadataExtractor.isIntrinsic(Substring(symbol)), !meta.intrinsics.contains(symbol) { meta.intrinsics.insert(symbol, at: 0) }
            }
            var isa = Set(meta.isa)
            for key in ["tech", "isa", "cpuid"] {
                if let t = entry.attribute(key), let i = MetadataExtractor.isa(forTechnology: t) { isa.insert(i) }
            }
            for c in children where c.name == "cpuid" {
                if let i = MetadataExtractor.isa(forTechnology: c.textContent) { isa.insert(i) }
            }
            meta.isa = MetadataExtractor.isaNames.filter(isa.contains)
            meta.headingPath = [fileTitle]
            let start = entry.line
            let end = k + 1 < entries.count ? max(start, entries[k + 1].line - 1) : totalLines
            chunks.append(Chunk(kind: .doc, language: "xml", symbol: symbol, title: symbol ?? "\(entry.rawName) \(k + 1)",
                                startLine: start, endLine: end, text: text, metadata: meta))
        }
        return ParsedDocument(title: fileTitle, chunks: chunks)
    }

    /// `text.split(separator: "\n")`: its non-empty lines. Byte by byte when the text has no `\r` (a line feed is
    /// then always a character of its own), else by `Character`, where `\r\n` is one character and no separator.
    static func nonEmptyLines(_ text: String) -> [Substring] {
        guard !text.utf8.contains(13) else { return text.split(separator: "\n") }
        return text.utf8.split(separator: 10).map { Substring($0) }
    }

    /// One line per child element, each after a line feed: `name: attr=value ... text`, a multi-line text on
    /// indented lines below it, and a child with elements of its own followed by theirs, indented. Written as UTF-8
    /// into one buffer (String concatenation cost ~275 instructions an append).
    func renderChildren(_ children: [XMLNode], indent: Int, into out: inout [UInt8]) {
        for c in children {
            let grandchildren = c.elementChildren
            out.append(10)
            out.append(contentsOf: repeatElement(32, count: indent))
            out.append(contentsOf: c.rawName.utf8)
            out.append(58)  // ":"
            for (name, value) in c.attributes {
                out.append(32)
                out.append(contentsOf: name.utf8)
                out.append(61)  // "="
                out.append(contentsOf: value.utf8)
            }
            if grandchildren.isEmpty {
                let text = c.textContent.trimmedWhitespaceAndNewlines
                if text.containsByte(10) {
                    out.append(32)
                    let pieces = Self.nonEmptyLines(String(text))
                    if pieces.isEmpty { out.append(10) }
                    for piece in pieces {
                        out.append(10)
                        out.append(contentsOf: repeatElement(32, count: indent + 2))
                        out.append(contentsOf: piece.trimmedSpaces.utf8)
                    }
                } else if !text.isEmpty {
                    out.append(32)
                    out.append(contentsOf: text.utf8)
                }
            } else {
                renderChildren(grandchildren, indent: indent + 2, into: &out)
            }
        }
    }
}
