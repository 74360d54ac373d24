import Corpus
import Foundation
import Testing

/// The bundled corpus, found from this file's path.
private let corpusRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path + "/corpus"
}()

@Suite("Chunk coverage")
struct CoverageTests {
    /// The bundled corpus's code and Markdown files, by extension.
    static let files: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: corpusRoot) else { return [] }
        return walker.compactMap { $0 as? String }.filter { path in
            guard let format = DocumentFormat.fromPath(path) else { return false }
            return format.kind == .kernel || format == .markdown
        }.sorted()
    }()

    @Test("the bundled corpus has code and Markdown files to check")
    func corpusFound() {
        #expect(Self.files.count >= 40)
    }

    /// Every non-blank line of a code file lies in some chunk (text no query could find otherwise); in Markdown, every
    /// line but the headings of sections with subsections (their titles are in the subsections' heading paths).
    @Test("every non-blank line of every bundled source is in some chunk", arguments: files)
    func everyLineInAChunk(path: String) throws {
        let text = try String(contentsOfFile: corpusRoot + "/" + path, encoding: .utf8)
        let format = try #require(DocumentFormat.fromPath(path))
        let doc = try DocumentParser().parse(SourceText(source: path, displayPath: path, format: format, text: text))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var covered = [Bool](repeating: false, count: lines.count + 2)
        for chunk in doc.chunks {
            for n in max(1, chunk.startLine)...max(1, min(chunk.endLine, lines.count)) { covered[n] = true }
        }
        let missing = lines.indices.filter { i in
            let line = lines[i]
            guard !covered[i + 1], line.contains(where: { !$0.isWhitespace }) else { return false }
            return !(format == .markdown && line.hasPrefix("#"))
        }
        #expect(missing.isEmpty, "\(path): lines \(missing.prefix(8).map { $0 + 1 }) are in no chunk")
    }
}
