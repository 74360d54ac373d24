import Corpus
import Foundation
@testable import Generation
import KBTestSupport
import KernelLab
import PromptSynth
import Retrieval
import Testing
import Verification

let repository: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

enum Lab {
    static let compiler = try? CCompiler.detect("cc")
    static let cache = temporaryFolder()
    static let catalog = TaskCatalog(folders: [repository + "/corpus/tasks"])
    static let hardware: HardwareProfile? = {
        guard let compiler else { return nil }
        var p = HardwareProbe(compiler: compiler)
        p.arrayMiB = 64
        p.repetitions = 3
        return try? p.measure()
    }()

    /// A store holding only `files` (copied into a fresh folder so paths stay stable).
    static func store(with files: [String]) throws -> KnowledgeStore {
        let dir = temporaryFolder()
        for f in files {
            let target = dir + "/kernels/" + (f as NSString).lastPathComponent
            write(target, try String(contentsOfFile: repository + "/" + f, encoding: .utf8))
        }
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/kernels"])
        return store
    }

    static func verifyOptions(threads: Int = 2) throws -> VerifyOptions {
        var o = VerifyOptions(compiler: try #require(compiler), cacheDirectory: cache)
        o.threads = threads
        o.hardware = hardware
        o.minimumRuns = 20
        o.maximumRuns = 20
        o.warmupRuns = 2
        return o
    }
}

/// Starts Tests/Fixtures/llm_server.py; returns its base URL and the process.
func startLLMServer() throws -> (String, Process) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", repository + "/Tests/Fixtures/llm_server.py", "120"]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    var line = Data()
    while !line.contains(10) {
        let d = out.fileHandleForReading.availableData
        if d.isEmpty { break }
        line.append(d)
    }
    let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard Int(port) != nil else { throw GenerationError.usage("the LLM test server did not start") }
    return ("http://127.0.0.1:\(port)", p)
}

func get(_ url: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())", url]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let d = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Prompt synthesis")
struct PromptTests {
    @Test("sections, citations, feedback, determinism and the token budget")
    func prompt() throws {
        let store = try Lab.store(with: ["corpus/kernels/c/layernorm_avx512.c", "corpus/kernels/c/layernorm_scalar.c", "corpus/docs/roofline-sol.md"])
        let task = try Lab.catalog.load("layernorm")
        let synth = PromptSynthesizer(store: store, task: task, backend: .cSIMD, hardware: Lab.hardware, threads: 2)
        let summary = VerificationReport.Summary(verdict: "rejected", stage: "correctness", code: "out-of-bounds-read",
                                                 reason: "read past the end of x on shape 3", remarks: ["x.c:12: missed: couldn't vectorize loop"])
        let feedback = [AttemptFeedback(id: "a1", parent: nil, change: "first try", summary: summary)]
        let p = try synth.synthesize(feedback: feedback, budgetTokens: 6000)
        #expect(p.sections.map(\.id) == ["rules", "task", "hardware", "target", "feedback", "exemplars", "docs"] || p.sections.map(\.id) == ["rules", "task", "hardware", "target", "feedback", "exemplars"])
        #expect(p.text.contains(task.signature))
        #expect(p.text.contains("out-of-bounds-read") && p.text.contains("couldn't vectorize"))
        let exemplars = try #require(p.sections.first { $0.id == "exemplars" })
        #expect(!exemplars.citations.isEmpty)
        #expect(p.sections.first { $0.id == "target" }?.text.contains("Speed of light") == true)
        let again = try synth.synthesize(feedback: feedback, budgetTokens: 6000)
        #expect(again.text == p.text, "the same store and inputs must give the same prompt")
        let small = try synth.synthesize(feedback: feedback, budgetTokens: 900)
        #expect(small.totalTokens <= 900)
        #expect(small.sections.first?.id == "rules" && small.sections.contains { $0.id == "task" })
    }

