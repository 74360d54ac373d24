import ArgumentParser
import KernelLab
import Retrieval
import Verification

/// `kb hw`
struct Hardware: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hw",
        abstract: "Show this machine's hardware profile (measured once, cached in the store).",
        discussion: """
            CPU model, cores, ISA features and caches; DRAM bandwidth (1 thread and all threads; regular and \
            non-temporal stores; read-only) and peak FP32 FMA throughput, each with its spread over repetitions. \
            The profile is cached in the store under a fingerprint of the CPU, memory and compiler, re-measured with \
            --refresh, and ingested as a hardware document so queries and prompts can cite it.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var lab: LabOptions
    @Flag(name: .long, help: "Measure again even if a profile is cached.") var refresh = false

    func run() throws {
        let compiler = try lab.compiler()
        do {
            let store = try KnowledgeStore(path: options.storePath)
            let cachedProfile = try HardwareService(store: store, compiler: compiler, cacheDirectory: lab.cachePath).cached()
            if !options.json, refresh || cachedProfile == nil {
                Terminal.status("measuring memory bandwidth and FMA throughput (a few seconds)...")
            }
            let (profile, _) = try HardwareService(store: store, compiler: compiler, cacheDirectory: lab.cachePath).profile(refresh: refresh)
            print(options.json ? Terminal.snakeJSON(profile) : ReportText.render(profile))
        } catch let e as LabError {
            throw CommandFailure(description: e.description)
        } catch let e as RetrievalError {
            throw CommandFailure(description: e.description)
        }
    }
}
