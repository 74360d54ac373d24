import ArgumentParser
import Foundation
import KernelLab
import Retrieval
import Verification

/// `kb verify --task NAME FILE.c`
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Screen, compile, check and time a candidate kernel against a task.",
        discussion: """
            Stages: screen (source and object checks), compile (-O3 -march=native), correctness (every test shape, \
            fresh-input rounds, adversarial inputs, guard pages, read-only inputs, determinism and late-write checks, \
            in a sandboxed child with time and memory limits) and performance (cache flushed before every timed run; \
            median, spread, GB/s, % of speed of light, speedup over the reference, SOL score). \
            Exit status: 0 accepted, 1 rejected, 2 usage error. Every verification is recorded as a trace in the \
            store (kb query --kind trace); an unchanged kernel is answered from the cache.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var lab: LabOptions
    @Option(name: .long, help: "Task name or path to a task.json.") var task: String
    @Option(name: .long, help: "Backend: c-simd or opencl.") var backend = "c-simd"
    @Option(name: .long, help: "OpenCL device: index (see kb hw) or a name substring (default: the first GPU, else the first device).") var device: String?
    @Option(name: .long, help: "Threads for the candidate (default: all usable CPUs).") var threads: Int?
    @Option(name: .long, help: "Fresh-input correctness rounds per test shape (at least 10).") var rounds = 10
    @Option(name: .long, help: "Seed for the random inputs (default: random; the report prints it).") var seed: UInt64?
    @Flag(name: .customLong("no-perf"), help: "Skip the performance stage.") var noPerformance = false
    @Flag(name: .customLong("no-cache"), help: "Verify again even if this exact kernel was verified before.") var noCache = false
    @Flag(name: .long, help: "Keep the work folder (printed) for debugging.") var keep = false
    @Argument(help: "The candidate C file.") var file: String

    func validate() throws {
        guard Backend(rawValue: backend) != nil else { throw ValidationError("--backend must be c-simd or opencl, not \(backend)") }
        if let threads { try OptionChecks.integer(threads, "--threads", in: 1...OptionChecks.maxThreads) }
        try OptionChecks.integer(rounds, "--rounds", in: 10...100_000)  // at least 10: the verification policy
    }

    func run() throws {
        let kernelTask: KernelTask
        do { kernelTask = try lab.catalog.load(task) } catch { throw UsageFailure(description: error.description) }
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw UsageFailure(description: "\(file): cannot read the candidate kernel (give the path of a .c file)")
        }
        do {
            let store = try KnowledgeStore(path: options.storePath)
            var verify = try lab.verifyOptions(store: store, backend: Backend(rawValue: backend) ?? .cSIMD, device: device, threads: threads, quiet: options.json)
            verify.rounds = rounds
            verify.seed = seed
            verify.measurePerformance = !noPerformance
            verify.keepWorkDirectory = keep
            let report = try VerificationService(store: store).verify(task: kernelTask, file: file, options: verify, useCache: !noCache && seed == nil)
            print(options.json ? Terminal.snakeJSON(report) : ReportText.render(report))
            if report.verdict == .rejected { throw ExitCode(1) }
        } catch let e as LabError {
            throw CommandFailure(description: e.description)
        } catch let e as RetrievalError {
            throw CommandFailure(description: e.description)
        }
    }
}

/// A usage problem (unknown task, unreadable file): exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
}
