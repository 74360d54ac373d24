import Foundation
import KBTestSupport
import Testing
@testable import Verification

/// Every broken or cheating kernel in Tests/Fixtures/redteam is rejected at the stage and with the code its
/// header names, with a reason a person (or an LLM) can act on.
@Suite("Red team", .enabled(if: Fixture.compiler != nil))
struct RedTeamTests {
    @Test("the red team is large enough to mean something")
    func size() {
        #expect(RedTeamKernel.all.count >= 12)
        #expect(RedTeamKernel.all.allSatisfy { !$0.stage.isEmpty && !$0.code.isEmpty })
    }

    @Test("rejected at the named stage with the named code", arguments: RedTeamKernel.runnable)
    func rejected(kernel: RedTeamKernel) throws {
        let performance = kernel.stage == "performance" || kernel.stage == "accepted"
        let report = try Fixture.verify("layernorm", file: kernel.file, threads: kernel.code == "nondeterministic" ? 2 : 1, performance: performance)
        if kernel.stage == "accepted" {
            // An exploit the harness neutralizes: accepted, but timed honestly (no impossible speedup).
            #expect(report.verdict == .accepted, "\(report.code ?? "") \(report.reason ?? "")")
            let speedup = try #require(report.performance.first?.speedup)
            #expect(speedup < 3, "timed at \(speedup)× the scalar reference: the replay trick worked")
            return
        }
        #expect(report.verdict == .rejected)
        #expect(report.rejectedAt?.rawValue == kernel.stage, "rejected at \(report.rejectedAt?.rawValue ?? "nothing"): \(report.code ?? "") \(report.reason ?? "")")
        #expect(report.code == kernel.code, "\(report.reason ?? "")")
        let reason = try #require(report.reason)
        #expect(reason.count > 20, "the reason must say what to fix: \(reason)")
        // Stages after the rejecting one did not run (the object scan runs after compiling, so compile may have).
        if let at = report.rejectedAt, let i = VerificationReport.Stage.allCases.firstIndex(of: at) {
            for later in VerificationReport.Stage.allCases[(i + 1)...] where !(at == .screen && later == .compile) {
                #expect(report.stages.first { $0.stage == later }?.verdict == .skipped)
            }
        }
    }
}

/// Correct kernels pass; every corpus kernel passes the task it implements.
@Suite("Accepted kernels", .enabled(if: Fixture.compiler != nil))
struct AcceptedKernelTests {
    static let corpusKernels: [(String, String)] = {
        let dir = Fixture.repository + "/corpus/kernels/c"
        let tasks = Set(Fixture.catalog.names())
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".c") }.sorted()
        return files.compactMap { name in
            // Kernels this CPU cannot run (AVX-512 ones on a host without it) are left out; check-corpus.sh still
            // compiles them.
            guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8), HostISA.canRun(source: text) else { return nil }
            for task in tasks where text.contains("void \(task)(") { return (task, dir + "/" + name) }
            return nil
        }
    }()

    @Test("every corpus kernel passes screen, compile and correctness", arguments: corpusKernels)
    func corpus(task: String, file: String) throws {
        let report = try Fixture.verify(task, file: file, threads: 2)
        #expect(report.verdict == .accepted, "\(file): \(report.code ?? "") \(report.reason ?? "")")
        #expect(report.stages.map(\.verdict) == [.passed, .passed, .passed, .skipped])
    }

    @Test("scalar and AVX-512 layernorm are accepted with timings, speed of light and SOL score",
          arguments: ["layernorm_scalar.c"] + (HostISA.hasAVX512 ? ["layernorm_avx512.c"] : []))
    func layernormPerformance(file: String) throws {
        let report = try Fixture.verify("layernorm", file: Fixture.repository + "/corpus/kernels/c/" + file, threads: 2, performance: true)
        #expect(report.verdict == .accepted, "\(report.code ?? "") \(report.reason ?? "")")
        let timing = try #require(report.performance.first)
        #expect(timing.runs >= 20)
        #expect(timing.medianMs > 0 && timing.p10Ms <= timing.medianMs && timing.medianMs <= timing.p90Ms)
        #expect(timing.baselineMs != nil)
        #expect(timing.solMs != nil && timing.solScore != nil && timing.solFraction != nil)
        #expect(timing.gbPerSecond > 0)
        // The speed of light comes from the copy bandwidth measured beside this benchmark, and says so.
        #expect(timing.solBandwidthSource == "beside-kernel")
        let bandwidth = try #require(timing.solBandwidthGbPerSecond)
        #expect(bandwidth > 0.5 && bandwidth < 10_000)
        let bytes = timing.bytes, sol = try #require(timing.solMs)
        if timing.bound == "bandwidth" { #expect(abs(bytes / (bandwidth * 1e9) * 1000 - sol) < 1e-6 * max(1, sol)) }
    }

    @Test("with the beside-kernel measurement off, the speed of light comes from the hardware profile")
    func profileBandwidth() throws {
        var o = try Fixture.options(threads: 2, performance: true)
        o.bandwidthBesideKernel = false
        let source = try String(contentsOfFile: Fixture.repository + "/corpus/kernels/c/layernorm_scalar.c", encoding: .utf8)
        let report = try Verifier(task: try Fixture.task("layernorm"), options: o).verify(source: source, path: "x.c")
        let timing = try #require(report.performance.first)
        #expect(timing.solBandwidthSource == "profile")
        #expect(timing.solBandwidthGbPerSecond == o.hardware?.memoryBandwidth(threads: 2))
    }

    @Test("the report is deterministic for a fixed seed and names the seed")
    func seeded() throws {
        var o = try Fixture.options()
        o.seed = 42
        let source = try String(contentsOfFile: Fixture.repository + "/corpus/kernels/c/layernorm_scalar.c", encoding: .utf8)
        let a = try Verifier(task: try Fixture.task("layernorm"), options: o).verify(source: source, path: "x.c")
        #expect(a.seed == 42)
        #expect(a.verdict == .accepted)
        let b = Verifier(task: try Fixture.task("layernorm"), options: o).cacheKey(source: source)
        #expect(b == Verifier(task: try Fixture.task("layernorm"), options: o).cacheKey(source: source))
        #expect(b != Verifier(task: try Fixture.task("layernorm"), options: o).cacheKey(source: source + " "))
    }
}

