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
        /// Where each word's (lower-cased) bytes start in `bytes`, and how many there are.
        var starts: [Int64] = []
        var lengths: [Int32] = []
        var bytes: [UInt8] = []
        /// 1 where a word's character n-grams are features too.
        var ngrams: [UInt8] = []

        /// Byte ranges into `bytes` of each word.
        var ranges: [Range<Int>] { zip(starts, lengths).map { Int($0)..<(Int($0) + Int($1)) } }
        /// Whether each word's character n-grams are features too.
        var ngramsWanted: [Bool] { ngrams.map { $0 != 0 } }

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
    /// stamp whenever `df` or `documentCount` changes; 0 means never reuse). The arithmetic is in C
    /// (`kb_embed_words`); the tests keep the Swift definition it reproduces bit for bit.
    func embed(_ bag: WordBag, df: UnsafeBufferPointer<Int32>, documentCount: Int, cache: NgramCache? = nil,
               dfStamp: Int32 = 0) -> [Float] {
        [Float](unsafeUninitializedCapacity: dimension) { out, initialized in
            embed(bag, df: df, documentCount: documentCount, cache: cache, dfStamp: dfStamp, into: out.baseAddress!)
            initialized = dimension
        }
    }

    /// `embed` quantized (`quantizedBytes`), without keeping the float vector.
    func embedQuantized(_ bag: WordBag, df: UnsafeBufferPointer<Int32>, documentCount: Int, cache: NgramCache? = nil,
                        dfStamp: Int32 = 0) -> (scale: Float, data: [UInt8]) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: dimension) { floats in
            embed(bag, df: df, documentCount: documentCount, cache: cache, dfStamp: dfStamp, into: floats.baseAddress!)
            return Quantization.quantize(UnsafeBufferPointer(floats))
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
