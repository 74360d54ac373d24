import Corpus
import Foundation

/// Plain-text renderings of kb's results, for terminals and logs.
public enum TextReports {
    static func bold(_ s: String, _ color: Bool) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String, _ color: Bool) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    static func highlight(_ s: String, _ color: Bool) -> String { color ? "\u{1B}[1;33m\(s)\u{1B}[0m" : s }

    /// The summary line(s) of an ingest.
    public static func ingest(_ r: IngestReport, store: String) -> String {
        let mb = String(format: "%.2f", Double(r.bytes) / 1e6)
        var s = "ingested into \(store): \(r.added) added, \(r.updated) updated, \(r.unchanged) unchanged, \(r.skipped) skipped, \(r.failed) failed"
        if r.removed > 0 { s += ", \(r.removed) removed" }
        s += String(format: " — %@ MB, %d chunks in %.2f s", mb, r.chunks, r.seconds)
        if r.bytes > 0, r.seconds > 0 { s += String(format: " (%.1f MB/s)", r.megabytesPerSecond) }
        return s
    }

    /// Ranked hits with path:lines, title, snippet and per-leg scores.
    public static func search(_ result: SearchResult, color: Bool) -> String {
        guard !result.hits.isEmpty else {
            var s = "no results for: \(result.terms.joined(separator: " "))"
            if !result.droppedTerms.isEmpty { s += " (ignored very common words: \(result.droppedTerms.joined(separator: ", ")))" }
            for filter in result.unmatchedFilters { s += "\n--" + filter }
            return s + "\ntry other words, fewer filters, or --mode vector for fuzzy matching\n"
        }
        var out = ""
        if result.onlySimilar {
            out += dim("no chunk contains these words; the nearest chunks by similarity follow", color) + "\n"
        }
        for h in result.hits {
            let tags = ([h.kind.rawValue, h.language] + (h.backend.map { [$0] } ?? []) + h.isa + h.ops.prefix(3)).joined(separator: " ")
            out += bold("\(h.rank). \(h.path):\(h.startLine)-\(h.endLine)", color) + "  " + h.title + "  " + dim("[\(tags)] id=\(h.id)", color) + "\n"
            let snippet = h.snippet.map { $0.highlighted ? highlight($0.text, color) : $0.text }.joined()
            out += "   " + snippet + "\n"
            var parts: [String] = [String(format: "score %.4f", h.score)]
            if let b = h.bm25 { parts.append(String(format: "bm25 #%d %.2f", b.rank, b.score)) }
            if let v = h.vector { parts.append(String(format: "vector #%d %.3f", v.rank, v.score)) }
            if let i = h.identifier { parts.append(String(format: "ident #%d %.1f", i.rank, i.score)) }
            if let why = h.supporting { parts.append("supporting: \(why.rawValue)") }
            out += "   " + dim(parts.joined(separator: " · "), color) + "\n"
            if let copies = h.copies, !copies.isEmpty {
                let shown = copies.prefix(3).joined(separator: ", ") + (copies.count > 3 ? " and \(copies.count - 3) more" : "")
                out += "   " + dim("identical text also at: " + shown, color) + "\n"
            }
        }
        out += dim(String(format: "%d results in %.1f ms", result.hits.count, result.milliseconds)
                   + (result.droppedTerms.isEmpty ? "" : "; ignored very common words: " + result.droppedTerms.joined(separator: ", ")), color) + "\n"
        return out
    }

    /// A chunk with its metadata.
    public static func chunk(_ c: KnowledgeStore.StoredChunk, color: Bool) -> String {
        let m = c.chunk.metadata
        var lines = [bold("\(c.path):\(c.chunk.startLine)-\(c.chunk.endLine)  \(c.chunk.title)", color)]
        func add(_ k: String, _ v: [String]) { if !v.isEmpty { lines.append(dim(k + ": ", color) + v.joined(separator: ", ")) } }
        add("id", [String(c.id)])
        add("kind", [c.chunk.kind.rawValue])
        add("language", [c.chunk.language])
        add("backend", c.chunk.backend.map { [$0] } ?? [])
        add("symbol", c.chunk.symbol.map { [$0] } ?? [])
        add("qualifiers", m.qualifiers)
        add("isa", m.isa)
        add("intrinsics", m.intrinsics)
        add("features", m.features)
        add("ops", m.ops)
        add("headings", m.headingPath.isEmpty ? [] : [m.headingPath.joined(separator: " › ")])
        if let t = m.trace {
            var f = ["task=\(t.task)", "backend=\(t.backend)", "outcome=\(t.outcome)"]
            if let v = t.medianMs { f.append("median_ms=\(v)") }
            if let lo = t.p10Ms, let hi = t.p90Ms { f.append("p10_ms=\(lo)"); f.append("p90_ms=\(hi)") }
            if let v = t.speedup { f.append("speedup=\(v)") }
            if let v = t.solFraction { f.append("sol_fraction=\(v)") }
            add("trace", f)
        }
        lines.append(dim("source: ", color) + c.source)
        lines.append("")
        lines.append(c.chunk.text)
        return lines.joined(separator: "\n")
    }

    /// Store totals.
    public static func statistics(_ s: KnowledgeStore.Statistics) -> String {
        func top(_ d: [String: Int]) -> String {
            d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        return """
            store: \(s.path) (schema v\(s.schemaVersion), generation \(s.generation), \(String(format: "%.1f", Double(s.storeBytes) / 1e6)) MB on disk)
            documents: \(s.documents) (\(String(format: "%.2f", Double(s.sourceBytes) / 1e6)) MB of source)
            chunks: \(s.chunks) — \(top(s.chunksByKind))
            languages: \(top(s.chunksByLanguage))
            backends: \(top(s.chunksByBackend))
            isa: \(top(s.chunksByISA))
            ops: \(top(s.chunksByOp))
            symbols: \(s.symbols) distinct; traces: \(s.traces)
            """
    }

    /// Evaluation scores as a table.
    public static func evaluation(_ r: EvaluationReport) -> String {
        var lines = ["\(r.queries) queries", "mode     nDCG@10  Recall@10  MRR    ident@1  p50 ms"]
        for m in r.modes {
            lines.append(String(format: "%-8@ %.3f    %.3f      %.3f  %.2f     %.1f", m.mode.rawValue as NSString, m.ndcgAt10, m.recallAt10, m.mrr,
                                m.identifierTopOne, m.medianMilliseconds))
        }
        let types = Set(r.modes.flatMap { $0.ndcgByType.keys }).sorted()
        if !types.isEmpty {
            lines.append("nDCG@10 by query type: " + types.map { t in
                t + " " + r.modes.map { String(format: "%@=%.3f", $0.mode.rawValue as NSString, $0.ndcgByType[t] ?? 0) }.joined(separator: " ")
            }.joined(separator: " | "))
        }
        return lines.joined(separator: "\n")
    }
}
