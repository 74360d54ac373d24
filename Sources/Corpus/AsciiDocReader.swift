/// Reads AsciiDoc (`.adoc`, `.asciidoc`), the format of Khronos' specifications and of many libraries' references:
/// its text is rewritten as Markdown line for line (so line numbers stay the file's) and chunked as Markdown, one
/// chunk per section.
///
/// Sections (`== Title`) become headings; listing and literal blocks (`----`, `....`) become fenced code, kept whole
/// and never read for headings; comments (`//`, `////` blocks), attribute entries (`:name: value`), block attributes
/// (`[source,c]`, `[[anchor]]`), conditionals (`ifdef::…[]`) and the delimiters of other blocks (`====`, `****`,
/// `|===`, `++++`) are blanked; a block title (`.Title`) keeps its text.
public struct AsciiDocReader: Sendable {
    /// Creates a reader.
    public init() {}

    /// Chunks an AsciiDoc source.
    public func read(_ source: SourceText) -> ParsedDocument {
        let md = SourceText(source: source.source, displayPath: source.displayPath, format: .markdown,
                            text: Self.markdown(source.text))
        return MarkdownChunker().chunk(md, language: "asciidoc")
    }

    /// Whether plain text (`.txt`) is AsciiDoc, as Khronos' specification sources are: a line opening with AsciiDoc's
    /// block or directive syntax (`[source,c]`, `include::`, `ifdef::`, `endif::`), or a `= Title` first line with an
    /// attribute entry (`:toc:`) within the next ten.
    public static func looksLikeAsciiDoc(_ text: String) -> Bool {
        var first: Substring?
        var n = 0
        for line in text.split(separator: "\n", maxSplits: 4000, omittingEmptySubsequences: true) {
            n += 1
            if line.hasPrefix("[source") || line.hasPrefix("include::") || line.hasPrefix("ifdef::") || line.hasPrefix("endif::[]") {
                return true
            }
            if first == nil { first = line; continue }
            if n <= 11, first?.hasPrefix("= ") == true, line.first == ":", isMarkup(line.trimmedSpaces) { return true }
        }
        return false
    }

    /// The AsciiDoc text as Markdown, one output line for each input line.
    static func markdown(_ text: String) -> String {
        enum Block { case code(String), comment, passthrough }
        var out: [Substring] = []
        var block: Block?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        out.reserveCapacity(lines.count)
        for raw in lines {
            let line = raw.last == "\r" ? raw.dropLast() : raw
            let t = line.trimmedSpaces
            switch block {
            case .code(let delimiter):
                if t == delimiter { block = nil; out.append("```") } else { out.append(line) }
                continue
            case .comment:
                if t.count >= 4, t.allSatisfy({ $0 == "/" }) { block = nil }
                out.append("")
                continue
            case .passthrough:
                if t.count >= 4, t.allSatisfy({ $0 == "+" }) { block = nil; out.append("") } else { out.append(line) }
                continue
            case nil:
                break
            }
            if t.count >= 4, t.allSatisfy({ $0 == "-" }) || t.allSatisfy({ $0 == "." }) {
                block = .code(String(t))
                out.append("```")
            } else if t.count >= 4, t.allSatisfy({ $0 == "/" }) {
                block = .comment
                out.append("")
            } else if t.count >= 4, t.allSatisfy({ $0 == "+" }) {
                block = .passthrough
                out.append("")
            } else if t.hasPrefix("//") {
                out.append("")  // a line comment
            } else if let heading = Self.heading(line) {
                out.append(heading)
            } else if Self.isMarkup(t) {
                out.append("")
            } else if t.count > 1, t.first == ".", let second = t.dropFirst().first, second != ".", second != " " {
                out.append(t.dropFirst())  // a block title
            } else {
                out.append(line)
            }
        }
        if case .code = block { out.append("```") }
        return out.joined(separator: "\n")
    }

    /// A section title (`== Title`, at most six `=`) as a Markdown heading, or nil.
    static func heading(_ line: Substring) -> Substring? {
        let level = line.prefix { $0 == "=" }.count
        guard level >= 1, level <= 6 else { return nil }
        let rest = line.dropFirst(level)
        guard rest.first == " ", !rest.trimmedSpaces.isEmpty else { return nil }
        return Substring(String(repeating: "#", count: level)) + rest
    }

    /// Whether a line is AsciiDoc markup with no text of its own: an attribute entry, block attributes or an anchor,
    /// a conditional or include directive, or another block's delimiter.
    static func isMarkup(_ t: Substring) -> Bool {
        guard let first = t.first else { return false }
        if first == ":", t.dropFirst().contains(":") {
            // `:name: value`, `:name!:`: a name of word characters between the colons.
            let name = t.dropFirst().prefix { $0 != ":" }
            return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "!" }
        }
        if first == "[", t.last == "]" { return true }
        for directive in ["ifdef::", "ifndef::", "ifeval::", "endif::", "include::", "toc::"] where t.hasPrefix(directive) {
            return true
        }
        if t == "--" || t.hasPrefix("|===") || t.hasPrefix(",===") || t.hasPrefix(":===") { return true }
        if t.count >= 4, let c = t.first, "=*_".contains(c), t.allSatisfy({ $0 == c }) { return true }
        return false
    }
}
