import Foundation
import KBTestSupport
import Testing
@testable import Verification

/// The OpenCL backend on PoCL (installed by scripts/setup.sh; CI runs these, none skipped).
@Suite("OpenCL backend", .serialized)
struct OpenCLTests {
    static let toolkit: OpenCLToolkit? = Fixture.compiler.map { OpenCLToolkit(compiler: $0, cacheDirectory: Fixture.cache) }

    static let device: OpenCLDevice? = {
        guard let toolkit, let list = try? toolkit.devices().devices, let d = OpenCLDevice.select(nil, from: list) else { return nil }
        return try? toolkit.measure(d, mebibytes: 64, repetitions: 3)
    }()

    static func verify(_ task: String, file: String, performance: Bool = false) throws -> VerificationReport {
        var o = try Fixture.options(threads: 2, performance: performance)
        o.backend = .openCL
        o.device = try #require(device, "no OpenCL device: install pocl-opencl-icd (scripts/setup.sh)")
        let source = try String(contentsOfFile: file, encoding: .utf8)
        return try Verifier(task: try Fixture.task(task), options: o).verify(source: source, path: file)
    }

    @Test("kb's OpenCL helper lists a device with its limits and measures bandwidth and FMA rate")
    func devices() throws {
        let d = try #require(Self.device)
        #expect(!d.name.isEmpty && d.computeUnits >= 1 && d.maxWorkGroupSize >= 1 && d.globalMemory > 0)
        #expect(d.openCLCVersion.contains("OpenCL C"))
        #expect((d.bandwidth?.median ?? 0) > 0)
        #expect((d.compute?.median ?? 0) > 0)
        #expect(d.fingerprint.count == 16)
    }

    @Test("no ICD installed: 'no OpenCL platform found' is an answer, not a crash")
    func noPlatform() throws {
        let toolkit = try #require(Self.toolkit)
        let helper = try toolkit.helper()
        let empty = temporaryFolder()
        let out = empty + "/out"
        var env = OpenCLToolkit.environment(cache: Fixture.cache)
        env["OCL_ICD_VENDORS"] = empty
        let outcome = try ChildProcess(executable: helper, arguments: ["--list"], environment: env, stdoutPath: out, timeout: 60).run()
        #expect(outcome.termination == .exited(0))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("noopencl no OpenCL platform found"), "\(text)")
    }

    static let exemplarKernels: [(String, String)] = [
        ("layernorm", "layernorm_wg.cl"), ("layernorm", "layernorm.cl"), ("rmsnorm", "rmsnorm.cl"), ("softmax", "softmax_wg.cl"),
        ("softmax", "softmax.cl"), ("rmsnorm", "rmsnorm_wg.cl"), ("layernorm", "layernorm_cpu.cl"), ("softmax", "softmax_cpu.cl"), ("layernorm", "layernorm_gpu.cl"), ("matmul", "matmul_tiled.cl"), ("transpose", "transpose.cl"), ("row_sum", "row_sum.cl"),
    ]

    @Test("the corpus's OpenCL exemplars pass on PoCL", arguments: exemplarKernels)
    func exemplars(task: String, file: String) throws {
        let report = try Self.verify(task, file: Fixture.repository + "/corpus/kernels/opencl/" + file)
        #expect(report.verdict == .accepted, "\(file): \(report.code ?? "") \(report.reason ?? "")")
        #expect(report.backend == "opencl")
    }

    @Test("every task's reference.cl baseline passes", arguments: ["layernorm", "rmsnorm", "softmax", "matmul", "transpose", "row_sum"])
    func baselines(task: String) throws {
        let file = Fixture.repository + "/corpus/tasks/\(task)/reference.cl"
        let report = try Self.verify(task, file: file)
        #expect(report.verdict == .accepted, "\(report.code ?? "") \(report.reason ?? "")")
    }

    static let redTeamKernels: [RedTeamKernel] = {
        let dir = Fixture.repository + "/Tests/Fixtures/redteam-opencl"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".cl") }.sorted().compactMap { name in
            guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else { return nil }
            var stage = "", code = ""
            for line in text.split(separator: "\n").prefix(5) {
                if line.hasPrefix("// expect-stage:") { stage = line.dropFirst(16).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("// expect-code:") { code = line.dropFirst(15).trimmingCharacters(in: .whitespaces) }
            }
            return RedTeamKernel(file: dir + "/" + name, stage: stage, code: code)
        }
    }()

    @Test("broken OpenCL kernels are rejected at the named stage with the named code", arguments: redTeamKernels)
    func redTeam(kernel: RedTeamKernel) throws {
        let report = try Self.verify("layernorm", file: kernel.file, performance: kernel.stage == "performance")
        #expect(report.verdict == .rejected)
        #expect(report.rejectedAt?.rawValue == kernel.stage, "\(report.code ?? "") \(report.reason ?? "")")
        #expect(report.code == kernel.code, "\(report.reason ?? "")")
        if kernel.stage == "compile" { #expect(report.compilerOutput?.contains("error") == true, "the build log must come back") }
    }

    @Test("performance on the device: profiling-event median, wall clock, baseline from reference.cl, speed of light")
    func performance() throws {
        let report = try Self.verify("layernorm", file: Fixture.repository + "/corpus/kernels/opencl/layernorm_wg.cl", performance: true)
        #expect(report.verdict == .accepted, "\(report.code ?? "") \(report.reason ?? "")")
        let t = try #require(report.performance.first)
        #expect(t.medianMs > 0 && t.wallMedianMs != nil)
        #expect(t.baselineMs != nil && t.solMs != nil && t.solScore != nil)
        #expect(report.stages.last?.summary.contains("reference.cl") == true)
    }

    @Test("launch headers: parsing, ceil(), geometry against the device")
    func launchHeader() throws {
        let task = try Fixture.task("layernorm")
        let (launch, findings) = OpenCLLaunch.parse("// kb-launch: kernel=layernorm global=ceil(rows,64),1 local=64,1\n// kb-build: -DWG=64 -cl-std=CL1.2", task: task)
        #expect(findings.isEmpty)
        let l = try #require(launch)
        let (lines, problem) = try l.planLines(shape: ["rows": 100, "cols": 7], maxWorkGroup: 256)
        #expect(problem == nil)
        #expect(lines == "launch layernorm 2 128 1 1 64 1 1\n")
        #expect(l.buildOptions == "-DWG=64 -cl-std=CL1.2")
        let tooBig = try l.planLines(shape: ["rows": 100, "cols": 7], maxWorkGroup: 32).problem
        #expect(tooBig?.code == "invalid-launch")
        #expect(OpenCLLaunch.parse("// kb-launch: kernel=layernorm global=nrows", task: task).findings.first?.message.contains("nrows") == true)
    }
}
