import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Which kind of kernel is verified.
public enum Backend: String, Sendable, Codable, CaseIterable {
    /// C with SIMD intrinsics, compiled with the system C compiler.
    case cSIMD = "c-simd"
    /// OpenCL C, built and run on an OpenCL device.
    case openCL = "opencl"
}

/// Settings of one verification.
public struct VerifyOptions: Sendable {
    /// The backend.
    public var backend: Backend = .cSIMD
    /// The OpenCL device (with its measurements) for the OpenCL backend.
    public var device: OpenCLDevice?
    /// Threads the candidate runs with (OpenMP); 1 compiles without OpenMP.
    public var threads = 1
    /// The compiler for candidate, reference and harness.
    public var compiler: CCompiler
    /// Fresh-input correctness rounds per test shape (at least 10 is the policy).
    public var rounds = 10
    /// Seed of the random inputs; random when nil.
    public var seed: UInt64?
    /// Whether to run the performance stage.
    public var measurePerformance = true
    /// The hardware profile for the speed of light (no SOL figures without it).
    public var hardware: HardwareProfile?
    /// C SIMD: measure the copy bandwidth right before and after each benchmark and take the speed of light from
    /// it rather than from the profile (the profile's figure swings with the machine's load).
    public var bandwidthBesideKernel = true
    /// Folder for cached builds (harness, references) and baseline timings.
    public var cacheDirectory: String
    /// Minimum timed runs per benchmark shape.
    public var minimumRuns = 20
    /// Maximum timed runs per benchmark shape.
    public var maximumRuns = 50
    /// Warm-up calls before timing.
    public var warmupRuns = 5
    /// Delay before outputs are read a second time (late writes).
    public var lateCheckMilliseconds = 20
    /// Keep the work folder (for debugging) instead of deleting it.
    public var keepWorkDirectory = false
    /// Run the candidate under the seccomp filter (Linux x86-64).
    public var sandbox = true
    /// Run the screen (tests turn it off to prove the sandbox holds on its own).
    var screen = true

    /// Options with the given compiler and cache folder.
    public init(compiler: CCompiler, cacheDirectory: String) {
        self.compiler = compiler
        self.cacheDirectory = cacheDirectory
    }

    /// Default cache folder: `$XDG_CACHE_HOME/kb/verify` or `~/.cache/kb/verify`.
    public static func defaultCacheDirectory(environment: [String: String] = ProcessEnvironment.current) -> String {
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/kb/verify" }
        return (environment["HOME"] ?? "/tmp") + "/.cache/kb/verify"
    }
}

/// Verifies C SIMD candidates for one task: screen → compile → correctness → performance.
///
/// The candidate runs only inside a child process (kb's harness linked with its object) under rlimits,
/// a wall-clock limit and a seccomp filter; outputs travel back as bytes and are judged here, against the
/// reference computed by a separate child, so nothing the candidate can touch decides its verdict.
public struct Verifier: Sendable {
    /// The task.
    public let task: KernelTask
    /// The options.
    public let options: VerifyOptions

    /// Version of the harness protocol and policy; part of every cache key.
    public static let policyVersion = 3

    /// A verifier for `task`.
    public init(task: KernelTask, options: VerifyOptions) {
        self.task = task
        self.options = options
    }

    /// Flags the candidate is compiled with (C SIMD).
    public var candidateFlags: [String] {
        if options.backend == .openCL { return ["-cl-kernel-arg-info"] }
        return ["-std=gnu11"] + CCompiler.optimizationFlags + (options.threads > 1 ? ["-fopenmp"] : ["-Wno-unknown-pragmas"])
    }

    /// SHA-256 of `text` (hex).
    public static func contentHash(_ text: String) -> String { SHA256.hex(text) }

    /// A key identifying everything that decides a verification's result except the hardware profile.
    public func cacheKey(source: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let taskJSON = (try? encoder.encode(task)).map { String(decoding: $0, as: UTF8.self) } ?? task.name
        return SHA256.hex("kb-verify", String(Self.policyVersion), source, taskJSON, task.reference, options.compiler.version,
                          candidateFlags.joined(separator: " "), String(options.threads), String(options.rounds),
                          String(options.measurePerformance), EmbeddedSources.harness, options.backend.rawValue,
                          options.device?.fingerprint ?? "", options.backend == .openCL ? EmbeddedSources.clbackend + task.referenceOpenCL : "")
    }

