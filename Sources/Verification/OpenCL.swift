/// The launch geometry an OpenCL candidate declares in its header comment.
///
/// ```
/// // kb-launch: kernel=layernorm global=256,rows local=256,1
/// // kb-build: -cl-std=CL1.2 -DWG=256
/// ```
/// One `kb-launch` line per kernel, run in sequence (each receives the task's arguments in the spec's order);
/// `global` and `local` are 1–3 comma-separated size expressions over the task's symbols (`ceil(a, b)` rounds
/// a up to a multiple of b); `local` may be omitted (the runtime chooses). `kb-build` adds build options.
/// Format: `schemas/opencl-launch.schema.json`.
public struct OpenCLLaunch: Sendable, Hashable, Codable {
    /// One kernel launch.
    public struct Step: Sendable, Hashable, Codable {
        /// Kernel name.
        public var kernel: String
        /// Global size expressions.
        public var global: [String]
        /// Local size expressions (nil: the runtime chooses).
        public var local: [String]?
    }

    /// The launch sequence.
    public var steps: [Step]
    /// Extra build options.
    public var buildOptions: String

    /// Build options that change floating-point results and are therefore refused.
    public static let numericsChangingOptions = ["-cl-fast-relaxed-math", "-cl-unsafe-math-optimizations", "-cl-finite-math-only",
                                                 "-cl-no-signed-zeros", "-cl-mad-enable", "-cl-denorms-are-zero"]

    /// Parses the header of an OpenCL candidate; findings say what is wrong (empty means valid).
    public static func parse(_ source: String, task: KernelTask) -> (launch: OpenCLLaunch?, findings: [VerificationReport.Finding]) {
        var steps: [Step] = []
        var options: [String] = []
        var findings: [VerificationReport.Finding] = []
        let symbols = Set(task.symbols)
        // Integer macros of the source (`#define WG 256`) may be used in the header: first definition wins.
        var macros: [String: String] = [:]
        for raw in source.split(separator: "\n") {
            let words = raw.trimmingSpaces.split(separator: " ", omittingEmptySubsequences: true)
            if words.count == 3, words[0] == "#define", Int(words[2]) != nil, macros[String(words[1])] == nil { macros[String(words[1])] = String(words[2]) }
        }
        func expand(_ e: String) -> String {
            var out = e
            for (name, value) in macros where !symbols.contains(name) { out = Self.replaceWord(name, with: value, in: out) }
            return out
        }
        for (i, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces
            if line.hasPrefix("// kb-build:") {
                options.append(String(line.dropFirst("// kb-build:".count)).trimmingSpaces)
                continue
            }
            guard line.hasPrefix("// kb-launch:") else { continue }
            var kernel: String?, global: [String]?, local: [String]?
            for field in line.dropFirst("// kb-launch:".count).split(separator: " ") {
                let kv = field.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else {
                    findings.append(.init(code: "invalid-launch", message: "kb-launch field '\(field)' is not key=value (expected kernel=NAME global=E[,E[,E]] [local=E[,E[,E]]])", line: i + 1))
                    continue
                }
                let value = String(kv[1])
                switch kv[0] {
                case "kernel": kernel = value
                case "global": global = Self.splitDims(value).map(expand)
                case "local": local = Self.splitDims(value).map(expand)
                default: findings.append(.init(code: "invalid-launch", message: "unknown kb-launch key '\(kv[0])' (kernel, global, local)", line: i + 1))
                }
            }
            guard let kernel, let global, !global.isEmpty, global.count <= 3 else {
                findings.append(.init(code: "invalid-launch", message: "kb-launch needs kernel=NAME and global= with 1 to 3 sizes", line: i + 1))
                continue
            }
            if let local, local.count != global.count {
                findings.append(.init(code: "invalid-launch", message: "local has \(local.count) dimensions but global has \(global.count)", line: i + 1))
                continue
            }
            for e in global + (local ?? []) {
                do {
                    let x = try SizeExpression(e)
                    if let s = x.symbols.subtracting(symbols).first {
                        findings.append(.init(code: "invalid-launch", message: "'\(e)' uses '\(s)', which is not a shape symbol of \(task.name) (\(task.symbols.joined(separator: ", ")))", line: i + 1))
                    }
                } catch {
                    findings.append(.init(code: "invalid-launch", message: "bad size expression '\(e)': \(error.description)", line: i + 1))
                }
            }
            steps.append(Step(kernel: kernel, global: global, local: local))
        }
        if steps.isEmpty, findings.isEmpty {
            findings.append(.init(code: "missing-launch", message: "no '// kb-launch: kernel=\(task.entry) global=... local=...' header: the verifier cannot know the launch geometry (see docs/verification.md)"))
        }
        let joined = options.joined(separator: " ")
        for bad in numericsChangingOptions where joined.contains(bad) {
            findings.append(.init(code: "forbidden-option", message: "build option \(bad) changes floating-point results; the task's tolerance assumes IEEE fp32"))
        }
        for token in joined.split(separator: " ") where token.hasPrefix("-") {
            let allowed = token.hasPrefix("-D") || token.hasPrefix("-cl-std=") || token == "-w" || token == "-Werror"
                || (token.hasPrefix("-cl-") && !numericsChangingOptions.contains(String(token)))
            if !allowed {
                findings.append(.init(code: "forbidden-option", message: "build option \(token) is not allowed (allowed: -D..., -cl-std=..., -w, -Werror and -cl-* options that keep IEEE numerics)"))
            }
        }
        return (findings.isEmpty ? OpenCLLaunch(steps: steps, buildOptions: joined) : nil, findings)
    }

