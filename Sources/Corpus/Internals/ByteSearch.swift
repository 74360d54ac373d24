import Glibc

/// Fast substring search over UTF-8 bytes (memmem), used instead of Foundation's String search in hot paths.
struct ByteHaystack {
    let bytes: [UInt8]

    /// The text's bytes, ASCII letters lower-cased when `lowercase` is set.
    init(_ text: String, lowercase: Bool = false) {
        var b = Array(text.utf8)
        if lowercase { for i in b.indices where b[i] >= 65 && b[i] <= 90 { b[i] += 32 } }
        bytes = b
    }

    /// Occurrences of `needle`, counting at most `cap`.
    func occurrences(_ needle: String, cap: Int) -> Int {
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= bytes.count, cap > 0 else { return 0 }
        return bytes.withUnsafeBytes { hay in
            n.withUnsafeBytes { nd in
                guard let base = hay.baseAddress, let needleBase = nd.baseAddress else { return 0 }
                var count = 0
                var offset = 0
                let first = Int32(n[0])
                while count < cap, offset + n.count <= hay.count {
                    // memchr for the first byte, then memcmp for the rest (memmem is not exported to Swift).
                    guard let candidate = memchr(base + offset, first, hay.count - offset - n.count + 1) else { break }
                    let at = base.distance(to: UnsafeRawPointer(candidate))
                    if memcmp(base + at, needleBase, n.count) == 0 {
                        count += 1
                        offset = at + n.count
                    } else {
                        offset = at + 1
                    }
                }
                return count
            }
        }
    }

    /// Whether `needle` occurs.
    func contains(_ needle: String) -> Bool { occurrences(needle, cap: 1) > 0 }
}
