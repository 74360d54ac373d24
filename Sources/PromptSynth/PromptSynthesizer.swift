import Foundation
public import Retrieval
public import Verification
import Corpus

/// One part of a synthesized prompt.
public struct PromptSection: Sendable, Codable, Hashable {
    /// Stable id: rules, task, hardware, target, feedback, exemplars, docs.
    public var id: String
    /// Heading.
    public var title: String
    /// 0 is kept first; higher numbers are cut first when the budget is short.
    public var priority: Int
    /// The section's text (Markdown).
    public var text: String
    /// Store chunk ids the section cites (provenance).
    public var citations: [Int64]
    /// Estimated tokens (bytes / 4).
    public var tokens: Int
    /// Whether the section was shortened to fit the budget.
    public var truncated: Bool
}

/// What an LLM receives: the sections in order, within a token budget.
public struct SynthesizedPrompt: Sendable, Codable {
    /// Task name.
    public var task: String
    /// Backend.
    public var backend: String
    /// The budget asked for.
    public var budgetTokens: Int
    /// Tokens used (estimated).
    public var totalTokens: Int
    /// Sections in reading order.
    public var sections: [PromptSection]

    /// The prompt as one Markdown text.
    public var text: String { sections.map { "## \($0.title)\n\n\($0.text)" }.joined(separator: "\n\n") + "\n" }
}

/// What happened in an earlier attempt on the task (from the generate loop or the store's verification cache).
public struct AttemptFeedback: Sendable, Codable, Hashable {
    /// Attempt id.
    public var id: String
    /// Parent attempt id.
    public var parent: String?
    /// What changed from the parent.
    public var change: String?
    /// Verification report of the attempt.
    public var report: VerificationReport.Summary

    /// An attempt from its report.
    public init(id: String, parent: String?, change: String?, report: VerificationReport) {
        self.init(id: id, parent: parent, change: change, summary: report.summary)
    }

    /// An attempt from a report summary.
    public init(id: String, parent: String?, change: String?, summary: VerificationReport.Summary) {
        self.id = id
        self.parent = parent
        self.change = change
        self.report = summary
    }
}

/// The value an exemplar earned from the outcomes it led to (EvoKernel-style memory).
public struct ExemplarValue: Sendable, Codable, Hashable {
    /// Times it was used as a template or shown in a prompt that led to an attempt.
    public var uses = 0
    /// Attempts built on it that were accepted.
    public var accepted = 0
    /// Best SOL fraction an attempt built on it reached.
    public var bestSOL = 0.0
    /// Best speedup over the baseline.
    public var bestSpeedup = 0.0

    /// A value in [-1, 1]: 0 when unused; (accepted − rejected) / (uses + 1), plus half the best SOL fraction
    /// reached once something built on it was accepted. Negative when what was built on it kept failing.
    public var score: Double {
        guard uses > 0 else { return 0 }
        let balance = Double(accepted - (uses - accepted)) / Double(uses + 1)
        let speed = accepted > 0 ? 0.5 * min(1, bestSOL) : 0
        return max(-1, min(1, balance + speed))
    }

    /// A fresh value.
    public init() {}
}

/// A retrieved exemplar.
public struct Exemplar: Sendable, Codable, Hashable {
    /// Chunk id (provenance).
    public var id: Int64
    /// Displayed path and lines.
    public var path: String
    /// File on disk.
    public var source: String
    /// Title.
    public var title: String
    /// The chunk text.
    public var text: String
    /// Retrieval score (RRF).
    public var relevance: Double
    /// Earned value.
    public var value: Double
    /// Ranking score: relevance and value combined.
    public var score: Double
}

/// Builds runtime-aware prompts from the task, the hardware, the targets, past attempts and the knowledge base.
public struct PromptSynthesizer {
    /// The store.
    public let store: KnowledgeStore
    /// The task.
    public let task: KernelTask
    /// The backend.
    public let backend: Backend
    /// The CPU profile.
    public let hardware: HardwareProfile?
    /// The OpenCL device (OpenCL backend).
    public let device: OpenCLDevice?
    /// Threads (C SIMD).
    public let threads: Int

