import Foundation

/// kb's own text embedding: no neural model, just hashed features.
///
/// A text's words are its alphanumeric runs split into identifier sub-words (`clEnqueueNDRange` → `cl enqueue nd
/// range`), plus whole distinctive identifiers (`_mm512_fmadd_ps`). Each distinct word contributes its own feature
/// and its character 3-, 4- and 5-grams (with `<` `>` boundary marks), weighted by `(1 + ln tf) · idf(word)`, into
/// a `dimension`-sized vector by signed feature hashing. Vectors are L2-normalized and stored as int8 with one
/// float scale. Word document frequencies live in a hashed table of `dfBuckets` counters kept by the store.
public struct HashedEmbedder: Sendable {
    /// Vector dimension.
    public let dimension: Int
    /// Number of hashed document-frequency counters.
    public let dfBuckets: Int
    /// Weight of a word's character n-grams relative to the word itself.
    public var ngramWeight: Float

    /// Creates an embedder.
    public init(dimension: Int = 512, dfBuckets: Int = 1 << 18, ngramWeight: Float = 0.15) {
        self.dimension = dimension
        self.dfBuckets = dfBuckets
        self.ngramWeight = ngramWeight
    }

    /// The distinct words of a text with their counts, as 64-bit hashes plus the bytes for n-grams.
    public struct WordBag: Sendable {
        /// Word hashes, parallel to `counts` and `ranges`.
        public var hashes: [UInt64] = []
        /// Occurrence counts.
        public var counts: [Int32] = []
        /// Byte ranges into `bytes` of each word (lower-cased).
        var ranges: [Range<Int>] = []
        var bytes: [UInt8] = []
        var ngramsWanted: [Bool] = []

        /// Number of distinct words.
        public var count: Int { hashes.count }
    }

