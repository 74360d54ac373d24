import Corpus
import Foundation
import KBTestSupport
import Testing


@Suite("Ignore rules")
struct IgnoreRulesTests {
    @Test("gitignore patterns", arguments: [
        ("*.o", "src/a.o", false, true),
        ("*.o", "src/a.c", false, false),
        ("/build", "build", true, true),
        ("/build", "src/build", true, false),
        ("gen/", "gen", false, false),
        ("gen/", "gen", true, true),
        ("docs/**/draft.md", "docs/a/b/draft.md", false, true),
        ("docs/**/draft.md", "docs/draft.md", false, true),
        ("[ab]?.c", "b1.c", false, true),
        ("[!ab].c", "a.c", false, false),
    ])
    func patterns(pattern: String, path: String, isDirectory: Bool, ignored: Bool) {
        var rules = IgnoreRules()
        rules.add(fileContents: "# comment\n" + pattern + "\n", base: "")
        #expect(rules.isIgnored(path, isDirectory: isDirectory) == ignored)
    }

    @Test("negation re-includes, the last rule wins")
    func negation() {
        var rules = IgnoreRules()
        rules.add(fileContents: "*.md\n!keep.md\n", base: "")
        #expect(rules.isIgnored("x.md", isDirectory: false))
        #expect(!rules.isIgnored("keep.md", isDirectory: false))
    }
}

@Suite("Reading files")
struct LoaderTests {
    let loader = SourceLoader(maxFileSize: 1000)

    @Test("binary, empty and oversized files are refused with their reason")
    func refusals() {
        #expect(throws: CorpusError.binary(path: "b.c")) { try loader.decode([0x7F, 0x45, 0x00, 0x01], displayPath: "b.c") }
        #expect(throws: CorpusError.empty(path: "e.md")) { try loader.decode([], displayPath: "e.md") }
        #expect(throws: CorpusError.empty(path: "e.md")) { try loader.decode(Array("  \n\n".utf8), displayPath: "e.md") }
        let dir = temporaryFolder()
        write(dir + "/big.md", String(repeating: "x", count: 2000))
        let file = SourceFile(path: dir + "/big.md", displayPath: "big.md", format: .markdown, size: 2000, modified: 0)
        #expect(throws: CorpusError.tooLarge(path: "big.md", size: 2000, limit: 1000)) { try loader.load(file) }
    }

    @Test("a few invalid UTF-8 bytes are replaced with a warning; many are an error naming the line")
    func invalidUTF8() throws {
        let (text, warnings) = try loader.decode(Array("line one\nauthor: J\u{FF}rg".utf8.map { $0 == 0xC3 ? 0xFF : $0 }) + [0xFF], displayPath: "a.c")
        #expect(text.contains("\u{FFFD}"))
        #expect(warnings.count == 1)
        #expect(warnings[0].line == 2)
        let latin1 = Array("x\n\n".utf8) + [UInt8](repeating: 0xE9, count: 40)
        #expect(throws: CorpusError.invalidUTF8(path: "l.md", line: 3, byteOffset: 3)) { try loader.decode(latin1, displayPath: "l.md") }
    }

    @Test("reading ahead then loading equals loading; a file gone or grown past the limit since the walk fails clearly")
    func readThenLoad() throws {
        let dir = temporaryFolder()
        write(dir + "/k.c", "// axpy\r\nvoid axpy(void) {}\r\n")
        let file = SourceFile(path: dir + "/k.c", displayPath: "k.c", format: .c, size: 30, modified: 0)
        let (direct, _) = try loader.load(file)
        let (ahead, _) = try loader.load(file, bytes: loader.read(file))
        #expect(ahead.text == direct.text && ahead.source == direct.source && ahead.displayPath == direct.displayPath)
        #expect(ahead.text == "// axpy\nvoid axpy(void) {}\n")

        let gone = SourceFile(path: dir + "/gone.c", displayPath: "gone.c", format: .c, size: 10, modified: 0)
        guard case .failure(let error) = loader.read(gone) else { Issue.record("reading a missing file succeeded"); return }
        #expect(error.description.contains("gone.c"))
        #expect(throws: error) { try loader.load(gone, bytes: .failure(error)) }

        // Listed at 10 bytes, 2000 by the time it is read.
        write(dir + "/grew.md", String(repeating: "y", count: 2000))
        let grew = SourceFile(path: dir + "/grew.md", displayPath: "grew.md", format: .markdown, size: 10, modified: 0)
        guard case .failure(let tooLarge) = loader.read(grew) else { Issue.record("a file past the limit was read"); return }
        #expect(tooLarge == .tooLarge(path: "grew.md", size: 1001, limit: 1000))
    }

