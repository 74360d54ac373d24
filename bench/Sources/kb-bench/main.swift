// kb-bench: in-process query latency of kb's query service over a store.
//
//   kb-bench query-latency STORE QUERIES.jsonl [ROUNDS] [MODE,...]
//
// Runs every query of the evaluation set ROUNDS times per mode (after one warm-up round) and prints p50/p95/max
// latency in milliseconds as JSON. The first query of a process also pays for loading the vector index; it is
// reported separately as "cold_ms".
import Corpus
import Foundation
import Retrieval

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

let args = CommandLine.arguments

// kb-bench parse-cost DIR: single-thread CPU seconds of each ingest stage over the files under DIR.
if args.count >= 3, args[1] == "parse-cost" {
    let (files, _) = SourceWalker().walk([args[2]])
    let loader = SourceLoader()
    let embedder = HashedEmbedder()
    var texts: [SourceText] = []
    var t = Date()
    for f in files { if let (text, _) = try? loader.load(f) { texts.append(text) } }
    let load = Date().timeIntervalSince(t)
    t = Date()
    var parsed: [ParsedDocument] = []
    for text in texts { if let p = try? DocumentParser().parse(text) { parsed.append(p) } }
    let parse = Date().timeIntervalSince(t)
    t = Date()
    var bags: [HashedEmbedder.WordBag] = []
    for p in parsed { for c in p.chunks { bags.append(embedder.words(c.title + "\n" + c.text)) } }
    let words = Date().timeIntervalSince(t)
    t = Date()
    let df = [Int32](repeating: 1, count: embedder.dfBuckets)
    var sink: Float = 0
    for bag in bags { sink += embedder.embed(bag, df: df, documentCount: 1000)[0] }
    let embed = Date().timeIntervalSince(t)
    let bytes = texts.reduce(0) { $0 + $1.text.utf8.count }
    print(String(format: "%d files, %.1f MB, %d chunks: load %.3f s, parse %.3f s, words %.3f s, embed %.3f s (%g)",
                 texts.count, Double(bytes) / 1e6, bags.count, load, parse, words, embed, sink * 0))
    var byFormat: [String: (Double, Int)] = [:]
    for text in texts {
        let t0 = Date()
        _ = try? DocumentParser().parse(text)
        byFormat[text.format.rawValue, default: (0, 0)].0 += Date().timeIntervalSince(t0)
        byFormat[text.format.rawValue, default: (0, 0)].1 += text.text.utf8.count
    }
    for (k, v) in byFormat.sorted(by: { $0.value.0 > $1.value.0 }) {
        print(String(format: "  parse %@: %.3f s for %.2f MB (%.1f MB/s)", k, v.0, Double(v.1) / 1e6, Double(v.1) / 1e6 / v.0))
    }
    exit(0)
}

guard args.count >= 4, args[1] == "query-latency" else {
    FileHandle.standardError.write(Data("usage: kb-bench query-latency STORE QUERIES.jsonl [ROUNDS] [MODES] | kb-bench parse-cost DIR\n".utf8))
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
