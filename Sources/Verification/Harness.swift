#if canImport(Glibc)
import Glibc
#endif

/// Builds kb's harness and a task's reference executable, cached by content hash.
struct HarnessBuilder {
    let options: VerifyOptions
    let task: KernelTask

    init(options: VerifyOptions, task: KernelTask) throws(VerificationError) {
        self.options = options
        self.task = task
        guard FileSystem.makeDirectories(options.cacheDirectory) else {
            throw .io(path: options.cacheDirectory, reason: "cannot create the verification cache folder (set XDG_CACHE_HOME or --cache-dir)")
        }
    }

    /// C source of `kb_invoke`, which calls the entry point with the harness's argument array.
    var trampoline: String {
        var params: [String] = []
        for (i, a) in task.args.enumerated() {
            switch a.kind {
            case .input, .output: params.append("a[\(i)]")
            case .size: params.append("*(const long *)a[\(i)]")
            case .scalar: params.append("*(const \(a.dtype.cType) *)a[\(i)]")
            }
        }
        return "void kb_invoke(void *const *a);\nvoid kb_invoke(void *const *a) { \(task.entry)(\(params.joined(separator: ", "))); }\n"
    }

    func writeTrampoline(in directory: String) throws(VerificationError) {
        guard FileSystem.write(directory + "/trampoline.c", trampoline) else { throw .io(path: directory, reason: "cannot write the trampoline") }
        if !FileSystem.isFile(directory + "/proto.h") {
            guard FileSystem.write(directory + "/proto.h", "#include <stddef.h>\n\(task.signature)\n") else { throw .io(path: directory, reason: "cannot write proto.h") }
        }
    }

    /// The compiled harness object (shared by all tasks), built once per compiler.
    func harnessObject() throws(VerificationError) -> String {
        let key = SHA256.hex("harness", EmbeddedSources.harness, options.compiler.version).prefix(20)
        let object = "\(options.cacheDirectory)/harness-\(key).o"
        if FileSystem.isFile(object) { return object }
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-harness") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(dir) }
        guard FileSystem.write(dir + "/harness.c", EmbeddedSources.harness) else { throw .io(path: dir, reason: "cannot write the harness") }
        let r = try options.compiler.run(["-O2", "-std=gnu11", "-c", "harness.c", "-o", "harness.o"], in: dir)
        guard r.succeeded else { throw .harnessFailure("kb's harness does not compile with \(options.compiler.version):\n\(r.diagnostics.prefix(1500))") }
        try install(dir + "/harness.o", at: object)
        return object
    }

    /// The reference linked into the harness, built once per (reference, task ABI, compiler).
    func referenceBinary() throws(VerificationError) -> String {
        let key = SHA256.hex("reference", task.reference, trampoline, task.signature, EmbeddedSources.harness, options.compiler.version).prefix(20)
        let binary = "\(options.cacheDirectory)/reference-\(task.name)-\(key).bin"
        if FileSystem.isExecutable(binary) { return binary }
        let harness = try harnessObject()
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-reference") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(dir) }
        guard FileSystem.write(dir + "/reference.c", task.reference) else { throw .io(path: dir, reason: "cannot write the reference") }
        try writeTrampoline(in: dir)
        let flags = ["-std=gnu11"] + CCompiler.optimizationFlags
        for (src, obj) in [("reference.c", "reference.o"), ("trampoline.c", "trampoline.o")] {
            let r = try options.compiler.run(flags + ["-include", "proto.h", "-c", src, "-o", obj], in: dir)
            guard r.succeeded else { throw .invalidTask(field: "\(task.location): reference.c", reason: "does not compile:\n\(r.diagnostics.prefix(1500))") }
        }
        let l = try options.compiler.run(["reference.o", "trampoline.o", harness, "-lm", "-o", "reference.bin"], in: dir)
        guard l.succeeded else { throw .invalidTask(field: "\(task.location): reference.c", reason: "does not link:\n\(l.diagnostics.prefix(1500))") }
        try install(dir + "/reference.bin", at: binary)
        return binary
    }

    private func install(_ file: String, at path: String) throws(VerificationError) {
        let tmp = path + ".tmp\(getpid())"
        guard let bytes = FileSystem.read(file) else { throw .io(path: file, reason: "cannot read a fresh build") }
        guard FileSystem.write(tmp, bytes, mode: 0o755), rename(tmp, path) == 0 else {
            unlink(tmp)
            throw .io(path: path, reason: "cannot write into the verification cache")
        }
    }
}

