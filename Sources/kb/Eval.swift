import ArgumentParser
import Retrieval

/// `kb eval [QUERIES.jsonl]`
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure retrieval quality (nDCG@10, Recall@10, MRR) of bm25, vector and hybrid on a labelled query set.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The evaluation set (JSON Lines, schemas/eval-query.schema.json).")
    var queries = "bench/eval/queries.jsonl"

    @Flag(name: .long, help: "List queries whose best label is not in hybrid's top 10.")
    var misses = false

    @Option(name: .long, help: "Fusion weights to try, as bm25,vector,identifier (default 1,0.4,0).")
    var weights: String?

    @Option(name: .long, help: "Candidates per leg before fusion (default 100).")
    var depth: Int?

    @Option(name: .long, help: "RRF's k (default 20).")
    var rrfK: Double?

    @Option(name: .long, help: "Fusion method: convex (default) or rrf.")
    var fusion: String?

    @Option(name: .long, help: "FTS5 column weights as title,symbols,body (default 2,2,1).")
    var columns: String?

    static func triple(_ s: String) -> (Double, Double, Double) {
        let v = s.split(separator: ",").compactMap { Double($0) }
        return v.count == 3 ? (v[0], v[1], v[2]) : (1, 1, 1)
    }

    func validate() throws {
        for s in [weights, columns].compactMap({ $0 }) where s.split(separator: ",").compactMap({ Double($0) }).count != 3 {
            throw ValidationError("expected three comma-separated numbers, got '\(s)'")
        }
        for (option, value) in [("--weights", weights), ("--columns", columns)] {
            for part in value.map(Self.triple).map({ [$0.0, $0.1, $0.2] }) ?? [] {
                try OptionChecks.number(part, option, in: 0...1000)
            }
        }
        if let depth { try OptionChecks.integer(depth, "--depth", in: 1...10_000) }
        if let rrfK { try OptionChecks.number(rrfK, "--rrf-k", in: 0...1_000_000) }
        if let fusion, FusionMethod(rawValue: fusion) == nil {
            throw ValidationError("--fusion must be one of \(FusionMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(fusion)'")
        }
    }

    func run() throws {
        let report: EvaluationReport
        let set: [EvaluationQuery]
        do {
            set = try RetrievalEvaluator.load(path: queries)
            let store = try KnowledgeStore(path: options.storePath, readOnly: true)
            let service = QueryService(store: store)
            if let w = weights.map(Self.triple) { service.legWeights = (w.0, w.1, w.2) }
            if let c = columns.map(Self.triple) { service.columnWeights = (c.0, c.1, c.2) }
            if let rrfK { service.rrfK = rrfK }
            if let f = fusion.flatMap(FusionMethod.init(rawValue:)) { service.fusion = f }
            if let depth { service.depth = depth }
            report = try RetrievalEvaluator(service: service).evaluate(set)
        } catch {
            throw CommandFailure(description: error.description)
        }
        if options.json {
            print(Terminal.json(report))
        } else {
            print(TextReports.evaluation(report))
            if misses {
                for q in set {
                    let r = report.firstRelevantRank[q.id]?["hybrid"]
                    if r == nil || r! > 10 { print("miss \(q.id) (rank \(r.map(String.init) ?? "-")): \(q.query)") }
                }
            }
        }
    }
}
