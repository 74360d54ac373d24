import Foundation
import KBTestSupport
@testable import Retrieval
import Testing

@Suite("Exact identifier lookup")
struct IdentifierLookupTests {
    @Test("whole identifiers are counted, ignoring ASCII case; longer identifiers and prose do not count", arguments: [
        ("_mm512_fmadd_ps(a, b, c) + _MM512_FMADD_PS(d, e, f)", 2),
        ("_mm512_fmadd_ps_mask(a) x_mm512_fmadd_ps(b) _mm512_fmadd_pss", 0),
        ("mm512 fmadd ps: the words, not the identifier", 0),
        ("_mm512_fmadd_ps", 1),
        ("(_mm512_fmadd_ps)", 1),
        ("", 0),
    ])
    func counting(text: String, expected: Int) {
        let token = Array("_mm512_fmadd_ps".utf8)
        var text = text
        let count = text.withUTF8 { QueryService.identifierCount(token, in: $0) }
        #expect(count == expected)
    }

    @Test("an identifier becomes the FTS5 phrase of its letter-and-digit runs")
    func phrases() {
        #expect(QueryService.ftsPhrase("_mm512_fmadd_ps") == "\"mm512 fmadd ps\"")
        #expect(QueryService.ftsPhrase("tr-layernorm-0007") == "\"tr layernorm 0007\"")
        #expect(QueryService.ftsPhrase("___") == nil)
    }

    @Test("definitions come first; uses need the exact identifier; prose with the same words is no use")
    func definitionsAndUses() throws {
        let dir = temporaryFolder()
        write(dir + "/c/a.c", """
            // Defines the helper.
            static inline float hsum_avx(float x) { return x; }

            void caller(float *y) { y[0] = hsum_avx(y[0]) + hsum_avx(y[1]); }

            void lookalike(float *y) { y[0] = hsum_avx2(y[0]); }
            """)
        write(dir + "/c/notes.md", "# Notes\n\nThe hsum avx trick: add halves, then hsum avx again.\n")
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let result = try QueryService(store: store).search(SearchQuery(text: "hsum_avx"))
        let withIdentifier = result.hits.filter { $0.identifier != nil }
        #expect(withIdentifier.map(\.symbol) == ["hsum_avx", "caller"])
        #expect(result.hits.first?.symbol == "hsum_avx")
        let none = try QueryService(store: store).search(SearchQuery(text: "hsum_avx512"))
        #expect(none.hits.allSatisfy { $0.identifier == nil })
    }
}

@Suite("Query term pruning")
struct TermPruningTests {
    @Test("document frequencies follow the FTS5 tokenizer (one is stemmed to on), so common words are dropped")
    func stemmedFrequencies() throws {
        let dir = temporaryFolder()
        let sections = (0..<1100).map { "## Section \($0)\n\nThe one common word here, and rare\($0).\n" }
        write(dir + "/c/many.md", "# Many\n\n" + sections.joined(separator: "\n"))
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/c"])
        let service = QueryService(store: store)
        let result = try service.search(SearchQuery(text: "one rare7 common", mode: .bm25))
        #expect(result.terms == ["rare7"])
        #expect(Set(result.droppedTerms) == ["one", "common"])
        #expect(result.hits.first?.title == "Section 7")
        // Counted through FTS5's own tokenizer, capped just past what pruning distinguishes.
        #expect(try service.documentFrequency("one") == service.chunkCount)
        service.postingBudget = 50
        #expect(try service.documentFrequency("one") == 51)
        #expect(try service.documentFrequency("rare7") == 1)
        #expect(try service.documentFrequency("absent") == 0)
    }
}