    /// `text` with every whole-word occurrence of `word` (C identifier rules) replaced by `value`.
    public static func replaceWord(_ word: String, with value: String, in text: String) -> String {
        var out = "", current = ""
        func flush() { out += current == word ? value : current; current = "" }
        for ch in text {
            if ch.isLetter || ch.isNumber || ch == "_" { current.append(ch) } else { flush(); out.append(ch) }
        }
        flush()
        return out
    }

    static func splitDims(_ text: String) -> [String] {
        var out: [String] = []
        var depth = 0, current = ""
        for c in text {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == ",", depth == 0 { out.append(current); current = "" } else { current.append(c) }
        }
        out.append(current)
        return out.filter { !$0.isEmpty }
    }

    /// The plan's `launch` lines at `shape`, or a finding when the geometry is invalid for the device.
    func planLines(shape: KernelTask.Shape, maxWorkGroup: Int?) throws(VerificationError) -> (lines: String, problem: VerificationReport.Finding?) {
        var s = ""
        for step in steps {
            var g: [Int] = []
            for e in step.global { g.append(try SizeExpression(e).integer(shape)) }
            var l: [Int] = []
            for e in step.local ?? [] { l.append(try SizeExpression(e).integer(shape)) }
            let where_ = "kernel \(step.kernel) at \(shape.keys.sorted().map { "\($0)=\(shape[$0]!)" }.joined(separator: " "))"
            if g.contains(where: { $0 < 1 }) {
                return ("", .init(code: "invalid-launch", message: "global size \(g) has an empty dimension for \(where_)"))
            }
            if !l.isEmpty {
                if l.contains(where: { $0 < 1 }) { return ("", .init(code: "invalid-launch", message: "local size \(l) has an empty dimension for \(where_)")) }
                if let i = g.indices.first(where: { g[$0] % l[$0] != 0 }) {
                    return ("", .init(code: "invalid-launch", message: "global size \(g[i]) is not a multiple of local size \(l[i]) in dimension \(i) for \(where_); round it up with ceil(\(step.global[i]), \(step.local?[i] ?? "?")) and guard the extra work-items"))
                }
                let product = l.reduce(1, *)
                if let maxWorkGroup, product > maxWorkGroup {
                    return ("", .init(code: "invalid-launch", message: "work-group of \(product) work-items exceeds the device's maximum \(maxWorkGroup) for \(where_)"))
                }
            }
            while g.count < 3 { g.append(1) }
            var lp = l.isEmpty ? [0, 0, 0] : l
            while lp.count < 3 { lp.append(1) }
            s += "launch \(step.kernel) \(step.global.count) \(g[0]) \(g[1]) \(g[2]) \(lp[0]) \(lp[1]) \(lp[2])\n"
        }
        return (s, nil)
    }

