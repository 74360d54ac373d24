/// The correctness stage: every test shape × fresh-input rounds, adversarial inputs, determinism and
/// late-write checks, in sandboxed children; outputs judged here against the reference child's.
struct Correctness {
    let run: Run
    let candidate: String
    let reference: String

    struct Outcome {
        var findings: [VerificationReport.Finding]
        var summary: String
    }

    var task: KernelTask { run.task }

    /// The plan's cases: round 0 of each shape calls the kernel 3 times (determinism) and re-reads late.
    func cases() throws(VerificationError) -> [HarnessCase] {
        var out: [HarnessCase] = []
        var id = 0
        for (s, shape) in task.testShapes.enumerated() {
            let args = try run.argumentLines(shape: shape)
            for round in 0..<max(1, run.options.rounds) {
                out.append(HarnessCase(id: id, shape: shape, shapeIndex: s, round: round, adversarial: nil, calls: round == 0 ? 3 : 1,
                                       late: round == 0, seed: run.caseSeed(id), outputBytes: args.outputBytes, argumentLines: args.lines))
                id += 1
            }
        }
        for adversarial in task.adversarial ?? [] {
            for (s, shape) in task.testShapes.enumerated() {
                let args = try run.argumentLines(shape: shape)
                out.append(HarnessCase(id: id, shape: shape, shapeIndex: s, round: 0, adversarial: adversarial, calls: 1, late: false,
                                       seed: run.caseSeed(id), outputBytes: args.outputBytes, argumentLines: args.lines))
                id += 1
            }
        }
        return out
    }

    func plan(_ cases: [HarnessCase], forReference: Bool, limits: String, launches: [Int: String] = [:]) -> String {
        var s = limits
        for c in cases {
            if !forReference, let l = launches[c.shapeIndex] { s += l }
            let kind: Int, value: Double, noise: Double
            switch c.adversarial?.kind {
            case "offset"?: (kind, value, noise) = (1, c.adversarial?.value ?? 0, 0)
            case "scale"?: (kind, value, noise) = (2, c.adversarial?.value ?? 1, 0)
            case "constant"?: (kind, value, noise) = (3, c.adversarial?.value ?? 0, c.adversarial?.noise ?? 0)
            case "zeros"?: (kind, value, noise) = (4, 0, 0)
            default: (kind, value, noise) = (0, 0, 0)
            }
            let calls = forReference ? 1 : c.calls
            let late = forReference ? 0 : (c.late ? 1 : 0)
            s += "case \(c.id) \(c.seed) \(calls) \(run.options.lateCheckMilliseconds) \(kind) \(value) \(noise) \(late) \(c.argumentLines.count)\n"
            s += c.argumentLines.joined(separator: "\n") + "\n"
        }
        return s + "end\n"
    }