    @Test("C SIMD exemplars are C: an assembly kernel is shown only when C files are too few")
    func assemblyExemplarsLast() throws {
        let store = try Lab.store(with: ["corpus/kernels/c/layernorm_avx512.c", "corpus/kernels/c/layernorm_scalar.c"])
        let dir = temporaryFolder()
        write(dir + "/asm/layernorm_avx512.S", """
            // Layer normalization kernel (layernorm): mean and variance of a row, then scale and shift, sixteen lanes.
            layernorm_avx512:
                vmovups (%rdi), %zmm0
                vaddps %zmm0, %zmm1, %zmm1
                vfmadd231ps %zmm2, %zmm3, %zmm4
                ret
            """)
        _ = try IngestService(store: store).ingest([dir + "/asm"])
        // Without the rule it would lead: it is the best match for a layernorm kernel query among the C SIMD kernels.
        let plain = try QueryService(store: store).search(SearchQuery(text: "layernorm layernorm kernel avx512 simd",
                                                                      filters: QueryFilters(kind: .kernel, backend: "c-simd"), limit: 4))
        #expect(plain.hits.prefix(2).contains { $0.path.hasSuffix("layernorm_avx512.S") }, "\(plain.hits.map(\.path))")
        let synth = PromptSynthesizer(store: store, task: try Lab.catalog.load("layernorm"), backend: .cSIMD, hardware: Lab.hardware, threads: 2)
        #expect(try synth.exemplars(limit: 4).contains { $0.path.contains("layernorm_avx512.S") }, "the assembly fills a place")
        let two = try synth.exemplars(limit: 2)
        #expect(two.count == 2 && !two.contains { $0.path.contains("layernorm_avx512.S") }, "\(two.map(\.path))")
    }

    @Test("earned value re-ranks exemplars")
    func value() throws {
        let store = try Lab.store(with: ["corpus/kernels/c/layernorm_avx512.c", "corpus/kernels/c/layernorm_scalar.c"])
        let synth = PromptSynthesizer(store: store, task: try Lab.catalog.load("layernorm"), backend: .cSIMD, hardware: Lab.hardware, threads: 2)
        let before = try synth.exemplars()
        #expect(before.count == 2)
        let loser = try #require(before.first)
        var report = try Verifier(task: try Lab.catalog.load("layernorm"), options: try Lab.verifyOptions()).verify(source: "bad", path: "bad.c")
        report.verdict = .rejected
        for _ in 0..<3 { try synth.credit(loser.source, report: report) }
        let after = try synth.exemplars()
        #expect(after.first?.source != loser.source, "an exemplar whose attempts failed must rank lower")
    }
}

@Suite("LLM generator against a local chat-completions server", .serialized)
struct LLMTests {
    func generator(_ base: String, scenario: String, store: KnowledgeStore, timeout: Int = 30) -> LLMGenerator {
        var s = LLMGenerator.Settings(baseURL: "\(base)/\(scenario)/v1", model: "test-model")
        s.timeout = timeout
        s.retries = 2
        s.apiKeyVariable = "KB_TEST_LLM_KEY"
        var g = LLMGenerator(settings: s, store: store)
        g.sleep = { _ in usleep(50_000) }
        return g
    }

    @Test("a reply's code is extracted, usage recorded, the reply cached (a second call makes no request)")
    func ok() throws {
        let (base, server) = try startLLMServer()
        defer { server.terminate() }
        let store = try Lab.store(with: ["corpus/kernels/c/relu_avx2.c"])
        var g = generator(base, scenario: "ok", store: store)
        let reply = try g.complete("write relu")
        #expect(extractCode(reply)?.contains("void relu(") == true)
        #expect(g.usage.first?.prompt == 123 && g.usage.first?.completion == 45)
        _ = try g.complete("write relu")
        #expect(g.cacheHits == 1)
        #expect(try get("\(base)/count/ok") == "1")
    }

    @Test("429 with Retry-After, 500, a slow reply past the timeout and truncated JSON are retried", arguments: ["ratelimit", "flaky", "slow", "truncated"])
    func retried(scenario: String) throws {
        let (base, server) = try startLLMServer()
        defer { server.terminate() }
        let store = try Lab.store(with: ["corpus/kernels/c/relu_avx2.c"])
        var g = generator(base, scenario: scenario, store: store, timeout: 2)
        let reply = try g.complete("write relu (\(scenario))")
        #expect(reply.contains("void relu("))
        #expect(try get("\(base)/count/\(scenario)") == "2")
    }

