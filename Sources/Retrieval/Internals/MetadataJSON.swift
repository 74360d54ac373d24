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
        func array(_ key: StaticString, _ values: [String], comma: Bool = true) {
            out.append(34)
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(34); out.append(58); out.append(91)  // `":[`
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(44) }
                string(v)
            }
            out.append(93)
            if comma { out.append(44) }
        }
        func string(_ s: String) {
            out.append(34)
            // Most values need no escape: copied whole from their contiguous UTF-8 (a byte-by-byte append was ~70 % of
            // this function's time, and appending a `String.UTF8View` ~1,100 instructions an array).
            var s = s
            let plain = s.withUTF8 { bytes -> Bool in
                guard !bytes.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 || $0 == 47 }) else { return false }
                out.append(contentsOf: bytes)
                return true
            }
            if plain {
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

    /// Decodes what `encode` wrote. Metadata without a trace, in `encode`'s exact layout, is read by hand
    /// (`JSONDecoder` was a sixth of a query's main-thread time, decoding the hits' metadata); anything else goes
    /// through `JSONDecoder`. Nil when it is no metadata at all.
    static func decode(_ text: String) -> ChunkMetadata? {
        if let fast = decodeArraysOnly(text) { return fast }
        return try? JSONDecoder().decode(ChunkMetadata.self, from: Data(text.utf8))
    }

    /// The six string arrays of `encode`'s layout without a trace, or nil when `text` is not exactly that.
    static func decodeArraysOnly(_ text: String) -> ChunkMetadata? {
        var text = text
        return text.withUTF8 { bytes -> ChunkMetadata? in
            var i = 0
            func expect(_ literal: StaticString) -> Bool {
                let n = literal.utf8CodeUnitCount
                guard i + n <= bytes.count else { return false }
                for k in 0..<n where bytes[i + k] != literal.utf8Start[k] { return false }
                i += n
                return true
            }
            func hex(_ b: UInt8) -> UInt32? {
                switch b {
                case 48...57: UInt32(b - 48)
                case 97...102: UInt32(b - 87)
                case 65...70: UInt32(b - 55)
                default: nil
                }
            }
            func unit() -> UInt32? {  // four hex digits after `\u`
                guard i + 4 <= bytes.count else { return nil }
                var v: UInt32 = 0
                for k in 0..<4 { guard let h = hex(bytes[i + k]) else { return nil }; v = v << 4 | h }
                i += 4
                return v
            }
            func string() -> String? {
                guard i < bytes.count, bytes[i] == 34 else { return nil }
                i += 1
                var out: [UInt8] = []
                var plainStart = i
                while i < bytes.count {
                    let b = bytes[i]
                    if b == 34 {
                        out.append(contentsOf: bytes[plainStart..<i])
                        i += 1
                        return String(validating: out, as: UTF8.self)
                    }
                    if b < 32 { return nil }
                    guard b == 92 else { i += 1; continue }
                    out.append(contentsOf: bytes[plainStart..<i])
                    i += 1
                    guard i < bytes.count else { return nil }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case 34, 92, 47: out.append(e)
                    case 98: out.append(8)
                    case 102: out.append(12)
                    case 110: out.append(10)
                    case 114: out.append(13)
                    case 116: out.append(9)
                    case 117:
                        guard var scalar = unit() else { return nil }
                        if scalar >= 0xD800, scalar < 0xDC00 {
                            guard expect("\\u"), let low = unit(), low >= 0xDC00, low < 0xE000 else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: String(Character(u)).utf8)
                    default: return nil
                    }
                    plainStart = i
                }
                return nil
            }
            func array(_ key: StaticString, last: Bool = false) -> [String]? {
                guard expect("\""), expect(key), expect("\":[") else { return nil }
                var values: [String] = []
                if i < bytes.count, bytes[i] == 93 { i += 1 } else {
                    while true {
                        guard let v = string() else { return nil }
                        values.append(v)
                        guard i < bytes.count else { return nil }
                        if bytes[i] == 44 { i += 1; continue }
                        guard bytes[i] == 93 else { return nil }
                        i += 1
                        break
                    }
                }
                guard last || expect(",") else { return nil }
                return values
            }
            var m = ChunkMetadata()
            guard expect("{"), let features = array("features"), let headingPath = array("headingPath"),
                  let intrinsics = array("intrinsics"), let isa = array("isa"), let ops = array("ops"),
                  let qualifiers = array("qualifiers", last: true), expect("}"), i == bytes.count else { return nil }
            m.features = features; m.headingPath = headingPath; m.intrinsics = intrinsics; m.isa = isa; m.ops = ops
            m.qualifiers = qualifiers
            return m
        }
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
