import Corpus
import Foundation
@testable import Retrieval
import Testing

@Suite("Stored chunk metadata")
struct MetadataJSONTests {
    static func metadata(_ fill: (inout ChunkMetadata) -> Void) -> ChunkMetadata {
        var m = ChunkMetadata()
        fill(&m)
        return m
    }

    static let cases: [ChunkMetadata] = [
        ChunkMetadata(),
        metadata {
            $0.qualifiers = ["__kernel"]; $0.intrinsics = ["_mm512_fmadd_ps", "__m512"]; $0.isa = ["avx512"]
            $0.features = ["local-memory", "barrier"]; $0.ops = ["softmax"]
        },
        metadata { $0.headingPath = ["Quotes \" and \\ back/slash", "tab\tnew\nline \u{1} ünï €"] },
        metadata { $0.trace = TraceFields(task: "layernorm", backend: "c-simd", outcome: "accepted") },
        metadata {
            $0.ops = ["softmax"]
            $0.trace = TraceFields(task: "soft\"max/x", backend: "opencl", outcome: "rejected", stage: "numerics",
                                   medianMs: 0.1, baselineMs: 2.0, solMs: 1e-7, speedup: 123456789.125, solFraction: -0.0,
                                   solScore: 1e21, threads: 16)
            $0.trace?.p10Ms = 0.095
            $0.trace?.p90Ms = 0.125
        },
        metadata {
            $0.trace = TraceFields(task: "t", backend: "b", outcome: "o", medianMs: 0.30000000000000004, baselineMs: .leastNonzeroMagnitude,
                                   solMs: 1.7976931348623157e308, speedup: 1e16, solFraction: 0.5, solScore: 100)
        },
    ]

    @Test("the hand-written encoder writes exactly what JSONEncoder with sorted keys writes", arguments: cases)
    func matchesJSONEncoder(metadata: ChunkMetadata) throws {
        let stored = metadata
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let expected = String(decoding: try encoder.encode(stored), as: UTF8.self)
        #expect(MetadataJSON.encode(metadata) == expected)
        let decoded = try JSONDecoder().decode(ChunkMetadata.self, from: Data(MetadataJSON.encode(metadata).utf8))
        #expect(decoded == stored)
    }

    @Test("a trace number that JSON cannot hold takes JSONEncoder's path")
    func nonFinite() throws {
        let m = Self.metadata { $0.trace = TraceFields(task: "t", backend: "b", outcome: "o", speedup: .infinity) }
        #expect(MetadataJSON.traceMembers(try #require(m.trace)) == nil)
        #expect(MetadataJSON.encode(m) == "{}")
    }

    @Test("the hand-written decoder reads back what the encoder wrote", arguments: cases)
    func decodesEncoded(metadata: ChunkMetadata) {
        #expect(MetadataJSON.decode(MetadataJSON.encode(metadata)) == metadata)
        // The fast path takes metadata without a trace, and only that.
        #expect((MetadataJSON.decodeArraysOnly(MetadataJSON.encode(metadata)) != nil) == (metadata.trace == nil))
    }

    @Test("random strings with escapes, control bytes, astral and combining characters survive the round trip")
    func randomRoundTrips() throws {
        let pool: [String] = ["a", "Z", "_", " ", "\"", "\\", "/", "\n", "\t", "\r", "\u{8}", "\u{c}", "\u{1}", "\u{1f}",
                              "ü", "€", "😀", "e\u{301}", "\u{7f}", "\u{2028}", "𝄞", "]", "[", ",", ":", "{", "}"]
        var generator = SystemRandomNumberGenerator()
        func word() -> String { (0..<Int.random(in: 0...6, using: &generator)).map { _ in pool.randomElement(using: &generator)! }.joined() }
        func words() -> [String] { (0..<Int.random(in: 0...3, using: &generator)).map { _ in word() } }
        for _ in 0..<300 {
            var m = ChunkMetadata()
            m.features = words(); m.headingPath = words(); m.intrinsics = words(); m.isa = words(); m.ops = words()
            m.qualifiers = words()
            let text = MetadataJSON.encode(m)
            #expect(MetadataJSON.decodeArraysOnly(text) == m, "\(text)")
            #expect(try JSONDecoder().decode(ChunkMetadata.self, from: Data(text.utf8)) == m)
        }
    }

    @Test("text that is not the encoder's layout is left to JSONDecoder", arguments: [
        "", "{", "{}", "[]", "null", "{\"features\":[\"a\"]}",
        "{\"features\":[],\"headingPath\":[],\"intrinsics\":[],\"isa\":[],\"ops\":[],\"qualifiers\":[]} ",
        "{\"features\":[\"\\ud800\"],\"headingPath\":[],\"intrinsics\":[],\"isa\":[],\"ops\":[],\"qualifiers\":[]}",
        "{\"features\":[\"a\",],\"headingPath\":[],\"intrinsics\":[],\"isa\":[],\"ops\":[],\"qualifiers\":[]}",
        "{\"features\":[\"\\x\"],\"headingPath\":[],\"intrinsics\":[],\"isa\":[],\"ops\":[],\"qualifiers\":[]}",
        "{\"qualifiers\":[\"a\"],\"features\":[],\"headingPath\":[],\"intrinsics\":[],\"isa\":[],\"ops\":[]}",
    ])
    func otherLayouts(text: String) {
        let reference = try? JSONDecoder().decode(ChunkMetadata.self, from: Data(text.utf8))
        #expect(MetadataJSON.decode(text) == reference)
        if text.hasSuffix(" ") || text.contains("\\x") || text.contains(",]") || text.hasPrefix("{\"qualifiers") {
            #expect(MetadataJSON.decodeArraysOnly(text) == nil)
        }
    }
}
