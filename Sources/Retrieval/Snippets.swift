import Foundation

/// Chooses and marks the part of a chunk that best matches a query.
enum Snippets {
    /// A window of up to `maxLines` lines (and `maxCharacters`) holding the most distinct query terms, with
    /// matched words marked. A word matches a term when it starts with the term's stem-like prefix.
    static func make(_ text: String, terms: [String], maxLines: Int = 3, maxCharacters: Int = 320) -> [SnippetSegment] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let prefixes = terms.filter { $0.count >= 2 }.map { t -> String in t.count > 5 ? String(t.prefix(t.count - 2)) : t }
        func matches(_ word: Substring) -> String? {
            let w = word.lowercased()
            return prefixes.first { w.hasPrefix($0) || (w.count >= 4 && $0.hasPrefix(w)) }
        }
        // Score each line by the distinct terms it matches.
        var lineTerms: [Set<String>] = []
        for line in lines {
            var found = Set<String>()
            for word in line.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) { if let m = matches(word) { found.insert(m) } }
            lineTerms.append(found)
        }
        var bestStart = 0, bestScore = -1
        for start in 0..<max(1, lines.count) {
            var union = Set<String>()
            var nonEmpty = 0
            for k in start..<min(lines.count, start + maxLines) { union.formUnion(lineTerms[k]); if !lines[k].trimmingCharacters(in: .whitespaces).isEmpty { nonEmpty += 1 } }
            let score = union.count * 10 + nonEmpty
            if score > bestScore { bestScore = score; bestStart = start }
        }
        var window = lines[bestStart..<min(lines.count, bestStart + maxLines)]
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ⏎ ")
        if window.count > maxCharacters { window = String(window.prefix(maxCharacters)) + "…" }
        // Mark matched words.
        var segments: [SnippetSegment] = []
        var plain = ""
        var word = ""
        func flushWord() {
            guard !word.isEmpty else { return }
            if matches(Substring(word)) != nil {
                if !plain.isEmpty { segments.append(SnippetSegment(text: plain, highlighted: false)); plain = "" }
                segments.append(SnippetSegment(text: word, highlighted: true))
            } else {
                plain += word
            }
            word = ""
        }
        for ch in window {
            if ch.isLetter || ch.isNumber { word.append(ch) } else { flushWord(); plain.append(ch) }
        }
        flushWord()
        if !plain.isEmpty { segments.append(SnippetSegment(text: plain, highlighted: false)) }
        return segments
    }
}