    func check() throws(VerificationError) -> Outcome {
        let cases = try cases()
        var maxCaseBytes = 0
        for c in cases { maxCaseBytes = max(maxCaseBytes, try run.argumentLines(shape: c.shape).totalBytes) }
        let addressSpace = maxCaseBytes * 2 + (2 << 30)
        let candidateData = cases.reduce(0) { $0 + $1.bytesPerCopy * $1.copies }
        let referenceData = cases.reduce(0) { $0 + $1.bytesPerCopy }

        // The reference: trusted, but still a child (and its run time scales the candidate's limit).
        let refRun = try run.runHarness(reference, name: "reference", plan: plan(cases, forReference: true,
                                        limits: run.limitsLine(addressSpace: addressSpace, cpuSeconds: 600, fileBytes: referenceData + (1 << 20))), timeout: 600)
        guard refRun.finished, refRun.termination == .exited(0) else {
            throw .harnessFailure("the reference failed on the test shapes (\(refRun.termination)): \(refRun.events.compactMap { if case .error(let e) = $0 { e } else { nil } }.joined(separator: "; ")) \(refRun.stderr.prefix(400))")
        }
        var launches: [Int: String] = [:]
        if let launch = run.launch {
            for (i, shape) in task.testShapes.enumerated() {
                let (lines, problem) = try launch.planLines(shape: shape, maxWorkGroup: run.options.device?.maxWorkGroupSize)
                if let problem { return Outcome(findings: [problem], summary: "launch geometry") }
                launches[i] = lines
            }
        }
        let isOpenCL = run.launch != nil
        let timeout = max(isOpenCL ? 60 : 15, refRun.seconds * 30)
        let candRun = try run.runHarness(candidate, name: "candidate", plan: plan(cases, forReference: false,
                                         limits: run.limitsLine(addressSpace: addressSpace, cpuSeconds: Int(timeout) * max(run.options.threads, 16) + 5,
                                                                fileBytes: candidateData + (1 << 20), openCL: isOpenCL), launches: launches),
                                         timeout: timeout, openCL: isOpenCL ? run.openCLEnvironment : nil)
        let summary = "\(task.testShapes.count) test shapes × \(run.options.rounds) fresh-input rounds, \((task.adversarial ?? []).count) adversarial input sets, "
            + (isOpenCL ? "determinism (3 calls) and late-write checks; canary regions around every device buffer, inputs read back, child process"
                        : "determinism (3 calls) and late-write checks; guard pages, read-only inputs, sandboxed child")
        if let failure = Self.processFailure(candRun, cases: cases, task: task, timeout: timeout) {
            return Outcome(findings: [failure], summary: summary)
        }
        guard let candData = FileSystem.read(candRun.dataPath), let refData = FileSystem.read(refRun.dataPath) else {
            throw .harnessFailure("cannot read the outputs the children wrote")
        }
        guard candData.count == candidateData, refData.count == referenceData else {
            return Outcome(findings: [.init(code: "harness-tampered", message: "the candidate's process returned \(candData.count) output bytes, expected \(candidateData): the harness's state was corrupted")], summary: summary)
        }
        var candOffset = 0, refOffset = 0
        let outputs = task.args.filter { $0.kind == .output }
        for c in cases {
            let want = refData[refOffset..<(refOffset + c.bytesPerCopy)]
            refOffset += c.bytesPerCopy
            var copies: [ArraySlice<UInt8>] = []
            for _ in 0..<c.copies {
                copies.append(candData[candOffset..<(candOffset + c.bytesPerCopy)])
                candOffset += c.bytesPerCopy
            }
            // 1. The first call against the reference.
            if let finding = try Comparison.compare(task: task, outputs: outputs, testCase: c, got: copies[0], want: want) {
                return Outcome(findings: [finding], summary: summary)
            }
            // 2. Repeated calls bitwise equal.
            for k in 1..<c.calls where copies[k] != copies[0] {
                let at = try Comparison.firstDifference(task: task, outputs: outputs, testCase: c, a: copies[0], b: copies[k])
                return Outcome(findings: [.init(code: "nondeterministic", message: "call \(k + 1) on the same inputs gave different bits than call 1 (\(at)); results must be deterministic (fixed reduction order, no races)", detail: c.label)], summary: summary)
            }
            // 3. Nothing changes after return.
            if c.late, copies[c.copies - 1] != copies[c.calls - 1] {
                let at = try Comparison.firstDifference(task: task, outputs: outputs, testCase: c, a: copies[c.calls - 1], b: copies[c.copies - 1])
                return Outcome(findings: [.init(code: "late-write", message: "the output changed \(run.options.lateCheckMilliseconds) ms after the kernel returned (\(at)): work is still running after the call", detail: c.label)], summary: summary)
            }
        }
        return Outcome(findings: [], summary: summary + "; \(cases.count) cases passed")
    }