    /// Verifies `source` (the candidate's C text; `path` is only for messages).
    public func verify(source: String, path: String) throws(VerificationError) -> VerificationReport {
        guard options.threads >= 1 else { throw .usage("--threads must be at least 1") }
        let started = Clock.now()
        guard let work = FileSystem.temporaryDirectory(prefix: "kb-verify") else { throw .io(path: "/tmp", reason: "cannot create a work folder") }
        defer { if !options.keepWorkDirectory { FileSystem.removeTree(work) } }
        let seed = options.seed ?? UInt64.random(in: 1...UInt64(Int64.max))
        var report = VerificationReport(
            task: task.name, backend: options.backend.rawValue, candidate: path, sourceHash: SHA256.hex(source), threads: options.threads,
            compiler: options.backend == .openCL ? (options.device.map { "\($0.name) (\($0.platform), \($0.driver))" } ?? "OpenCL") : options.compiler.version,
            flags: candidateFlags, hardware: options.backend == .openCL ? options.device?.fingerprint : options.hardware?.fingerprint, verdict: .accepted,
            rejectedAt: nil, code: nil, reason: nil, stages: [], performance: [], compilerOutput: nil, vectorizerRemarks: [],
            seed: seed, seconds: 0, cached: false, timestamp: Date().ISO8601Format())
        var run = Run(verifier: self, work: work, displayPath: path, seed: seed)
        defer { report.seconds = Clock.now() - started }
        if options.backend == .openCL {
            try run.executeOpenCL(source: source, into: &report)
        } else {
            try run.execute(source: source, into: &report)
        }
        report.seconds = Clock.now() - started
        return report
    }
}

/// One verification in progress (owns the work folder).
struct Run {
    let verifier: Verifier
    let work: String
    let displayPath: String
    let seed: UInt64
    /// OpenCL: the candidate's launch geometry (nil for C SIMD).
    var launch: OpenCLLaunch?
    /// OpenCL: environment of the helper children.
    var openCLEnvironment: [String: String] = [:]
    var task: KernelTask { verifier.task }
    var options: VerifyOptions { verifier.options }

    mutating func execute(source: String, into report: inout VerificationReport) throws(VerificationError) {
        // Stage 1a: source screen.
        var t = Clock.now()
        var screenFindings = options.screen ? Screen.scanSource(source) : []
        if screenFindings.contains(where: \.rejects) {
            finish(&report, .screen, .failed, Clock.now() - t, "source scan", screenFindings)
            skipRest(&report, after: .screen)
            return
        }
        let screenSeconds = Clock.now() - t

        // Stage 2: compile.
        t = Clock.now()
        guard FileSystem.write(work + "/candidate.c", source), FileSystem.write(work + "/proto.h", "#include <stddef.h>\n\(task.signature)\n") else {
            throw .io(path: work, reason: "cannot write the candidate into the work folder")
        }
        var args = verifier.candidateFlags + ["-Wall", "-include", "proto.h", "-c", "candidate.c", "-o", "candidate.o"]
        if options.compiler.isGCC { args.append("-fopt-info-vec-missed=vec.txt") }
        let compiled = try options.compiler.run(args, in: work)
        let diagnostics = trimDiagnostics(compiled.diagnostics)
        report.compilerOutput = diagnostics.isEmpty ? nil : diagnostics
        report.vectorizerRemarks = vectorizerRemarks()
        if !compiled.succeeded {
            let first = firstError(compiled.diagnostics)
            let finding = VerificationReport.Finding(
                code: compiled.timedOut ? "compile-timeout" : "compile-error",
                message: compiled.timedOut ? "the compiler ran past its time limit" : "does not compile with \(options.compiler.command) \(verifier.candidateFlags.joined(separator: " ")) against the task's prototype: \(first.message)",
                line: first.line, detail: diagnostics)
            finish(&report, .screen, .passed, screenSeconds, "source scan", screenFindings)
            finish(&report, .compile, .failed, Clock.now() - t, "compile", [finding])
            skipRest(&report, after: .compile)
            return
        }
        let compileSeconds = Clock.now() - t

        // Stage 1b: object screen.
        t = Clock.now()
        let facts = try Screen.inspect(object: "candidate.o", in: work)
        if options.screen { screenFindings += Screen.checkObject(facts, entry: task.entry, threads: options.threads) }
        let screenVerdict: VerificationReport.StageVerdict = screenFindings.contains(where: \.rejects) ? .failed : .passed
        finish(&report, .screen, screenVerdict, screenSeconds + Clock.now() - t,
               "source scan; object symbols (\(facts.undefined.count) undefined) against the allow-list", screenFindings)
        if screenVerdict == .failed {
            finish(&report, .compile, .passed, compileSeconds, "compile", [])
            skipRest(&report, after: .compile)
            return
        }

        // Link the candidate into the harness; build (or reuse) the reference.
        t = Clock.now()
        let harness = try HarnessBuilder(options: options, task: task)
        let harnessObject = try harness.harnessObject()
        try harness.writeTrampoline(in: work)
        let tramp = try options.compiler.run(["-O2", "-include", "proto.h", "-c", "trampoline.c", "-o", "trampoline.o"], in: work)
        guard tramp.succeeded else { throw .harnessFailure("the call trampoline did not compile: \(tramp.diagnostics.prefix(800))") }
        var link = ["candidate.o", "trampoline.o", harnessObject, "-lm", "-o", "candidate.bin"]
        if options.threads > 1 { link.insert("-fopenmp", at: 0) }
        let linked = try options.compiler.run(link, in: work)
        if !linked.succeeded {
            let finding = VerificationReport.Finding(code: "link-error", message: "does not link: \(firstError(linked.diagnostics).message)", detail: trimDiagnostics(linked.diagnostics))
            finish(&report, .compile, .failed, compileSeconds + Clock.now() - t, "compile and link", [finding])
            skipRest(&report, after: .compile)
            return
        }
        finish(&report, .compile, .passed, compileSeconds + Clock.now() - t, "compile (\(verifier.candidateFlags.joined(separator: " "))) and link", [])
        let reference = try harness.referenceBinary()

        // Stage 3: correctness.
        t = Clock.now()
        let correctness = try Correctness(run: self, candidate: work + "/candidate.bin", reference: reference).check()
        finish(&report, .correctness, correctness.findings.contains(where: \.rejects) ? .failed : .passed, Clock.now() - t, correctness.summary, correctness.findings)
        if correctness.findings.contains(where: \.rejects) {
            skipRest(&report, after: .correctness)
            return
        }

        // Stage 4: performance.
        guard options.measurePerformance else {
            skipRest(&report, after: .correctness)
            return
        }
        t = Clock.now()
        let perf = try Performance(run: self, candidate: work + "/candidate.bin", reference: reference, harness: harness).measure()
        report.performance = perf.timings
        finish(&report, .performance, perf.findings.contains(where: \.rejects) ? .failed : .passed, Clock.now() - t, perf.summary, perf.findings)
    }

