import Foundation
import KBTestSupport
import Testing
@testable import Verification

/// Shared, lazily built fixtures: the compiler, a cache folder reused by every test (harness and reference
/// builds happen once), the repository's tasks and a measured hardware profile.
enum Fixture {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let compiler: CCompiler? = try? CCompiler.detect("cc")
    static let cache: String = temporaryFolder()
    static let catalog = TaskCatalog(folders: [repository + "/corpus/tasks"])

    static func task(_ name: String) throws -> KernelTask { try catalog.load(name) }

    static let hardware: HardwareProfile? = {
        guard let compiler else { return nil }
        var probe = HardwareProbe(compiler: compiler)
        probe.arrayMiB = 64
        probe.repetitions = 3
        return try? probe.measure()
    }()

    static func options(threads: Int = 1, performance: Bool = false) throws -> VerifyOptions {
        guard let compiler else { throw VerificationError.compilerUnavailable("cc not found") }
        var o = VerifyOptions(compiler: compiler, cacheDirectory: cache)
        o.threads = threads
        o.measurePerformance = performance
        if performance {
            o.hardware = hardware
            o.minimumRuns = 20
            o.maximumRuns = 20
            o.warmupRuns = 2
        }
        return o
    }

    static func verify(_ task: String, file: String, threads: Int = 1, performance: Bool = false) throws -> VerificationReport {
        let source = try String(contentsOfFile: file, encoding: .utf8)
        return try Verifier(task: try self.task(task), options: try options(threads: threads, performance: performance)).verify(source: source, path: file)
    }

    static func verify(_ task: String, source: String, threads: Int = 1, performance: Bool = false, sandbox: Bool = true,
                       screen: Bool = true) throws -> VerificationReport {
        var o = try options(threads: threads, performance: performance)
        o.sandbox = sandbox
        o.screen = screen
        return try Verifier(task: try self.task(task), options: o).verify(source: source, path: "candidate.c")
    }
}

/// A red-team kernel and what it expects.
struct RedTeamKernel: CustomTestStringConvertible, Sendable {
    let file: String
    let stage: String
    let code: String
    var testDescription: String { (file as NSString).lastPathComponent }

    static let all: [RedTeamKernel] = {
        let dir = Fixture.repository + "/Tests/Fixtures/redteam"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".c") }.sorted().compactMap { name in
            guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else { return nil }
            var stage = "", code = ""
            for line in text.split(separator: "\n").prefix(5) {
                if line.hasPrefix("// expect-stage:") { stage = line.dropFirst(16).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("// expect-code:") { code = line.dropFirst(15).trimmingCharacters(in: .whitespaces) }
            }
            return RedTeamKernel(file: dir + "/" + name, stage: stage, code: code)
        }
    }()

    /// The red-team kernels this CPU can run (those rejected before running, at the screen, always).
    static let runnable: [RedTeamKernel] = all.filter { kernel in
        kernel.stage == "screen" || HostISA.canRun(source: (try? String(contentsOfFile: kernel.file, encoding: .utf8)) ?? "")
    }
}