    /// Turns a child that did not finish into a finding naming the case, the buffer and what to do.
    static func processFailure(_ r: HarnessResult, cases: [HarnessCase], task: KernelTask, timeout: Double) -> VerificationReport.Finding? {
        let current = r.lastBegun.flatMap { id in cases.first { $0.id == id } }
        let whereText = current.map { "on \($0.label)" } ?? "before the first call"
        for e in r.events {
            switch e {
            case .fault(_, let signal, let fields):
                return faultFinding(signal: signal, fields: fields, task: task, whereText: whereText)
            case .canary(_, let arg):
                let name = arg >= 0 && arg < task.args.count ? task.args[arg].name : "an output"
                return .init(code: "out-of-bounds-write", message: "wrote before the start of \(name) (the bytes in front of it changed) \(whereText); check the index arithmetic of the first elements", detail: current?.label)
            case .noMemory:
                return .init(code: "harness-failure", message: "kb could not allocate the buffers \(whereText)")
            case .openCLCanary(_, let arg, let side):
                let name = arg >= 0 && arg < task.args.count ? task.args[arg].name : "a buffer"
                return .init(code: "out-of-bounds-write", message: "wrote \(side == "after" ? "past the end of" : "before the start of") \(name) (the canary region around it changed) \(whereText); guard work-items beyond the problem size (if (i >= n) return;)", detail: current?.label)
            case .inputModified(_, let arg):
                let name = arg >= 0 && arg < task.args.count ? task.args[arg].name : "an input"
                return .init(code: "input-modified", message: "changed input \(name) on the device \(whereText); inputs are read-only (__global const)", detail: current?.label)
            case .argumentCount(_, let declared, let expected):
                return .init(code: "signature-mismatch", message: "the kernel declares \(declared) arguments; the task passes \(expected) (\(task.args.map(\.name).joined(separator: ", ")), in that order)")
            case .noKernel(_, let name):
                return .init(code: "missing-entry", message: "the program has no kernel named \(name) (named in kb-launch)")
            case .openCLError(_, let code, let call):
                let known: [Int: String] = [-54: "CL_INVALID_WORK_GROUP_SIZE", -55: "CL_INVALID_WORK_ITEM_SIZE", -5: "CL_OUT_OF_RESOURCES",
                                            -4: "CL_MEM_OBJECT_ALLOCATION_FAILURE", -52: "CL_INVALID_KERNEL_ARGS", -51: "CL_INVALID_ARG_SIZE",
                                            -36: "CL_INVALID_COMMAND_QUEUE", -53: "CL_INVALID_WORK_DIMENSION", -63: "CL_INVALID_GLOBAL_WORK_SIZE"]
                let name = known[code] ?? "error \(code)"
                let launchProblem = [-54, -55, -53, -63].contains(code)
                return .init(code: launchProblem ? "invalid-launch" : "opencl-error",
                             message: "\(call) failed with \(name) \(whereText)\(launchProblem ? ": check the kb-launch geometry against the kernel's reqd_work_group_size and the device limits" : "")",
                             detail: current?.label)
            case .buildFailed:
                return .init(code: "compile-error", message: "the OpenCL program did not build")
            case .noOpenCL(let why):
                return .init(code: "harness-failure", message: why)
            case .error(let text):
                return .init(code: "harness-tampered", message: "the harness reported '\(text)' \(whereText): the candidate corrupted the process")
            default: continue
            }
        }
        switch r.termination {
        case .timedOut:
            return .init(code: "timeout", message: "did not finish within \(Int(timeout)) s \(whereText) (an infinite loop, or far slower than the reference)", detail: current?.label)
        case .signaled(let sig):
            let name = sig == SIGKILL_ ? "SIGKILL" : sig == SIGXCPU_ ? "SIGXCPU (CPU-time limit)" : "signal \(sig)"
            return .init(code: sig == SIGXCPU_ ? "timeout" : "crash", message: "the process died from \(name) \(whereText)", detail: current?.label)
        case .exited(let status) where status != 0:
            return .init(code: "crash", message: "the process exited with status \(status) \(whereText)", detail: current?.label)
        default:
            if !r.finished { return .init(code: "harness-tampered", message: "the process exited without finishing the plan \(whereText)") }
            return nil
        }
    }

    static let SIGKILL_: Int32 = 9
    static let SIGXCPU_: Int32 = 24

