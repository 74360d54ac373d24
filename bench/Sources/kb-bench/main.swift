// kb-bench: in-process query latency of kb's query service over a store.
//
//   kb-bench query-latency STORE QUERIES.jsonl [ROUNDS] [MODE,...]
//
// Runs every query of the evaluation set ROUNDS times per mode (after one warm-up round) and prints p50/p95/max
// latency in milliseconds as JSON. The first query of a process also pays for loading the vector index; it is
// reported separately as "cold_ms".
import Foundation
import Retrieval

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

let args = CommandLine.arguments
guard args.count >= 4, args[1] == "query-latency" else {
    FileHandle.standardError.write(Data("usage: kb-bench query-latency STORE QUERIES.jsonl [ROUNDS]\n".utf8))
    exit(2)
}
let rounds = args.count > 4 ? Int(args[4]) ?? 5 : 5
let modes = args.count > 5 ? args[5].split(separator: ",").compactMap { RetrievalMode(rawValue: String($0)) } : RetrievalMode.allCases
do {
    let store = try KnowledgeStore(path: args[2], readOnly: true)
    let queries = try RetrievalEvaluator.load(path: args[3]).map(\.query)
    let service = QueryService(store: store)
    let coldStart = Date()
    _ = try service.search(SearchQuery(text: queries.first ?? "softmax"))
    let cold = Date().timeIntervalSince(coldStart) * 1000
    var out: [String: Any] = ["queries": queries.count, "rounds": rounds, "cold_ms": cold,
                              "chunks": try store.statistics().chunks]
    for mode in modes {
        for q in queries { _ = try service.search(SearchQuery(text: q, mode: mode)) }
        var times: [Double] = []
        for _ in 0..<rounds {
            for q in queries {
                let t = Date()
                _ = try service.search(SearchQuery(text: q, limit: 10, mode: mode))
                times.append(Date().timeIntervalSince(t) * 1000)
            }
        }
        times.sort()
        out[mode.rawValue] = ["p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95), "max_ms": times.last ?? 0]
    }
    let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} catch let e as RetrievalError {
    FileHandle.standardError.write(Data("kb-bench: \(e.description)\n".utf8))
    exit(1)
}
