import Foundation
@testable import Retrieval
import Testing

@Suite("Hashed embedder")
struct EmbedderTests {
    static let texts = [
        "Online softmax with AVX-512: _mm512_reduce_max_ps, then clEnqueueNDRangeKernel(queue, kernel, 2, ...).",
        "Welford's update computes mean and variance in one pass; HTTPServerError and get_local_id(0) too.",
        "naïve ünïcode wörds, digits 1234 and mixed x86_64 AVX512F __m512i tokens; \(String(repeating: "w", count: 80))",
        "",
    ]

    @Test("words(parts:) counts each part's words its weight times, like repeating the text", arguments: texts)
    func weightedParts(body: String) {
        let embedder = HashedEmbedder()
        let head = "Tiled GEMM kernel\nmatmulTiled matmul tiled sgemm_avx2\n"
        let joined = embedder.words(head + head + body)
        let parts = embedder.words(parts: [("Tiled GEMM kernel", 2), ("matmulTiled matmul tiled sgemm_avx2", 2), (body, 1)])
        #expect(parts.hashes == joined.hashes)
        #expect(parts.counts == joined.counts)
        #expect(parts.ranges == joined.ranges)
        #expect(parts.bytes == joined.bytes)
        #expect(parts.ngramsWanted == joined.ngramsWanted)
    }

    @Test("a word bag holds sub-words and whole distinctive identifiers, lower-cased")
    func subwords() {
        let bag = HashedEmbedder().words("clEnqueueNDRange _mm512_fmadd_ps fmadd")
        let words = bag.ranges.map { String(decoding: bag.bytes[$0], as: UTF8.self) }
        #expect(words == ["cl", "enqueue", "nd", "range", "clenqueuendrange", "mm512", "fmadd", "ps", "_mm512_fmadd_ps"])
        #expect(bag.counts[words.firstIndex(of: "fmadd")!] == 2)
        #expect(bag.counts[words.firstIndex(of: "enqueue")!] == 1)
    }

