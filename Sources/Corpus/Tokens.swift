import Glibc

/// Splitting of text and identifiers into the words kb indexes.
public enum Tokens {
    /// C-family keywords and common type names that are never interesting identifiers.
    static let keywords: Set<String> = [
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
        "size_t", "int32_t", "int64_t", "uint32_t", "uint64_t", "uint8_t", "int8_t", "uint16_t", "int16_t",
        "__restrict", "__restrict__", "class", "namespace", "template", "typename", "public", "private", "def",
        "return", "import", "from", "true", "false", "null", "nullptr", "none", "self", "in", "is", "not", "and", "or",
        "uint", "ulong", "uchar", "ushort", "half", "ptrdiff_t", "intptr_t", "uintptr_t", "const_cast",
    ]

    /// Identifier-shaped tokens of `text` (ASCII letters, digits, underscores; not starting with a digit), in order.
    public static func identifiers(in text: String) -> [Substring] {
        var out: [Substring] = []
        let utf8 = text.utf8
        var start: String.Index? = nil
        var inNumber = false
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let b = utf8[index]
            let isAlpha = (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || b == 95
            let isDigit = b >= 48 && b <= 57
            if isAlpha || isDigit {
                if start == nil, !inNumber {
                    if isDigit { inNumber = true } else { start = index }
                }
            } else {
                if let s = start { out.append(text[s..<index]) }
                start = nil
                inNumber = false
            }
            index = utf8.index(after: index)
        }
        if let s = start { out.append(text[s..<utf8.endIndex]) }
        return out
    }

    @inline(__always) static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    @inline(__always) static func isIdentBody(_ c: Unicode.Scalar) -> Bool {
        isIdentStart(c) || (c >= "0" && c <= "9")
    }

    /// Whether an identifier deserves exact lookup: it has an underscore, a digit or an inner capital, and is no keyword.
    public static func isDistinctive(_ ident: Substring) -> Bool {
        guard ident.utf8.count >= 3 else { return false }
        var hasUnderscore = false, hasDigit = false, innerUpper = false, sawLower = false
        for b in ident.utf8 {
            if b == UInt8(ascii: "_") { hasUnderscore = true }
            else if b >= 48 && b <= 57 { hasDigit = true }
            else if b >= 65 && b <= 90 { if sawLower { innerUpper = true } }
            else if b >= 97 && b <= 122 { sawLower = true }
        }
        guard hasUnderscore || hasDigit || innerUpper else { return false }
        return !keywords.contains(String(ident).lowercased())
    }

