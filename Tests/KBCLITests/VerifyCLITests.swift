import Foundation
import KBTestSupport
import Testing

/// `kb tasks`, `kb hw` and `kb verify` end to end, through the built binary.
@Suite("kb tasks, hw and verify", .serialized)
struct VerifyCLITests {
    let folder = temporaryFolder()
    var store: String { folder + "/kb.sqlite" }
    var cache: String { folder + "/cache" }

    func kbLab(_ arguments: [String]) throws -> RunResult {
        try run(kbBinary, arguments, environment: ["KB_STORE": store, "XDG_CACHE_HOME": cache, "KB_TASKS": packageRoot + "/corpus/tasks"])
    }

    @Test("kb tasks lists at least 16 tasks, including the four with fixed signatures")
    func tasks() throws {
        let r = try kbLab(["tasks", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let list = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(list.count >= 16)
        let signatures = Dictionary(uniqueKeysWithValues: list.compactMap { e in (e["name"] as? String).map { ($0, e["signature"] as? String ?? "") } })
        #expect(signatures["layernorm"] == "void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps);")
        #expect(signatures["rmsnorm"] == "void rmsnorm(const float *x, const float *weight, float *y, long rows, long cols, float eps);")
        #expect(signatures["softmax"] == "void softmax(const float *x, float *y, long rows, long cols);")
        #expect(signatures["matmul"] == "void matmul(const float *a, const float *b, float *c, long m, long n, long k);")
        let text = try kbLab(["tasks"])
        #expect(text.stdout.contains("layernorm") && text.stdout.contains("tasks;"))
    }

    @Test("kb tasks show prints the spec and the reference; an unknown task is a usage error naming the known ones")
    func show() throws {
        let r = try kbLab(["tasks", "show", "softmax"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("void softmax(const float *x, float *y, long rows, long cols);"))
        #expect(r.stdout.contains("reference.c"))
        #expect(r.stdout.contains("tolerance"))
        let bad = try kbLab(["tasks", "show", "no_such_task"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no task named 'no_such_task'") && bad.stderr.contains("layernorm"))
    }

    @Test("a user's own task file works; a broken one is rejected with its field")
    func userTask() throws {
        let dir = folder + "/mytask"
        let spec = try String(contentsOfFile: packageRoot + "/corpus/tasks/relu/task.json", encoding: .utf8)
        write(dir + "/task.json", spec)
        write(dir + "/reference.c", try String(contentsOfFile: packageRoot + "/corpus/tasks/relu/reference.c", encoding: .utf8))
        let ok = try kbLab(["tasks", "show", dir + "/task.json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        write(dir + "/task.json", spec.replacingOccurrences(of: "\"long n\"", with: "\"long n\"").replacingOccurrences(of: "long n);", with: "int n);"))
        let bad = try kbLab(["tasks", "show", dir + "/task.json"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("signature"), "\(bad.stderr)")
    }

    @Test("kb hw measures once, caches under a fingerprint and ingests a hardware document")
    func hardware() throws {
        let first = try kbLab(["hw", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let a = json(first.stdout)
        #expect((a["fingerprint"] as? String)?.count == 16)
        let bandwidth = (a["bandwidth"] as? [[String: Any]]) ?? []
        #expect(bandwidth.contains { ($0["kind"] as? String) == "copy" && (($0["median"] as? Double) ?? 0) > 0 })
        #expect(((a["compute"] as? [[String: Any]]) ?? []).contains { (($0["median"] as? Double) ?? 0) > 0 })
        let second = json(try kbLab(["hw", "--json"]).stdout)
        #expect(second["measured_at"] as? String == a["measured_at"] as? String, "the second call must come from the cache")
        let q = try kbLab(["query", "--kind", "doc", "hardware profile measured bandwidth", "--json"])
        #expect(q.stdout.contains("hardware-"), "the profile is retrievable: \(q.stdout.prefix(300))")
    }

    @Test("kb verify accepts a good kernel (exit 0), records a trace, and answers a repeat from the cache")
    func verifyAccepted() throws {
        let kernel = packageRoot + "/corpus/kernels/c/" + (HostISA.hasAVX512 ? "rmsnorm_avx512.c" : "rmsnorm_scalar.c")
        let r = try kbLab(["verify", "--task", "rmsnorm", kernel, "--threads", "2", "--json"])
        let report = json(r.stdout)
        #expect(r.status == 0, "\(report["code"] ?? "") \(report["reason"] ?? "") \(r.stderr)")
        #expect(report["verdict"] as? String == "accepted")
        #expect(report["schema"] as? String == "kb/verify-result/1")
        let perf = (report["performance"] as? [[String: Any]])?.first ?? [:]
        #expect((perf["median_ms"] as? Double ?? 0) > 0)
        #expect(perf["sol_ms"] as? Double != nil && perf["sol_score"] as? Double != nil && perf["speedup"] as? Double != nil)
        #expect((report["stages"] as? [[String: Any]])?.count == 4)

        let start = Date()
        let again = json(try kbLab(["verify", "--task", "rmsnorm", kernel, "--threads", "2", "--json"]).stdout)
        #expect(again["cached"] as? Bool == true)
        #expect(Date().timeIntervalSince(start) < 5)

        let trace = try kbLab(["query", "--kind", "trace", "rmsnorm accepted measured by kb verify", "--json"])
        #expect(trace.stdout.contains("verify-rmsnorm-"), "\(trace.stdout.prefix(400))")
        let text = try kbLab(["verify", "--task", "rmsnorm", kernel, "--threads", "2"])
        #expect(text.stdout.contains("[PASS] performance") && text.stdout.contains("verdict: ACCEPTED"))
    }

    @Test("kb verify rejects a wrong kernel with exit 1 and a precise reason; usage errors exit 2")
    func verifyRejected() throws {
        let bad = folder + "/bad.c"
        write(bad, """
            #include <math.h>
            void relu(const float *x, float *y, long n) { for (long i = 0; i + 1 < n; i++) y[i] = x[i] > 0 ? x[i] : 0; }
            """)
        let r = try kbLab(["verify", "--task", "relu", bad, "--no-perf", "--json"])
        #expect(r.status == 1)
        let report = json(r.stdout)
        #expect(report["verdict"] as? String == "rejected")
        #expect(report["rejected_at"] as? String == "correctness")
        #expect(report["code"] as? String == "unwritten-output", "\(report["reason"] ?? "")")
        #expect((report["reason"] as? String)?.contains("y") == true)

        #expect(try kbLab(["verify", "--task", "relu", folder + "/missing.c"]).status == 2)
        #expect(try kbLab(["verify", "--task", "nope", bad]).status == 2)
        #expect(try kbLab(["verify", "--task", "relu", bad, "--threads", "0"]).status == 2)
    }
}