    @Test("CRLF becomes LF and a BOM is dropped")
    func normalization() throws {
        let (text, _) = try loader.decode([0xEF, 0xBB, 0xBF] + Array("a\r\nb\r\n".utf8), displayPath: "x.md")
        #expect(text == "a\nb\n")
    }
}

@Suite("Walking folders")
struct WalkerTests {
    @Test("skips VCS/build folders, ignored and unsupported files; survives symlink loops")
    func walk() throws {
        let dir = temporaryFolder()
        write(dir + "/k/a.c", "void a(void) {}")
        write(dir + "/k/b.cl", "__kernel void b() {}")
        write(dir + "/.git/config.c", "void x(void) {}")
        write(dir + "/build/gen.c", "void g(void) {}")
        write(dir + "/notes.xyz", "?")
        write(dir + "/CMakeLists.txt", "add_library(kernels a.c)")
        write(dir + "/bench/requirements-peers.txt", "numpy")
        write(dir + "/docs/draft.md", "# d")
        write(dir + "/docs/keep.md", "# k")
        write(dir + "/.gitignore", "draft.md\n")
        try FileManager.default.createSymbolicLink(atPath: dir + "/k/loop", withDestinationPath: dir + "/k")
        try FileManager.default.createSymbolicLink(atPath: dir + "/k/dangling.c", withDestinationPath: dir + "/nowhere.c")
        let (files, diagnostics) = SourceWalker().walk([dir])
        let root = (dir as NSString).lastPathComponent  // displayed paths start with the walked folder's name
        #expect(files.map(\.displayPath) == [root + "/docs/keep.md", root + "/k/a.c", root + "/k/b.cl"])
        #expect(diagnostics.contains { $0.message.contains("loop") })
        #expect(diagnostics.contains { $0.source == root + "/k/dangling.c" })
    }

    @Test("a file reached twice, through a linked folder or a hard link, is read once, at its first path")
    func linkedTwice() throws {
        let dir = temporaryFolder()
        write(dir + "/.agents/skills/rope.md", "# RoPE")
        write(dir + "/kernels/a.c", "void a(void) {}")
        try FileManager.default.createDirectory(atPath: dir + "/.claude", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/.claude/skills", withDestinationPath: "../.agents/skills")
        try FileManager.default.linkItem(atPath: dir + "/kernels/a.c", toPath: dir + "/kernels/z_hardlink.c")
        let root = (dir as NSString).lastPathComponent
        let (files, diagnostics) = SourceWalker().walk([dir])
        #expect(files.map(\.displayPath) == [root + "/.agents/skills/rope.md", root + "/kernels/a.c"])
        #expect(diagnostics.map(\.source).sorted() == [root + "/.claude/skills/rope.md", root + "/kernels/z_hardlink.c"])
        #expect(diagnostics.allSatisfy { $0.severity == .warning && $0.message.contains("same file as") })
        // Named on its own, a linked file is still read.
        #expect(SourceWalker().walk([dir + "/.claude/skills/rope.md"]).files.count == 1)
    }

    @Test("subfolders walked in parallel come back in the sequential walk's order, nested ignore rules applied")
    func parallelOrder() throws {
        let dir = temporaryFolder()
        var expected: [String] = []
        // Names chosen so that files and folders interleave in each folder's sorted listing.
        for a in ["a", "c", "e"] {
            write(dir + "/\(a)_file.md", "# \(a)")
            for b in ["b", "d"] {
                write(dir + "/\(a)/\(b)/.gitignore", "skip_*.c\n")
                for c in 0..<4 {
                    write(dir + "/\(a)/\(b)/f\(c).c", "void f\(c)(void) {}")
                    write(dir + "/\(a)/\(b)/skip_\(c).c", "void s\(c)(void) {}")
                    write(dir + "/\(a)/\(b)/n\(c)/deep.cl", "__kernel void k\(c)() {}")
                }
            }
        }
        for a in ["a", "c", "e"] {
            for b in ["b", "d"] {
                for c in 0..<4 { expected.append("\(a)/\(b)/f\(c).c") }
                for c in 0..<4 { expected.append("\(a)/\(b)/n\(c)/deep.cl") }
            }
            expected.append("\(a)_file.md")
        }
        let root = (dir as NSString).lastPathComponent
        for _ in 0..<3 {
            let (files, diagnostics) = SourceWalker().walk([dir])
            #expect(diagnostics.isEmpty)
            #expect(files.map(\.displayPath) == expected.map { root + "/" + $0 })
        }
    }

    @Test("a missing path is reported, not fatal")
    func missing() {
        let (files, diagnostics) = SourceWalker().walk(["/definitely/not/here"])
        #expect(files.isEmpty)
        #expect(diagnostics.first?.message.contains("no such file") == true)
    }
}
