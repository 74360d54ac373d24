import Foundation
import KernelLab
public import PromptSynth
import Retrieval
public import Verification

/// What went wrong in generation, and what to do.
public enum GenerationError: Error, Sendable, CustomStringConvertible {
    /// The generator could not produce a candidate (with why).
    case generator(String)
    /// The LLM endpoint failed after retries.
    case endpoint(String)
    /// A store, verification or file problem.
    case lab(String)
    /// The options make no sense.
    case usage(String)

    /// What went wrong and what to do, for a person.
    public var description: String {
        switch self {
        case .generator(let s): return "generator: \(s)"
        case .endpoint(let s): return "LLM endpoint: \(s)"
        case .lab(let s): return s
        case .usage(let s): return s
        }
    }
}

/// A candidate kernel a generator proposes.
public struct Draft: Sendable, Codable, Hashable {
    /// The candidate source.
    public var source: String
    /// What it is or what changed from its parent, in a few words.
    public var change: String
    /// The attempt it was derived from.
    public var parent: String?
    /// Tunable parameters it was instantiated with.
    public var parameters: [String: String]
    /// The exemplar file it was built from, if any (credited with the outcome).
    public var template: String?

    /// A draft.
    public init(source: String, change: String, parent: String? = nil, parameters: [String: String] = [:], template: String? = nil) {
        self.source = source
        self.change = change
        self.parent = parent
        self.parameters = parameters
        self.template = template
    }
}

/// One finished attempt of the loop.
public struct Attempt: Sendable, Codable, Hashable {
    /// Attempt id (a1, a2, ...).
    public var id: String
    /// The draft.
    public var draft: Draft
    /// Where the candidate was written.
    public var file: String
    /// SHA-256 of the source.
    public var sourceHash: String
    /// The verification's summary.
    public var report: VerificationReport.Summary
    /// Seconds since the run started when it finished.
    public var elapsed: Double

    /// Whether it was accepted.
    public var accepted: Bool { report.verdict == "accepted" }
}

/// What a generator sees when asked for the next candidate.
public struct GenerationContext {
    /// The task.
    public var task: KernelTask
    /// The backend.
    public var backend: Backend
    /// Threads.
    public var threads: Int
    /// Earlier attempts of this run, oldest first.
    public var attempts: [Attempt]
    /// The prompt synthesizer (for generators that talk to models).
    public var synthesizer: PromptSynthesizer
    /// The prompt's token budget.
    public var budgetTokens: Int

    /// A context.
    public init(task: KernelTask, backend: Backend, threads: Int, attempts: [Attempt], synthesizer: PromptSynthesizer, budgetTokens: Int) {
        self.task = task
        self.backend = backend
        self.threads = threads
        self.attempts = attempts
        self.synthesizer = synthesizer
        self.budgetTokens = budgetTokens
    }

    /// The best accepted attempt (lowest median).
    public var best: Attempt? {
        attempts.filter(\.accepted).min { ($0.report.medianMs ?? .infinity) < ($1.report.medianMs ?? .infinity) }
    }

    /// Feedback for prompts.
    public var feedback: [AttemptFeedback] {
        attempts.map { AttemptFeedback(id: $0.id, parent: $0.draft.parent, change: $0.draft.change, summary: $0.report) }
    }
}

/// A source of candidate kernels: the seam between the loop and models, commands or search.
public protocol KernelGenerator {
    /// Name shown in reports and traces.
    var name: String { get }
    /// The next candidate, or nil when the generator has nothing more to try.
    mutating func next(_ context: GenerationContext) throws(GenerationError) -> Draft?
}

/// Extracts the code of a model's reply: the last fenced block (```c, ```cl, ```opencl or bare), else the whole reply
/// when it looks like code.
public func extractCode(_ reply: String) -> String? {
    var blocks: [String] = []
    var current: [Substring]?
    for line in reply.split(separator: "\n", omittingEmptySubsequences: false) {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("```") {
            if let c = current { blocks.append(c.joined(separator: "\n")); current = nil } else { current = [] }
            continue
        }
        current?.append(line)
    }
    if let last = blocks.last(where: { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) { return last + "\n" }
    if reply.contains("(") && reply.contains("{") && (reply.contains("void ") || reply.contains("__kernel")) { return reply }
    return nil
}

// MARK: - exec

/// Runs any command: the prompt on stdin, the candidate on stdout.
public struct ExecGenerator: KernelGenerator {
    /// The shell command.
    public var command: String
    /// Seconds per call.
    public var timeout: Double
    /// The generator's name in traces and reports.
    public var name: String { "exec" }

    /// A generator running `command`.
    public init(command: String, timeout: Double = 300) {
        self.command = command
        self.timeout = timeout
    }

    /// Runs the command with the prompt on stdin and takes the kernel from the code in its output.
    public mutating func next(_ context: GenerationContext) throws(GenerationError) -> Draft? {
        let prompt: SynthesizedPrompt
        do { prompt = try context.synthesizer.synthesize(feedback: context.feedback, budgetTokens: context.budgetTokens) } catch { throw .lab(error.description) }
        var env = ProcessEnvironment.current
        env["KB_TASK"] = context.task.name
        env["KB_BACKEND"] = context.backend.rawValue
        env["KB_ATTEMPT"] = String(context.attempts.count + 1)
        let out: ProcessRunner.Output
        do { out = try ProcessRunner.shell(command, input: prompt.text, timeout: timeout, environment: env) } catch { throw .generator(error.description) }
        if out.timedOut { throw .generator("'\(command)' ran past \(Int(timeout)) s") }
        guard out.status == 0 else { throw .generator("'\(command)' exited with \(out.status.map(String.init) ?? "a signal"): \(out.stderr.prefix(300))") }
        guard let code = extractCode(out.stdout) else { throw .generator("'\(command)' printed no code") }
        return Draft(source: code, change: "exec: \(command.prefix(60))", parent: context.best?.id)
    }
}
