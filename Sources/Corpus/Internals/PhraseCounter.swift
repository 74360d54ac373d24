import CTextScan
import Glibc

/// A fixed set of phrases counted in one pass over a text (`kb_phrases_count`, Aho–Corasick in C), ASCII case
/// ignored. Built once; safe to use from any number of threads.
final class PhraseCounter: @unchecked Sendable {
    private let automaton: OpaquePointer
    /// Number of phrases.
    let count: Int

    /// Builds the counter; nil when a phrase is empty or memory ran out.
    init?(_ phrases: [String]) {
        let copies = phrases.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        guard !phrases.isEmpty, copies.allSatisfy({ $0 != nil }) else { return nil }
        let pointers = copies.map { UnsafePointer($0) }
        guard let built = pointers.withUnsafeBufferPointer({ kb_phrases_build($0.baseAddress, Int32($0.count)) }) else { return nil }
        automaton = built
        count = phrases.count
    }

    /// Each phrase's non-overlapping occurrences in `text`, at most `cap` each, in phrase order.
    func counts(in text: String, cap: Int32) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        var text = text
        text.withUTF8 { bytes in
            out.withUnsafeMutableBufferPointer { kb_phrases_count(automaton, bytes.baseAddress, Int64(bytes.count), cap, $0.baseAddress) }
        }
        return out
    }
}
