import Foundation
import KBTestSupport
import Testing

/// `kb prompt` and `kb generate` end to end, through the built binary.
@Suite("kb prompt and generate", .serialized)
struct GenerateCLITests {
    let folder = temporaryFolder()
    var env: [String: String] { ["KB_STORE": folder + "/kb.sqlite", "XDG_CACHE_HOME": folder + "/cache", "KB_TASKS": packageRoot + "/corpus/tasks"] }

    func kbLab(_ arguments: [String]) throws -> RunResult { try run(kbBinary, arguments, environment: env) }

    @Test("kb prompt prints the sections with citations; kb generate writes the best kernel, the report and traces")
    func promptAndGenerate() throws {
        let ingest = try kbLab(["ingest", packageRoot + "/corpus/kernels/c/relu_avx2.c", packageRoot + "/corpus/docs/roofline-sol.md", "-q"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let p = try kbLab(["prompt", "--task", "relu", "--json", "--budget-tokens", "3000"])
        #expect(p.status == 0, "\(p.stderr)")
        let prompt = json(p.stdout)
        let sections = (prompt["sections"] as? [[String: Any]]) ?? []
        #expect(sections.compactMap { $0["id"] as? String }.starts(with: ["rules", "task", "hardware", "target"]))
        #expect(((prompt["total_tokens"] as? Int) ?? 99999) <= 3000)
        let text = try kbLab(["prompt", "--task", "relu"])
        #expect(text.stdout.contains("void relu(const float *x, float *y, long n);"))

        let out = folder + "/out"
        let g = try kbLab(["generate", "--task", "relu", "--budget", "2", "--time", "120", "--out", out, "--target-sol", "0.01"])
        #expect(g.status == 0, "\(g.stdout) \(g.stderr)")
        #expect(g.stdout.contains("attempt") && g.stdout.contains("a1"))
        #expect(FileManager.default.fileExists(atPath: out + "/relu/c-simd/best.c"))
        let report = try String(contentsOfFile: out + "/relu/c-simd/report.md", encoding: .utf8)
        #expect(report.contains("| a1 |"))
        let traces = try kbLab(["query", "--kind", "trace", "relu generate", "--json"])
        #expect(traces.stdout.contains("generate-relu"), "\(traces.stdout.prefix(300))")
    }

    @Test("generator options are checked: usage errors exit 2")
    func usage() throws {
        #expect(try kbLab(["generate", "--task", "relu", "--generator", "llm"]).status == 2)
        #expect(try kbLab(["generate", "--task", "relu", "--generator", "exec"]).status == 2)
        #expect(try kbLab(["generate", "--task", "relu", "--generator", "magic"]).status == 2)
        #expect(try kbLab(["prompt", "--task", "nope"]).status == 2)
    }
}
