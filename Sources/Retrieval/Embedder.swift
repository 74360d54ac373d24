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
        var bag = WordBag()
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(256)
        func add(_ word: ArraySlice<UInt8>, ngrams: Bool) {
            guard !word.isEmpty else { return }
            let h = word.withUnsafeBufferPointer { HashedEmbedder.fnv($0, 0..<$0.count) }
            if let i = index[h] { bag.counts[i] += 1; return }
            index[h] = bag.hashes.count
            let start = bag.bytes.count
            bag.bytes.append(contentsOf: word)
            bag.hashes.append(h)
            bag.counts.append(1)
            bag.ranges.append(start..<bag.bytes.count)
            bag.ngramsWanted.append(ngrams)
        }
        var utf8 = Array(text.utf8)
        utf8.append(32)
        // ASCII letters lower-cased once; sub-words and identifiers are slices of this copy.
        let lowered = utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var tokenStart = -1
        for i in 0..<utf8.count {
            let b = utf8[i]
            let isWordByte = (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 || b >= 128
            if isWordByte {
                if tokenStart < 0 { tokenStart = i }
                continue
            }
            guard tokenStart >= 0 else { continue }
            let token = utf8[tokenStart..<i]
            tokenStart = -1
            // Sub-words: split at '_', lower→Upper, and Upper-run→Upper+lower.
            var hasUnderscore = false, hasCamel = false, hasDigit = false
            var subStart = token.startIndex
            var j = token.startIndex
            var subwordCount = 0
            while j <= token.endIndex {
                let c: UInt8 = j < token.endIndex ? token[j] : 95
                var boundary = c == 95
                if !boundary, j > subStart {
                    let prev = token[j - 1]
                    let isUpper = c >= 65 && c <= 90
                    let prevLower = prev >= 97 && prev <= 122, prevUpper = prev >= 65 && prev <= 90
                    let nextLower = j + 1 < token.endIndex && token[j + 1] >= 97 && token[j + 1] <= 122
                    if isUpper && (prevLower || (prevUpper && nextLower)) { boundary = true; hasCamel = true }
                }
                if boundary {
                    if j > subStart {
                        add(lowered[subStart..<j], ngrams: true)
                        subwordCount += 1
                    }
                    if c == 95 { hasUnderscore = true; subStart = j + 1 } else { subStart = j }
                }
                if c >= 48 && c <= 57 { hasDigit = true }
                j += 1
            }
            if (hasUnderscore || hasCamel || hasDigit), token.count >= 3, subwordCount > 1 || hasUnderscore {
                add(lowered[token.startIndex..<token.endIndex], ngrams: false)
            }
        }
        return bag
    }

    /// The df bucket of a word hash.
    @inline(__always) public func dfBucket(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: Self.mix(hash) & UInt64(dfBuckets - 1)) }

    /// Embeds a word bag with document frequencies `df` over `documentCount` documents: an L2-normalized vector.
    public func embed(_ bag: WordBag, df: [Int32], documentCount: Int) -> [Float] {
        df.withUnsafeBufferPointer { embed(bag, df: $0, documentCount: documentCount) }
    }

    /// Embeds a word bag with document frequencies held in a buffer (e.g. a mapped vector file).
    func embed(_ bag: WordBag, df: UnsafeBufferPointer<Int32>, documentCount: Int) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        let n = Float(max(documentCount, 1))
        let mask = UInt64(dimension - 1)
        let powerOfTwo = dimension & (dimension - 1) == 0
        bag.bytes.withUnsafeBufferPointer { bytes in
            v.withUnsafeMutableBufferPointer { out in
                var gram = [UInt8](repeating: 0, count: 80)
                for w in 0..<bag.count {
                    let d = Float(df.isEmpty ? 0 : df[dfBucket(bag.hashes[w])])
                    let idf = logf((n + 1) / (min(d, n) + 1)) + 1
                    let weight = (1 + logf(Float(bag.counts[w]))) * idf
                    let h = Self.mix(bag.hashes[w] ^ 0x51ed27)
                    let slot = powerOfTwo ? Int(h & mask) : Int(h % UInt64(dimension))
                    out[slot] += (h >> 63) == 0 ? weight : -weight
                    let r = bag.ranges[w]
                    guard bag.ngramsWanted[w], r.count >= 2, r.count <= 60 else { continue }
                    // "<word>" with boundary marks.
                    gram[0] = 60
                    for k in 0..<r.count { gram[k + 1] = bytes[r.lowerBound + k] }
                    gram[r.count + 1] = 62
                    let len = r.count + 2
                    let gw = weight * ngramWeight
                    gram.withUnsafeBufferPointer { g in
                        for size in 3...5 where size <= len {
                            for s in 0...(len - size) {
                                let gh = Self.mix(Self.fnv(g, s..<(s + size), seed: 0x84222325cbf29ce4 &+ UInt64(size)))
                                let gslot = powerOfTwo ? Int(gh & mask) : Int(gh % UInt64(dimension))
                                out[gslot] += (gh >> 63) == 0 ? gw : -gw
                            }
                        }
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

    /// Quantizes a vector to int8 with a scale (value ≈ int8 · scale).
    public static func quantize(_ v: [Float]) -> (scale: Float, data: [Int8]) {
        var maxAbs: Float = 0
        for x in v { maxAbs = max(maxAbs, abs(x)) }
        guard maxAbs > 0 else { return (0, [Int8](repeating: 0, count: v.count)) }
        let s = maxAbs / 127
        return (s, v.map { Int8(clamping: Int(($0 / s).rounded())) })
    }
}

@inline(__always) func logf(_ x: Float) -> Float { Float(log(Double(x))) }