    /// A synthesizer.
    public init(store: KnowledgeStore, task: KernelTask, backend: Backend, hardware: HardwareProfile?, device: OpenCLDevice? = nil, threads: Int) {
        self.store = store
        self.task = task
        self.backend = backend
        self.hardware = hardware
        self.device = device
        self.threads = threads
    }

    static let valueNamespace = "exemplar-value"

    /// The op tag of the task in the store's metadata.
    public var opTag: String {
        let map = ["matmul": "gemm", "bmm": "gemm", "row_sum": "reduction", "row_max": "reduction", "cumsum": "scan", "conv2d": "convolution",
                   "maxpool2d": "pooling", "relu": "activation"]
        return map[task.name] ?? task.name
    }

    /// Earned value of the exemplar stored from `source`.
    public func value(of source: String) -> ExemplarValue {
        guard let bytes = try? store.artifact(namespace: Self.valueNamespace, key: source),
              let v = try? JSONDecoder().decode(ExemplarValue.self, from: Data(bytes)) else { return ExemplarValue() }
        return v
    }

    /// Records an outcome for the exemplar from `source`.
    public func credit(_ source: String, report: VerificationReport) throws(PromptSynthError) {
        var v = value(of: source)
        v.uses += 1
        if report.verdict == .accepted {
            v.accepted += 1
            if let p = report.performance.first {
                v.bestSOL = max(v.bestSOL, p.solFraction ?? 0)
                v.bestSpeedup = max(v.bestSpeedup, p.speedup ?? 0)
            }
        }
        if let data = try? JSONEncoder().encode(v) {
            try PromptSynthError.fromStore { () throws(RetrievalError) in try store.putArtifact(namespace: Self.valueNamespace, key: source, value: Array(data)) }
        }
    }

    /// Kernel exemplars for the task: hybrid retrieval filtered by backend and op (then ISA when it helps),
    /// deduplicated by file, ranked by relevance and earned value; for C SIMD, assembly only when C files are too few.
    public func exemplars(limit: Int = 4) throws(PromptSynthError) -> [Exemplar] {
        let service = QueryService(store: store)
        let text = "\(task.name) \(task.family) \(task.entry) kernel " + (backend == .openCL ? "work-group local memory" : "\(hardware?.isa ?? "avx512") simd")
        var filters = QueryFilters(kind: .kernel, backend: backend.rawValue, op: opTag)
        var hits = try PromptSynthError.fromStore { () throws(RetrievalError) in try service.search(SearchQuery(text: text, filters: filters, limit: 48)).hits }
        if hits.isEmpty {
            filters.op = nil
            let widened = filters
            hits = try PromptSynthError.fromStore { () throws(RetrievalError) in try service.search(SearchQuery(text: text, filters: widened, limit: 48)).hits }
        }
        // Candidates are written in C: assembly (a BLAS library's micro-kernels, backend `c-simd` too) is shown only when
        // too few C files fill the places.
        if backend == .cSIMD {
            let inC = hits.filter { $0.language != "asm" }
            // Files as the loop below counts them: distinct by source and by displayed path.
            var sources = Set<String>(), paths = Set<String>(), files = 0
            for h in inC where sources.insert(h.source).inserted && paths.insert(h.path).inserted { files += 1 }
            if files >= limit { hits = inC }
        }
        // One exemplar per file: by source and by displayed path (the same corpus ingested from two checkouts).
        var seen = Set<String>()
        var seenPaths = Set<String>()
        var out: [Exemplar] = []
        let top = hits.first?.score ?? 1
        for h in hits where seen.insert(h.source).inserted && seenPaths.insert(h.path).inserted {
            let v = value(of: h.source).score
            let relevance = top > 0 ? h.score / top : 0
            let chunk = (try? store.chunk(id: h.id))?.chunk.text ?? h.snippetText
            out.append(Exemplar(id: h.id, path: "\(h.path):\(h.startLine)-\(h.endLine)", source: h.source, title: h.title, text: chunk,
                                relevance: h.score, value: v, score: 0.5 * relevance + 0.5 * v))
        }
        out.sort { ($0.score, -$0.id) > ($1.score, -$1.id) }
        return Array(out.prefix(limit))
    }

