import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// What the CPU is and what it measurably does: ISA, caches, DRAM bandwidth and peak FP32 throughput.
///
/// The speed of light of a task comes from here: `T_sol = max(bytes / bandwidth, flops / peak)` at the
/// verification's thread count, with the STREAM convention: the median copy bandwidth with regular stores
/// (bytes read + bytes written) and the median FMA peak. Kernels with non-temporal stores avoid the
/// write-allocate traffic and can legitimately beat this bound by up to ~1.5×.
public struct HardwareProfile: Sendable, Codable, Hashable {
    /// One cache level.
    public struct Cache: Sendable, Codable, Hashable {
        /// 1, 2, 3...
        public var level: Int
        /// Data, Instruction or Unified.
        public var type: String
        /// Bytes per instance.
        public var bytes: Int
        /// Instances across the machine.
        public var instances: Int
    }

    /// A measured quantity with its spread over repetitions.
    public struct Measurement: Sendable, Codable, Hashable {
        /// `copy` (read + regular store), `copy_nt` (non-temporal store), `read`, or `fma`.
        public var kind: String
        /// Threads used.
        public var threads: Int
        /// Median (GB/s or GFLOP/s).
        public var median: Double
        /// Slowest repetition.
        public var min: Double
        /// Fastest repetition.
        public var max: Double
        /// Repetitions.
        public var samples: Int
    }

    /// Stable identity of the machine and toolchain the numbers belong to.
    public var fingerprint: String
    /// CPU model name.
    public var cpu: String
    /// Logical CPUs usable by kb.
    public var logicalCPUs: Int
    /// Relevant ISA features (avx512f, avx2, fma, sse4_2, neon...).
    public var features: [String]
    /// Widest SIMD ISA: avx512, avx2, sse, neon, scalar.
    public var isa: String
    /// Cache hierarchy.
    public var caches: [Cache]
    /// Physical memory in bytes.
    public var memoryBytes: Int
    /// Compiler version line used for the probes.
    public var compiler: String
    /// Bandwidth measurements (GB/s).
    public var bandwidth: [Measurement]
    /// Peak FP32 FMA throughput (GFLOP/s).
    public var compute: [Measurement]
    /// OpenCL devices with their measured bandwidth and FMA rate (nil: not listed yet; empty: none found).
    public var openCLDevices: [OpenCLDevice]?
    /// Why no OpenCL device is listed (e.g. "no OpenCL platform found").
    public var openCLNote: String?
    /// When measured (ISO 8601).
    public var measuredAt: String
    /// Seconds the measurement took.
    public var seconds: Double

    /// Last-level cache size in bytes (0 if unknown).
    public var lastLevelCacheBytes: Int { caches.filter { $0.type != "Instruction" }.max { $0.level < $1.level }?.bytes ?? 0 }

    /// The STREAM-style bandwidth (GB/s, median copy with regular stores) with `threads` threads.
    public func memoryBandwidth(threads: Int) -> Double? { nearest(bandwidth.filter { $0.kind == "copy" }, threads)?.median }

    /// The median measured FP32 FMA throughput (GFLOP/s) with `threads` threads.
    public func peakFlops(threads: Int) -> Double? { nearest(compute, threads)?.median }

    /// The most optimistic physical floor (seconds): the best bandwidth of any kind and the best FMA rate ever
    /// measured at `threads`. A kernel faster than this did not do the work; a noisy, low profile cannot make
    /// an honest kernel look impossible.
    public func physicalFloor(bytes: Double, flops: Double, threads: Int) -> Double? {
        // Optimistic on purpose: the best bandwidth of any kind at any thread count, and the best FMA rate per
        // thread scaled to `threads` (the one-thread figure is the steadiest on a shared machine).
        let bw = bandwidth.map(\.max).max() ?? 0
        let peak = compute.map { $0.max / Double($0.threads) * Double(max(threads, $0.threads)) }.max() ?? 0
        guard bw > 0, peak > 0 else { return nil }
        return max(bytes / (bw * 1e9), flops / (peak * 1e9))
    }

    private func nearest(_ items: [Measurement], _ threads: Int) -> Measurement? {
        let counts = Set(items.map(\.threads)).sorted()
        guard let pick = counts.last(where: { $0 <= threads }) ?? counts.first else { return nil }
        return items.first { $0.threads == pick }
    }