    /// Source-level checks for an OpenCL candidate: printf, includes, inline asm, extensions the device lacks.
    public static func scanSource(_ source: String, deviceExtensions: Set<String>?) -> [VerificationReport.Finding] {
        var findings: [VerificationReport.Finding] = []
        let code = CSourceText.blankCommentsAndStrings(CSourceText.normalized(source))
        for (n, line) in code.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingSpaces
            if trimmed.hasPrefix("#") {
                let directive = trimmed.dropFirst().trimmingSpaces
                if directive.hasPrefix("include") {
                    findings.append(.init(code: "forbidden-include", message: "OpenCL candidates are built from one file: no #include", line: n + 1))
                }
                if directive.hasPrefix("pragma") {
                    let words = directive.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" })
                    if words.count >= 4, words[1] == "OPENCL", words[2] == "EXTENSION", let deviceExtensions {
                        let ext = String(words[3])
                        if ext != "all", !deviceExtensions.contains(ext) {
                            findings.append(.init(code: "missing-extension", message: "enables \(ext), which the device does not support", line: n + 1))
                        }
                    }
                }
                continue
            }
            for (ident, _) in CSourceText.identifiers(in: line) {
                if ident == "printf" {
                    findings.append(.init(code: "forbidden-call", message: "uses printf: output from every work-item floods the log and distorts timings", line: n + 1))
                } else if ident == "asm" || ident == "__asm__" || ident == "__asm" {
                    findings.append(.init(code: "inline-asm", message: "uses inline assembly", line: n + 1))
                }
            }
        }
        return findings
    }
}

/// One OpenCL device as `kb hw` lists and measures it.
public struct OpenCLDevice: Sendable, Codable, Hashable {
    /// Index in kb's enumeration (platform order, then device order).
    public var index: Int
    /// Stable identity: platform, name, vendor, version, driver.
    public var fingerprint: String
    /// Platform name.
    public var platform: String
    /// Device name.
    public var name: String
    /// Vendor.
    public var vendor: String
    /// gpu, cpu, accelerator, other.
    public var type: String
    /// Compute units.
    public var computeUnits: Int
    /// Maximum clock (MHz).
    public var clockMHz: Int
    /// Global memory bytes.
    public var globalMemory: Int
    /// Local memory bytes.
    public var localMemory: Int
    /// Maximum work-group size.
    public var maxWorkGroupSize: Int
    /// OpenCL version string.
    public var version: String
    /// OpenCL C version string.
    public var openCLCVersion: String
    /// Driver version.
    public var driver: String
    /// Extensions.
    public var extensions: [String]
    /// Copy bandwidth (GB/s, bytes read + written) of a float4 copy kernel.
    public var bandwidth: HardwareProfile.Measurement?
    /// FP32 FMA throughput (GFLOP/s).
    public var compute: HardwareProfile.Measurement?

    /// Speed-of-light time (seconds) on this device from its median measurements.
    public func speedOfLight(bytes: Double, flops: Double, bandwidth measured: Double? = nil) -> (seconds: Double, bound: String)? {
        guard let bw = measured ?? bandwidth?.median, let peak = compute?.median, bw > 0, peak > 0 else { return nil }
        let memory = bytes / (bw * 1e9), compute = flops / (peak * 1e9)
        return memory >= compute ? (memory, "bandwidth") : (compute, "compute")
    }

