/// The outcome of verifying one candidate: every stage with its verdict, time and evidence, and the timings.
///
/// Schema: `schemas/verify-result.schema.json`. Exit status of `kb verify`: 0 accepted, 1 rejected.
public struct VerificationReport: Sendable, Codable {
    /// The overall verdict.
    public enum Verdict: String, Sendable, Codable {
        /// Passed every stage.
        case accepted
        /// Failed a stage.
        case rejected
    }

    /// Verification stages in order.
    public enum Stage: String, Sendable, Codable, CaseIterable {
        /// Source and object checks.
        case screen
        /// Compiling and linking.
        case compile
        /// Results against the reference in a sandboxed child.
        case correctness
        /// Timing against the baseline and the speed of light.
        case performance
    }

    /// A stage's verdict.
    public enum StageVerdict: String, Sendable, Codable {
        /// The stage passed.
        case passed
        /// The stage rejected the candidate.
        case failed
        /// The stage did not run (an earlier one failed, or it was turned off).
        case skipped
    }

    /// One piece of evidence: a machine-readable code, a message saying what to fix, and where.
    public struct Finding: Sendable, Codable, Hashable {
        /// Stable code, e.g. `out-of-bounds-write`, `wrong-result`, `forbidden-symbol`.
        public var code: String
        /// What happened and what to do.
        public var message: String
        /// Source line, when known.
        public var line: Int?
        /// Shape, round and coordinates, when known.
        public var detail: String?
        /// Whether this finding rejects (false: a warning such as a noisy timing).
        public var rejects: Bool

        /// A finding.
        public init(code: String, message: String, line: Int? = nil, detail: String? = nil, rejects: Bool = true) {
            self.code = code
            self.message = message
            self.line = line
            self.detail = detail
            self.rejects = rejects
        }
    }

    /// One stage's result.
    public struct StageResult: Sendable, Codable {
        /// Which stage.
        public var stage: Stage
        /// Its verdict.
        public var verdict: StageVerdict
        /// Wall-clock seconds it took.
        public var seconds: Double
        /// One line: what was checked.
        public var summary: String
        /// Evidence (rejections and warnings).
        public var findings: [Finding]
    }

    /// Timing of one benchmark shape.
    public struct ShapeTiming: Sendable, Codable {
        /// The shape.
        public var shape: [String: Int]
        /// The shape as text.
        public var label: String
        /// Median time per call (ms).
        public var medianMs: Double
        /// 10th percentile (ms).
        public var p10Ms: Double
        /// 90th percentile (ms).
        public var p90Ms: Double
        /// Fastest run (ms).
        public var minMs: Double
        /// Timed runs.
        public var runs: Int
        /// (p90 - p10) / median.
        public var spread: Double
        /// Whether the spread stayed high after a repeat.
        public var noisy: Bool
        /// Reference (baseline) median time (ms).
        public var baselineMs: Double?
        /// Speed-of-light time (ms), from the cost model and the measured bandwidth and peak.
        public var solMs: Double?
        /// The memory bandwidth (GB/s) the speed of light used.
        public var solBandwidthGbPerSecond: Double?
        /// Where that bandwidth came from: `beside-kernel` (copy measured right before and after the timed runs)
        /// or `profile` (the cached `kb hw` profile).
        public var solBandwidthSource: String?
        /// Minimum bytes per call.
        public var bytes: Double
        /// Flops per call.
        public var flops: Double
        /// Achieved GB/s (bytes / median).
        public var gbPerSecond: Double
        /// Achieved GFLOP/s.
        public var gflopPerSecond: Double
        /// T_sol / T_k.
        public var solFraction: Double?
        /// T_b / T_k.
        public var speedup: Double?
        /// SOL-ExecBench score S = 1 / (1 + (T_k - T_sol) / (T_b - T_sol)).
        public var solScore: Double?
        /// Which limit sets T_sol: `bandwidth` or `compute`.
        public var bound: String?
        /// OpenCL: median wall-clock time of the launch sequence (enqueue to finish, transfers excluded).
        public var wallMedianMs: Double?
    }