    /// Doc excerpts for the task.
    public func docs(limit: Int = 3) throws(PromptSynthError) -> [SearchHit] {
        let text = "\(task.name) \(task.family) optimization " + (backend == .openCL ? "OpenCL work-group" : "SIMD cache bandwidth speed of light")
        return try PromptSynthError.fromStore { () throws(RetrievalError) in
            try QueryService(store: store).search(SearchQuery(text: text, filters: QueryFilters(kind: .doc), limit: limit)).hits
        }
    }

    /// Speed-of-light time (ms) at the first benchmark shape, with the bound.
    public func speedOfLight() -> (ms: Double, bound: String)? {
        guard let shape = task.benchShapes.first, let c = try? task.costs(at: shape) else { return nil }
        let sol = backend == .openCL ? device?.speedOfLight(bytes: c.bytes, flops: c.flops) : hardware?.speedOfLight(bytes: c.bytes, flops: c.flops, threads: threads)
        return sol.map { ($0.seconds * 1000, $0.bound) }
    }

    /// The prompt: sections by priority within `budgetTokens`, deterministic for the same store and inputs.
    public func synthesize(feedback: [AttemptFeedback], budgetTokens: Int = 6000) throws(PromptSynthError) -> SynthesizedPrompt {
        var sections: [PromptSection] = []
        func add(_ id: String, _ title: String, _ priority: Int, _ text: String, _ citations: [Int64] = []) {
            sections.append(PromptSection(id: id, title: title, priority: priority, text: text, citations: citations, tokens: Self.tokens(text), truncated: false))
        }
        add("rules", "Rules", 0, rules())
        add("task", "Task: \(task.name)", 0, taskText())
        add("hardware", "Hardware", 1, hardwareText())
        add("target", "Target", 1, targetText(feedback))
        if !feedback.isEmpty { add("feedback", "Feedback from earlier attempts", 2, feedbackText(feedback)) }
        let ex = try exemplars()
        if !ex.isEmpty {
            let text = ex.map { e in
                "### [\(e.id)] \(e.path) — \(e.title)\nrelevance \(Self.f(e.relevance, 4)), earned value \(Self.f(e.value, 2))\n```\(backend == .openCL ? "c" : "c")\n\(e.text)\n```"
            }.joined(separator: "\n\n")
            add("exemplars", "Retrieved exemplars (cite by [id])", 3, text, ex.map(\.id))
        }
        let d = try docs()
        if !d.isEmpty {
            add("docs", "Relevant notes from the knowledge base", 4, d.map { "- [\($0.id)] \($0.path):\($0.startLine) \($0.title): \($0.snippetText.prefix(400))" }.joined(separator: "\n"), d.map(\.id))
        }
        // Fit the budget: cut the lowest-priority sections first (to a floor), then drop them.
        let suffix = "\n… (cut to fit the token budget)"
        var total = sections.reduce(0) { $0 + $1.tokens }
        for p in stride(from: 4, through: 1, by: -1) {
            for i in sections.indices.reversed() where sections[i].priority == p && total > budgetTokens {
                let excess = total - budgetTokens
                let keep = sections[i].tokens - excess - Self.tokens(suffix) - 1
                total -= sections[i].tokens
                if keep < 40 {
                    sections[i].tokens = 0
                } else {
                    var cut = String(decoding: Array(sections[i].text.utf8.prefix(keep * 4)), as: UTF8.self)
                    while Self.tokens(cut + suffix) > keep + Self.tokens(suffix), !cut.isEmpty { cut.removeLast() }
                    sections[i].text = cut + suffix
                    sections[i].tokens = Self.tokens(sections[i].text)
                    sections[i].truncated = true
                    total += sections[i].tokens
                }
            }
        }
        sections.removeAll { $0.tokens == 0 }
        return SynthesizedPrompt(task: task.name, backend: backend.rawValue, budgetTokens: budgetTokens, totalTokens: sections.reduce(0) { $0 + $1.tokens }, sections: sections)
    }