    /// The optimistic floor from the best measurements.
    public func physicalFloor(bytes: Double, flops: Double) -> Double? {
        guard let bw = bandwidth?.max, let peak = compute?.max, bw > 0, peak > 0 else { return nil }
        return max(bytes / (bw * 1e9), flops / (peak * 1e9))
    }

    /// Picks a device by index or case-insensitive name substring; nil selector: the first GPU, else the first device.
    public static func select(_ selector: String?, from devices: [OpenCLDevice]) -> OpenCLDevice? {
        guard let selector, !selector.isEmpty else { return devices.first { $0.type == "gpu" } ?? devices.first }
        if let i = Int(selector) { return devices.first { $0.index == i } }
        return devices.first { $0.name.lowercased().contains(selector.lowercased()) }
    }

    /// Parses one `device` line of the OpenCL helper's `--list` output.
    static func parse(line: Substring) -> OpenCLDevice? {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "device", let index = Int(parts[1]) else { return nil }
        var f: [String: String] = [:]
        for p in parts.dropFirst(2) {
            let kv = p.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            f[String(kv[0])] = String(kv[1]).replacingAll("\\x20", with: " ").replacingAll("\\\\", with: "\\")
        }
        let name = f["name"] ?? "?"
        let identity = [f["platform"] ?? "", name, f["vendor"] ?? "", f["version"] ?? "", f["driver"] ?? ""].joined(separator: "|")
        return OpenCLDevice(index: index, fingerprint: String(SHA256.hex(identity).prefix(16)), platform: f["platform"] ?? "", name: name,
                            vendor: f["vendor"] ?? "", type: f["type"] ?? "other", computeUnits: Int(f["compute_units"] ?? "") ?? 0,
                            clockMHz: Int(f["clock_mhz"] ?? "") ?? 0, globalMemory: Int(f["global_mem"] ?? "") ?? 0,
                            localMemory: Int(f["local_mem"] ?? "") ?? 0, maxWorkGroupSize: Int(f["max_work_group"] ?? "") ?? 0,
                            version: f["version"] ?? "", openCLCVersion: f["c_version"] ?? "", driver: f["driver"] ?? "",
                            extensions: (f["extensions"] ?? "").split(separator: " ").map(String.init), bandwidth: nil, compute: nil)
    }
}

/// Builds kb's OpenCL helper (harness + OpenCL backend, loading libOpenCL.so.1 at run time), lists and measures devices.
public struct OpenCLToolkit: Sendable {
    /// The compiler.
    public var compiler: CCompiler
    /// Cache folder for the built helper.
    public var cacheDirectory: String

    /// A toolkit building with `compiler` into `cacheDirectory`.
    public init(compiler: CCompiler, cacheDirectory: String) {
        self.compiler = compiler
        self.cacheDirectory = cacheDirectory
    }

    /// The helper executable, built once per compiler and harness version.
    public func helper() throws(VerificationError) -> String {
        let key = SHA256.hex("clhelper", EmbeddedSources.harness, EmbeddedSources.clbackend, compiler.version).prefix(20)
        let binary = "\(cacheDirectory)/opencl-helper-\(key).bin"
        if FileSystem.isExecutable(binary) { return binary }
        guard FileSystem.makeDirectories(cacheDirectory), let dir = FileSystem.temporaryDirectory(prefix: "kb-clhelper") else {
            throw .io(path: cacheDirectory, reason: "cannot create the build folder")
        }
        defer { FileSystem.removeTree(dir) }
        guard FileSystem.write(dir + "/harness.c", EmbeddedSources.harness), FileSystem.write(dir + "/clbackend.c", EmbeddedSources.clbackend) else {
            throw .io(path: dir, reason: "cannot write the OpenCL helper sources")
        }
        let r = try compiler.run(["-O2", "-std=gnu11", "harness.c", "clbackend.c", "-ldl", "-lm", "-o", "helper"], in: dir)
        guard r.succeeded else {
            if r.diagnostics.contains("CL/cl.h") {
                throw .harnessFailure("the OpenCL headers are missing (install opencl-headers, e.g. with scripts/setup.sh)")
            }
            throw .harnessFailure("kb's OpenCL helper does not compile:\n\(r.diagnostics.prefix(1500))")
        }
        guard let bytes = FileSystem.read(dir + "/helper"), FileSystem.write(binary, bytes, mode: 0o755) else {
            throw .io(path: binary, reason: "cannot write into the verification cache")
        }
        return binary
    }