    @Test("no code block and a 400 are clear errors; the API key is sent but never cached")
    func failures() throws {
        let (base, server) = try startLLMServer()
        defer { server.terminate() }
        let store = try Lab.store(with: ["corpus/kernels/c/relu_avx2.c"])
        setenv("KB_TEST_LLM_KEY", "sk-test-secret", 1)
        defer { unsetenv("KB_TEST_LLM_KEY") }
        var bad = generator(base, scenario: "badrequest", store: store)
        #expect(throws: GenerationError.self) { try bad.complete("x") }
        #expect(try get("\(base)/count/badrequest") == "1", "a 400 is not retried")
        #expect(try get("\(base)/auth/badrequest") == "Bearer sk-test-secret")
        var none = generator(base, scenario: "nocode", store: store)
        let task = try Lab.catalog.load("relu")
        let context = GenerationContext(task: task, backend: .cSIMD, threads: 1, attempts: [],
                                        synthesizer: PromptSynthesizer(store: store, task: task, backend: .cSIMD, hardware: Lab.hardware, threads: 1), budgetTokens: 2000)
        do {
            _ = try none.next(context)
            Issue.record("a reply without code must be an error")
        } catch {
            #expect("\(error)".contains("no code block"))
        }
        for key in try store.artifactKeys(namespace: "llm-reply") {
            let value = String(decoding: try store.artifact(namespace: "llm-reply", key: key) ?? [], as: UTF8.self)
            #expect(!key.contains("sk-test-secret") && !value.contains("sk-test-secret"))
        }
    }
}

