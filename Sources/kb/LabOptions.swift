import ArgumentParser
import KernelLab
import Retrieval
import Verification

/// Options shared by the commands that compile and run kernels.
struct LabOptions: ParsableArguments {
    @Option(name: .long, help: "C compiler for candidates, references and probes.")
    var cc = "cc"

    @Option(name: .long, help: "Task folder to search first (default: $KB_TASKS, ./corpus/tasks, the corpus beside the kb binary).")
    var tasks: [String] = []

    @Option(name: .customLong("cache-dir"), help: "Build and baseline cache (default: $XDG_CACHE_HOME/kb/verify or ~/.cache/kb/verify).")
    var cacheDirectory: String?

    var catalog: TaskCatalog { TaskCatalog(folders: tasks) }
    var cachePath: String { cacheDirectory ?? VerifyOptions.defaultCacheDirectory() }

    /// Verification options for `backend` on this machine: the hardware profile (measured once, cached in the
    /// store) and, for OpenCL, the chosen device.
    func verifyOptions(store: KnowledgeStore, backend: Backend, device: String?, threads: Int?, quiet: Bool) throws -> VerifyOptions {
        let compiler = try compiler()
        var verify = VerifyOptions(compiler: compiler, cacheDirectory: cachePath)
        verify.backend = backend
        verify.threads = threads ?? HardwareProbe.usableCPUs()
        do {
            let hw = HardwareService(store: store, compiler: compiler, cacheDirectory: cachePath)
            if (try hw.cached()) == nil, !quiet { Terminal.status("no hardware profile yet: measuring this machine once (kb hw)...") }
            verify.hardware = try hw.profile().profile
        } catch {
            throw CommandFailure(description: error.description)
        }
        if backend == .openCL {
            let devices = verify.hardware?.openCLDevices ?? []
            guard !devices.isEmpty else {
                throw CommandFailure(description: (verify.hardware?.openCLNote ?? "no OpenCL platform found") + "; install pocl-opencl-icd (scripts/setup.sh) or a GPU driver, then run kb hw --refresh")
            }
            guard let chosen = OpenCLDevice.select(device, from: devices) else {
                throw UsageFailure(description: "no OpenCL device matches '\(device ?? "")'; devices: " + devices.map { "[\($0.index)] \($0.name)" }.joined(separator: ", "))
            }
            verify.device = chosen
        }
        return verify
    }

    func compiler() throws -> CCompiler {
        do { return try CCompiler.detect(cc) } catch { throw CommandFailure(description: error.description) }
    }
}
