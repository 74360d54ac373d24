/// The exact-identifier index's keys: hashes of the names under which a chunk's symbol defines an identifier, kept
/// sorted in the vector file so that a query finds an identifier's definitions by binary search instead of asking
/// FTS5 for every chunk whose symbols begin with its pieces (2,286 rows for `opencl` at 100k chunks, each looked up
/// in the chunks table: 6–10 ms per identifier).
///
/// A key is a 32-bit hash of a kind and a lower-cased name; candidates found by key are always checked against the
/// stored symbol with the lookup's own rule (`QueryService.identifierRows`), so a hash collision costs one row read
/// and never a wrong answer. Keys are generous: every name a rule could accept is keyed, the rule decides.
enum SymbolKeys {
    /// Which rule a key serves.
    enum Kind: UInt64, Sendable {
        /// The whole symbol (`softmax_f32`).
        case exact = 1
        /// The symbol up to a `::` (`Attention` of `Attention::forward`: a class is defined by its members' chunks).
        case scope = 2
        /// The symbol after a `.` or `::` (`get_slice` of `TiledCopy::get_slice`, `forward` of `Attention.forward`).
        case member = 3
        /// The symbol after a one-word namespace prefix and its underscore (`vaddq_f32` and `_vaddq_f32` of
        /// `simde_vaddq_f32`), when at least 6 bytes long.
        case prefixed = 4
    }

    /// The shortest name a prefixed definition is keyed under (`QueryService.isPrefixedDefinition` needs 6 bytes).
    static let shortestPrefixedName = 6

    /// The key of `name` (UTF-8 bytes, lower-cased) for `kind`.
    static func key(_ kind: Kind, _ name: some Collection<UInt8>) -> UInt32 {
        var h: UInt64 = 0xcbf29ce484222325 ^ (kind.rawValue &* 0x9e3779b97f4a7c15)
        for b in name { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return UInt32(truncatingIfNeeded: HashedEmbedder.mix(h) >> 16)
    }

    /// The key of `token` (already lower-cased) for `kind`.
    static func key(_ kind: Kind, token: String) -> UInt32 { key(kind, Array(token.utf8)) }

    /// Every key a chunk whose symbol is `symbol` is found under (none for an empty symbol), each once.
    static func keys(ofSymbol symbol: String) -> [UInt32] {
        let s = Array(symbol.lowercased().utf8)
        guard !s.isEmpty else { return [] }
        var keys = [key(.exact, s)]
        let colon = UInt8(ascii: ":"), dot = UInt8(ascii: "."), underscore = UInt8(ascii: "_")
        var i = 0
        while i < s.count {
            if s[i] == colon, i + 1 < s.count, s[i + 1] == colon {
                if i > 0 { keys.append(key(.scope, s[..<i])) }
                if i + 2 < s.count { keys.append(key(.member, s[(i + 2)...])) }
                i += 2
                continue
            }
            if s[i] == dot, i + 1 < s.count { keys.append(key(.member, s[(i + 1)...])) }
            i += 1
        }
        // One word of lower-case letters and digits, then an underscore: the name after it, with and without it.
        let word = s.prefix { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }.count
        if word > 0, word < s.count, s[word] == underscore {
            if s.count - word >= shortestPrefixedName { keys.append(key(.prefixed, s[word...])) }
            if s.count - word - 1 >= shortestPrefixedName { keys.append(key(.prefixed, s[(word + 1)...])) }
        }
        // A handful of keys: a linear check beats a set's allocation.
        var distinct: [UInt32] = []
        for k in keys where !distinct.contains(k) { distinct.append(k) }
        return distinct
    }

    /// The sorted table of `symbols` (one per vector row, nil for none): each entry a key in the high 32 bits and the
    /// row in the low 32.
    static func table(_ symbols: [String?]) -> [UInt64] {
        var table: [UInt64] = []
        table.reserveCapacity(symbols.count * 2)
        for (row, symbol) in symbols.enumerated() {
            guard let symbol else { continue }
            for k in keys(ofSymbol: symbol) { table.append(UInt64(k) << 32 | UInt64(UInt32(truncatingIfNeeded: row))) }
        }
        table.sort()
        return table
    }

    /// The rows of `table` keyed `key`, ascending.
    static func rows(_ table: UnsafeBufferPointer<UInt64>, key: UInt32) -> [Int] {
        let low = UInt64(key) << 32
        var lo = 0, hi = table.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if table[mid] < low { lo = mid + 1 } else { hi = mid }
        }
        var rows: [Int] = []
        while lo < table.count, table[lo] >> 32 == UInt64(key) {
            rows.append(Int(table[lo] & 0xFFFF_FFFF))
            lo += 1
        }
        return rows
    }
}
