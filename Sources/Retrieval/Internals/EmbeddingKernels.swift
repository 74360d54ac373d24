import CEmbedding

extension HashedEmbedder.WordBag {
    /// The distinct words of `parts`, each part's words counted its weight times (`kb_words_add`, C: the Swift
    /// version spent most of an ingest's word-splitting time on array bookkeeping).
    ///
    /// A word is a run of ASCII letters, digits, `_` and non-ASCII bytes. A run without capitals or `_` is one word
    /// (with character n-grams); otherwise it splits into sub-words at `_`, lower→Upper and Upper-run→Upper+lower
    /// (`clEnqueueNDRange` → `cl enqueue nd range`), and a distinctive identifier (an `_`, an inner capital or a
    /// digit, at least 3 bytes, and more than one sub-word or an `_`) is also kept whole, without n-grams.
    init(splitting parts: [(String, Int32)]) {
        var list = kb_word_list()
        defer { kb_words_free(&list) }
        _ = kb_words_prepare(&list, Int64(parts.reduce(0) { $0 + $1.0.utf8.count }))
        for (text, weight) in parts {
            var text = text
            // Out of memory: the words found so far.
            guard text.withUTF8({ kb_words_add(&list, $0.baseAddress, Int64($0.count), weight) }) == 0 else { break }
        }
        let n = Int(list.count)
        self.init()
        guard n > 0, let hashes = list.hashes, let counts = list.counts, let starts = list.starts,
              let lengths = list.lengths, let ngrams = list.ngrams, let bytes = list.bytes else { return }
        self.hashes = Array(UnsafeBufferPointer(start: hashes, count: n))
        self.counts = Array(UnsafeBufferPointer(start: counts, count: n))
        self.starts = Array(UnsafeBufferPointer(start: starts, count: n))
        self.lengths = Array(UnsafeBufferPointer(start: lengths, count: n))
        self.ngrams = Array(UnsafeBufferPointer(start: ngrams, count: n))
        self.bytes = Array(UnsafeBufferPointer(start: bytes, count: Int(list.byte_count)))
    }
}

extension HashedEmbedder {
    /// The C embedding (`kb_embed_words`) of a bag into `out` (`dimension` floats).
    func embed(_ bag: WordBag, df: UnsafeBufferPointer<Int32>, documentCount: Int, cache: NgramCache?,
               dfStamp: Int32, into out: UnsafeMutablePointer<Float>) {
        let cacheHandle = cache.flatMap { $0.dimension == dimension ? $0.handle : nil }
        bag.hashes.withUnsafeBufferPointer { hashes in
        bag.counts.withUnsafeBufferPointer { counts in
        bag.starts.withUnsafeBufferPointer { starts in
        bag.lengths.withUnsafeBufferPointer { lengths in
        bag.ngrams.withUnsafeBufferPointer { ngrams in
        bag.bytes.withUnsafeBufferPointer { bytes in
            kb_embed_words(Int64(dimension), ngramWeight, hashes.baseAddress, counts.baseAddress, starts.baseAddress,
                           lengths.baseAddress, ngrams.baseAddress, bytes.baseAddress, Int64(bag.count), df.baseAddress,
                           Int64(df.count), Int64(dfBuckets), Int64(documentCount), cacheHandle, dfStamp, out)
        }}}}}}
    }
}

/// Each word's character n-gram slots, computed once and reused across chunks (a corpus repeats its vocabulary), and
/// its idf for the current document frequencies (`kb_ngram_cache`, C). Used by one thread at a time; bounded in size
/// (past `capacity` words, new words are computed each time, not stored).
final class NgramCache: @unchecked Sendable {
    let dimension: Int
    /// The C cache; nil when it could not be allocated (embeddings are then computed without it).
    let handle: OpaquePointer?

    /// Words a cache holds unless told otherwise.
    static let defaultCapacity = 1 << 17

    init(dimension: Int, capacity: Int = defaultCapacity) {
        self.dimension = dimension
        handle = kb_ngram_cache_create(Int64(dimension), Int64(capacity))
    }

    deinit { kb_ngram_cache_free(handle) }
}

/// The int8 quantization of a vector (`kb_quantize_i8`, C): the Swift loop did not vectorize and cost ~40
/// instructions per value.
enum Quantization {
    /// `values` as int8 bit patterns with their scale (see `HashedEmbedder.quantizedBytes`).
    static func quantize(_ values: [Float]) -> (scale: Float, data: [UInt8]) {
        guard !values.isEmpty else { return (0, []) }
        var scale: Float = 0
        let data = [UInt8](unsafeUninitializedCapacity: values.count) { buffer, initialized in
            scale = values.withUnsafeBufferPointer { kb_quantize_i8($0.baseAddress, Int64($0.count), buffer.baseAddress) }
            initialized = values.count
        }
        return (scale, data)
    }

    /// `quantize` of values in a buffer.
    static func quantize(_ values: UnsafeBufferPointer<Float>) -> (scale: Float, data: [UInt8]) {
        guard let base = values.baseAddress, !values.isEmpty else { return (0, []) }
        var scale: Float = 0
        let data = [UInt8](unsafeUninitializedCapacity: values.count) { buffer, initialized in
            scale = kb_quantize_i8(base, Int64(values.count), buffer.baseAddress)
            initialized = values.count
        }
        return (scale, data)
    }
}
