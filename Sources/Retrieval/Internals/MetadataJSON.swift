import Corpus
import Foundation

/// The `chunks.meta` column: chunk metadata as JSON with sorted keys. Written by hand because `JSONEncoder` cost ~4 %
/// of an ingest (and ~25 µs per trace record); metadata with a non-finite trace number still goes through
/// `JSONEncoder`. The output is byte-identical to `JSONEncoder` with `.sortedKeys` (tested).
enum MetadataJSON {
    static func encode(_ metadata: ChunkMetadata) -> String {
        var traceFields: [(String, String)] = []
        if let trace = metadata.trace {
            guard let fields = traceMembers(trace) else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return (try? encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            }
            traceFields = fields
        }
        var out: [UInt8] = []
        out.reserveCapacity(128)
        func array(_ key: String, _ values: [String], comma: Bool = true) {
            out.append(34); out.append(contentsOf: key.utf8); out.append(contentsOf: "\":[".utf8)
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(44) }
                string(v)
            }
            out.append(93)
            if comma { out.append(44) }
        }
        func string(_ s: String) {
            out.append(34)
            // Most values need no escape: copied whole (a byte-by-byte append was ~70 % of this function's time).
            if !s.utf8.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 || $0 == 47 }) {
                out.append(contentsOf: s.utf8)
                out.append(34)
                return
            }
            for b in s.utf8 {
                switch b {
                case 34: out.append(contentsOf: "\\\"".utf8)
                case 92: out.append(contentsOf: "\\\\".utf8)
                case 47: out.append(contentsOf: "\\/".utf8)
                case 8: out.append(contentsOf: "\\b".utf8)
                case 12: out.append(contentsOf: "\\f".utf8)
                case 10: out.append(contentsOf: "\\n".utf8)
                case 13: out.append(contentsOf: "\\r".utf8)
                case 9: out.append(contentsOf: "\\t".utf8)
                case 0..<32:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
                default: out.append(b)
                }
            }
            out.append(34)
        }
        out.append(123)
        array("features", metadata.features)
        array("headingPath", metadata.headingPath)
        array("intrinsics", metadata.intrinsics)
        array("isa", metadata.isa)
        array("ops", metadata.ops)
        array("qualifiers", metadata.qualifiers, comma: false)
        if metadata.trace != nil {
            out.append(contentsOf: ",\"trace\":{".utf8)
            for (i, (key, value)) in traceFields.enumerated() {
                if i > 0 { out.append(44) }
                out.append(34); out.append(contentsOf: key.utf8); out.append(34); out.append(58)
                if value.first == "\"" { string(String(value.dropFirst())) } else { out.append(contentsOf: value.utf8) }
            }
            out.append(125)
        }
        out.append(125)
        return String(decoding: out, as: UTF8.self)
    }

    /// A trace's present fields in sorted key order, each value either a JSON number or a string marked by a leading
    /// `"` (escaped by the caller); nil when a number is not finite (JSONEncoder's own error path then applies).
    static func traceMembers(_ t: TraceFields) -> [(String, String)]? {
        var members: [(String, String)] = []
        func number(_ key: String, _ value: Double?) -> Bool {
            guard let value else { return true }
            guard value.isFinite else { return false }
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            members.append((key, text))
            return true
        }
        members.append(("backend", "\"" + t.backend))
        guard number("baselineMs", t.baselineMs), number("medianMs", t.medianMs) else { return nil }
        members.append(("outcome", "\"" + t.outcome))
        guard number("p10Ms", t.p10Ms), number("p90Ms", t.p90Ms), number("solFraction", t.solFraction), number("solMs", t.solMs), number("solScore", t.solScore),
              number("speedup", t.speedup) else { return nil }
        if let stage = t.stage { members.append(("stage", "\"" + stage)) }
        members.append(("task", "\"" + t.task))
        if let threads = t.threads { members.append(("threads", String(threads))) }
        return members
    }
}
