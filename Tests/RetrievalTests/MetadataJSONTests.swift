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
}