    /// The OpenCL devices on this machine (empty with a reason when there are none).
    public func devices() throws(VerificationError) -> (devices: [OpenCLDevice], note: String?) {
        let helper = try helper()
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-cllist") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(dir) }
        let outcome = try ChildProcess(executable: helper, arguments: ["--list"], environment: Self.environment(cache: cacheDirectory),
                                       workingDirectory: dir, stdoutPath: dir + "/out", stderrPath: dir + "/err", timeout: 120).run()
        let text = String(decoding: FileSystem.read(dir + "/out") ?? [], as: UTF8.self)
        if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("noopencl") }) {
            return ([], String(line.dropFirst("noopencl ".count)))
        }
        guard outcome.termination == .exited(0) else {
            throw .harnessFailure("listing OpenCL devices failed (\(outcome.termination)): \(String(decoding: FileSystem.read(dir + "/err") ?? [], as: UTF8.self).prefix(400))")
        }
        return (text.split(separator: "\n").compactMap(OpenCLDevice.parse(line:)), nil)
    }

    /// Measures a device's copy bandwidth and FP32 FMA rate (only the bandwidth when `bandwidthOnly`).
    public func measure(_ device: OpenCLDevice, mebibytes: Int = 256, repetitions: Int = 7,
                        bandwidthOnly: Bool = false) throws(VerificationError) -> OpenCLDevice {
        let helper = try helper()
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-clprobe") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(dir) }
        let size = min(mebibytes, max(16, device.globalMemory / (1 << 20) / 8))
        var environment = Self.environment(cache: cacheDirectory)
        if bandwidthOnly { environment["KB_PROBE_COPY_ONLY"] = "1" }
        let outcome = try ChildProcess(executable: helper, arguments: ["--probe", String(device.index), String(size), String(repetitions)],
                                       environment: environment, workingDirectory: dir,
                                       stdoutPath: dir + "/out", stderrPath: dir + "/err", timeout: 300).run()
        guard outcome.termination == .exited(0) else {
            throw .harnessFailure("measuring OpenCL device \(device.index) (\(device.name)) failed: \(String(decoding: FileSystem.read(dir + "/out") ?? [], as: UTF8.self).prefix(300))")
        }
        var bw: [Double] = [], fl: [Double] = []
        for line in String(decoding: FileSystem.read(dir + "/out") ?? [], as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, f[0] == "bw", let v = Double(f[2]) { bw.append(v) }
            if f.count == 2, f[0] == "flops", let v = Double(f[1]) { fl.append(v) }
        }
        var d = device
        func m(_ kind: String, _ v: [Double]) -> HardwareProfile.Measurement? {
            let s = v.sorted()
            guard !s.isEmpty else { return nil }
            return .init(kind: kind, threads: device.computeUnits, median: s[s.count / 2], min: s[0], max: s[s.count - 1], samples: s.count)
        }
        d.bandwidth = m("copy", bw)
        if !bandwidthOnly { d.compute = m("fma", fl) }
        return d
    }

    /// Environment for OpenCL children: PoCL caches compiled kernels under the kb cache.
    static func environment(cache: String) -> [String: String] {
        var env = ["PATH": ProcessEnvironment.current["PATH"] ?? "/usr/bin:/bin", "LANG": "C", "POCL_CACHE_DIR": cache + "/pocl"]
        for key in ["HOME", "OCL_ICD_VENDORS", "OPENCL_VENDOR_PATH", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "POCL_DEVICES", "POCL_MAX_PTHREAD_COUNT"] {
            if let v = ProcessEnvironment.current[key] { env[key] = v }
        }
        return env
    }
}