@Suite("The generate loop", .serialized, .enabled(if: Lab.compiler != nil))
struct LoopTests {
    @Test("a second run reaches the target in fewer attempts than the first (earned value re-ranks exemplars)")
    func learns() throws {
        // Two exemplars: a broken one that retrieval ranks first (its comment repeats the query's words; it forgets
        // beta) and the AVX-512 one. Correctness only (no timing), target: any accepted kernel. The first run has
        // to get past the broken exemplar; its failure lowers that exemplar's value, so the second run starts with
        // the good one. Deterministic: nothing here depends on timings.
        let dir = temporaryFolder()
        let scalar = try String(contentsOfFile: repository + "/corpus/kernels/c/layernorm_scalar.c", encoding: .utf8)
        let broken = scalar.replacingOccurrences(of: "+ (double)beta[c]", with: "").replacingOccurrences(of: "+ beta[c]", with: "")
        #expect(broken != scalar)
        write(dir + "/kernels/layernorm_plain.c", "/* layernorm normalization layernorm kernel avx512 simd layernorm normalization */\n" + broken)
        // (The scalar one where this CPU cannot run AVX-512.)
        let good = HostISA.hasAVX512 ? "layernorm_avx512.c" : "layernorm_scalar.c"
        write(dir + "/kernels/" + good, try String(contentsOfFile: repository + "/corpus/kernels/c/" + good, encoding: .utf8))
        let store = try KnowledgeStore(path: dir + "/kb.sqlite")
        _ = try IngestService(store: store).ingest([dir + "/kernels"])
        let task = try Lab.catalog.load("layernorm")
        var verify = try Lab.verifyOptions()
        verify.measurePerformance = false
        var options = GenerateOptions()
        options.outDirectory = temporaryFolder()
        options.targetSOL = 0
        options.budget = 6
        let fingerprint = try #require(Lab.hardware?.fingerprint)
        let first = try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: SearchGenerator(store: store, fingerprint: fingerprint)).run()
        #expect(first.reachedTarget, "\(first.stopReason)")
        #expect(first.attempts.count == 2, "\(first.attempts.map { "\($0.draft.change): \($0.report.verdict)" })")
        #expect(first.attempts.first?.accepted == false)
        options.outDirectory = temporaryFolder()
        let second = try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: SearchGenerator(store: store, fingerprint: fingerprint)).run()
        #expect(second.reachedTarget)
        #expect(second.attempts.count < first.attempts.count, "first \(first.attempts.count), second \(second.attempts.count)")
        // Every attempt is a trace; the report and the best kernel are written.
        let report = try String(contentsOfFile: first.reportFile, encoding: .utf8)
        #expect(report.contains("| a1 |") && report.contains("Rejections"))
        #expect(FileManager.default.fileExists(atPath: try #require(first.bestFile)))
        let traces = try QueryService(store: store).search(SearchQuery(text: "layernorm generate attempt", filters: QueryFilters(kind: .trace), limit: 20))
        #expect(traces.hits.count >= first.attempts.count)
    }

    @Test("the recorded best for this machine comes first in the next search (with timings)")
    func recordedBest() throws {
        let store = try Lab.store(with: ["corpus/kernels/c/relu_avx2.c"])
        let task = try Lab.catalog.load("relu")
        let verify = try Lab.verifyOptions(threads: 1)
        var options = GenerateOptions()
        options.outDirectory = temporaryFolder()
        options.targetSOL = 0.001
        options.budget = 3
        let fingerprint = try #require(Lab.hardware?.fingerprint)
        let first = try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: SearchGenerator(store: store, fingerprint: fingerprint)).run()
        #expect(first.best != nil)
        options.outDirectory = temporaryFolder()
        let second = try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: SearchGenerator(store: store, fingerprint: fingerprint)).run()
        #expect(second.attempts.first?.draft.change.contains("recorded best") == true)
    }

    @Test("--resume continues an interrupted run; exec generator feeds the prompt to a command")
    func resumeAndExec() throws {
        let store = try Lab.store(with: ["corpus/kernels/c/relu_avx2.c"])
        let task = try Lab.catalog.load("relu")
        var verify = try Lab.verifyOptions(threads: 1)
        verify.measurePerformance = false
        var options = GenerateOptions()
        options.outDirectory = temporaryFolder()
        options.budget = 1
        options.targetSOL = 10
        let kernel = temporaryFolder() + "/relu.c"
        write(kernel, "void relu(const float *x, float *y, long n) { for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; }\n")
        let gen = ExecGenerator(command: "grep -q 'Task: relu' && cat \(kernel)", timeout: 30)
        let first = try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: gen).run()
        #expect(first.attempts.count == 1 && first.attempts[0].accepted, "\(first.attempts.first?.report.reason ?? "")")
        options.resume = true
        options.budget = 2
        let second = try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: gen).run()
        #expect(second.attempts.map(\.id) == ["a1", "a2"])
        #expect(second.attempts[1].draft.parent == "a1")
        let failing = ExecGenerator(command: "exit 3", timeout: 30)
        options.resume = false
        options.outDirectory = temporaryFolder()
        #expect(throws: GenerationError.self) { try GenerationLoop(store: store, task: task, verify: verify, options: options, generator: failing).run() }
    }

    @Test("code extraction from replies")
    func extraction() {
        #expect(extractCode("text\n```c\nvoid f(void) {}\n```\nmore") == "void f(void) {}\n")
        #expect(extractCode("```\nA\n```\n```cl\n__kernel void k() {}\n```") == "__kernel void k() {}\n")
        #expect(extractCode("no code here") == nil)
    }
}

@Suite("Generation report")
struct GenerationReportTests {
    static func attempt(_ id: String, median: Double, sol: Double) -> Attempt {
        Attempt(id: id, draft: Draft(source: "", change: "try \(id)"), file: "/tmp/\(id).c", sourceHash: id,
                report: VerificationReport.Summary(verdict: "accepted", medianMs: median, baselineMs: 31, solMs: sol,
                                                   solFraction: sol / median, solScore: 1, speedup: 31 / median),
                elapsed: 1)
    }