    /// Sub-words of an identifier: split at underscores and lower→upper changes, lower-cased; letters and digits stay
    /// together (`numberSplit` splits those). `clEnqueueNDRangeKernel` → `cl enqueue nd range kernel`;
    /// `_mm512_fmadd_ps` → `mm512 fmadd ps`.
    public static func subwords(of ident: Substring) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        let bytes = Array(ident.utf8)
        func flush() {
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self).lowercased()); current.removeAll() }
        }
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "_") || b > 127 { flush(); continue }
            let isUpper = b >= 65 && b <= 90
            if let prev = current.last {
                let prevUpper = prev >= 65 && prev <= 90, prevLower = prev >= 97 && prev <= 122
                let nextLower = i + 1 < bytes.count && bytes[i + 1] >= 97 && bytes[i + 1] <= 122
                if isUpper && (prevLower || (prevUpper && nextLower)) { flush() }
            }
            current.append(b)
        }
        flush()
        return words
    }

    /// The words a lower-case sub-word joins through numbers, when it joins any: split where a run of at least three
    /// letters (not `int` or `uint`) meets a digit, and where those digits meet a run of at least two letters that a
    /// digit or the end closes. `float2int8` → `float 2 int8`, `transpose8x8` → `transpose 8x8`, `exp256` →
    /// `exp 256`, `avx512` → `avx 512`, `conv3x3s1` → `conv 3x3s1`; `int8`, `uint16`, `mm512`, `bf16` and `im2col`
    /// stay whole (empty result). SIMD code names conversions, widths and ISAs so.
    public static func numberSplit(_ word: String) -> [String] {
        let b = Array(word.utf8)
        @inline(__always) func isLetter(_ c: UInt8) -> Bool { c >= 97 && c <= 122 }
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        guard b.contains(where: isDigit), b.contains(where: isLetter) else { return [] }
        var cuts: [Int] = []
        var i = 0
        while i < b.count {
            var j = i
            let letters = isLetter(b[i])
            while j < b.count, isLetter(b[j]) == letters, isLetter(b[j]) || isDigit(b[j]) { j += 1 }
            guard j > i else { return [] }  // a byte that is neither: not a sub-word this splits
            if j < b.count {
                // letters → digits: the letters are a word of three or more (not `int`, `uint`); digits → letters,
                // after such a word: two or more letters followed by a digit or the end.
                if letters, j - i >= 3, !(j - i == 3 && b[i] == 105 && b[i + 1] == 110 && b[i + 2] == 116),
                   !(j - i == 4 && b[i] == 117 && b[i + 1] == 105 && b[i + 2] == 110 && b[i + 3] == 116) {
                    cuts.append(j)
                }
                if !letters, cuts.last == i {
                    var k = j
                    while k < b.count, isLetter(b[k]) { k += 1 }
                    if k - j >= 2, k == b.count || isDigit(b[k]) { cuts.append(j) }
                }
            }
            i = j
        }
        guard !cuts.isEmpty else { return [] }
        var parts: [String] = []
        var start = 0
        for c in cuts + [b.count] {
            parts.append(String(decoding: b[start..<c], as: UTF8.self))
            start = c
        }
        return parts
    }

    /// Whether an identifier contains a camelCase boundary that FTS5's tokenizer would not split.
    public static func hasCamelBoundary(_ ident: Substring) -> Bool {
        var sawLower = false
        for b in ident.utf8 {
            if b >= 97 && b <= 122 { sawLower = true } else if b >= 65 && b <= 90, sawLower { return true }
        }
        return false
    }

    /// Lower-cased words of free text (letters and digits), as a search query sees them.
    public static func words(in text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text.lowercased().unicodeScalars {
            if ch.properties.isAlphabetic || ("0"..."9").contains(ch) { current.unicodeScalars.append(ch) }
            else if !current.isEmpty { out.append(current); current = "" }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

extension String {
    /// The text's lines split at `\n` byte by byte (a `Character` split is several times slower); empty lines kept.
    public var lineArray: [String] {
        // memchr over the contiguous UTF-8 (splitting the UTF8View and converting each piece through Substring cost
        // ~80 instructions a byte, 2 % of an ingest).
        var text = self
        return text.withUTF8 { bytes -> [String] in
            guard let base = bytes.baseAddress else { return [""] }
            var lines: [String] = []
            var start = 0
            while start <= bytes.count {
                let rest = bytes.count - start
                let end = memchr(base + start, 10, rest).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? bytes.count
                lines.append(String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self))
                start = end + 1
            }
            return lines
        }
    }
}

extension String {
    /// Whether the text's UTF-8 holds `byte` (memchr; the generic `utf8.contains` costs ~8 instructions a byte).
    public func containsByte(_ byte: UInt8) -> Bool { self[...].containsByte(byte) }

    /// The lines `split(separator: "\n", omittingEmptySubsequences: false)` gives: split at every line feed byte by
    /// byte (`lineArray`), unless a `\r` could make `\r\n` one Character, which a Character split keeps whole (a
    /// line feed is otherwise always a Character of its own).
    public var characterLines: [String] {
        containsByte(13) ? split(separator: "\n", omittingEmptySubsequences: false).map(String.init) : lineArray
    }

    /// `first?.isWhitespace == true`, from the first byte when the first two bytes are ASCII: the first Character is
    /// then that byte, or `\r\n`, whose first scalar decides alike (`Character.isWhitespace` is ~300 instructions).
    public var firstIsWhitespace: Bool {
        var text = self
        let fast: Bool? = text.withUTF8 { b in
            guard let first = b.first else { return false }
            guard first < 0x80, b.count == 1 || b[1] < 0x80 else { return nil }
            return first == 32 || (first >= 9 && first <= 13)
        }
        return fast ?? (first?.isWhitespace == true)
    }

    /// `last?.isWhitespace == true`, from the last byte when the last two bytes are ASCII: the last Character is then
    /// that byte, or `\r\n`, whose first scalar is whitespace like its last byte.
    public var lastIsWhitespace: Bool {
        var text = self
        let fast: Bool? = text.withUTF8 { b in
            guard let last = b.last else { return false }
            guard last < 0x80, b.count == 1 || b[b.count - 2] < 0x80 else { return nil }
            return last == 32 || (last >= 9 && last <= 13)
        }
        return fast ?? (last?.isWhitespace == true)
    }

    /// How many `\n` bytes the text holds (memchr over its UTF-8; a closure per byte was ~30 instructions a byte).
    public var lineFeedCount: Int {
        var text = self
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return 0 }
            var count = 0, at = 0
            while at < bytes.count, let hit = memchr(base + at, 10, bytes.count - at) {
                count += 1
                at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return count
        }
    }
}

extension Substring {
    /// Whether the text's UTF-8 holds `byte` (memchr; the generic `utf8.contains` costs ~8 instructions a byte).
    public func containsByte(_ byte: UInt8) -> Bool {
        var text = self
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, Int32(byte), bytes.count) != nil
        }
    }
}

extension StringProtocol {
    /// Whether the text is empty or only spaces, tabs and line breaks (no Foundation).
    public var isBlank: Bool { utf8.allSatisfy { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 } }

    /// The text without leading and trailing whitespace including line breaks (no Foundation).
    public var trimmedWhitespaceAndNewlines: Substring {
        let s = Substring(self)
        if let trimmed = s.trimmedASCIIBytes({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) { return trimmed }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else {
            return s[s.endIndex...]
        }
        return s[first...last]
    }

    /// The text without leading and trailing spaces and tabs (no Foundation).
    public var trimmedSpaces: Substring {
        let s = Substring(self)
        if let trimmed = s.trimmedASCIIBytes({ $0 == 32 || $0 == 9 }) { return trimmed }
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = s.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return s[s.endIndex...] }
        return s[first...last]
    }
}