/// One argument line set and output layout for a harness case.
struct HarnessCase {
    var id: Int
    var shape: KernelTask.Shape
    var shapeIndex: Int
    var round: Int
    var adversarial: KernelTask.Adversarial?
    var calls: Int
    var late: Bool
    var seed: UInt64
    /// Byte size of each output argument, in argument order.
    var outputBytes: [Int]
    var argumentLines: [String]

    var label: String {
        var s = "shape \(shapeIndex + 1) (\(shapeLabel))"
        if let adversarial { s += ", adversarial inputs: \(adversarial.label)" } else { s += ", round \(round + 1)" }
        return s
    }

    var shapeLabel: String { shape.keys.sorted().map { "\($0)=\(shape[$0]!)" }.joined(separator: " ") }
    var copies: Int { calls + (late ? 1 : 0) }
    var bytesPerCopy: Int { outputBytes.reduce(0, +) }
}

/// What a harness child reported.
struct HarnessResult {
    /// An event line from the child.
    enum Event {
        case begin(Int)
        case done(Int)
        case time(Int, Int)
        case fault(Int, signal: String, fields: [String: String])
        case canary(Int, argument: Int)
        case noMemory(Int)
        case error(String)
        case end
        /// OpenCL: an API call failed (code, call).
        case openCLError(Int, code: Int, call: String)
        /// OpenCL: a canary region around an argument changed.
        case openCLCanary(Int, argument: Int, side: String)
        /// OpenCL: an input buffer changed on the device.
        case inputModified(Int, argument: Int)
        /// OpenCL: the kernel declares a different number of arguments.
        case argumentCount(Int, declared: Int, expected: Int)
        /// OpenCL: no kernel of that name in the program.
        case noKernel(Int, name: String)
        /// OpenCL: the program did not build (code).
        case buildFailed(Int)
        /// OpenCL: no platform or device.
        case noOpenCL(String)
        /// Wall-clock time of a call (OpenCL, beside the device time).
        case wall(Int, Int)
    }

    var termination: ChildProcess.Termination
    var seconds: Double
    var events: [Event]
    var stderr: String
    var dataPath: String

    var lastBegun: Int? {
        for e in events.reversed() { if case .begin(let id) = e { return id } }
        return nil
    }

    var finished: Bool { events.contains { if case .end = $0 { return true } else { return false } } }

    func times(_ id: Int) -> [Double] {
        events.compactMap { if case .time(let c, let ns) = $0, c == id { return Double(ns) / 1e6 } else { return nil } }
    }

    func wallTimes(_ id: Int) -> [Double] {
        events.compactMap { if case .wall(let c, let ns) = $0, c == id { return Double(ns) / 1e6 } else { return nil } }
    }
}

extension Run {
    /// Runs a harness binary on a plan; the plan's cases produce output copies on fd 3.
    func runHarness(_ binary: String, name: String, plan: String, timeout: Double, openCL: [String: String]? = nil) throws(VerificationError) -> HarnessResult {
        let planPath = "\(work)/\(name).plan", outPath = "\(work)/\(name).events", errPath = "\(work)/\(name).stderr", dataPath = "\(work)/\(name).data"
        guard FileSystem.write(planPath, plan) else { throw .io(path: planPath, reason: "cannot write the plan") }
        var env = ["PATH": "/usr/bin:/bin", "LANG": "C", "OMP_NUM_THREADS": String(options.threads), "OMP_STACKSIZE": "16M", "OMP_DYNAMIC": "false"]
        if let openCL { for (k, v) in openCL { env[k] = v } }
        if options.threads > 1 {
            env["OMP_PROC_BIND"] = "close"
            env["OMP_PLACES"] = "cores"
        }
        let outcome = try ChildProcess(executable: binary, environment: env, workingDirectory: work, stdinPath: planPath,
                                       stdoutPath: outPath, stderrPath: errPath, fd3Path: dataPath, timeout: timeout).run()
        var events: [HarnessResult.Event] = []
        for line in String(decoding: FileSystem.read(outPath, limit: 64 << 20) ?? [], as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let head = f.first else { continue }
            let id = f.count > 1 ? Int(f[1]) ?? -1 : -1
            switch head {
            case "begin": events.append(.begin(id))
            case "done": events.append(.done(id))
            case "time": if f.count == 3, let ns = Int(f[2]) { events.append(.time(id, ns)) }
            case "fault":
                var fields: [String: String] = [:]
                for kv in f.dropFirst(3) { let p = kv.split(separator: "=", maxSplits: 1); if p.count == 2 { fields[String(p[0])] = String(p[1]) } }
                events.append(.fault(id, signal: f.count > 2 ? String(f[2]) : "?", fields: fields))
            case "canary": events.append(.canary(id, argument: f.count > 2 ? Int(f[2].dropFirst(4)) ?? -1 : -1))
            case "nomem": events.append(.noMemory(id))
            case "error": events.append(.error(f.dropFirst().joined(separator: " ")))
            case "end": events.append(.end)
            case "clerror": events.append(.openCLError(id, code: f.count > 2 ? Int(f[2]) ?? 0 : 0, call: f.count > 3 ? String(f[3]) : "?"))
            case "clcanary":
                let arg = f.count > 2 ? Int(f[2].dropFirst(4)) ?? -1 : -1
                events.append(.openCLCanary(id, argument: arg, side: f.count > 3 ? String(f[3].dropFirst(5)) : "?"))
            case "inputmod": events.append(.inputModified(id, argument: f.count > 2 ? Int(f[2].dropFirst(4)) ?? -1 : -1))
            case "argcount": events.append(.argumentCount(id, declared: f.count > 2 ? Int(f[2]) ?? 0 : 0, expected: f.count > 3 ? Int(f[3]) ?? 0 : 0))
            case "nokernel": events.append(.noKernel(id, name: f.count > 2 ? String(f[2]) : "?"))
            case "buildfail": events.append(.buildFailed(id))
            case "noopencl": events.append(.noOpenCL(f.dropFirst().joined(separator: " ")))
            case "wall": if f.count == 3, let ns = Int(f[2]) { events.append(.wall(id, ns)) }
            default: break
            }
        }
        let stderr = String(decoding: FileSystem.read(errPath, limit: 1 << 16) ?? [], as: UTF8.self)
        return HarnessResult(termination: outcome.termination, seconds: outcome.seconds, events: events, stderr: stderr, dataPath: dataPath)
    }

