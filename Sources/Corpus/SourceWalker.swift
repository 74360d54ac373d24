import Dispatch
import Foundation
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
    /// The file's (device, inode) when the walker found it, so a file reached twice (through a symbolic link to a
    /// folder walked anyway, or a hard link) is read once.
    var identity: [UInt64]? = nil

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

    /// Whether a file name is a build or packaging file that happens to have a text extension (`CMakeLists.txt`,
    /// `requirements.txt`): not documentation, and its words (target and package names) crowd real answers out.
    public static func isBuildFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "cmakelists.txt" || lower == "cmakecache.txt" || lower == "constraints.txt"
            || (lower.hasPrefix("requirements") && lower.hasSuffix(".txt"))
    }

    /// Creates a walker.
    public init() {}

    /// The files under `paths` that kb can read, in a stable order, plus diagnostics for what was skipped.
    public func walk(_ paths: [String]) -> (files: [SourceFile], diagnostics: [Diagnostic]) {
        var files: [SourceFile] = []
        var diagnostics: [Diagnostic] = []
        var seen = Set<String>()
        var identities: [[UInt64]: String] = [:]
        for input in paths {
            let absolute = FileSystem.absolute(input)
            switch FileSystem.status(absolute) {
            case .failure(let f):
                let error: CorpusError = f.errno == ENOENT ? .notFound(path: input) : .unreadable(path: input, reason: f.message)
                diagnostics.append(error.diagnostic(.error))
            case .success(let st) where st.isDirectory:
                // Displayed paths start with the walked folder's own name, so that two roots ingested together
                // (`kb ingest ~/clblast ~/xsimd`) never show the same path for different files.
                let rootName = absolute == "/" ? "" : (absolute.split(separator: "/").last.map(String.init) ?? "")
                let tree = walkFolder(absolute, relative: rootName, rules: IgnoreRules(), ancestors: [], status: st)
                for file in tree.files where seen.insert(file.path).inserted {
                    if let id = file.identity {
                        if let first = identities[id] {
                            diagnostics.append(Diagnostic(.warning, source: file.displayPath,
                                                          message: "same file as \(first) (a symbolic or hard link); read once, there"))
                            continue
                        }
                        identities[id] = file.displayPath
                    }
                    files.append(file)
                }
                diagnostics += tree.diagnostics
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

    /// What a folder's subtree holds, in walk order.
    struct Subtree: Sendable {
        var files: [SourceFile] = []
        var diagnostics: [Diagnostic] = []
    }

    /// Walks one folder. Its subfolders are walked in parallel (stat calls dominate a walk, and on a cold disk each
    /// waits for an inode read) and their results joined in name order, so the order is the sequential walk's.
    /// `ancestors` holds the (device, inode) of the folders above, to detect symbolic link loops.
    func walkFolder(_ folder: String, relative: String, rules inherited: IgnoreRules, ancestors: Set<[UInt64]>,
                    status: FileSystem.Status) -> Subtree {
        var tree = Subtree()
        var ancestors = ancestors
        guard ancestors.insert([status.device, status.inode]).inserted else {
            tree.diagnostics.append(Diagnostic(.warning, source: folder, message: "symbolic link loop: folder already visited; skipped"))
            return tree
        }
        let names: [String]
        switch FileSystem.list(folder) {
        case .success(let n): names = n
        case .failure(let f):
            tree.diagnostics.append(Diagnostic(.error, source: folder, message: "cannot list folder (\(f.message)); check its permissions"))
            return tree
        }
        var rules = inherited
        for ignoreFile in [".gitignore", ".kbignore"] where names.contains(ignoreFile) {
            if case .success(let bytes) = FileSystem.read(folder + "/" + ignoreFile, limit: 1 << 20) {
                rules.add(fileContents: String(decoding: bytes, as: UTF8.self), base: relative)
            }
        }
        // Entries in name order; a subfolder's slot is filled by its own walk.
        enum Entry { case file(SourceFile), diagnostic(Diagnostic), folder(Int) }
        var entries: [Entry] = []
        var found: [(path: String, relative: String, status: FileSystem.Status)] = []
        for name in names {
            let path = folder + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            let st: FileSystem.Status
            switch FileSystem.status(path) {
            case .success(let s): st = s
            case .failure(let f):
                if case .success(let l) = FileSystem.status(path, followLinks: false), l.isSymlink {
                    entries.append(.diagnostic(Diagnostic(.warning, source: rel, message: "broken or looping symbolic link (\(f.message)); skipped")))
                } else {
                    entries.append(.diagnostic(Diagnostic(.error, source: rel, message: "cannot read (\(f.message)); check its permissions")))
                }
                continue
            }
            if st.isDirectory {
                if Self.skippedFolders.contains(name) || rules.isIgnored(rel, isDirectory: true) { continue }
                entries.append(.folder(found.count))
                found.append((path, rel, st))
            } else if st.isRegular {
                if name.hasPrefix(".") || Self.isBuildFile(name) || rules.isIgnored(rel, isDirectory: false) { continue }
                guard let format = DocumentFormat.fromPath(name) else { continue }
                var file = SourceFile(path: path, displayPath: rel, format: format, size: st.size, modified: st.modified)
                file.identity = [st.device, st.inode]
                entries.append(.file(file))
            }
        }
        let subfolders = found, walkRules = rules, walkAncestors = ancestors
        let subtrees = ResultBox<Subtree>(count: subfolders.count)
        let walker = self
        let walkOne: @Sendable (Int) -> Void = { i in
            let sub = subfolders[i]
            subtrees.set(i, walker.walkFolder(sub.path, relative: sub.relative, rules: walkRules, ancestors: walkAncestors,
                                              status: sub.status))
        }
        if subfolders.count > 1 {
            DispatchQueue.concurrentPerform(iterations: subfolders.count, execute: walkOne)
        } else {
            for i in subfolders.indices { walkOne(i) }
        }
        for entry in entries {
            switch entry {
            case .file(let file): tree.files.append(file)
            case .diagnostic(let d): tree.diagnostics.append(d)
            case .folder(let i):
                guard let sub = subtrees.take(i) else { continue }
                tree.files += sub.files
                tree.diagnostics += sub.diagnostics
            }
        }
        return tree
    }
}

/// Slots written by concurrent walkers, each by exactly one, and read after they all finished.
final class ResultBox<T>: @unchecked Sendable {
    private var values: [T?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: T) { lock.lock(); values[i] = value; lock.unlock() }

    func take(_ i: Int) -> T? { lock.lock(); defer { lock.unlock() }; return values[i] }
}
