import Foundation
import Corpus

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
        // Score each line by the distinct terms it matches: a byte-level pass (ASCII-lower-cased words against
        // the term prefixes, as bit masks), then the best window of `maxLines` lines.
        let prefixBytes = prefixes.prefix(64).map { Array($0.utf8) }
        var lineMasks: [UInt64] = []
        var lineNonEmpty: [Bool] = []
        lineMasks.reserveCapacity(lines.count)
        var wordBytes: [UInt8] = []
        for line in lines {
            var mask: UInt64 = 0
            var nonEmpty = false
            func finishWord() {
                guard !wordBytes.isEmpty else { return }
                for (t, p) in prefixBytes.enumerated() {
                    if wordBytes.starts(with: p) || (wordBytes.count >= 4 && p.starts(with: wordBytes)) { mask |= 1 << UInt64(t) }
                }
                wordBytes.removeAll(keepingCapacity: true)
            }
            for b in line.utf8 {
                if b != 32 && b != 9 { nonEmpty = true }
                if (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b >= 128 { wordBytes.append(b) }
                else if b >= 65 && b <= 90 { wordBytes.append(b + 32) }
                else { finishWord() }
            }
            finishWord()
            lineMasks.append(mask)
            lineNonEmpty.append(nonEmpty)
        }
        var bestStart = 0, bestScore = -1
        for start in 0..<max(1, lines.count) {
            var union: UInt64 = 0
            var nonEmpty = 0
            for k in start..<min(lines.count, start + maxLines) {
                union |= lineMasks[k]
                if lineNonEmpty[k] { nonEmpty += 1 }
            }
            let score = union.nonzeroBitCount * 10 + nonEmpty
            if score > bestScore { bestScore = score; bestStart = start }
        }
        var window = lines[bestStart..<min(lines.count, bestStart + maxLines)]
            .map { String($0.trimmedSpaces) }.filter { !$0.isEmpty }.joined(separator: " ⏎ ")
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
