import Corpus
import Foundation

/// The `chunks.meta` column: chunk metadata as JSON with sorted keys. Written by hand for the common case because `JSONEncoder` cost ~4 % of an ingest; metadata with trace
/// fields still goes through `JSONEncoder`. The output is byte-identical to `JSONEncoder` with `.sortedKeys`.
enum MetadataJSON {
    static func encode(_ metadata: ChunkMetadata) -> String {
        guard metadata.trace == nil else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (try? encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
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
        out.append(125)
        return String(decoding: out, as: UTF8.self)
    }
}