    func finish(_ report: inout VerificationReport, _ stage: VerificationReport.Stage, _ verdict: VerificationReport.StageVerdict,
                _ seconds: Double, _ summary: String, _ findings: [VerificationReport.Finding]) {
        report.stages.removeAll { $0.stage == stage }
        report.stages.append(.init(stage: stage, verdict: verdict, seconds: seconds, summary: summary, findings: findings))
        report.stages.sort { VerificationReport.Stage.allCases.firstIndex(of: $0.stage)! < VerificationReport.Stage.allCases.firstIndex(of: $1.stage)! }
        if verdict == .failed, report.verdict == .accepted, let first = findings.first(where: \.rejects) {
            report.verdict = .rejected
            report.rejectedAt = stage
            report.code = first.code
            report.reason = first.message
        }
    }

    func skipRest(_ report: inout VerificationReport, after stage: VerificationReport.Stage) {
        let all = VerificationReport.Stage.allCases
        guard let i = all.firstIndex(of: stage) else { return }
        for later in all[(i + 1)...] where !report.stages.contains(where: { $0.stage == later }) {
            let why = report.verdict == .rejected ? "not run: rejected at \(report.rejectedAt?.rawValue ?? stage.rawValue)" : "not run (turned off)"
            finish(&report, later, .skipped, 0, why, [])
        }
    }

    /// Compiler output with the work folder's names replaced by the user's path, capped in length.
    func trimDiagnostics(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = String(line)
            if l.contains("proto.h") && !l.contains("error") && !l.contains("note") { continue }
            l = l.replacingAll("candidate.c", with: displayPath)
            lines.append(l)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        if lines.count > 40 { lines = Array(lines.prefix(40)) + ["... (\(lines.count - 40) more lines)"] }
        return lines.joined(separator: "\n")
    }

    func firstError(_ text: String) -> (message: String, line: Int?) {
        for line in text.split(separator: "\n") where line.contains("error") {
            let parts = line.split(separator: ":", maxSplits: 4)
            let lineNumber = parts.count > 2 && parts[0].hasSuffix("candidate.c") ? Int(parts[1]) : nil
            let message = line.firstRange(of: "error:").map { String(line[$0.upperBound...]).trimmingSpaces } ?? String(line)
            return (message, lineNumber)
        }
        return (text.split(separator: "\n").first.map(String.init) ?? "the compiler failed", nil)
    }

    func vectorizerRemarks() -> [String] {
        guard let bytes = FileSystem.read(work + "/vec.txt", limit: 1 << 20) else { return [] }
        var seen = Set<String>()
        var out: [String] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("candidate.c:") {
            // candidate.c:12:5: missed: couldn't vectorize loop
            let parts = line.split(separator: ":", maxSplits: 3)
            guard parts.count == 4 else { continue }
            let text = "\(displayPath):\(parts[1]): \(parts[3].trimmingSpaces)"
            let key = "\(parts[1])|\(parts[3])"
            if seen.insert(key).inserted { out.append(text) }
            if out.count >= 12 { break }
        }
        return out
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