    /// Speed-of-light time (seconds) for a call moving `bytes` and doing `flops` with `threads` threads; `bandwidth`
    /// (GB/s), when given, replaces the profile's copy bandwidth (e.g. one measured beside the kernel).
    public func speedOfLight(bytes: Double, flops: Double, threads: Int, bandwidth: Double? = nil) -> (seconds: Double, bound: String)? {
        guard let bw = bandwidth ?? memoryBandwidth(threads: threads), let peak = peakFlops(threads: threads), bw > 0, peak > 0 else { return nil }
        let memory = bytes / (bw * 1e9), compute = flops / (peak * 1e9)
        return memory >= compute ? (memory, "bandwidth") : (compute, "compute")
    }

    /// A Markdown description (ingested into the store so retrieval and prompts can cite it).
    public var markdown: String {
        var s = "# Hardware profile: \(cpu)\n\n"
        s += "Fingerprint `\(fingerprint)`, measured \(measuredAt) by `kb hw` with \(compiler).\n\n"
        s += "## CPU\n\n- \(logicalCPUs) logical CPUs; widest SIMD ISA: \(isa)\n- features: \(features.joined(separator: ", "))\n"
        for c in caches { s += "- L\(c.level) \(c.type.lowercased()) cache: \(Self.bytes(c.bytes)) × \(c.instances)\n" }
        s += "- memory: \(Self.bytes(memoryBytes))\n\n## Measured limits\n\n| measure | threads | median | min | max |\n|---|---|---|---|---|\n"
        for m in bandwidth + compute {
            let unit = m.kind == "fma" ? "GFLOP/s" : "GB/s"
            s += "| \(m.kind) (\(unit)) | \(m.threads) | \(Self.fmt(m.median)) | \(Self.fmt(m.min)) | \(Self.fmt(m.max)) |\n"
        }
        if let devices = openCLDevices {
            s += "\n## OpenCL devices\n\n"
            if devices.isEmpty { s += openCLNote ?? "none" }
            for d in devices {
                s += "- [\(d.index)] \(d.name) (\(d.type), \(d.platform), \(d.version)): \(d.computeUnits) compute units at \(d.clockMHz) MHz, "
                s += "\(Self.bytes(d.globalMemory)) global and \(Self.bytes(d.localMemory)) local memory, work-groups up to \(d.maxWorkGroupSize); "
                s += "copy bandwidth \(d.bandwidth.map { Self.fmt($0.median) } ?? "?") GB/s, FP32 FMA \(d.compute.map { Self.fmt($0.median) } ?? "?") GFLOP/s\n"
            }
            s += "\n"
        }
        s += "\nSpeed of light: T_sol = max(bytes / bandwidth, flops / peak), with the median copy bandwidth with regular "
        s += "stores (STREAM convention) and the median FMA peak at the same thread count. Non-temporal stores can beat it by up to ~1.5x.\n"
        return s
    }

    /// A byte count as KiB, MiB or GiB.
    public static func bytes(_ n: Int) -> String {
        n >= 1 << 30 ? "\(fmt(Double(n) / Double(1 << 30))) GiB" : n >= 1 << 20 ? "\(fmt(Double(n) / Double(1 << 20))) MiB" : "\(n >> 10) KiB"
    }

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// Measures a ``HardwareProfile`` by compiling and running kb's probe program.
public struct HardwareProbe: Sendable {
    /// The compiler used to build the probe (the same one that builds candidates).
    public var compiler: CCompiler
    /// MiB per probe array (well beyond the last-level cache).
    public var arrayMiB = 128
    /// Repetitions per measurement.
    public var repetitions = 7
    /// Where the OpenCL helper is built; nil skips OpenCL devices.
    public var openCLCacheDirectory: String?

    /// How the probe is compiled, and the environment it runs in (threads pinned, one per core).
    static let probeFlags = ["-O3", "-march=native", "-fopenmp"]
    static let probeEnvironment = ["OMP_PROC_BIND": "close", "OMP_PLACES": "cores", "OMP_DYNAMIC": "false", "PATH": "/usr/bin:/bin"]

    /// A probe using `compiler`.
    public init(compiler: CCompiler) { self.compiler = compiler }

    /// The machine's identity without measuring anything (cheap): CPU, features, caches, memory, compiler.
    public func identify() -> HardwareProfile {
        let info = Self.cpuInfo()
        let caches = Self.caches()
        let memory = Self.memoryBytes()
        let cpus = Self.usableCPUs()
        let identity = [info.model, info.features.joined(separator: ","), String(cpus),
                        caches.map { "L\($0.level)\($0.type)\($0.bytes)x\($0.instances)" }.joined(separator: ","),
                        String(memory >> 26), compiler.version].joined(separator: "|")
        return HardwareProfile(fingerprint: String(SHA256.hex(identity).prefix(16)), cpu: info.model, logicalCPUs: cpus,
                               features: info.features, isa: Self.widestISA(info.features), caches: caches, memoryBytes: memory,
                               compiler: compiler.version, bandwidth: [], compute: [], openCLDevices: nil, openCLNote: nil,
                               measuredAt: "", seconds: 0)
    }

