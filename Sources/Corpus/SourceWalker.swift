import Glibc

/// A file found by the walker, not yet read.
public struct SourceFile: Sendable, Hashable {
    /// Absolute path: the document's identity in the store.
    public var path: String
    /// Path shown to users: the walked folder's name and the path below it (e.g. `corpus/kernels/c/x.c`).
    public var displayPath: String
    /// The format implied by its extension.
    public var format: DocumentFormat
    /// Size in bytes.
    public var size: Int
    /// Modification time (seconds since the epoch).
    public var modified: Double

    /// Creates a file description.
    public init(path: String, displayPath: String, format: DocumentFormat, size: Int, modified: Double) {
        self.path = path; self.displayPath = displayPath; self.format = format; self.size = size; self.modified = modified
    }
}

/// Walks files and folders, skipping VCS and build folders, ignored paths, unsupported types and symlink loops.
public struct SourceWalker: Sendable {
    /// Folder names never descended into.
    public static let skippedFolders: Set<String> = [
        ".git", ".hg", ".svn", ".bzr", "_darcs", ".build", "build", "node_modules", "__pycache__", ".venv", "venv",
        "target", "dist", "CMakeFiles", ".cache", ".idea", ".vscode", ".swiftpm", ".tox", ".mypy_cache", ".pytest_cache",
        "DerivedData", ".gradle", "out",
    ]

    /// Creates a walker.
    public init() {}

    /// The files under `paths` that kb can read, in a stable order, plus diagnostics for what was skipped.
    public func walk(_ paths: [String]) -> (files: [SourceFile], diagnostics: [Diagnostic]) {
        var files: [SourceFile] = []
        var diagnostics: [Diagnostic] = []
        var seen = Set<String>()
        for input in paths {
            let absolute = FileSystem.absolute(input)
            switch FileSystem.status(absolute) {
            case .failure(let f):
                let error: CorpusError = f.errno == ENOENT ? .notFound(path: input) : .unreadable(path: input, reason: f.message)
                diagnostics.append(error.diagnostic(.error))
            case .success(let st) where st.isDirectory:
                var visited = Set<[UInt64]>()
                // Displayed paths start with the walked folder's own name, so that two roots ingested together
                // (`kb ingest ~/clblast ~/xsimd`) never show the same path for different files.
                let rootName = absolute == "/" ? "" : (absolute.split(separator: "/").last.map(String.init) ?? "")
                walkFolder(absolute, relative: rootName, rules: IgnoreRules(), visited: &visited, files: &files,
                           diagnostics: &diagnostics, seen: &seen, status: st)
            case .success(let st):
                guard let format = DocumentFormat.fromPath(absolute) else {
                    diagnostics.append(CorpusError.unsupportedType(path: input).diagnostic(.error))
                    continue
                }
                if seen.insert(absolute).inserted {
                    let display = absolute.split(separator: "/").last.map(String.init) ?? input
                    files.append(SourceFile(path: absolute, displayPath: display, format: format, size: st.size, modified: st.modified))
                }
            }
        }
        return (files, diagnostics)
    }

    func walkFolder(_ folder: String, relative: String, rules inherited: IgnoreRules, visited: inout Set<[UInt64]>,
                    files: inout [SourceFile], diagnostics: inout [Diagnostic], seen: inout Set<String>,
                    status: FileSystem.Status) {
        guard visited.insert([status.device, status.inode]).inserted else {
            diagnostics.append(Diagnostic(.warning, source: folder, message: "symbolic link loop: folder already visited; skipped"))
            return
        }
        defer { visited.remove([status.device, status.inode]) }
        let names: [String]
        switch FileSystem.list(folder) {
        case .success(let n): names = n
        case .failure(let f):
            diagnostics.append(Diagnostic(.error, source: folder, message: "cannot list folder (\(f.message)); check its permissions"))
            return
        }
        var rules = inherited
        for ignoreFile in [".gitignore", ".kbignore"] where names.contains(ignoreFile) {
            if case .success(let bytes) = FileSystem.read(folder + "/" + ignoreFile, limit: 1 << 20) {
                rules.add(fileContents: String(decoding: bytes, as: UTF8.self), base: relative)
            }
        }
        for name in names {
            let path = folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            let st: FileSystem.Status
            switch FileSystem.status(path) {
            case .success(let s): st = s
            case .failure(let f):
                if case .success(let l) = FileSystem.status(path, followLinks: false), l.isSymlink {
                    diagnostics.append(Diagnostic(.warning, source: rel, message: "broken or looping symbolic link (\(f.message)); skipped"))
                } else {
                    diagnostics.append(Diagnostic(.error, source: rel, message: "cannot read (\(f.message)); check its permissions"))
                }
                continue
            }
            if st.isDirectory {
                if Self.skippedFolders.contains(name) || rules.isIgnored(rel, isDirectory: true) { continue }
                walkFolder(path, relative: rel, rules: rules, visited: &visited, files: &files, diagnostics: &diagnostics,
                           seen: &seen, status: st)
            } else if st.isRegular {
                if name.hasPrefix(".") || rules.isIgnored(rel, isDirectory: false) { continue }
                guard let format = DocumentFormat.fromPath(name) else { continue }
                if seen.insert(path).inserted {
                    files.append(SourceFile(path: path, displayPath: rel, format: format, size: st.size, modified: st.modified))
                }
            }
        }
    }
}