/// Defence in depth: with the screen turned off, the sandboxed child still stops what a kernel must not do.
@Suite("Sandbox", .enabled(if: Fixture.compiler != nil))
struct SandboxTests {
    static let body = """
        #include <math.h>
        static void ln(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps) {
            for (long r = 0; r < rows; r++) {
                double s = 0, q = 0;
                for (long c = 0; c < cols; c++) s += x[r * cols + c];
                double m = s / cols;
                for (long c = 0; c < cols; c++) { double d = x[r * cols + c] - m; q += d * d; }
                double inv = 1.0 / sqrt(q / cols + eps);
                for (long c = 0; c < cols; c++) y[r * cols + c] = (float)((x[r * cols + c] - m) * inv * gamma[c] + beta[c]);
            }
        }
        """

    @Test("a kernel that writes a file is killed by the sandbox and leaves no file")
    func noFiles() throws {
        let marker = NSTemporaryDirectory() + "kb-sandbox-\(UUID().uuidString)"
        let source = Self.body + "\n" + """
            #include <stdio.h>
            void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps) {
                FILE *f = fopen("\(marker)", "w");
                if (f) { fputs("escaped", f); fclose(f); }
                ln(x, gamma, beta, y, rows, cols, eps);
            }
            """
        let report = try Fixture.verify("layernorm", source: source, screen: false)
        #expect(report.verdict == .rejected)
        #expect(report.code == "forbidden-syscall", "\(report.reason ?? "")")
        #expect(report.reason?.contains("open") == true)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("a kernel that forks leaves no process behind")
    func noProcesses() throws {
        let marker = "kb-sandbox-sleeper-\(UInt32.random(in: 1...UInt32.max))"
        let source = Self.body + "\n" + """
            #include <unistd.h>
            void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps) {
                if (fork() == 0) { execl("/bin/sh", "sh", "-c", "exec -a \(marker) sleep 30", (char *)0); _exit(0); }
                ln(x, gamma, beta, y, rows, cols, eps);
            }
            """
        let report = try Fixture.verify("layernorm", source: source, screen: false)
        #expect(report.verdict == .rejected)
        #expect(report.code == "forbidden-syscall", "\(report.reason ?? "")")
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        ps.arguments = ["-f", marker]
        ps.standardOutput = FileHandle.nullDevice
        try ps.run()
        ps.waitUntilExit()
        #expect(ps.terminationStatus != 0, "a process named \(marker) is still running")
    }

    @Test("a hung kernel is killed at its time limit, never kb")
    func hang() throws {
        let source = """
            void layernorm(const float *x, const float *gamma, const float *beta, float *y, long rows, long cols, float eps) {
                volatile int spin = 1; while (spin) {}
            }
            """
        let start = Date()
        let report = try Fixture.verify("layernorm", source: source)
        #expect(report.code == "timeout")
        #expect(Date().timeIntervalSince(start) < 120)
    }
}
