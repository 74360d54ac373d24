import ArgumentParser
import Verification

/// Options shared by the commands that compile and run kernels.
struct LabOptions: ParsableArguments {
    @Option(name: .long, help: "C compiler for candidates, references and probes.")
    var cc = "cc"

    @Option(name: .long, help: "Task folder to search first (default: $KB_TASKS, ./corpus/tasks, the corpus beside the kb binary).")
    var tasks: [String] = []

    @Option(name: .customLong("cache-dir"), help: "Build and baseline cache (default: $XDG_CACHE_HOME/kb/verify or ~/.cache/kb/verify).")
    var cacheDirectory: String?

    var catalog: TaskCatalog { TaskCatalog(folders: tasks) }
    var cachePath: String { cacheDirectory ?? VerifyOptions.defaultCacheDirectory() }

    func compiler() throws -> CCompiler {
        do { return try CCompiler.detect(cc) } catch { throw CommandFailure(description: error.description) }
    }
}