    /// Argument lines for a case at `shape` (and each output's byte size).
    func argumentLines(shape: KernelTask.Shape) throws(VerificationError) -> (lines: [String], outputBytes: [Int], totalBytes: Int) {
        var lines: [String] = []
        var outputs: [Int] = []
        var total = 0
        let firstF32Input = task.args.firstIndex { $0.kind == .input && $0.dtype == .f32 }
        for (i, a) in task.args.enumerated() {
            switch a.kind {
            case .input:
                let n = try task.elementCount(of: a, shape: shape)
                total += n * a.dtype.size
                let initializer = a.initializer ?? .init(dist: "normal", mean: 0, std: 1)
                let p1: Double, p2: Double
                if initializer.dist == "normal" {
                    p1 = initializer.mean ?? 0
                    p2 = initializer.std ?? 1
                } else {
                    p1 = try initializer.low?.value(shape) ?? 0
                    p2 = try initializer.high?.value(shape) ?? 1
                }
                let adv = (a.adversarial ?? (i == firstF32Input)) ? 1 : 0
                lines.append("in \(a.dtype.rawValue) \(n) \(initializer.dist) \(p1) \(p2) \(adv)")
            case .output:
                let n = try task.elementCount(of: a, shape: shape)
                total += n * a.dtype.size
                outputs.append(n * a.dtype.size)
                lines.append("out \(a.dtype.rawValue) \(n)")
            case .size:
                let v: Double
                switch a.value {
                case .expression(let e)?: v = Double(try SizeExpression(e).integer(shape))
                case .number(let d)?: v = d
                case nil: v = 0
                }
                lines.append("val i64 \(Int(v))")
            case .scalar:
                if case .number(let d)? = a.value { lines.append("val \(a.dtype.rawValue) \(d)") } else { lines.append("val \(a.dtype.rawValue) 0") }
            }
        }
        return (lines, outputs, total)
    }

    /// A per-case seed derived from the verification seed.
    func caseSeed(_ id: Int) -> UInt64 {
        var z = seed &+ UInt64(id + 1) &* 0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return (z ^ (z >> 31)) >> 1
    }

    /// The `limits` plan line. OpenCL drivers reserve huge virtual address ranges, so the address-space limit
    /// is lifted for the OpenCL helper (time limits, the file-size limit and the process group still apply).
    func limitsLine(addressSpace: Int, cpuSeconds: Int, fileBytes: Int, threads: Int? = nil, openCL: Bool = false) -> String {
        let space = openCL ? 1 << 46 : addressSpace
        let files = openCL ? fileBytes + (256 << 20) : fileBytes
        return "limits \(space) \(cpuSeconds) \(files) \(threads ?? options.threads) 1\nseccomp \(options.sandbox ? 1 : 0)\n" + (openCL ? "backend\n" : "")
    }
}