    /// Samples of the regular-store copy bandwidth (GB/s) at `threads`, measured now: the verifier takes them beside
    /// each benchmark so that the speed of light reflects the memory system as the kernel met it (on a shared
    /// machine the bandwidth swings with the neighbours' load). The probe is built once into `cacheDirectory`.
    public func copyBandwidth(threads: Int, cacheDirectory: String, repetitions: Int = 3) throws(VerificationError) -> [Double] {
        let key = SHA256.hex(EmbeddedSources.probe + "|" + compiler.version).prefix(16)
        let dir = cacheDirectory + "/probe-\(key)"
        let binary = dir + "/probe"
        if !FileSystem.isExecutable(binary) {
            // Built under a private name and renamed into place, so concurrent verifications never run half a file.
            let source = "probe-\(getpid()).c", built = "probe-\(getpid()).bin"
            guard FileSystem.makeDirectories(dir), FileSystem.write(dir + "/" + source, EmbeddedSources.probe) else {
                throw .io(path: dir, reason: "cannot write the probe")
            }
            defer { FileSystem.remove(dir + "/" + source) }
            let build = try compiler.run(Self.probeFlags + [source, "-o", built], in: dir)
            guard build.succeeded, FileSystem.move(dir + "/" + built, to: binary) else {
                FileSystem.remove(dir + "/" + built)
                throw .harnessFailure("the hardware probe did not compile:\n\(build.diagnostics.prefix(2000))")
            }
        }
        guard let work = FileSystem.temporaryDirectory(prefix: "kb-bw") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(work) }
        var env = Self.probeEnvironment
        env["KB_PROBE_COPY_ONLY"] = "1"
        let outcome = try ChildProcess(executable: binary, arguments: [String(arrayMiB), String(repetitions), String(max(1, threads))],
                                       environment: env, workingDirectory: work, stdoutPath: work + "/out", stderrPath: work + "/err",
                                       timeout: 60).run()
        guard outcome.termination == .exited(0) else {
            throw .harnessFailure("the bandwidth probe failed (\(outcome.termination))")
        }
        return String(decoding: FileSystem.read(work + "/out") ?? [], as: UTF8.self).split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            return f.count == 4 && f[0] == "bw" && f[1] == "copy" ? Double(f[3]) : nil
        }
    }

    /// Identifies the machine and measures bandwidth and peak throughput at 1 thread and all threads.
    public func measure() throws(VerificationError) -> HardwareProfile {
        let start = Clock.now()
        var profile = identify()
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-hw") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(dir) }
        guard FileSystem.write(dir + "/probe.c", EmbeddedSources.probe) else { throw .io(path: dir, reason: "cannot write the probe") }
        let build = try compiler.run(Self.probeFlags + ["probe.c", "-o", "probe"], in: dir)
        guard build.succeeded else { throw .harnessFailure("the hardware probe did not compile:\n\(build.diagnostics.prefix(2000))") }
        let threadCounts = profile.logicalCPUs > 1 ? [1, profile.logicalCPUs] : [1]
        let out = dir + "/probe.out"
        let env = Self.probeEnvironment
        let outcome = try ChildProcess(executable: dir + "/probe", arguments: [String(arrayMiB), String(repetitions)] + threadCounts.map(String.init),
                                       environment: env, workingDirectory: dir, stdoutPath: out, stderrPath: dir + "/probe.err", timeout: 120).run()
        guard outcome.termination == .exited(0) else {
            let err = String(decoding: FileSystem.read(dir + "/probe.err") ?? [], as: UTF8.self)
            throw .harnessFailure("the hardware probe failed (\(outcome.termination)): \(err.prefix(500))")
        }
        var samples: [String: [Double]] = [:]
        for line in String(decoding: FileSystem.read(out) ?? [], as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 4, f[0] == "bw", let t = Int(f[2]), let v = Double(f[3]) { samples["\(f[1]) \(t)", default: []].append(v) }
            if f.count == 3, f[0] == "flops", let t = Int(f[1]), let v = Double(f[2]) { samples["fma \(t)", default: []].append(v) }
        }
        func measurement(_ key: String) -> HardwareProfile.Measurement? {
            guard let v = samples[key]?.sorted(), !v.isEmpty else { return nil }
            let parts = key.split(separator: " ")
            return .init(kind: String(parts[0]), threads: Int(parts[1]) ?? 1, median: v[v.count / 2], min: v[0], max: v[v.count - 1], samples: v.count)
        }
        for t in threadCounts {
            for kind in ["copy", "copy_nt", "read"] { if let m = measurement("\(kind) \(t)") { profile.bandwidth.append(m) } }
            if let m = measurement("fma \(t)") { profile.compute.append(m) }
        }
        guard !profile.bandwidth.isEmpty, !profile.compute.isEmpty else { throw .harnessFailure("the hardware probe printed no measurements") }
        if let cache = openCLCacheDirectory {
            let toolkit = OpenCLToolkit(compiler: compiler, cacheDirectory: cache)
            do {
                let (devices, note) = try toolkit.devices()
                var measured: [OpenCLDevice] = []
                for d in devices { measured.append((try? toolkit.measure(d)) ?? d) }
                profile.openCLDevices = measured
                profile.openCLNote = note
            } catch {
                profile.openCLDevices = []
                profile.openCLNote = error.description
            }
        }
        profile.measuredAt = Date().ISO8601Format()
        profile.seconds = Clock.now() - start
        return profile
    }

    static func cpuInfo() -> (model: String, features: [String]) {
        let text = String(decoding: FileSystem.read("/proc/cpuinfo", limit: 1 << 20) ?? [], as: UTF8.self)
        var model = "unknown CPU", flags: [String] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingSpaces, value = parts[1].trimmingSpaces
            if key == "model name" || key == "Model" || key == "cpu model", model == "unknown CPU" { model = value }
            if (key == "flags" || key == "Features"), flags.isEmpty { flags = value.split(separator: " ").map(String.init) }
        }
        let interesting: Set<String> = ["sse2", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl",
                                        "avx512_bf16", "avx512_fp16", "avx512vnni", "avx512_vnni", "amx_tile", "asimd", "neon", "sve", "sve2"]
        return (model, flags.filter { interesting.contains($0) }.sorted())
    }

    static func widestISA(_ features: [String]) -> String {
        let f = Set(features)
        if f.contains("avx512f") { return "avx512" }
        if f.contains("avx2") { return "avx2" }
        if f.contains("sve") { return "sve" }
        if f.contains("asimd") || f.contains("neon") { return "neon" }
        if f.contains("sse2") { return "sse" }
        return "scalar"
    }

    static func caches() -> [HardwareProfile.Cache] {
        var byKey: [String: (HardwareProfile.Cache, Set<String>)] = [:]
        for cpu in FileSystem.list("/sys/devices/system/cpu") where cpu.hasPrefix("cpu") && cpu.dropFirst(3).allSatisfy(\.isNumber) {
            let base = "/sys/devices/system/cpu/\(cpu)/cache"
            for index in FileSystem.list(base) where index.hasPrefix("index") {
                func read(_ name: String) -> String { String(decoding: FileSystem.read("\(base)/\(index)/\(name)") ?? [], as: UTF8.self).filter { $0 != "\n" }.trimmingSpaces }
                guard let level = Int(read("level")) else { continue }
                let type = read("type")
                var sizeText = read("size")
                var multiplier = 1
                if sizeText.hasSuffix("K") { multiplier = 1024; sizeText.removeLast() } else if sizeText.hasSuffix("M") { multiplier = 1 << 20; sizeText.removeLast() }
                guard let size = Int(sizeText) else { continue }
                let shared = read("shared_cpu_list")
                let key = "\(level)\(type)"
                var entry = byKey[key] ?? (HardwareProfile.Cache(level: level, type: type, bytes: size * multiplier, instances: 0), [])
                entry.1.insert(shared)
                entry.0.instances = entry.1.count
                byKey[key] = entry
            }
        }
        return byKey.values.map(\.0).sorted { ($0.level, $0.type) < ($1.level, $1.type) }
    }

    static func memoryBytes() -> Int {
        let text = String(decoding: FileSystem.read("/proc/meminfo", limit: 1 << 16) ?? [], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let digits = line.filter(\.isNumber)
            return (Int(digits) ?? 0) * 1024
        }
        return 0
    }

    /// CPUs this process may run on.
    public static func usableCPUs() -> Int {
        let n = CPUAffinity.usableCPUs()
        if n > 0 { return n }
        return max(1, CPUAffinity.onlineCPUs())
    }
}
