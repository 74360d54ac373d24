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

    func run() throws {
        let report: EvaluationReport
        let set: [EvaluationQuery]
        do {
            set = try RetrievalEvaluator.load(path: queries)
            let store = try KnowledgeStore(path: options.storePath, readOnly: true)
            report = try RetrievalEvaluator(service: QueryService(store: store)).evaluate(set)
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
