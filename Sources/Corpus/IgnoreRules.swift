/// `.gitignore`-style rules (also read from `.kbignore`): `#` comments, `!` negation, trailing `/` for folders,
/// a `/` inside the pattern anchoring it to the file's folder, `*`, `?`, `[...]` and `**`.
public struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var pattern: [UInt8]
        var negated: Bool
        var directoryOnly: Bool
        var anchored: Bool
        var base: String  // folder (relative to the walk root, "" for the root) the rule file lives in
    }

    var rules: [Rule] = []

    /// Creates an empty rule set.
    public init() {}

    /// Adds the rules of one ignore file found in folder `base` (relative to the walk root).
    public mutating func add(fileContents: String, base: String) {
        for raw in fileContents.split(separator: "\n") {
            var line = Substring(raw)
            while line.last == "\r" || line.last == " " { line = line.dropLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negated = false
            if line.hasPrefix("!") { negated = true; line = line.dropFirst() }
            if line.hasPrefix("\\") { line = line.dropFirst() }
            var directoryOnly = false
            if line.hasSuffix("/") { directoryOnly = true; line = line.dropLast() }
            let anchored = line.contains("/")
            if line.hasPrefix("/") { line = line.dropFirst() }
            if line.isEmpty { continue }
            rules.append(Rule(pattern: Array(line.utf8), negated: negated, directoryOnly: directoryOnly, anchored: anchored, base: base))
        }
    }

    /// Whether `relativePath` (from the walk root) is ignored; the last matching rule wins.
    public func isIgnored(_ relativePath: String, isDirectory: Bool) -> Bool {
        guard !rules.isEmpty else { return false }
        var path = relativePath
        if let answer = path.withUTF8({ Self.asciiIsIgnored($0, isDirectory: isDirectory, rules: rules) }) { return answer }
        return characterIsIgnored(relativePath, isDirectory: isDirectory)
    }

    /// `characterIsIgnored` on the bytes of an ASCII path, where a `Character` is a byte (the walk asked this for
    /// every file and folder, splitting the path into Characters once per rule); nil when the path or a rule's folder
    /// is not ASCII.
    static func asciiIsIgnored(_ path: UnsafeBufferPointer<UInt8>, isDirectory: Bool, rules: [Rule]) -> Bool? {
        guard !path.contains(where: { $0 >= 0x80 }) else { return nil }
        // The last non-empty `/` component of `path[from...]` (what `split(separator: "/").last` gives, or empty).
        func name(from: Int) -> ArraySlice<UInt8> {
            var end = path.count
            while end > from, path[end - 1] == 47 { end -= 1 }
            var start = end
            while start > from, path[start - 1] != 47 { start -= 1 }
            return Array(path[start..<end])[...]
        }
        let wholeName = name(from: 0)
        var ignored = false
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            var offset = 0
            if !rule.base.isEmpty {
                var base = rule.base
                let prefixed: Bool? = base.withUTF8 { b in
                    guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
                    guard path.count > b.count, path[b.count] == 47 else { return false }
                    for i in 0..<b.count where path[i] != b[i] { return false }
                    return true
                }
                guard let prefixed else { return nil }
                guard prefixed else { continue }
                offset = base.utf8.count + 1
            }
            let matched: Bool
            if rule.anchored {
                matched = glob(rule.pattern[...], Array(path[offset...])[...])
            } else {
                matched = glob(rule.pattern[...], offset == 0 ? wholeName : name(from: offset))
            }
            if matched { ignored = !rule.negated }
        }
        return ignored
    }

    /// The definition, `Character` by `Character`.
    func characterIsIgnored(_ relativePath: String, isDirectory: Bool) -> Bool {
        var ignored = false
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            let local: Substring
            if rule.base.isEmpty { local = Substring(relativePath) }
            else if relativePath.hasPrefix(rule.base + "/") { local = relativePath.dropFirst(rule.base.count + 1) }
            else { continue }
            let matched: Bool
            if rule.anchored {
                matched = Self.glob(rule.pattern[...], Array(local.utf8)[...])
            } else {
                let name = local.split(separator: "/").last.map { Array($0.utf8) } ?? []
                matched = Self.glob(rule.pattern[...], name[...])
            }
            if matched { ignored = !rule.negated }
        }
        return ignored
    }

    /// Glob match where `*` and `?` stop at `/` and `**` crosses folders.
    static func glob(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var p = p, s = s
        while let pc = p.first {
            switch pc {
            case UInt8(ascii: "*"):
                if p.count >= 2, p[p.startIndex + 1] == UInt8(ascii: "*") {
                    var rest = p.dropFirst(2)
                    if rest.first == UInt8(ascii: "/") { rest = rest.dropFirst() }
                    if rest.isEmpty { return true }
                    var t = s
                    while true {
                        if glob(rest, t) { return true }
                        guard let slash = t.firstIndex(of: UInt8(ascii: "/")) else { return false }
                        t = t[(slash + 1)...]
                    }
                }
                let rest = p.dropFirst()
                var t = s
                while true {
                    if glob(rest, t) { return true }
                    guard let c = t.first, c != UInt8(ascii: "/") else { return false }
                    t = t.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard let c = s.first, c != UInt8(ascii: "/") else { return false }
                p = p.dropFirst(); s = s.dropFirst()
            case UInt8(ascii: "["):
                guard let c = s.first, let close = p.dropFirst().firstIndex(of: UInt8(ascii: "]")) else { return false }
                var set = p[(p.startIndex + 1)..<close]
                var negate = false
                if set.first == UInt8(ascii: "!") || set.first == UInt8(ascii: "^") { negate = true; set = set.dropFirst() }
                var hit = false
                var k = set.startIndex
                while k < set.endIndex {
                    if k + 2 < set.endIndex, set[k + 1] == UInt8(ascii: "-") {
                        if c >= set[k] && c <= set[k + 2] { hit = true }
                        k += 3
                    } else {
                        if c == set[k] { hit = true }
                        k += 1
                    }
                }
                guard hit != negate else { return false }
                p = p[(close + 1)...]; s = s.dropFirst()
            default:
                guard let c = s.first, c == pc else { return false }
                p = p.dropFirst(); s = s.dropFirst()
            }
        }
        return s.isEmpty
    }
}