    static func tokens(_ s: String) -> Int { (s.utf8.count + 3) / 4 }

    static func f(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }

    func rules() -> String {
        if backend == .openCL {
            return """
            Write one OpenCL C file. Start it with a launch header the verifier parses:
            `// kb-launch: kernel=\(task.entry) global=E[,E[,E]] [local=E[,E[,E]]]` (E: size expressions over \(task.symbols.joined(separator: ", ")); `ceil(a,b)` rounds a up to a multiple of b; several lines run in sequence) and optionally `// kb-build: -DNAME=V -cl-std=CL1.2`.
            The kernel takes the task's arguments in this order: \(task.args.map { "\($0.name) (\($0.kind.rawValue) \($0.dtype.rawValue))" }.joined(separator: ", ")); buffers are `__global` pointers (`const` for inputs), sizes `int` or `long`.
            Forbidden: printf, #include, inline asm, extensions the device lacks, numerics-changing build options (-cl-fast-relaxed-math, -cl-mad-enable, ...). Guard work-items beyond the problem size; global sizes must be multiples of local sizes; never write outside the outputs.
            Reply with the complete file in one ```c code block and nothing after it.
            """
        }
        return """
        Write one C file defining exactly `\(task.signature)` (the verifier force-includes this prototype). Other functions must be `static`.
        Allowed headers: immintrin.h and the other intrinsic headers, math.h, stddef.h, stdint.h, string.h, float.h, limits.h, stdbool.h, stdlib.h, omp.h. Allowed calls: libm, memcpy/memset/memmove, malloc/free\(threads > 1 ? ", OpenMP (`#pragma omp parallel for`; the verifier runs \(threads) threads)" : " (one thread: OpenMP pragmas are ignored)").
        Forbidden: I/O, processes, threads other than OpenMP, signals, clocks/rdtsc, rdrand, getenv, dlopen, syscalls, inline asm, changing the FP environment (_mm_setcsr, flush-to-zero), omp_set_*, constructors, and any writable global or static variable (static const tables are fine).
        Correctness runs use buffers that are only element-aligned and end exactly at an unmapped page: use unaligned or masked loads/stores, handle tails, never read or write past the end. Inputs are read-only. Write every output element on every call.
        Compiled with: \(CCompiler.optimizationFlags.joined(separator: " ")) -std=gnu11\(threads > 1 ? " -fopenmp" : ""). Reply with the complete file in one ```c code block and nothing after it.
        """
    }

    func taskText() -> String {
        var s = "\(task.description)\n\nSignature: `\(task.signature)`\n\nArguments:\n"
        for a in task.args {
            s += "- \(a.name): \(a.kind.rawValue) \(a.dtype.rawValue)" + (a.shape.map { " [\($0.joined(separator: " × "))]" } ?? "")
            if case .number(let v)? = a.value, a.kind == .scalar { s += " = \(v)" }
            s += "\n"
        }
        s += "\nTest shapes: " + task.testShapes.map { "(\(task.describe($0)))" }.joined(separator: ", ")
        s += "\nBenchmark shape(s): " + task.benchShapes.map { "(\(task.describe($0)))" }.joined(separator: ", ")
        s += "\nTolerance: |got − want| ≤ \(task.tolerance.atol) + \(task.tolerance.rtol)·|want| against a double-precision reference."
        if let adv = task.adversarial, !adv.isEmpty { s += "\nAdversarial inputs: " + adv.map(\.label).joined(separator: "; ") + "." }
        s += "\nCost model: bytes = \(task.cost.bytes), flops = \(task.cost.flops)." + (task.cost.notes.map { " \($0)" } ?? "")
        if let n = task.notes { s += "\nNotes: \(n)" }
        return s
    }

