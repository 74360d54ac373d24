import Corpus
import Foundation
public import Retrieval
public import Verification

/// What went wrong in a lab service (store, verification or hardware probing), and what to do.
public enum LabError: Error, Sendable, CustomStringConvertible {
    /// The store failed.
    case store(RetrievalError)
    /// Verification or probing failed.
    case verification(VerificationError)
    /// A file could not be read or written.
    case io(path: String, reason: String)

    /// What went wrong and what to do, for a person.
    public var description: String {
        switch self {
        case .store(let e): return e.description
        case .verification(let e): return e.description
        case .io(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// Where the lab writes the documents it feeds back into the store (hardware profiles, verification traces):
/// a `generated/` folder beside the store file.
public struct LabPaths: Sendable {
    /// The store file.
    public let store: String

    /// Paths for the store at `store`.
    public init(store: String) { self.store = store }

    /// `<store folder>/generated`.
    public var generated: String { (((store as NSString).deletingLastPathComponent) as NSString).appendingPathComponent("generated") }
    /// Hardware profile documents.
    public var hardware: String { generated + "/hardware" }
    /// Verification trace files (JSONL, one per task).
    public var traces: String { generated + "/traces" }
}

/// The hardware profile of this machine, measured once and cached in the store under its fingerprint.
public struct HardwareService {
    /// The store.
    public let store: KnowledgeStore
    /// The compiler used for probing.
    public let compiler: CCompiler
    /// Build cache (for the OpenCL helper).
    public let cacheDirectory: String

    /// A service over `store`.
    public init(store: KnowledgeStore, compiler: CCompiler, cacheDirectory: String = VerifyOptions.defaultCacheDirectory()) {
        self.store = store
        self.compiler = compiler
        self.cacheDirectory = cacheDirectory
    }

    static let namespace = "hardware"

    /// The cached profile for this machine, or nil if never measured.
    public func cached() throws(LabError) -> HardwareProfile? {
        let identity = HardwareProbe(compiler: compiler).identify()
        do {
            guard let bytes = try store.artifact(namespace: Self.namespace, key: identity.fingerprint) else { return nil }
            let profile = try? JSONDecoder().decode(HardwareProfile.self, from: Data(bytes))
            return profile?.openCLDevices == nil ? nil : profile  // profiles from before OpenCL listing are re-measured
        } catch {
            throw .store(error)
        }
    }

    /// The profile: cached unless `refresh`; a new measurement is stored and ingested as a hardware document.
    public func profile(refresh: Bool = false) throws(LabError) -> (profile: HardwareProfile, measured: Bool) {
        if !refresh, let p = try cached() { return (p, false) }
        let profile: HardwareProfile
        var probe = HardwareProbe(compiler: compiler)
        probe.openCLCacheDirectory = cacheDirectory
        do { profile = try probe.measure() } catch { throw .verification(error) }
        do {
            let data = try JSONEncoder().encode(profile)
            try store.putArtifact(namespace: Self.namespace, key: profile.fingerprint, value: Array(data))
        } catch let e as RetrievalError {
            throw .store(e)
        } catch {
            throw .io(path: store.path, reason: "cannot encode the profile: \(error)")
        }
        let paths = LabPaths(store: store.path)
        let doc = paths.hardware + "/hardware-\(profile.fingerprint).md"
        try Self.write(profile.markdown, to: doc)
        try Self.ingest(doc, into: store)
        return (profile, true)
    }

    static func write(_ text: String, to path: String) throws(LabError) {
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    static func ingest(_ path: String, into store: KnowledgeStore) throws(LabError) {
        do {
            let report = try IngestService(store: store).ingest([path])
            if let d = report.diagnostics.first(where: { $0.severity == .error }) { throw LabError.io(path: path, reason: d.description) }
        } catch let e as RetrievalError {
            throw .store(e)
        } catch let e as LabError {
            throw e
        } catch {
            throw .io(path: path, reason: "\(error)")
        }
    }
}

/// Verifies candidates with results cached by content hash and every new verification recorded as a trace.
public struct VerificationService {
    /// The store.
    public let store: KnowledgeStore

    /// A service over `store`.
    public init(store: KnowledgeStore) { self.store = store }

    static let namespace = "verify"

    /// Where an attempt of the generate loop came from (recorded in its trace).
    public struct Lineage: Sendable, Codable, Hashable {
        /// Attempt id within its run.
        public var attempt: String
        /// Parent attempt.
        public var parent: String?
        /// What changed from the parent.
        public var change: String
        /// Tunable parameters.
        public var parameters: [String: String]
        /// Generator name.
        public var generator: String

        /// A lineage record.
        public init(attempt: String, parent: String?, change: String, parameters: [String: String], generator: String) {
            self.attempt = attempt
            self.parent = parent
            self.change = change
            self.parameters = parameters
            self.generator = generator
        }
    }

    /// Verifies the candidate at `file` (or returns the cached report for identical inputs on this machine).
    /// With a `lineage` (an attempt of `kb generate`), the attempt is recorded as a trace even when cached.
    public func verify(task: KernelTask, file: String, options: VerifyOptions, useCache: Bool = true, lineage: Lineage? = nil) throws(LabError) -> VerificationReport {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .io(path: file, reason: "cannot read the candidate kernel")
        }
        guard let source = String(data: data, encoding: .utf8) else { throw .io(path: file, reason: "the candidate is not UTF-8 text") }
        let verifier = Verifier(task: task, options: options)
        // A re-measured profile (kb hw --refresh) changes the speed of light: it invalidates cached results.
        let key = verifier.cacheKey(source: source) + "|" + (options.hardware?.fingerprint ?? "unprofiled") + "|" + (options.hardware?.measuredAt ?? "")
        if useCache {
            let cached: [UInt8]?
            do { cached = try store.artifact(namespace: Self.namespace, key: key) } catch { throw .store(error) }
            if let bytes = cached, var report = try? JSONDecoder().decode(VerificationReport.self, from: Data(bytes)) {
                report.cached = true
                // The cached report names the file it was first verified under; name this one.
                let earlier = report.candidate
                if earlier != file {
                    report.vectorizerRemarks = report.vectorizerRemarks.map { $0.replacingOccurrences(of: earlier, with: file) }
                    report.compilerOutput = report.compilerOutput?.replacingOccurrences(of: earlier, with: file)
                    report.reason = report.reason?.replacingOccurrences(of: earlier, with: file)
                }
                report.candidate = file
                if lineage != nil { try record(report, source: source, hardware: options.hardware, lineage: lineage) }
                return report
            }
        }
        let report: VerificationReport
        do { report = try verifier.verify(source: source, path: file) } catch { throw .verification(error) }
        do {
            let encoded = try JSONEncoder().encode(report)
            try store.putArtifact(namespace: Self.namespace, key: key, value: Array(encoded))
        } catch let e as RetrievalError {
            throw .store(e)
        } catch {
            throw .io(path: store.path, reason: "cannot encode the report: \(error)")
        }
        try record(report, source: source, hardware: options.hardware, lineage: lineage)
        return report
    }

    /// Every verification of `task` on `backend` cached in this store, oldest first.
    public func reports(task: String, backend: Backend) throws(LabError) -> [VerificationReport] {
        var out: [VerificationReport] = []
        let keys: [String]
        do { keys = try store.artifactKeys(namespace: Self.namespace) } catch { throw .store(error) }
        for key in keys {
            guard let bytes = try? store.artifact(namespace: Self.namespace, key: key),
                  let r = try? JSONDecoder().decode(VerificationReport.self, from: Data(bytes)), r.task == task, r.backend == backend.rawValue else { continue }
            out.append(r)
        }
        return out.sorted { ($0.timestamp, $0.sourceHash) < ($1.timestamp, $1.sourceHash) }
    }

    /// Appends the verification as a trace record (schemas/trace.schema.json) and ingests the trace file.
    public func record(_ report: VerificationReport, source: String, hardware: HardwareProfile?, lineage: Lineage? = nil) throws(LabError) {
        let paths = LabPaths(store: store.path)
        let file = paths.traces + "/\(lineage == nil ? "verify" : "generate")-\(report.task).jsonl"
        let line = TraceRecord(report: report, source: source, hardware: hardware, lineage: lineage).jsonLine()
        do {
            try FileManager.default.createDirectory(atPath: paths.traces, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw .io(path: file, reason: "cannot append the trace: \(error.localizedDescription)")
        }
        try HardwareService.ingest(file, into: store)
    }
}

/// A verification as a trace record.
struct TraceRecord {
    let report: VerificationReport
    let source: String
    let hardware: HardwareProfile?
    var lineage: VerificationService.Lineage?

    func jsonLine() -> String {
        var o: [String: Any] = [
            "id": "verify-\(report.task)-\(report.sourceHash.prefix(12))-t\(report.threads)",
            "task": report.task,
            "backend": report.backend,
            "outcome": report.verdict.rawValue,
            "stage": (report.rejectedAt ?? .performance).rawValue,
            "kernel": report.candidate,
            "source_hash": report.sourceHash,
            "timestamp": report.timestamp,
            "provenance": "measured by kb verify",
            "hardware": [
                "cpu": hardware?.cpu ?? "unknown",
                "isa": hardware?.isa ?? "unknown",
                "threads": report.threads,
                "fingerprint": hardware?.fingerprint ?? "unprofiled",
            ] as [String: Any],
        ]
        if let code = report.code { o["code"] = code }
        if let l = lineage {
            o["id"] = "generate-\(report.task)-\(report.backend)-\(report.timestamp)-\(l.attempt)"
            o["attempt"] = l.attempt
            if let p = l.parent { o["parent"] = p }
            o["change"] = l.change
            o["parameters"] = l.parameters
            o["generator"] = l.generator
            o["provenance"] = "measured by kb verify during kb generate"
        }
        if let p = report.performance.first {
            o["shape"] = p.shape
            var timings: [String: Any] = ["median_ms": p.medianMs, "p10_ms": p.p10Ms, "p90_ms": p.p90Ms]
            if let b = p.baselineMs { timings["baseline_ms"] = b }
            if let s = p.solMs { timings["sol_ms"] = s }
            o["timings"] = timings
            if let s = p.speedup { o["speedup"] = s }
            if let f = p.solFraction { o["sol_fraction"] = f }
            if let s = p.solScore { o["sol_score"] = s }
            var msg = "median \(Self.fmt(p.medianMs)) ms at \(p.label)"
            if let f = p.solFraction { msg += ", \(Self.fmt(f * 100))% of speed of light" }
            if let s = p.speedup { msg += ", \(Self.fmt(s))× the reference" }
            o["message"] = msg
        } else if let reason = report.reason {
            o["message"] = reason
        }
        if !report.vectorizerRemarks.isEmpty { o["vectorizer_remarks"] = Array(report.vectorizerRemarks.prefix(5)) }
        o["source"] = String(source.prefix(16_000))
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func fmt(_ v: Double) -> String { String(format: v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v) }
}
