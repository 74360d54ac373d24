/// The system C compiler used for candidates, references and kb's own harness.
public struct CCompiler: Sendable, Codable, Hashable {
    /// The command (`cc`, `gcc`, `clang` or a path).
    public var command: String
    /// First line of `--version`.
    public var version: String

    /// Whether this is GCC (vectorizer remarks and OpenMP runtime differ from clang).
    public var isGCC: Bool { !version.lowercased().contains("clang") }

    /// Optimization flags for candidates and references.
    public static let optimizationFlags = ["-O3", "-march=native"]

    /// Finds `command` and reads its version.
    public static func detect(_ command: String = "cc") throws(VerificationError) -> CCompiler {
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-cc") else {
            throw .io(path: "/tmp", reason: "cannot create a temporary folder")
        }
        defer { FileSystem.removeTree(dir) }
        let out = dir + "/version.txt"
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess(executable: command, arguments: ["--version"], environment: ["PATH": ProcessEnvironment.current["PATH"] ?? "/usr/bin:/bin"],
                                       stdoutPath: out, stderrPath: dir + "/err.txt", timeout: 20).run()
        } catch {
            throw .compilerUnavailable("'\(command)' could not be started")
        }
        guard outcome.termination == .exited(0) else { throw .compilerUnavailable("'\(command) --version' failed") }
        let text = String(decoding: FileSystem.read(out) ?? [], as: UTF8.self)
        let first = text.split(separator: "\n").first.map(String.init) ?? command
        return CCompiler(command: command, version: first)
    }

    /// Result of one compiler invocation.
    struct Invocation {
        var succeeded: Bool
        var diagnostics: String
        var timedOut: Bool
    }

    /// Runs the compiler with `arguments` in `directory`.
    func run(_ arguments: [String], in directory: String, timeout: Double = 120) throws(VerificationError) -> Invocation {
        let errPath = directory + "/cc-\(arguments.count)-\(Int(Clock.now() * 1e6) % 1_000_000).txt"
        let outcome = try ChildProcess(executable: command, arguments: arguments,
                                       environment: ["PATH": ProcessEnvironment.current["PATH"] ?? "/usr/bin:/bin", "LANG": "C", "LC_ALL": "C"],
                                       workingDirectory: directory, stdoutPath: errPath + ".out", stderrPath: errPath, timeout: timeout).run()
        let text = String(decoding: FileSystem.read(errPath) ?? [], as: UTF8.self)
        FileSystem.remove(errPath)
        FileSystem.remove(errPath + ".out")
        return Invocation(succeeded: outcome.termination == .exited(0), diagnostics: text, timedOut: outcome.termination == .timedOut)
    }
}
