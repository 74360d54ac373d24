/// Turns a source's text into chunks by dispatching on its format.
public struct DocumentParser: Sendable {
    /// Creates a parser.
    public init() {}

    /// Parses `source`; structural failures (malformed XML) throw, recoverable problems become diagnostics.
    public func parse(_ source: SourceText) throws(CorpusError) -> ParsedDocument {
        switch source.format {
        case .c, .cpp, .opencl, .cuda, .hip, .metal, .glsl:
            return CodeChunker().chunk(source)
        case .python, .triton:
            return PythonChunker().chunk(source)
        case .assembly:
            return AssemblyChunker().chunk(source)
        case .markdown:
            return MarkdownChunker().chunk(source)
        case .asciidoc:
            return AsciiDocReader().read(source)
        case .text:
            // Khronos' specification sources are AsciiDoc in `.txt` files.
            guard AsciiDocReader.looksLikeAsciiDoc(source.text) else { return PlainTextChunker().chunk(source) }
            var parsed = AsciiDocReader().read(source)
            parsed.format = .asciidoc
            return parsed
        case .html:
            return HTMLReader().read(source)
        case .xml:
            return try XMLReferenceReader().read(source)
        case .jsonl:
            return TraceReader().read(source)
        }
    }
}