    @inline(__always) static func fnv(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, seed: UInt64 = 0xcbf29ce484222325) -> UInt64 {
        var h = seed
        for i in range { h = (h ^ UInt64(bytes[i])) &* 0x100000001b3 }
        return h
    }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e3779b97f4a7c15
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }

    /// Splits `text` into its distinct words.
    public func words(_ text: String) -> WordBag {
        words(parts: [(text, 1)])
    }

    /// The distinct words of several texts, each text's words counted `weight` times: `words(parts: [(a, 2), (b, 1)])`
    /// equals `words(a + a + b)` when `a` ends in a non-word byte, without building that string.
    public func words(parts: [(String, Int32)]) -> WordBag {
        WordBag(splitting: parts)
    }

    /// The df bucket of a word hash.
    @inline(__always) public func dfBucket(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: Self.mix(hash) & UInt64(dfBuckets - 1)) }

    /// Embeds a word bag with document frequencies `df` over `documentCount` documents: an L2-normalized vector.
    public func embed(_ bag: WordBag, df: [Int32], documentCount: Int) -> [Float] {
        df.withUnsafeBufferPointer { embed(bag, df: $0, documentCount: documentCount) }
    }

    /// Embeds a word bag with document frequencies held in a buffer (e.g. a mapped vector file). With a `cache`, each
    /// word's character n-gram slots are computed once per cache instead of once per chunk (same result).
    ///
    /// `dfStamp` names the frequencies `df` holds: with a cache, a word's idf is computed once per stamp (pass a new
    /// stamp whenever `df` or `documentCount` changes; 0 means never reuse).
    func embed(_ bag: WordBag, df: UnsafeBufferPointer<Int32>, documentCount: Int, cache: NgramCache? = nil,
               dfStamp: Int32 = 0) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        let n = Float(max(documentCount, 1))
        let cache = cache.flatMap { $0.dimension == dimension ? $0 : nil }
        bag.bytes.withUnsafeBufferPointer { bytes in
            v.withUnsafeMutableBufferPointer { out in
                var gram = [Int32]()
                for w in 0..<bag.count {
                    let r = bag.ranges[w]
                    let entry = cache?.entry(of: bag.hashes[w], word: UnsafeBufferPointer(rebasing: bytes[r]), embedder: self)
                    let idf: Float
                    if let cache, let entry, dfStamp != 0, let known = cache.idf(at: entry, stamp: dfStamp) {
                        idf = known
                    } else {
                        let d = Float(df.isEmpty ? 0 : df[dfBucket(bag.hashes[w])])
                        idf = logf((n + 1) / (min(d, n) + 1)) + 1
                        if let cache, let entry, dfStamp != 0 { cache.setIDF(idf, at: entry, stamp: dfStamp) }
                    }
                    let c = bag.counts[w]
                    let weight = (c == 1 ? 1 : 1 + logf(Float(c))) * idf
                    let h = Self.mix(bag.hashes[w] ^ 0x51ed27)
                    let slot = slotOf(h)
                    out[slot] += (h >> 63) == 0 ? weight : -weight
                    guard bag.ngramsWanted[w], r.count >= 2, r.count <= 60 else { continue }
                    let gw = weight * ngramWeight
                    if let cache, let entry {
                        cache.withSlots(at: entry) { slots in
                            for s in slots { out[Int(s.magnitude) - 1] += s > 0 ? gw : -gw }
                        }
                    } else {
                        gram.removeAll(keepingCapacity: true)
                        ngramSlots(UnsafeBufferPointer(rebasing: bytes[r]), into: &gram)
                        for s in gram { out[Int(s.magnitude) - 1] += s > 0 ? gw : -gw }
                    }
                }
            }
        }
        var norm: Float = 0
        for x in v { norm += x * x }
        norm = norm.squareRoot()
        if norm > 0 { for i in v.indices { v[i] /= norm } }
        return v
    }

    /// The vector slot of a feature hash.
    @inline(__always) func slotOf(_ h: UInt64) -> Int {
        dimension & (dimension - 1) == 0 ? Int(h & UInt64(dimension - 1)) : Int(h % UInt64(dimension))
    }

    /// The signed slots (`±(slot + 1)`) of a word's character 3-, 4- and 5-grams, with `<` `>` boundary marks.
    func ngramSlots(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        var gram = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &gram) { g in
            g[0] = 60
            for k in 0..<word.count { g[k + 1] = word[k] }
            g[word.count + 1] = 62
            let len = word.count + 2
            let bytes = UnsafeBufferPointer(start: g.baseAddress!.assumingMemoryBound(to: UInt8.self), count: len)
            for size in 3...5 where size <= len {
                for s in 0...(len - size) {
                    let gh = Self.mix(Self.fnv(bytes, s..<(s + size), seed: 0x84222325cbf29ce4 &+ UInt64(size)))
                    let slot = Int32(slotOf(gh) + 1)
                    out.append((gh >> 63) == 0 ? slot : -slot)
                }
            }
        }
    }

    /// Quantizes a vector to int8 with a scale (value ≈ int8 · scale), rounding half away from zero.
    public static func quantize(_ v: [Float]) -> (scale: Float, data: [Int8]) {
        let (scale, bytes) = quantizedBytes(v)
        return (scale, bytes.map { Int8(bitPattern: $0) })
    }

    /// `quantize` with the int8 values as their bit patterns, the form the store keeps.
    public static func quantizedBytes(_ v: [Float]) -> (scale: Float, data: [UInt8]) {
        // The scale is max|v| / 127; each value is divided by it in Float, then rounded half away from zero in
        // Double (exact, as |x / s| ≤ 127) and truncated: the same as `(x / s).rounded()`, in C.
        Quantization.quantize(v)
    }
}

@inline(__always) func logf(_ x: Float) -> Float { Float(log(Double(x))) }

