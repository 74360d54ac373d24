import Glibc

/// Fast substring search over UTF-8 bytes (memmem), used instead of Foundation's String search in hot paths.
struct ByteHaystack {
    let bytes: [UInt8]
    /// A 4096-bit set of the adjacent byte pairs present: a needle with an absent pair cannot occur, which
    /// spares most scans (most op phrases do not occur in most chunks).
    private let pairs: [UInt64]

    /// The text's bytes, ASCII letters lower-cased when `lowercase` is set.
    init(_ text: String, lowercase: Bool = false) {
        var b = Array(text.utf8)
        var set = [UInt64](repeating: 0, count: 64)
        // One pass over raw buffers: lower-casing and the pair set (two bounds-checked passes were ~1.4 % of an
        // ingest's CPU).
        b.withUnsafeMutableBufferPointer { buffer in
            set.withUnsafeMutableBufferPointer { pairSet in
                var previous: UInt8 = 0
                for i in 0..<buffer.count {
                    var c = buffer[i]
                    if lowercase, c &- 65 < 26 { c += 32; buffer[i] = c }
                    if i > 0 {
                        let h = Self.pairHash(previous, c)
                        pairSet[h >> 6] |= 1 << UInt64(h & 63)
                    }
                    previous = c
                }
            }
        }
        bytes = b
        pairs = set
    }

    @inline(__always) static func pairHash(_ a: UInt8, _ b: UInt8) -> Int { (Int(a) &* 31 &+ Int(b)) & 4095 }

    /// Whether every adjacent byte pair of `needle` occurs somewhere in the text.
    private func mayContain(_ n: UnsafeRawBufferPointer) -> Bool {
        guard n.count > 1 else { return true }
        for i in 1..<n.count {
            let h = Self.pairHash(n[i - 1], n[i])
            if pairs[h >> 6] & (1 << UInt64(h & 63)) == 0 { return false }
        }
        return true
    }

    /// Occurrences of a literal `needle`, counting at most `cap` (no copy of the needle).
    func occurrences(_ needle: StaticString, cap: Int) -> Int {
        occurrences(UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount), cap: cap)
    }

    /// Occurrences of `needle`'s bytes, counting at most `cap`.
    func occurrences(_ needle: [UInt8], cap: Int) -> Int {
        needle.withUnsafeBytes { occurrences($0, cap: cap) }
    }

    private func occurrences(_ nd: UnsafeRawBufferPointer, cap: Int) -> Int {
        guard let needleBase = nd.baseAddress, nd.count <= bytes.count, cap > 0, mayContain(nd) else { return 0 }
        return bytes.withUnsafeBytes { hay in
            guard let base = hay.baseAddress else { return 0 }
            var count = 0
            var offset = 0
            let n = nd.count
            let first = Int32(nd[0])
            while count < cap, offset + n <= hay.count {
                // memchr for the first byte, then memcmp for the rest (memmem is not exported to Swift).
                guard let candidate = memchr(base + offset, first, hay.count - offset - n + 1) else { break }
                let at = base.distance(to: UnsafeRawPointer(candidate))
                if memcmp(base + at, needleBase, n) == 0 {
                    count += 1
                    offset = at + n
                } else {
                    offset = at + 1
                }
            }
            return count
        }
    }

    /// Whether a literal `needle` occurs.
    func contains(_ needle: StaticString) -> Bool { occurrences(needle, cap: 1) > 0 }
}

extension String {
    /// Foundation's `contains(_:)` for an ASCII `needle` none of whose characters has a non-ASCII canonical
    /// equivalent (all but `K`, `;` and `` ` ``), answered with memmem where that is certain.
    ///
    /// Foundation compares Characters with canonical equivalence (through NSString, at ~150 instructions a byte of
    /// Python). For such a needle a Foundation match is always a byte match, so no byte match means no match; a byte
    /// match with ASCII (or nothing) on both sides lies on Character boundaries, so it is a match. A byte match beside
    /// a non-ASCII byte (a combining mark may extend its last Character) is left to Foundation.
    func containsASCIIPhrase(_ needle: String) -> Bool {
        var text = self
        var phrase = needle
        let answer: Bool? = text.withUTF8 { hay -> Bool? in
            phrase.withUTF8 { n -> Bool? in
                guard let h = hay.baseAddress, let p = n.baseAddress, !n.isEmpty else { return nil }
                var from = 0
                var uncertain = false
                // memchr for the first byte, then memcmp for the rest (memmem is not exported to Swift).
                while from + n.count <= hay.count,
                      let candidate = memchr(h + from, Int32(n[0]), hay.count - from - n.count + 1) {
                    let at = h.distance(to: candidate.assumingMemoryBound(to: UInt8.self))
                    guard memcmp(h + at, p, n.count) == 0 else { from = at + 1; continue }
                    let before = at == 0 || hay[at - 1] < 0x80
                    let after = at + n.count == hay.count || hay[at + n.count] < 0x80
                    if before && after { return true }
                    uncertain = true
                    from = at + 1
                }
                return uncertain ? nil : false
            }
        }
        return answer ?? contains(needle)
    }
}

extension String {
    /// The UTF-8 offset of the first occurrence of the ASCII `needle` at or after byte `from`, or nil: memchr for its
    /// first byte and memcmp for the rest (Foundation's `range(of:)` and `contains` go through CFString, which was
    /// ~3 % of an ingest in the Markdown chunker).
    func utf8Offset(of needle: StaticString, from: Int = 0) -> Int? {
        var text = self
        let count = needle.utf8CodeUnitCount
        return text.withUTF8 { bytes -> Int? in
            guard let base = bytes.baseAddress, count > 0, from >= 0 else { return nil }
            let first = Int32(needle.utf8Start.pointee)
            var at = from
            while at + count <= bytes.count, let hit = memchr(base + at, first, bytes.count - at - count + 1) {
                at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, needle.utf8Start, count) == 0 { return at }
                at += 1
            }
            return nil
        }
    }
}
