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
    /// block or directive syntax (`[source]`, `[source,c]`, `include::`, `ifdef::`, `endif::`), or a `= Title` first line with an
    /// attribute entry (`:toc:`) within the next ten.
    public static func looksLikeAsciiDoc(_ text: String) -> Bool {
        var first: Substring?
        var n = 0
        for line in text.split(separator: "\n", maxSplits: 4000, omittingEmptySubsequences: true) {
            n += 1
            if line.hasPrefix("[source]") || line.hasPrefix("[source,") || line.hasPrefix("include::") || line.hasPrefix("ifdef::")
                || line.hasPrefix("endif::[]") {
                return true
            }
            if first == nil { first = line; continue }
            if n <= 11, first?.hasPrefix("= ") == true, line.first == ":", isMarkup(line.trimmedSpaces) { return true }
        }
        return false
    }

    /// The AsciiDoc text as Markdown, one output line for each input line.
    static func markdown(_ text: String) -> String {
        enum Block { case code(String, fence: Substring), paragraphCode(fence: Substring), comment, passthrough }
        var out: [Substring] = []
        var block: Block?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        lines = lines.map { $0.last == "\r" ? $0.dropLast() : $0 }
        out.reserveCapacity(lines.count)
        /// The Markdown fence for code from line `start` to the first line `ends` accepts: "```", or "~~~" when a line
        /// of the code starts with "```" (a listing showing Markdown), which would close the other.
        func fence(from start: Int, until ends: (Substring) -> Bool) -> Substring {
            var k = start
            while k < lines.count, !ends(lines[k].trimmedSpaces) {
                if lines[k].trimmedSpaces.hasPrefix("```") { return "~~~" }
                k += 1
            }
            return "```"
        }
        for (i, line) in lines.enumerated() {
            let t = line.trimmedSpaces
            switch block {
            case .code(let delimiter, let fence):
                if t == delimiter { block = nil; out.append(fence) } else { out.append(line) }
                continue
            case .paragraphCode(let fence):
                // A `[source]` paragraph without delimiters ends at its first blank line.
                if t.isEmpty { block = nil; out.append(fence) } else { out.append(line) }
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
            // A two-line section title (`Title` over `-----`, as Git's manuals write them): the previous line becomes
            // the heading and the underline a blank line, before the same line is taken for a block delimiter.
            if let level = Self.underlineLevel(t), i > 0, Self.isTitleText(lines[i - 1].trimmedSpaces, underline: t) {
                out[out.count - 1] = Substring(String(repeating: "#", count: level) + " ") + lines[i - 1].trimmedSpaces
                out.append("")
                continue
            }
            if t.count >= 4, t.allSatisfy({ $0 == "-" }) || t.allSatisfy({ $0 == "." }) {
                let f = fence(from: i + 1) { $0 == t }
                block = .code(String(t), fence: f)
                out.append(f)
            } else if t.count >= 4, t.allSatisfy({ $0 == "/" }) {
                block = .comment
                out.append("")
            } else if t.count >= 4, t.allSatisfy({ $0 == "+" }) {
                block = .passthrough
                out.append("")
            } else if line.hasPrefix("//") {
                out.append("")  // a line comment
            } else if let heading = Self.heading(line) {
                out.append(heading)
            } else if Self.opensCodeParagraph(t), i + 1 < lines.count, !lines[i + 1].trimmedSpaces.isEmpty,
                      !Self.isDelimiter(lines[i + 1].trimmedSpaces) {
                let f = fence(from: i + 1) { $0.isEmpty }
                block = .paragraphCode(fence: f)
                out.append(f)
            } else if Self.isMarkup(t) || (t.count >= 3 && t.allSatisfy { $0 == "~" }) {
                out.append("")
            } else if t.count > 1, t.first == ".", let second = t.dropFirst().first, second.isLetter {
                out.append(t.dropFirst())  // a block title
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    /// The heading level a two-line title's underline gives (`=` 1, `-` 2, `~` 3, `^` 4, `+` 5), or nil.
    static func underlineLevel(_ t: Substring) -> Int? {
        guard t.count >= 2, let c = t.first, t.allSatisfy({ $0 == c }) else { return nil }
        switch c {
        case "=": return 1
        case "-": return 2
        case "~": return 3
        case "^": return 4
        case "+": return 5
        default: return nil
        }
    }

    /// Whether a line is a two-line title's text above `underline`: plain text (no markup, list item or block title)
    /// whose length is the underline's within two characters.
    static func isTitleText(_ t: Substring, underline: Substring) -> Bool {
        guard let first = t.first, abs(t.count - underline.count) <= 2 else { return false }
        if "[.:/*-=+|#<>".contains(first) || first.isWhitespace { return false }
        return !isMarkup(t)
    }

    /// Whether a line opens a listing or literal block's delimiters (`----`, `....`) or a comment or passthrough
    /// block's (`////`, `++++`).
    static func isDelimiter(_ t: Substring) -> Bool {
        guard t.count >= 4, let c = t.first, "-./+".contains(c) else { return false }
        return t.allSatisfy { $0 == c }
    }

    /// Whether block attributes make the next paragraph code: `[source]`, `[source,c]`, `[listing]`, `[literal]`.
    static func opensCodeParagraph(_ t: Substring) -> Bool {
        t == "[source]" || t.hasPrefix("[source,") || t == "[listing]" || t == "[literal]"
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
        // A directive; `ifdef::html[Only in HTML.]`, with text of its own, keeps it.
        for directive in ["ifdef::", "ifndef::", "ifeval::", "endif::", "include::", "toc::"] where t.hasPrefix(directive) {
            return t.hasSuffix("[]") || directive == "include::" || directive == "toc::" || directive == "ifeval::"
        }
        if t == "--" || t.hasPrefix("|===") || t.hasPrefix(",===") || t.hasPrefix(":===") { return true }
        if t.count >= 4, let c = t.first, "=*_".contains(c), t.allSatisfy({ $0 == c }) { return true }
        return false
    }
}
