import ArgumentParser

/// The `kb` command: a retrieval-augmented kernel knowledge base.
@main
struct KB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "A retrieval-augmented kernel knowledge base.",
        discussion: """
            kb ingests kernel sources (C/SIMD, OpenCL, CUDA, Triton), hardware docs (Markdown, HTML, XML, text) and \
            optimization traces (JSONL) into one SQLite store and answers hybrid queries over them; it verifies kernels \
            (C SIMD and OpenCL) against tasks and the hardware's speed of light, and generates them in a \
            draft → verify → feedback loop.
            The store lives at $KB_STORE, else $XDG_DATA_HOME/kb/kb.sqlite, else ~/.local/share/kb/kb.sqlite; \
            --store PATH overrides.
            """,
        version: "0.1.0",
        subcommands: [Ingest.self, Query.self, Show.self, Stats.self, Eval.self, Tasks.self, Hardware.self, Verify.self, Prompt.self, Generate.self])

    /// Runs the command; usage problems exit with status 2, failures with 1 (`kb verify` also uses 1 for a rejection).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as UsageFailure {
            Terminal.error(failure.description)
            exit(withError: ExitCode(2))
        } catch {
            if exitCode(for: error) == .validationFailure {
                Terminal.stderr(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
