import Foundation
import KernelLab
import PromptSynth
public import Retrieval
public import Verification

/// Settings of a `kb generate` run.
public struct GenerateOptions: Sendable {
    /// Maximum attempts.
    public var budget = 12
    /// Wall-clock limit (seconds).
    public var timeLimit = 180.0
    /// Stop when the best accepted attempt reaches this fraction of the speed of light.
    public var targetSOL = 0.9
    /// Output folder; the run lives in `<out>/<task>/<backend>/`.
    public var outDirectory = "kb-out"
    /// Continue an interrupted run in the same folder.
    public var resume = false
    /// Prompt token budget (for model generators).
    public var budgetTokens = 6000

    /// Defaults.
    public init() {}
}

/// One row of the live table.
public struct AttemptRow: Sendable {
    /// The attempt.
    public var attempt: Attempt
    /// Best median so far (ms).
    public var bestMs: Double?
    /// Speed-of-light time (ms).
    public var solMs: Double?
}

/// The outcome of a run.
public struct GenerationResult: Sendable, Codable {
    /// Task.
    public var task: String
    /// Backend.
    public var backend: String
    /// Generator.
    public var generator: String
    /// Every attempt, oldest first.
    public var attempts: [Attempt]
    /// The best accepted attempt's id.
    public var best: String?
    /// Whether the target fraction of the speed of light was reached.
    public var reachedTarget: Bool
    /// Why the loop stopped.
    public var stopReason: String
    /// The best kernel's path.
    public var bestFile: String?
    /// The Markdown report's path.
    public var reportFile: String
    /// Speed-of-light time (ms) at the benchmark shape.
    public var solMs: Double?
    /// Baseline time (ms).
    public var baselineMs: Double?
    /// Target fraction.
    public var targetSOL: Double
}

/// draft → verify → feedback → next candidate, with a lineage tree, traces, exemplar credit and a report.
public final class GenerationLoop {
    let store: KnowledgeStore
    let task: KernelTask
    let verify: VerifyOptions
    let options: GenerateOptions
    var generator: any KernelGenerator
    let synthesizer: PromptSynthesizer

    /// A loop for `task` with `generator`.
    public init(store: KnowledgeStore, task: KernelTask, verify: VerifyOptions, options: GenerateOptions, generator: any KernelGenerator) {
        self.store = store
        self.task = task
        self.verify = verify
        self.options = options
        self.generator = generator
        self.synthesizer = PromptSynthesizer(store: store, task: task, backend: verify.backend, hardware: verify.hardware, device: verify.device, threads: verify.threads)
    }

    /// The run folder.
    public var folder: String { "\(options.outDirectory)/\(task.name)/\(verify.backend.rawValue)" }
    var fingerprint: String { verify.backend == .openCL ? (verify.device?.fingerprint ?? "opencl") : (verify.hardware?.fingerprint ?? "unprofiled") }
    var ext: String { verify.backend == .openCL ? "cl" : "c" }

    struct State: Codable {
        var task: String
        var backend: String
        var generator: String
        var attempts: [Attempt]
    }