    @Test("capital runs, digits, underscores and non-ASCII bytes split as documented")
    func splittingRules() {
        let bag = HashedEmbedder().words("HTTPServerError x86_64 AVX512F naïve getLocalID error, Error")
        let words = bag.ranges.map { String(decoding: bag.bytes[$0], as: UTF8.self) }
        #expect(words == ["http", "server", "error", "httpservererror", "x86", "64", "x86_64", "avx512f", "naïve", "get",
                          "local", "id", "getlocalid"])
        #expect(bag.counts == [1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        #expect(bag.ngramsWanted == [true, true, true, false, true, true, false, true, true, true, true, true, false])
        // The hash is FNV-1a of the lower-cased bytes.
        var h: UInt64 = 0xcbf29ce484222325
        for b in "naïve".utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        #expect(bag.hashes[8] == h)
        #expect(HashedEmbedder().words("").count == 0 && HashedEmbedder().words(" ,;- ").count == 0)
    }

    @Test("the cache gives exactly the vectors computed without it: across texts, a full cache, and a change of frequencies")
    func cacheIsTransparent() {
        let embedder = HashedEmbedder()
        let df = [Int32]((0..<embedder.dfBuckets).map { Int32($0 % 7) })
        let otherDF = [Int32]((0..<embedder.dfBuckets).map { Int32($0 % 11) })
        let roomy = NgramCache(dimension: embedder.dimension)
        let tiny = NgramCache(dimension: embedder.dimension, capacity: 4)
        for (stamp, frequencies) in [(Int32(1), df), (2, otherDF), (3, df)] {
            for text in Self.texts + Self.texts {
                let bag = embedder.words(text)
                let plain = frequencies.withUnsafeBufferPointer { embedder.embed(bag, df: $0, documentCount: 50) }
                let cached = frequencies.withUnsafeBufferPointer {
                    embedder.embed(bag, df: $0, documentCount: 50, cache: roomy, dfStamp: stamp)
                }
                let full = frequencies.withUnsafeBufferPointer {
                    embedder.embed(bag, df: $0, documentCount: 50, cache: tiny, dfStamp: stamp)
                }
                #expect(plain == cached)
                #expect(plain == full)
            }
        }
        let other = NgramCache(dimension: 64)
        let bag = embedder.words(Self.texts[0])
        let foreign = df.withUnsafeBufferPointer { embedder.embed(bag, df: $0, documentCount: 50, cache: other, dfStamp: 1) }
        #expect(foreign == embedder.embed(bag, df: df, documentCount: 50))
    }

    /// The Swift definition of the embedding that `kb_embed_words` reproduces (the code kb ran before it moved to C).
    static func referenceEmbed(_ bag: HashedEmbedder.WordBag, df: [Int32], documentCount: Int, embedder e: HashedEmbedder) -> [Float] {
        func logf(_ x: Float) -> Float { Float(log(Double(x))) }
        func slotOf(_ h: UInt64) -> Int {
            e.dimension & (e.dimension - 1) == 0 ? Int(h & UInt64(e.dimension - 1)) : Int(h % UInt64(e.dimension))
        }
        var v = [Float](repeating: 0, count: e.dimension)
        let n = Float(max(documentCount, 1))
        for w in 0..<bag.count {
            let word = Array(bag.bytes[bag.ranges[w]])
            let d = Float(df.isEmpty ? 0 : df[e.dfBucket(bag.hashes[w])])
            let idf = logf((n + 1) / (min(d, n) + 1)) + 1
            let c = bag.counts[w]
            let weight = (c == 1 ? 1 : 1 + logf(Float(c))) * idf
            let h = HashedEmbedder.mix(bag.hashes[w] ^ 0x51ed27)
            v[slotOf(h)] += (h >> 63) == 0 ? weight : -weight
            guard bag.ngramsWanted[w], word.count >= 2, word.count <= 60 else { continue }
            let gw = weight * e.ngramWeight
            let marked: [UInt8] = [60] + word + [62]
            for size in 3...5 where size <= marked.count {
                for s in 0...(marked.count - size) {
                    var fnv = 0x84222325cbf29ce4 &+ UInt64(size)
                    for b in marked[s..<(s + size)] { fnv = (fnv ^ UInt64(b)) &* 0x100000001b3 }
                    let gh = HashedEmbedder.mix(fnv)
                    v[slotOf(gh)] += (gh >> 63) == 0 ? gw : -gw
                }
            }
        }
        var norm: Float = 0
        for x in v { norm += x * x }
        norm = norm.squareRoot()
        if norm > 0 { for i in v.indices { v[i] /= norm } }
        return v
    }

    @Test("the C embedding equals the Swift definition bit for bit, with and without a cache, in any dimension",
          arguments: [512, 300, 64])
    func embeddingMatchesDefinition(dimension: Int) {
        let embedder = HashedEmbedder(dimension: dimension, dfBuckets: 1 << 12)
        let df = [Int32]((0..<embedder.dfBuckets).map { Int32(($0 * 7919) % 97) })
        let cache = NgramCache(dimension: dimension)
        let texts = Self.texts + ["softmax softmax softmax row_max rowMax " + String(repeating: "x", count: 61) + " ab a"]
        for (stamp, count) in [(Int32(1), 40), (2, 1000), (3, 0)] {
            for text in texts {
                let bag = embedder.words(parts: [(text, 2), ("tiled GEMM", 1)])
                let expected = Self.referenceEmbed(bag, df: df, documentCount: count, embedder: embedder)
                let plain = embedder.embed(bag, df: df, documentCount: count)
                let cached = df.withUnsafeBufferPointer { embedder.embed(bag, df: $0, documentCount: count, cache: cache, dfStamp: stamp) }
                #expect(plain.map(\.bitPattern) == expected.map(\.bitPattern))
                #expect(cached.map(\.bitPattern) == expected.map(\.bitPattern))
                let quantized = df.withUnsafeBufferPointer {
                    embedder.embedQuantized(bag, df: $0, documentCount: count, cache: cache, dfStamp: stamp)
                }
                #expect(quantized.scale == HashedEmbedder.quantizedBytes(expected).scale)
                #expect(quantized.data == HashedEmbedder.quantizedBytes(expected).data)
            }
        }
        // No frequencies at all: every word counts as unseen.
        let bag = embedder.words(Self.texts[0])
        #expect(embedder.embed(bag, df: [], documentCount: 5) == Self.referenceEmbed(bag, df: [], documentCount: 5, embedder: embedder))
    }

    @Test("quantization rounds half away from zero, like rounded(), and keeps the scale")
    func quantization() {
        var v: [Float] = [1, -1, 0, 0.5 / 127, -0.5 / 127, 2.5 / 127, -2.5 / 127, 0.49999997 / 127, 126.5 / 127]
        v += (0..<500).map { Float(sin(Double($0) * 0.37)) }
        let (scale, data) = HashedEmbedder.quantize(v)
        let s = v.map { abs($0) }.max()! / 127
        #expect(scale == s)
        #expect(data == v.map { Int8(clamping: Int(($0 / s).rounded())) })
        #expect(HashedEmbedder.quantizedBytes(v).data == data.map { UInt8(bitPattern: $0) })
        #expect(HashedEmbedder.quantize([0, 0]).data == [0, 0])
    }
}

@Suite("Content hash")
struct ContentHashTests {
    /// The byte-at-a-time definition the stored hashes were made with.
    static func reference(_ text: String) -> String {
        var h: UInt64 = 0x9E3779B97F4A7C15 ^ UInt64(text.utf8.count)
        var acc: UInt64 = 0
        var n = 0
        for b in text.utf8 {
            acc = (acc << 8) | UInt64(b)
            n += 1
            if n == 8 { h = HashedEmbedder.mix(h ^ acc); acc = 0; n = 0 }
        }
        h = HashedEmbedder.mix(h ^ acc ^ UInt64(n))
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @Test("the word-at-a-time hash equals the byte-at-a-time definition, so stored documents stay unchanged",
          arguments: [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000])
    func sameAsDefinition(length: Int) {
        let text = String((0..<length).map { Character(UnicodeScalar(UInt8(33 + ($0 * 7) % 90))) }) + (length % 2 == 0 ? "ü€" : "")
        #expect(IngestService.contentHash(text) == Self.reference(text))
        #expect(IngestService.contentHash(text) != IngestService.contentHash(text + " "))
    }
}
