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
        self.ranges = [Range<Int>](unsafeUninitializedCapacity: n) { out, initialized in
            for i in 0..<n { (out.baseAddress! + i).initialize(to: Int(starts[i])..<(Int(starts[i]) + Int(lengths[i]))) }
            initialized = n
        }
        self.ngramsWanted = [Bool](unsafeUninitializedCapacity: n) { out, initialized in
            for i in 0..<n { (out.baseAddress! + i).initialize(to: ngrams[i] != 0) }
            initialized = n
        }
        self.bytes = Array(UnsafeBufferPointer(start: bytes, count: Int(list.byte_count)))
    }
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
}
