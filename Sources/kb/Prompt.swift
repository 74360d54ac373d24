import ArgumentParser
import Foundation
import KernelLab
import PromptSynth
import Retrieval
import Verification

/// `kb prompt --task NAME`
struct Prompt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the prompt an LLM would receive for a task.",
        discussion: """
            Sections, by priority: the rules (ABI, what the screen forbids, the reply format), the task (semantics, \
            shapes, tolerance, cost model), the hardware (kb hw) or OpenCL device, the target (speed of light, \
            baseline, best so far), feedback from earlier attempts on the task (verifications in this store), \
            retrieved exemplars ranked by relevance and by the value earned from past outcomes, and doc excerpts — \
            each citing store ids. The whole fits --budget-tokens (lowest priorities cut first); the output is \
            deterministic for the same store.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var lab: LabOptions
    @Option(name: .long, help: "Task name or path to a task.json.") var task: String
    @Option(name: .long, help: "c-simd or opencl.") var backend = "c-simd"
    @Option(name: .long, help: "OpenCL device (index or name substring).") var device: String?
    @Option(name: .long, help: "Threads the kernel will run with (default: all usable CPUs).") var threads: Int?
    @Option(name: .customLong("budget-tokens"), help: "Token budget.") var budgetTokens = 6000

    func validate() throws {
        guard Backend(rawValue: backend) != nil else { throw ValidationError("--backend must be c-simd or opencl") }
        try OptionChecks.integer(budgetTokens, "--budget-tokens", in: 200...10_000_000)
        if let threads { try OptionChecks.integer(threads, "--threads", in: 1...OptionChecks.maxThreads) }
    }

    func run() throws {
        let kernelTask: KernelTask
        do { kernelTask = try lab.catalog.load(task) } catch { throw UsageFailure(description: error.description) }
        do {
            let store = try KnowledgeStore(path: options.storePath)
            let b = Backend(rawValue: backend) ?? .cSIMD
            let verify = try lab.verifyOptions(store: store, backend: b, device: device, threads: threads, quiet: true)
            let feedback = try VerificationService(store: store).reports(task: kernelTask.name, backend: b).enumerated().map { i, r in
                AttemptFeedback(id: "v\(i + 1)", parent: nil, change: (r.candidate as NSString).lastPathComponent, report: r)
            }
            let prompt = try PromptSynthesizer(store: store, task: kernelTask, backend: b, hardware: verify.hardware, device: verify.device,
                                               threads: verify.threads).synthesize(feedback: feedback, budgetTokens: budgetTokens)
            print(options.json ? Terminal.snakeJSON(prompt) : prompt.text)
        } catch let e as RetrievalError {
            throw CommandFailure(description: e.description)
        } catch let e as LabError {
            throw CommandFailure(description: e.description)
        }
    }
}