    @Test("every speed-of-light figure is the one the attempts were scored against; the profile's is named beside it")
    func scoredSpeedOfLight() throws {
        let task = try Lab.catalog.load("rmsnorm")
        // The run of the demo: the profile said 4.19 ms, the bandwidth measured beside the runs 5.88 ms, and the best
        // attempt's 154 % is against the latter.
        let result = GenerationResult(task: "rmsnorm", backend: "c-simd", generator: "search",
                                      attempts: [Self.attempt("a1", median: 3.82, sol: 5.88), Self.attempt("a2", median: 4.5, sol: 5.5)],
                                      best: "a1", reachedTarget: true, stopReason: "reached 90 % of the speed of light",
                                      bestFile: nil, reportFile: "/tmp/report.md", solMs: 4.19, baselineMs: 31, targetSOL: 0.9)
        let text = GenerationReport.markdown(result, task: task)
        #expect(text.contains("154 % of the speed of light"))
        #expect(text.contains("Speed of light 5.88 ms (at the memory bandwidth measured beside the best attempt's runs"))
        #expect(text.contains("the machine profile's bandwidth gives 4.19 ms"))
        #expect(text.contains("    line [5.88, 5.50]"))
        #expect(text.contains("| a1 | – | try a1 | accepted | 3.82 | 5.88 | 154 |"))
        // When they agree, the profile is not mentioned.
        var same = result
        same.solMs = 5.88
        #expect(!GenerationReport.markdown(same, task: task).contains("machine profile"))
    }
}

@Suite("Search generator")
struct SearchGeneratorTests {
    @Test("templates: kb-tune parameters and instantiation")
    func templates() {
        let t = SearchGenerator.Template.parse(source: "x.c", text: "/*\n * kb-tune: MC=144,96 KC=256,128\n */\n#ifndef MC\n#define MC 144\n#endif\nvoid matmul(void) {}\n")
        #expect(t.parameters.map(\.name) == ["MC", "KC"])
        #expect(t.defaults == ["MC": "144", "KC": "256"])
        let text = t.instantiate(["MC": "96", "KC": "256"])
        #expect(text.contains("#define MC 96\n#define KC 256\n"))
    }

    @Test("generic transformations: the reference's outer loop parallelized with its scratch arrays private, and verified")
    func generic() throws {
        let task = try Lab.catalog.load("bmm")
        let drafts = SearchGenerator.genericTransformations(task: task, backend: .cSIMD, threads: 2)
        let parallel = try #require(drafts.first)
        #expect(parallel.source.contains("#pragma omp parallel for schedule(static) private(acc)"))
        var verify = try Lab.verifyOptions(threads: 2)
        verify.measurePerformance = false
        let report = try Verifier(task: task, options: verify).verify(source: parallel.source, path: "bmm_parallel.c")
        #expect(report.verdict == .accepted, "\(report.code ?? "") \(report.reason ?? "")")
    }
}

@Suite("OpenCL templates")
struct OpenCLTemplateTests {
    @Test("work-group size as a tunable: substituted in the launch header and defined for the kernel, then verified on PoCL")
    func workGroup() throws {
        let text = try String(contentsOfFile: repository + "/corpus/kernels/opencl/rmsnorm_wg.cl", encoding: .utf8)
        let t = SearchGenerator.Template.parse(source: "rmsnorm_wg.cl", text: text)
        #expect(t.parameters.first?.name == "WG")
        let src = t.instantiate(["WG": "64"])
        #expect(src.contains("// kb-launch: kernel=rmsnorm global=64,rows local=64,1"))
        #expect(src.contains("#define WG 64"))
        var verify = try Lab.verifyOptions(threads: 2)
        verify.measurePerformance = false
        verify.backend = .openCL
        let toolkit = OpenCLToolkit(compiler: try #require(Lab.compiler), cacheDirectory: Lab.cache)
        verify.device = OpenCLDevice.select(nil, from: try toolkit.devices().devices)
        let report = try Verifier(task: try Lab.catalog.load("rmsnorm"), options: verify).verify(source: src, path: "rmsnorm_wg64.cl")
        #expect(report.verdict == .accepted, "\(report.code ?? "") \(report.reason ?? "")")
    }
}