    func hardwareText() -> String {
        if backend == .openCL, let d = device {
            var s = "OpenCL device \(d.name) (\(d.type), \(d.platform), \(d.version)): \(d.computeUnits) compute units at \(d.clockMHz) MHz, "
            s += "local memory \(d.localMemory >> 10) KiB, max work-group \(d.maxWorkGroupSize), \(d.openCLCVersion)."
            if let b = d.bandwidth, let c = d.compute { s += " Measured: copy bandwidth \(Self.f(b.median, 0)) GB/s, FP32 FMA \(Self.f(c.median, 0)) GFLOP/s." }
            return s
        }
        guard let h = hardware else { return "Unknown (run kb hw)." }
        var s = "\(h.cpu): \(h.logicalCPUs) logical CPUs, widest ISA \(h.isa) (\(h.features.joined(separator: " "))). "
        s += h.caches.map { "L\($0.level) \($0.type.lowercased()) \(HardwareProfile.bytes($0.bytes))×\($0.instances)" }.joined(separator: ", ") + ". "
        if let bw = h.memoryBandwidth(threads: threads), let pk = h.peakFlops(threads: threads) {
            s += "Measured at \(threads) thread(s): copy bandwidth \(Self.f(bw, 1)) GB/s (regular stores; non-temporal stores reach \(Self.f(h.bandwidth.first { $0.kind == "copy_nt" && $0.threads == min(threads, h.logicalCPUs) }?.median ?? 0, 1)) GB/s), FP32 FMA peak \(Self.f(pk, 0)) GFLOP/s."
        }
        return s
    }

    func targetText(_ feedback: [AttemptFeedback]) -> String {
        var s = ""
        if let sol = speedOfLight() {
            s += "Speed of light at the benchmark shape: \(Self.f(sol.ms, 3)) ms (\(sol.bound)-bound). "
        }
        let accepted = feedback.filter { $0.report.verdict == "accepted" && $0.report.medianMs != nil }
        if let b = accepted.compactMap(\.report.baselineMs).first { s += "Baseline (the scalar reference): \(Self.f(b, 3)) ms. " }
        if let best = accepted.min(by: { ($0.report.medianMs ?? .infinity) < ($1.report.medianMs ?? .infinity) }), let m = best.report.medianMs {
            s += "Best so far: attempt \(best.id), \(Self.f(m, 3)) ms"
            if let f = best.report.solFraction { s += ", \(Self.f(f * 100, 1)) % of the speed of light" }
            if let sc = best.report.solScore { s += ", SOL score \(Self.f(sc, 3))" }
            s += ". Beat it."
        } else {
            s += "No accepted attempt yet: first make it correct, then fast."
        }
        return s
    }

    func feedbackText(_ feedback: [AttemptFeedback]) -> String {
        feedback.suffix(6).reversed().map { a in
            var s = "- attempt \(a.id)" + (a.parent.map { " (from \($0)" + (a.change.map { ": \($0)" } ?? "") + ")" } ?? (a.change.map { " (\($0))" } ?? "")) + ": "
            if a.report.verdict == "accepted" {
                s += "accepted"
                if let m = a.report.medianMs { s += ", \(Self.f(m, 3)) ms" }
                if let f = a.report.solFraction { s += ", \(Self.f(f * 100, 1)) % of speed of light" }
                if let sp = a.report.speedup { s += ", \(Self.f(sp, 2))× the baseline" }
            } else {
                s += "rejected at \(a.report.stage ?? "?") (\(a.report.code ?? "?")): \(a.report.reason ?? "")"
            }
            if let c = a.report.compilerOutput, !c.isEmpty { s += "\n  compiler: " + c.split(separator: "\n").prefix(4).joined(separator: " | ") }
            if !a.report.remarks.isEmpty { s += "\n  vectorizer: " + a.report.remarks.prefix(3).joined(separator: " | ") }
            return s
        }.joined(separator: "\n")
    }
}