    /// Runs until the budget, the time limit or the target; `progress` sees every attempt.
    public func run(progress: (AttemptRow) -> Void = { _ in }) throws(GenerationError) -> GenerationResult {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: folder + "/attempts", withIntermediateDirectories: true) } catch {
            throw .lab("cannot create \(folder): \(error.localizedDescription)")
        }
        let statePath = folder + "/run.json"
        var attempts: [Attempt] = []
        if options.resume, let data = fm.contents(atPath: statePath) {
            guard let state = try? JSONDecoder().decode(State.self, from: data) else { throw .lab("\(statePath): not a kb generate state file; remove it or drop --resume") }
            guard state.task == task.name, state.backend == verify.backend.rawValue else {
                throw .usage("\(statePath) belongs to \(state.task)/\(state.backend), not \(task.name)/\(verify.backend.rawValue)")
            }
            attempts = state.attempts
        }
        let start = Date()
        let sol = synthesizer.speedOfLight()?.ms
        var stopReason = "the generator had no more candidates"
        var failures = 0
        func bestAttempt() -> Attempt? { attempts.filter(\.accepted).min { ($0.report.medianMs ?? .infinity) < ($1.report.medianMs ?? .infinity) } }
        func reached() -> Bool {
            guard let best = bestAttempt() else { return false }
            return (best.report.solFraction ?? 0) >= options.targetSOL
        }
        let service = VerificationService(store: store)
        while true {
            if reached() { stopReason = "reached \(Int(options.targetSOL * 100)) % of the speed of light"; break }
            if attempts.count >= options.budget { stopReason = "used the budget of \(options.budget) attempts"; break }
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= options.timeLimit { stopReason = "used the time limit of \(Int(options.timeLimit)) s"; break }
            // Budget by what is left: an attempt that cannot finish in the remaining time is not started, and a
            // search that stopped improving stops (the last 4 attempts did not beat the best by 1 %).
            let runAttempts = attempts.filter { $0.elapsed > 0 }
            if runAttempts.count >= 2 {
                let typical = runAttempts.last!.elapsed / Double(runAttempts.count)
                if elapsed + typical > options.timeLimit {
                    stopReason = "stopped before the time limit: another attempt takes about \(Int(typical)) s and \(Int(options.timeLimit - elapsed)) s remain"
                    break
                }
            }
            if attempts.count >= 6, let best = bestAttempt()?.report.medianMs {
                let earlier = attempts.dropLast(4).filter(\.accepted).compactMap(\.report.medianMs).min() ?? .infinity
                if best > earlier * 0.99 {
                    stopReason = "converged: the last 4 attempts did not improve on \(String(format: "%.3f", best)) ms"
                    break
                }
            }
            let context = GenerationContext(task: task, backend: verify.backend, threads: verify.threads, attempts: attempts,
                                            synthesizer: synthesizer, budgetTokens: options.budgetTokens)
            let draft: Draft
            do {
                guard let d = try generator.next(context) else { break }
                draft = d
            } catch {
                failures += 1
                if failures >= 3 { throw error }
                continue
            }
            let id = "a\(attempts.count + 1)"
            let file = "\(folder)/attempts/\(id).\(ext)"
            guard fm.createFile(atPath: file, contents: Data(draft.source.utf8)) else { throw .lab("cannot write \(file)") }
            let report: VerificationReport
            do {
                report = try service.verify(task: task, file: file, options: verify, useCache: true,
                                            lineage: .init(attempt: id, parent: draft.parent, change: draft.change, parameters: draft.parameters, generator: generator.name))
            } catch {
                throw .lab(error.description)
            }
            let attempt = Attempt(id: id, draft: draft, file: file, sourceHash: report.sourceHash, report: report.summary, elapsed: Date().timeIntervalSince(start))
            attempts.append(attempt)
            if let template = draft.template { try? synthesizer.credit(template, report: report) }
            SearchGenerator.record(store: store, task: task.name, backend: verify.backend, fingerprint: fingerprint, threads: verify.threads, attempt: attempt)
            if let data = try? JSONEncoder().encode(State(task: task.name, backend: verify.backend.rawValue, generator: generator.name, attempts: attempts)) {
                _ = fm.createFile(atPath: statePath, contents: data)
            }
            progress(AttemptRow(attempt: attempt, bestMs: bestAttempt()?.report.medianMs, solMs: sol))
        }
        let best = bestAttempt()
        var bestFile: String?
        if let best, let data = fm.contents(atPath: best.file) {
            bestFile = "\(folder)/best.\(ext)"
            _ = fm.createFile(atPath: bestFile!, contents: data)
        }
        var result = GenerationResult(task: task.name, backend: verify.backend.rawValue, generator: generator.name, attempts: attempts, best: best?.id,
                                      reachedTarget: reached(), stopReason: stopReason, bestFile: bestFile, reportFile: "\(folder)/report.md",
                                      solMs: sol, baselineMs: attempts.compactMap(\.report.baselineMs).first, targetSOL: options.targetSOL)
        if attempts.isEmpty { result.stopReason = stopReason }
        _ = fm.createFile(atPath: result.reportFile, contents: Data(GenerationReport.markdown(result, task: task).utf8))
        return result
    }
}