    static func faultFinding(signal: String, fields: [String: String], task: KernelTask, whereText: String) -> VerificationReport.Finding {
        if signal == "SIGSYS" {
            let nr = Int(fields["syscall"] ?? "") ?? -1
            return .init(code: "forbidden-syscall", message: "made system call \(Syscalls.name(nr)) (\(nr)) \(whereText), which the sandbox refuses; a kernel only computes")
        }
        if signal == "SIGSEGV" || signal == "SIGBUS", let argText = fields["arg"], let arg = Int(argText), arg >= 0, arg < task.args.count {
            let a = task.args[arg]
            let isWrite = fields["access"] == "write"
            let place = fields["where"] ?? "inside"
            let offset = Int(fields["offset"] ?? "0") ?? 0
            if place == "inside", a.kind == .input {
                return .init(code: "input-modified", message: "wrote into input \(a.name) \(whereText); inputs are read-only (const), write results only to the outputs")
            }
            let elem = a.dtype.size
            let side = place == "after" ? "past the end of" : "before the start of"
            let distance = place == "after" ? "element \(offset / elem) after the last" : "\(max(1, (offset + elem - 1) / elem)) element(s) before the first"
            return .init(code: isWrite ? "out-of-bounds-write" : "out-of-bounds-read",
                         message: "\(isWrite ? "wrote" : "read") \(side) \(a.name) (\(distance)) \(whereText); handle the tail with masked or scalar loads/stores, never a full vector past the end")
        }
        switch signal {
        case "SIGSEGV", "SIGBUS":
            return .init(code: "crash", message: "segmentation fault at an address outside every buffer \(whereText) (a null or wild pointer, a stack overflow from a large local array, or a failed allocation under the memory limit)")
        case "SIGFPE":
            return .init(code: "crash", message: "arithmetic exception \(whereText) (integer division by zero?)")
        case "SIGILL":
            return .init(code: "crash", message: "illegal instruction \(whereText): the code uses an instruction this CPU lacks")
        case "SIGABRT":
            return .init(code: "crash", message: "aborted \(whereText)")
        default:
            return .init(code: "crash", message: "died from \(signal) \(whereText)")
        }
    }
}

/// Element-wise comparison of output bytes.
enum Comparison {
    static let unwrittenF32: UInt32 = 0x7FC0_DEAD
    static let unwrittenI32: UInt32 = 0xA5A5_A5A5
    static let unwrittenI64: UInt64 = 0xA5A5_A5A5_A5A5_A5A5

    /// The first violation of the task's tolerance in `got` against `want`, as a finding (nil when all pass).
    static func compare(task: KernelTask, outputs: [KernelTask.Argument], testCase c: HarnessCase,
                        got: ArraySlice<UInt8>, want: ArraySlice<UInt8>) throws(VerificationError) -> VerificationReport.Finding? {
        var offset = 0
        let atol = task.tolerance.atol, rtol = task.tolerance.rtol
        for (k, a) in outputs.enumerated() {
            let bytes = c.outputBytes[k]
            let g = got.dropFirst(offset).prefix(bytes), w = want.dropFirst(offset).prefix(bytes)
            offset += bytes
            let n = bytes / a.dtype.size
            var bad = 0, unwritten = 0, firstBad = -1, worst = -1
            var worstError = 0.0
            var firstGot = 0.0, firstWant = 0.0
            g.withContiguousStorageIfAvailable { gp in
                w.withContiguousStorageIfAvailable { wp in
                    let graw = UnsafeRawBufferPointer(gp), wraw = UnsafeRawBufferPointer(wp)
                    for i in 0..<n {
                        var ok = true, isUnwritten = false
                        var gv = 0.0, wv = 0.0
                        switch a.dtype {
                        case .f32:
                            let gb = graw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                            let wb = wraw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                            gv = Double(Float(bitPattern: gb)); wv = Double(Float(bitPattern: wb))
                            if gb == unwrittenF32 && wb != unwrittenF32 { ok = false; isUnwritten = true }
                            else if wv.isNaN { ok = gv.isNaN }
                            else if wv.isInfinite { ok = gv == wv }
                            else if gv.isNaN || gv.isInfinite { ok = false }
                            else {
                                let err = abs(gv - wv)
                                ok = err <= atol + rtol * abs(wv)
                                if !ok, err > worstError { worstError = err; worst = i }
                            }
                        case .i32:
                            let gb = graw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                            let wb = wraw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                            gv = Double(Int32(bitPattern: gb)); wv = Double(Int32(bitPattern: wb))
                            ok = gb == wb; isUnwritten = gb == unwrittenI32
                        case .i64:
                            let gb = graw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                            let wb = wraw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                            gv = Double(Int64(bitPattern: gb)); wv = Double(Int64(bitPattern: wb))
                            ok = gb == wb; isUnwritten = gb == unwrittenI64
                        }
                        if !ok {
                            bad += 1
                            if isUnwritten { unwritten += 1 }
                            if firstBad < 0 { firstBad = i; firstGot = gv; firstWant = wv }
                        }
                    }
                }
            }
            guard bad > 0 else { continue }
            let dims = try task.dimensions(of: a, shape: c.shape)
            let at = coordinates(firstBad, dims: dims, name: a.name)
            if unwritten == bad {
                return .init(code: "unwritten-output", message: "left \(unwritten) of \(n) elements of \(a.name) unwritten, first \(at), on \(c.label); every output element must be written on every call", detail: c.label)
            }
            var message = "\(a.name) differs from the reference \(at) on \(c.label): got \(fmt(firstGot)), want \(fmt(firstWant))"
            if a.dtype == .f32 {
                message += " (tolerance \(fmt(atol)) + \(fmt(rtol))·|want|)"
                if worst >= 0 { message += "; max |error| \(fmt(worstError)) \(coordinates(worst, dims: dims, name: a.name))" }
            }
            message += "; \(bad) of \(n) elements wrong"
            if unwritten > 0 { message += " (\(unwritten) never written)" }
            return .init(code: "wrong-result", message: message, detail: c.label)
        }
        return nil
    }