extension Substring {
    /// The text without the leading and trailing ASCII bytes `isTrimmed` accepts, when that is what trimming those
    /// characters `Character` by `Character` gives (byte by byte is ~10x cheaper): nil when a non-ASCII byte follows
    /// a trimmed leading run, as it might be a combining mark that makes a space part of another character.
    /// (Trailing runs and runs before ASCII are exact: an ASCII byte never combines with what precedes it.)
    func trimmedASCIIBytes(_ isTrimmed: (UInt8) -> Bool) -> Substring? {
        let u = utf8
        var start = u.startIndex
        while start < u.endIndex, isTrimmed(u[start]) { start = u.index(after: start) }
        if start == u.endIndex { return self[endIndex...] }
        if start != u.startIndex, u[start] >= 0x80 { return nil }
        var end = u.endIndex
        while end > start {
            let before = u.index(before: end)
            guard isTrimmed(u[before]) else { break }
            end = before
        }
        return self[start..<end]
    }
}

/// What one byte-level pass over a text finds in its identifiers.
public struct IdentifierScan: Sendable {
    /// SIMD intrinsics, SIMD types and vector builtins, in first-use order, each once.
    public var intrinsics: [String] = []
    /// The sub-words of each camelCase identifier, space-joined, sorted and unique (only when asked for).
    public var camelWords: [String] = []
}

extension Tokens {
    /// Scans `text` once, byte by byte, for intrinsics and (when `camel`) camelCase splits.
    /// Equivalent to `identifiers(in:)` followed by `MetadataExtractor.isIntrinsic` and
    /// `hasCamelBoundary` on each, at a fraction of the cost (no `Substring` per token).
    public static func scan(_ text: String, camel: Bool = false) -> IdentifierScan {
        if let result = text.utf8.withContiguousStorageIfAvailable({ scan(bytes: $0, camel: camel) }) { return result }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { scan(bytes: $0, camel: camel) }
    }

    /// Byte classes for `scan`: 1 an ASCII lower-case letter, 2 an upper-case one, 4 `_`, 8 a digit, 0 anything else.
    static let scanClasses: [UInt8] = (0..<256).map { b -> UInt8 in
        switch b {
        case 97...122: 1
        case 65...90: 2
        case 95: 4
        case 48...57: 8
        default: 0
        }
    }

    @inline(__always) static func isLowerByte(_ b: UInt8) -> Bool { b >= 97 && b <= 122 }
    @inline(__always) static func isUpperByte(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    @inline(__always) static func isDigitByte(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    static func scan(bytes: UnsafeBufferPointer<UInt8>, camel: Bool) -> IdentifierScan {
        var out = IdentifierScan()
        var seenIntrinsics = Set<String>()
        var camelSet = Set<String>()
        // Tokens already handled, by a hash of their bytes (the bytes are compared too): an intrinsic or camelCase
        // name repeated in a chunk builds its strings once, not at every occurrence.
        var handled: [UInt64: String] = [:]
        func alreadyHandled(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
            var h: UInt64 = 0xcbf29ce484222325
            for b in token { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            if let known = handled[h] { return known.utf8.elementsEqual(token) }
            handled[h] = String(decoding: token, as: UTF8.self)
            return false
        }
        let n = bytes.count
        var i = 0
        // One table lookup a byte (`scanClasses`) instead of a chain of range tests.
        let classes = scanClasses
        classes.withUnsafeBufferPointer { cls in
        while i < n {
            let c0 = cls[Int(bytes[i])]
            if c0 & 7 != 0 {
                let start = i
                var hasUnderscore = c0 == 4, innerUpper = false, sawLower = c0 == 1
                i += 1
                while i < n {
                    let c = cls[Int(bytes[i])]
                    if c == 0 { break }
                    if c == 1 { sawLower = true }
                    else if c == 2 { if sawLower { innerUpper = true } }
                    else if c == 4 { hasUnderscore = true }
                    i += 1
                }
                let token = UnsafeBufferPointer(rebasing: bytes[start..<i])
                let intrinsic = MetadataExtractor.isIntrinsic(bytes: token, hasUnderscore: hasUnderscore)
                if intrinsic || (camel && innerUpper), !alreadyHandled(token) {
                    let name = String(decoding: token, as: UTF8.self)
                    if intrinsic, seenIntrinsics.insert(name).inserted { out.intrinsics.append(name) }
                    if camel, innerUpper { camelSet.insert(subwords(of: Substring(name)).joined(separator: " ")) }
                }
            } else if c0 == 8 {
                // A number, with any letters glued to it (`1e5f`, `0x1F`), is no identifier.
                i += 1
                while i < n, cls[Int(bytes[i])] != 0 { i += 1 }
            } else {
                i += 1
            }
        }
        }
        if camel { out.camelWords = camelSet.sorted() }
        return out
    }
}