/// The Markdown report of a run, with a chart of time per attempt against the speed-of-light and baseline lines.
public enum GenerationReport {
    /// The report.
    public static func markdown(_ r: GenerationResult, task: KernelTask) -> String {
        var s = "# kb generate: \(r.task) (\(r.backend), generator \(r.generator))\n\n"
        s += "Stopped: \(r.stopReason). " + (r.reachedTarget ? "Target reached." : "Target (\(Int(r.targetSOL * 100)) % of the speed of light) not reached.") + "\n\n"
        if let best = r.attempts.first(where: { $0.id == r.best }) {
            s += "Best: **\(best.id)** — \(f(best.report.medianMs)) ms"
            if let x = best.report.solFraction { s += ", \(f(x * 100)) % of the speed of light" }
            if let x = best.report.speedup { s += ", \(f(x))× the baseline" }
            if let x = best.report.solScore { s += ", SOL score \(f(x))" }
            s += " (`\(r.bestFile ?? best.file)`).\n\n"
        }
        // Each attempt's % of the speed of light is against the speed of light its verification computed (from the
        // memory bandwidth measured beside its runs, which follows the machine's load); the figures below are those,
        // and the machine profile's figure is named beside them when it differs.
        let best = r.attempts.first { $0.id == r.best }
        let scoredSOL = best?.report.solMs ?? r.attempts.lazy.compactMap(\.report.solMs).first
        s += "Speed of light \(f(scoredSOL ?? r.solMs)) ms"
        if let scored = scoredSOL, let profile = r.solMs, abs(scored - profile) > 0.02 * profile {
            s += " (at the memory bandwidth measured beside the \(best == nil ? "first timed" : "best") attempt's runs, which "
                + "its % of the speed of light is against; the machine profile's bandwidth gives \(f(profile)) ms)"
        }
        s += "; baseline (scalar reference) \(f(r.baselineMs)) ms; benchmark shape \(task.benchShapes.first.map { task.describe($0) } ?? "").\n\n"
        let timed = r.attempts.filter { $0.report.medianMs != nil }
        if !timed.isEmpty {
            let solLine = timed.map { $0.report.solMs ?? r.solMs }
            let ys = timed.compactMap(\.report.medianMs) + solLine.compactMap { $0 } + [r.baselineMs].compactMap { $0 }
            s += "```mermaid\nxychart-beta\n    title \"\(r.task): time per accepted attempt (ms)\"\n"
            s += "    x-axis [" + timed.map { "\"\($0.id)\"" }.joined(separator: ", ") + "]\n"
            s += "    y-axis \"ms\" 0 --> \(f((ys.max() ?? 1) * 1.1))\n"
            s += "    line [" + timed.map { f($0.report.medianMs) }.joined(separator: ", ") + "]\n"
            if solLine.allSatisfy({ $0 != nil }) { s += "    line [" + solLine.map { f($0) }.joined(separator: ", ") + "]\n" }
            if let b = r.baselineMs { s += "    line [" + timed.map { _ in f(b) }.joined(separator: ", ") + "]\n" }
            s += "```\n\nLines: attempts, speed of light, baseline.\n\n"
        }
        s += "| attempt | parent | change | verdict | median ms | SOL ms | % SOL | speedup | SOL score | at (s) |\n|---|---|---|---|---|---|---|---|---|---|\n"
        for a in r.attempts {
            let verdict = a.accepted ? "accepted" : "rejected at \(a.report.stage ?? "?") (\(a.report.code ?? "?"))"
            s += "| \(a.id) | \(a.draft.parent ?? "–") | \(a.draft.change.replacingOccurrences(of: "|", with: "/")) | \(verdict) | \(f(a.report.medianMs)) | "
            s += "\(f(a.report.solMs)) | \(a.report.solFraction.map { f($0 * 100) } ?? "–") | \(a.report.speedup.map { f($0) + "×" } ?? "–") | "
            s += "\(f(a.report.solScore)) | \(f(a.elapsed)) |\n"
        }
        let rejected = r.attempts.filter { !$0.accepted }
        if !rejected.isEmpty {
            s += "\n## Rejections\n\n" + rejected.map { "- \($0.id): \($0.report.reason ?? "")" }.joined(separator: "\n") + "\n"
        }
        return s
    }

    static func f(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        return v >= 100 ? String(format: "%.0f", v) : v >= 1 ? String(format: "%.2f", v) : String(format: "%.3f", v)
    }
}
