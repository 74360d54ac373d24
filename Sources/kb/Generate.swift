import ArgumentParser
import Foundation
import Generation
import KernelLab
import PromptSynth
import Retrieval
import Verification

/// `kb generate --task NAME`
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a verified kernel: draft → verify → feedback → next, until the budget, the time or the target.",
        discussion: """
            Generators: search (default, offline: the knowledge base's exemplars as templates with tunable \
            parameters, searched from the best settings recorded for this machine, plus generic transformations \
            of the reference), llm (an OpenAI-compatible chat-completions endpoint; the key is read from \
            --api-key-env and never stored), exec (any command: the prompt on stdin, the kernel on stdout). \
            Every attempt is verified with kb verify, recorded as a trace, and kept in OUT/<task>/<backend>/ with \
            the best kernel and report.md; --resume continues an interrupted run.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var lab: LabOptions
    @Option(name: .long, help: "Task name or path to a task.json.") var task: String
    @Option(name: .long, help: "c-simd or opencl.") var backend = "c-simd"
    @Option(name: .long, help: "OpenCL device (index or name substring).") var device: String?
    @Option(name: .long, help: "search, llm or exec.") var generator = "search"
    @Option(name: .long, help: "Maximum attempts.") var budget = 12
    @Option(name: .long, help: "Time limit in seconds.") var time = 180.0
    @Option(name: .long, help: "Threads (default: all usable CPUs).") var threads: Int?
    @Option(name: .customLong("target-sol"), help: "Stop at this fraction of the speed of light.") var targetSOL = 0.9
    @Option(name: .long, help: "Output folder.") var out = "kb-out"
    @Flag(name: .long, help: "Continue an interrupted run in OUT.") var resume = false
    @Option(name: .customLong("budget-tokens"), help: "Prompt token budget (llm, exec).") var budgetTokens = 6000
    @Option(name: .long, help: "llm: base URL of the endpoint, e.g. http://127.0.0.1:8080/v1.") var endpoint: String?
    @Option(name: .long, help: "llm: model name.") var model: String?
    @Option(name: .customLong("api-key-env"), help: "llm: environment variable with the API key.") var apiKeyEnv = "OPENAI_API_KEY"
    @Option(name: .customLong("request-timeout"), help: "llm: seconds per request.") var requestTimeout = 180
    @Option(name: .long, help: "exec: the command to run.") var command: String?

    func validate() throws {
        guard Backend(rawValue: backend) != nil else { throw ValidationError("--backend must be c-simd or opencl") }
        guard ["search", "llm", "exec"].contains(generator) else { throw ValidationError("--generator must be search, llm or exec") }
        if generator == "llm", endpoint == nil || model == nil { throw ValidationError("--generator llm needs --endpoint and --model") }
        if generator == "exec", command == nil { throw ValidationError("--generator exec needs --command") }
        try OptionChecks.integer(budget, "--budget", in: 1...100_000)
        try OptionChecks.number(time, "--time", in: 0.001...604_800, unit: " seconds")
        try OptionChecks.number(targetSOL, "--target-sol", in: 0.001...100, unit: " (a fraction of the speed of light; a measured fraction can exceed 1 when the speed of light is estimated low, so set a large value to use the whole budget)")
        if let threads { try OptionChecks.integer(threads, "--threads", in: 1...OptionChecks.maxThreads) }
        try OptionChecks.integer(budgetTokens, "--budget-tokens", in: 200...10_000_000)
        try OptionChecks.integer(requestTimeout, "--request-timeout", in: 1...86_400)
    }

    func run() throws {
        let kernelTask: KernelTask
        do { kernelTask = try lab.catalog.load(task) } catch { throw UsageFailure(description: error.description) }
        do {
            let store = try KnowledgeStore(path: options.storePath)
            let b = Backend(rawValue: backend) ?? .cSIMD
            let verify = try lab.verifyOptions(store: store, backend: b, device: device, threads: threads, quiet: options.json)
            var settings = GenerateOptions()
            settings.budget = budget
            settings.timeLimit = time
            settings.targetSOL = targetSOL
            settings.outDirectory = out
            settings.resume = resume
            settings.budgetTokens = budgetTokens
            let gen: any KernelGenerator
            switch generator {
            case "llm":
                var s = LLMGenerator.Settings(baseURL: endpoint ?? "", model: model ?? "")
                s.apiKeyVariable = apiKeyEnv
                s.timeout = requestTimeout
                gen = LLMGenerator(settings: s, store: store)
            case "exec":
                gen = ExecGenerator(command: command ?? "")
            default:
                let fingerprint = b == .openCL ? (verify.device?.fingerprint ?? "opencl") : (verify.hardware?.fingerprint ?? "unprofiled")
                gen = SearchGenerator(store: store, fingerprint: fingerprint)
            }
            let loop = GenerationLoop(store: store, task: kernelTask, verify: verify, options: settings, generator: gen)
            let live = !options.json
            if live {
                print("kb generate: \(kernelTask.name) (\(b.rawValue)), generator \(generator), budget \(budget) attempts / \(Int(time)) s, target \(Int(targetSOL * 100)) % of speed of light")
                print("attempt  verdict                          median ms   % SOL   best ms  change")
            }
            let result = try loop.run { row in
                guard live else { return }
                let a = row.attempt
                let verdict = a.accepted ? "accepted" + (a.report.solFraction == nil ? "" : "") : "rejected: \(a.report.code ?? "?")"
                let median = a.report.medianMs.map { String(format: "%.3f", $0) } ?? "–"
                let sol = a.report.solFraction.map { String(format: "%.1f", $0 * 100) } ?? "–"
                let best = row.bestMs.map { String(format: "%.3f", $0) } ?? "–"
                print(a.id.padded(9) + verdict.padded(33) + median.padded(12) + sol.padded(8) + best.padded(9) + a.draft.change.prefix(60))
                fflush(nil)
            }
            if options.json {
                print(Terminal.snakeJSON(result))
            } else {
                print("\n\(result.stopReason). Best: \(result.best ?? "none")" + (result.bestFile.map { " → \($0)" } ?? "") + "; report: \(result.reportFile)")
            }
            if result.best == nil { throw ExitCode(1) }
        } catch let e as GenerationError {
            throw CommandFailure(description: e.description)
        } catch let e as RetrievalError {
            throw CommandFailure(description: e.description)
        }
    }
}
