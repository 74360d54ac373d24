import ArgumentParser
import FoundationEssentials
import Verification

/// `kb-verify`: the verifier alone, for machines without the store or a Swift toolchain (links statically).
///
/// It measures the machine on every call (no store to cache in) and prints the same reports as `kb verify`.
@main
struct KBVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb-verify",
        abstract: "kb's verifier without the knowledge base: hardware profile and kernel verification.",
        subcommands: [Profile.self, Check.self])

    /// Options both subcommands share.
    struct Common: ParsableArguments {
        @Option(name: .long, help: "C compiler.") var cc = "cc"
        @Option(name: .customLong("cache-dir"), help: "Build cache.") var cacheDirectory: String?
        @Flag(name: .long, help: "Print JSON.") var json = false
        @Flag(name: .customLong("no-opencl"), help: "Do not list or measure OpenCL devices.") var noOpenCL = false

        var cache: String { cacheDirectory ?? VerifyOptions.defaultCacheDirectory() }

        func profile() throws -> HardwareProfile {
            let compiler = try CCompiler.detect(cc)
            var probe = HardwareProbe(compiler: compiler)
            if !noOpenCL { probe.openCLCacheDirectory = cache }
            return try probe.measure()
        }
    }

    /// `kb-verify hw`
    struct Profile: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "hw", abstract: "Measure and print this machine's hardware profile.")
        @OptionGroup var common: Common

        func run() throws {
            let p = try common.profile()
            print(common.json ? encode(p) : ReportText.render(p))
        }
    }

    /// `kb-verify verify`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify a kernel (exit 0 accepted, 1 rejected).")
        @OptionGroup var common: Common
        @Option(name: .long, help: "Task name or path to a task.json.") var task: String
        @Option(name: .long, help: "Task folder.") var tasks: [String] = []
        @Option(name: .long, help: "c-simd or opencl.") var backend = "c-simd"
        @Option(name: .long, help: "OpenCL device index or name substring.") var device: String?
        @Option(name: .long, help: "Threads (C SIMD).") var threads: Int?
        @Flag(name: .customLong("no-perf"), help: "Skip the performance stage.") var noPerformance = false
        @Option(name: .customLong("json-out"), help: "Also write the JSON report(s) to this file.") var jsonOut: String?
        @Argument(help: "The candidate file(s).") var files: [String]

        func run() throws {
            let compiler = try CCompiler.detect(common.cc)
            let kernelTask = try TaskCatalog(folders: tasks).load(task)
            let profile = try common.profile()
            var options = VerifyOptions(compiler: compiler, cacheDirectory: common.cache)
            options.backend = Backend(rawValue: backend) ?? .cSIMD
            options.threads = threads ?? HardwareProbe.usableCPUs()
            options.measurePerformance = !noPerformance
            options.hardware = profile
            if options.backend == .openCL {
                guard let chosen = OpenCLDevice.select(device, from: profile.openCLDevices ?? []) else {
                    throw ValidationError(profile.openCLNote ?? "no OpenCL device matches '\(device ?? "")'")
                }
                options.device = chosen
            }
            var rejected = false
            var reports: [VerificationReport] = []
            defer {
                if let jsonOut { try? Data(encode(reports).utf8).write(to: URL(filePath: jsonOut)) }
            }
            for file in files {
                guard let bytes = try? Data(contentsOf: URL(filePath: file)) else { throw ValidationError("\(file): cannot read the candidate") }
                let report = try Verifier(task: kernelTask, options: options).verify(source: String(decoding: bytes, as: UTF8.self), path: file)
                print(common.json ? encode(report) : ReportText.render(report))
                reports.append(report)
                rejected = rejected || report.verdict == .rejected
            }
            if rejected { throw ExitCode(1) }
        }
    }
}

func encode(_ value: some Encodable) -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    e.keyEncodingStrategy = .convertToSnakeCase
    return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}