/// Each word's character n-gram slots, computed once and reused across chunks (a corpus repeats its vocabulary), and
/// its idf for the current document frequencies. Used by one thread at a time; bounded in size (past `capacity`
/// words, new words are computed each time, not stored).
final class NgramCache: @unchecked Sendable {
    let dimension: Int
    // Raw buffers, not arrays: arrays stored in a class pay a dynamic exclusivity check on every access, which was
    // ~1.4 % of an ingest's CPU in the embedding loop.
    private let keys: UnsafeMutablePointer<UInt64>
    private let starts: UnsafeMutablePointer<Int32>
    private let lengths: UnsafeMutablePointer<UInt8>
    private let idfs: UnsafeMutablePointer<Float>
    private let stamps: UnsafeMutablePointer<Int32>
    private let size: Int
    private let mask: Int
    private var count = 0
    /// Every entry's n-gram slots, back to back (`slotCount` used of `slotCapacity`).
    private var slots: UnsafeMutablePointer<Int32>
    private var slotCount = 0
    private var slotCapacity = 1 << 16
    private var scratch: [Int32] = []

    init(dimension: Int, capacity: Int = 1 << 17) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        self.dimension = dimension
        self.size = size
        mask = size - 1
        keys = .allocate(capacity: size); keys.initialize(repeating: 0, count: size)
        starts = .allocate(capacity: size); starts.initialize(repeating: -1, count: size)
        lengths = .allocate(capacity: size); lengths.initialize(repeating: 0, count: size)
        idfs = .allocate(capacity: size); idfs.initialize(repeating: 0, count: size)
        stamps = .allocate(capacity: size); stamps.initialize(repeating: 0, count: size)
        slots = .allocate(capacity: slotCapacity)
    }

    deinit {
        keys.deallocate(); starts.deallocate(); lengths.deallocate(); idfs.deallocate(); stamps.deallocate()
        slots.deallocate()
    }

    /// The entry of the word with hash `hash` and lower-cased bytes `word`, made (with its n-gram slots) when absent;
    /// nil when the cache is full and the word is not in it.
    @inline(__always) func entry(of hash: UInt64, word: UnsafeBufferPointer<UInt8>, embedder: HashedEmbedder) -> Int? {
        var i = Int(truncatingIfNeeded: hash >> 7) & mask
        while starts[i] >= 0 {
            if keys[i] == hash { return i }
            i = (i + 1) & mask
        }
        guard count * 2 < size else { return nil }
        scratch.removeAll(keepingCapacity: true)
        if word.count >= 2, word.count <= 60 { embedder.ngramSlots(word, into: &scratch) }
        guard slotCount + scratch.count < Int(Int32.max) else { return nil }
        if slotCount + scratch.count > slotCapacity {
            var capacity = slotCapacity * 2
            while capacity < slotCount + scratch.count { capacity *= 2 }
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
            grown.moveInitialize(from: slots, count: slotCount)
            slots.deallocate()
            slots = grown
            slotCapacity = capacity
        }
        let destination = slots + slotCount
        scratch.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { destination.initialize(from: base, count: source.count) }
        }
        keys[i] = hash
        starts[i] = Int32(slotCount)
        lengths[i] = UInt8(scratch.count)
        stamps[i] = 0
        slotCount += scratch.count
        count += 1
        return i
    }

    /// The idf stored for an entry under `stamp`, if any.
    @inline(__always) func idf(at entry: Int, stamp: Int32) -> Float? {
        stamps[entry] == stamp ? idfs[entry] : nil
    }

    /// Stores an entry's idf under `stamp`.
    @inline(__always) func setIDF(_ idf: Float, at entry: Int, stamp: Int32) {
        idfs[entry] = idf
        stamps[entry] = stamp
    }

    /// Calls `body` with an entry's n-gram slots.
    @inline(__always) func withSlots(at entry: Int, _ body: (UnsafeBufferPointer<Int32>) -> Void) {
        body(UnsafeBufferPointer(start: slots + Int(starts[entry]), count: Int(lengths[entry])))
    }
}