    /// Where two output copies first differ, as text.
    static func firstDifference(task: KernelTask, outputs: [KernelTask.Argument], testCase c: HarnessCase,
                                a: ArraySlice<UInt8>, b: ArraySlice<UInt8>) throws(VerificationError) -> String {
        var offset = 0
        for (k, arg) in outputs.enumerated() {
            let bytes = c.outputBytes[k]
            let x = Array(a.dropFirst(offset).prefix(bytes)), y = Array(b.dropFirst(offset).prefix(bytes))
            offset += bytes
            if let i = x.indices.first(where: { x[$0] != y[$0] }) {
                return "first at \(arg.name) " + coordinates(i / arg.dtype.size, dims: try task.dimensions(of: arg, shape: c.shape), name: arg.name)
            }
        }
        return "somewhere"
    }

    static func coordinates(_ index: Int, dims: [Int], name: String) -> String {
        guard dims.count > 1 else { return "at index \(index)" }
        var rest = index
        var coords: [Int] = []
        for d in dims.reversed() { coords.append(rest % max(d, 1)); rest /= max(d, 1) }
        let c = Array(coords.reversed())
        if dims.count == 2 { return "at row \(c[0]), col \(c[1])" }
        return "at [" + c.map(String.init).joined(separator: ", ") + "]"
    }

    static func fmt(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == 0 { return "0" }
        if abs(v) >= 1e-3 && abs(v) < 1e6 {
            let r = (v * 1e6).rounded() / 1e6
            return "\(r)"
        }
        return "\(Float(v))"
    }
}

/// x86-64 system call names for sandbox reports.
enum Syscalls {
    static let names: [Int: String] = [
        0: "read", 1: "write", 2: "open", 3: "close", 4: "stat", 5: "fstat", 8: "lseek", 9: "mmap", 16: "ioctl", 21: "access", 22: "pipe",
        32: "dup", 33: "dup2", 39: "getpid", 41: "socket", 42: "connect", 49: "bind", 56: "clone", 57: "fork", 58: "vfork", 59: "execve",
        60: "exit", 61: "wait4", 62: "kill", 72: "fcntl", 76: "truncate", 82: "rename", 83: "mkdir", 84: "rmdir", 85: "creat", 86: "link",
        87: "unlink", 90: "chmod", 101: "ptrace", 157: "prctl", 160: "setrlimit", 200: "tkill", 257: "openat", 263: "unlinkat",
        293: "pipe2", 302: "prlimit64", 317: "seccomp", 319: "memfd_create", 322: "execveat", 435: "clone3",
    ]

    static func name(_ nr: Int) -> String { names[nr] ?? "#\(nr)" }
}
