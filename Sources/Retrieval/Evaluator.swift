import Corpus
import Foundation

/// One labelled query of an evaluation set (`schemas/eval-query.schema.json`).
public struct EvaluationQuery: Sendable, Codable {
    /// A relevant chunk: matched by path and, when given, symbol or title.
    public struct Label: Sendable, Codable {
        /// Path relative to the ingested root.
        public var path: String
        /// The chunk's symbol, if the label names one.
        public var symbol: String?
        /// The chunk's title, if the label names one.
        public var title: String?
        /// 2 = the best answer, 1 = also relevant.
        public var grade: Int?
    }
    /// Identifier.
    public var id: String
    /// The query text.
    public var query: String
    /// `nl`, `identifier`, `opencl` or `mixed`.
    public var type: String?
    /// Relevant chunks.
    public var relevant: [Label]
}

/// Retrieval quality of one mode over an evaluation set.
public struct EvaluationScores: Sendable, Codable {
    /// The mode measured.
    public var mode: RetrievalMode
    /// Mean nDCG@10.
    public var ndcgAt10: Double
    /// Mean Recall@10.
    public var recallAt10: Double
    /// Mean reciprocal rank (first relevant hit within the top 100).
    public var mrr: Double
    /// Mean nDCG@10 per query type.
    public var ndcgByType: [String: Double]
    /// Identifier queries whose grade-2 label ranks first, over all identifier queries.
    public var identifierTopOne: Double
    /// Median query latency in milliseconds.
    public var medianMilliseconds: Double
}

/// A whole evaluation: scores per mode and per-query details.
public struct EvaluationReport: Sendable, Codable {
    /// Number of queries.
    public var queries: Int
    /// Scores per mode.
    public var modes: [EvaluationScores]
    /// Per query and mode: the rank of the best-graded label (nil when not in the top 100).
    public var firstRelevantRank: [String: [String: Int]]
}

/// Measures nDCG@10, Recall@10 and MRR of each retrieval mode on a labelled query set.
public struct RetrievalEvaluator {
    let service: QueryService

    /// Creates an evaluator over a query service.
    public init(service: QueryService) { self.service = service }

    /// Reads a JSONL evaluation set; a broken line is an error naming it.
    public static func load(path: String) throws(RetrievalError) -> [EvaluationQuery] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidInput(path: path, line: nil, reason: "cannot read the evaluation set")
        }
        var out: [EvaluationQuery] = []
        let decoder = JSONDecoder()
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            do { out.append(try decoder.decode(EvaluationQuery.self, from: Data(line.utf8))) }
            catch { throw .invalidInput(path: path, line: i + 1, reason: "not a valid evaluation query (needs id, query, relevant[{path, symbol|title, grade}])") }
        }
        return out
    }

    static func matches(_ label: EvaluationQuery.Label, _ hit: SearchHit) -> Bool {
        guard hit.path == label.path || hit.path.hasSuffix("/" + label.path) else { return false }
        if let s = label.symbol, hit.symbol != s { return false }
        if let t = label.title {
            let base = hit.title.replacingOccurrences(of: #" \(part \d+/\d+\)$"#, with: "", options: .regularExpression)
            if base != t { return false }
        }
        return true
    }

    /// Runs every query in every mode.
    public func evaluate(_ queries: [EvaluationQuery], modes: [RetrievalMode] = RetrievalMode.allCases) throws(RetrievalError) -> EvaluationReport {
        var scores: [EvaluationScores] = []
        var firstRanks: [String: [String: Int]] = [:]
        for mode in modes {
            var ndcg = 0.0, recall = 0.0, mrr = 0.0
            var byType: [String: (Double, Int)] = [:]
            var idTop = 0, idCount = 0
            var latencies: [Double] = []
            for q in queries {
                let result = try service.search(SearchQuery(text: q.query, limit: 100, mode: mode))
                latencies.append(result.milliseconds)
                let hits = result.hits
                var used = Set<Int>()   // label index already credited
                var dcg = 0.0
                var firstRank: Int? = nil
                var foundInTop10 = Set<Int>()
                for (r, hit) in hits.enumerated() {
                    var gain = 0
                    for (li, label) in q.relevant.enumerated() where Self.matches(label, hit) {
                        if firstRank == nil { firstRank = r + 1 }
                        if r < 10 { foundInTop10.insert(li) }
                        if !used.contains(li) { used.insert(li); gain = max(gain, label.grade ?? 1) }
                    }
                    if r < 10, gain > 0 { dcg += (pow(2, Double(gain)) - 1) / log2(Double(r + 2)) }
                }
                let ideal = q.relevant.map { $0.grade ?? 1 }.sorted(by: >).prefix(10).enumerated()
                    .reduce(0.0) { $0 + (pow(2, Double($1.element)) - 1) / log2(Double($1.offset + 2)) }
                let n = ideal > 0 ? dcg / ideal : 0
                ndcg += n
                recall += q.relevant.isEmpty ? 0 : Double(foundInTop10.count) / Double(q.relevant.count)
                mrr += firstRank.map { 1.0 / Double($0) } ?? 0
                let type = q.type ?? "all"
                byType[type, default: (0, 0)].0 += n
                byType[type, default: (0, 0)].1 += 1
                if type == "identifier" {
                    idCount += 1
                    let best = q.relevant.filter { ($0.grade ?? 1) == (q.relevant.map { $0.grade ?? 1 }.max() ?? 1) }
                    if let top = hits.first, best.contains(where: { Self.matches($0, top) }) { idTop += 1 }
                }
                firstRanks[q.id, default: [:]][mode.rawValue] = firstRank
            }
            let count = Double(max(queries.count, 1))
            latencies.sort()
            scores.append(EvaluationScores(mode: mode, ndcgAt10: ndcg / count, recallAt10: recall / count, mrr: mrr / count,
                                           ndcgByType: byType.mapValues { $0.0 / Double(max($0.1, 1)) },
                                           identifierTopOne: idCount > 0 ? Double(idTop) / Double(idCount) : 0,
                                           medianMilliseconds: latencies.isEmpty ? 0 : latencies[latencies.count / 2]))
        }
        return EvaluationReport(queries: queries.count, modes: scores, firstRelevantRank: firstRanks)
    }
}