    /// Format identifier.
    public var schema = "kb/verify-result/1"
    /// Task name.
    public var task: String
    /// `c-simd` or `opencl`.
    public var backend: String
    /// The candidate's path as given.
    public var candidate: String
    /// SHA-256 of the candidate source.
    public var sourceHash: String
    /// Threads the candidate ran with.
    public var threads: Int
    /// Compiler version line.
    public var compiler: String
    /// Flags the candidate was compiled with.
    public var flags: [String]
    /// Hardware fingerprint the timings belong to.
    public var hardware: String?
    /// Overall verdict.
    public var verdict: Verdict
    /// The stage that rejected, if any.
    public var rejectedAt: Stage?
    /// The first rejecting finding's code.
    public var code: String?
    /// The first rejecting finding's message.
    public var reason: String?
    /// Every stage.
    public var stages: [StageResult]
    /// Per benchmark shape timings (accepted candidates).
    public var performance: [ShapeTiming]
    /// The compiler's warnings and errors, trimmed.
    public var compilerOutput: String?
    /// Vectorizer missed-optimization remarks for the candidate, trimmed.
    public var vectorizerRemarks: [String]
    /// Seed of the random inputs (repeat with --seed).
    public var seed: UInt64
    /// Total seconds.
    public var seconds: Double
    /// Whether this report came from the cache.
    public var cached: Bool
    /// When it was produced (ISO 8601).
    public var timestamp: String

    /// Exit status for `kb verify`: 0 accepted, 1 rejected.
    public var exitStatus: Int32 { verdict == .accepted ? 0 : 1 }
}

extension VerificationReport {
    /// The facts of a report that feedback needs, flattened.
    public struct Summary: Sendable, Codable, Hashable {
        /// accepted or rejected.
        public var verdict: String
        /// Rejecting stage.
        public var stage: String?
        /// Rejecting code.
        public var code: String?
        /// Rejecting message.
        public var reason: String?
        /// Median time at the first benchmark shape (ms).
        public var medianMs: Double?
        /// Baseline time (ms).
        public var baselineMs: Double?
        /// Speed-of-light time (ms).
        public var solMs: Double?
        /// Fraction of the speed of light.
        public var solFraction: Double?
        /// SOL score.
        public var solScore: Double?
        /// Speedup over the baseline.
        public var speedup: Double?
        /// Compiler output (trimmed, on compile errors).
        public var compilerOutput: String?
        /// Vectorizer remarks.
        public var remarks: [String]

        /// A summary (for feedback built by hand or by other generators).
        public init(verdict: String, stage: String? = nil, code: String? = nil, reason: String? = nil, medianMs: Double? = nil, baselineMs: Double? = nil,
                    solMs: Double? = nil, solFraction: Double? = nil, solScore: Double? = nil, speedup: Double? = nil, compilerOutput: String? = nil,
                    remarks: [String] = []) {
            self.verdict = verdict
            self.stage = stage
            self.code = code
            self.reason = reason
            self.medianMs = medianMs
            self.baselineMs = baselineMs
            self.solMs = solMs
            self.solFraction = solFraction
            self.solScore = solScore
            self.speedup = speedup
            self.compilerOutput = compilerOutput
            self.remarks = remarks
        }
    }

    /// The summary of this report.
    public var summary: Summary {
        let p = performance.first
        return Summary(verdict: verdict.rawValue, stage: rejectedAt?.rawValue, code: code, reason: reason.map { String($0.prefix(600)) },
                       medianMs: p?.medianMs, baselineMs: p?.baselineMs, solMs: p?.solMs, solFraction: p?.solFraction, solScore: p?.solScore,
                       speedup: p?.speedup, compilerOutput: rejectedAt == .compile ? compilerOutput.map { String($0.prefix(800)) } : nil,
                       remarks: Array(vectorizerRemarks.prefix(5)))
    }
}
