import Foundation
import Glibc

/// Reads optimization traces: JSON Lines, one attempt per line (see `schemas/trace.schema.json`).
///
/// A broken or invalid line is reported with its line number and skipped; the good lines are kept.
public struct TraceReader: Sendable {
    /// Fields every record must carry.
    public static let requiredFields = ["id", "task", "backend", "outcome"]

    /// Creates a reader.
    public init() {}

    /// Parses every line of `source` into a trace chunk.
    public func read(_ source: SourceText) -> ParsedDocument {
        var chunks: [Chunk] = []
        var diagnostics: [Diagnostic] = []
        var seenIDs = Set<String>()
        // Lines at every line feed, empty ones kept (memchr; the generic UTF8View split cost ~55 instructions a byte).
        for (index, text) in source.text.lineArray.enumerated() {
            let lineNumber = index + 1
            let line = Substring(text)
            if line.isBlank { continue }
            let object: [String: JSONValue]
            do throws(JSONParser.Failure) {
                guard let o = try JSONParser.parse(line).object else {
                    diagnostics.append(Diagnostic(.error, source: source.displayPath, line: lineNumber,
                                                  message: "not a JSON object; each line must be one trace record {…}"))
                    continue
                }
                object = o
            } catch {
                diagnostics.append(Diagnostic(.error, source: source.displayPath, line: lineNumber,
                                              message: "invalid JSON (\(error.description)); line skipped, the others were kept"))
                continue
            }
            var bad = false
            for field in Self.requiredFields {
                guard let value = object[field]?.string, !value.isEmpty else {
                    let problem = object[field] == nil ? "missing" : "must be a non-empty string"
                    diagnostics.append(Diagnostic(.error, source: source.displayPath, line: lineNumber, field: field,
                                                  message: "\(problem); every trace record needs \(Self.requiredFields.joined(separator: ", "))"))
                    bad = true
                    break
                }
            }
            if bad { continue }
            let id = object["id"]?.string ?? ""
            if !seenIDs.insert(id).inserted {
                diagnostics.append(Diagnostic(.warning, source: source.displayPath, line: lineNumber, field: "id",
                                              message: "duplicate id '\(id)' in this file; both records are kept"))
            }
            let (fields, fieldProblems) = Self.fields(object)
            for (field, problem) in fieldProblems {
                diagnostics.append(Diagnostic(.warning, source: source.displayPath, line: lineNumber, field: field, message: problem))
            }
            chunks.append(chunk(object, fields: fields, line: lineNumber, path: source.displayPath))
        }
        return ParsedDocument(title: CodeChunker.fileName(source.displayPath), chunks: chunks, diagnostics: diagnostics)
    }

    /// Typed columns of a record, with warnings for values of the wrong type.
    static func fields(_ o: [String: JSONValue]) -> (TraceFields, [(String, String)]) {
        var problems: [(String, String)] = []
        let timings = o["timings"]?.object ?? [:]
        func num(_ key: String, in dict: [String: JSONValue], path: String) -> Double? {
            guard let v = dict[key], !v.isNull else { return nil }
            guard let d = v.number, d.isFinite else { problems.append((path, "expected a number; value ignored")); return nil }
            return d
        }
        let hardware = o["hardware"]?.object ?? [:]
        var f = TraceFields(task: o["task"]?.string ?? "", backend: o["backend"]?.string ?? "",
                            outcome: o["outcome"]?.string ?? "")
        f.stage = o["stage"]?.string
        f.medianMs = num("median_ms", in: timings, path: "timings.median_ms")
        f.p10Ms = num("p10_ms", in: timings, path: "timings.p10_ms")
        f.p90Ms = num("p90_ms", in: timings, path: "timings.p90_ms")
        f.baselineMs = num("baseline_ms", in: timings, path: "timings.baseline_ms")
        f.solMs = num("sol_ms", in: timings, path: "timings.sol_ms")
        f.speedup = num("speedup", in: o, path: "speedup")
        f.solFraction = num("sol_fraction", in: o, path: "sol_fraction")
        f.solScore = num("sol_score", in: o, path: "sol_score")
        if let t = num("threads", in: hardware, path: "hardware.threads") { f.threads = Int(t) }
        return (f, problems)
    }

    func chunk(_ o: [String: JSONValue], fields f: TraceFields, line: Int, path: String) -> Chunk {
        let id = o["id"]?.string ?? "trace"
        var lines = ["trace \(id): \(f.task) on \(f.backend), \(f.outcome)" + (f.stage.map { " (stage \($0))" } ?? "")]
        for key in ["kernel", "parent", "change"] {
            if let v = o[key], !v.isNull { lines.append("\(key): \(v.rendered)") }
        }
        for key in ["hardware", "parameters", "shape"] {
            if let v = o[key]?.object, !v.isEmpty { lines.append("\(key): \(JSONValue.object(v).rendered)") }
        }
        var timing: [String] = []
        if let m = f.medianMs { timing.append("median \(Self.fmt(m)) ms") }
        if let b = f.baselineMs { timing.append("baseline \(Self.fmt(b)) ms") }
        if let s = f.solMs { timing.append("speed of light \(Self.fmt(s)) ms") }
        if let s = f.speedup { timing.append("speedup \(Self.fmt(s))x") }
        if let s = f.solFraction { timing.append("\(Self.fmt(s * 100))% of speed of light") }
        if let s = f.solScore { timing.append("SOL score \(Self.fmt(s))") }
        if !timing.isEmpty { lines.append("timings: " + timing.joined(separator: ", ")) }
        if let m = o["message"]?.string, !m.isEmpty { lines.append("message: \(m)") }
        let known: Set<String> = ["id", "task", "backend", "outcome", "stage", "kernel", "parent", "change", "hardware",
                                  "parameters", "shape", "timings", "speedup", "sol_fraction", "sol_score", "message"]
        for key in o.keys.sorted() where !known.contains(key) {
            if let v = o[key], !v.isNull { lines.append("\(key): \(v.rendered)") }
        }
        let text = lines.joined(separator: "\n")
        var meta = ChunkMetadata()
        meta.trace = f
        meta.camelWords = Tokens.scan(text, camel: true).camelWords
        if let isa = o["hardware"]?.object?["isa"]?.string, let mapped = MetadataExtractor.isa(forTechnology: isa) {
            meta.isa = [mapped]
        }
        meta.ops = MetadataExtractor.ops(heading: f.task + " " + f.task, body: "")
        if meta.ops.isEmpty { meta.ops = [f.task] }
        let summary = o["change"]?.string ?? o["message"]?.string.map { String($0.prefix(60)) } ?? ""
        let title = "\(f.task) \(f.backend) \(f.outcome)" + (summary.isEmpty ? "" : ": \(summary)")
        return Chunk(kind: .trace, language: "jsonl", backend: f.backend, symbol: id, title: title, startLine: line,
                     endLine: line, text: text, metadata: meta)
    }

    /// A timing as trace text shows it: `%.0f` from 100, `%.1f` from 10, else `%.3g` (C's formatting in the C locale,
    /// as `String(format:)` gave, without its per-call cost: ~12,000 instructions, 0.8 % of an ingest).
    static func fmt(_ d: Double) -> String {
        let format = d >= 100 ? "%.0f" : d >= 10 ? "%.1f" : "%.3g"
        var buffer = [CChar](repeating: 0, count: 64)
        let written = withVaList([d]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
        }
        guard written > 0 else { return "" }
        return String(decoding: buffer.prefix(min(Int(written), buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
