extension Run {
    /// The OpenCL path: the same stages as C SIMD, with kb's OpenCL helper in place of the linked candidate.
    mutating func executeOpenCL(source: String, into report: inout VerificationReport) throws(VerificationError) {
        // Stage 1: screen (source, launch header, build options, extensions, kernel names).
        var t = Clock.now()
        var findings = options.screen ? OpenCLLaunch.scanSource(source, deviceExtensions: options.device.map { Set($0.extensions) }) : []
        let (launch, launchFindings) = OpenCLLaunch.parse(source, task: task)
        findings += launchFindings
        if let launch {
            let code = CSourceText.blankCommentsAndStrings(source)
            for step in launch.steps where !Self.declaresKernel(step.kernel, in: code) {
                findings.append(.init(code: "missing-entry", message: "kb-launch names kernel \(step.kernel), but the source has no __kernel void \(step.kernel)(...)"))
            }
        }
        finish(&report, .screen, findings.contains(where: \.rejects) ? .failed : .passed, Clock.now() - t,
               "source scan (printf, includes, inline asm, extensions), kb-launch header and build options", findings)
        guard let launch, !findings.contains(where: \.rejects) else {
            skipRest(&report, after: .screen)
            return
        }
        self.launch = launch

        // Stage 2: build the program on the device, log captured.
        t = Clock.now()
        let toolkit = OpenCLToolkit(compiler: options.compiler, cacheDirectory: options.cacheDirectory)
        let helper = try toolkit.helper()
        let path = work + "/candidate.cl"
        guard FileSystem.write(path, source) else { throw .io(path: path, reason: "cannot write the candidate into the work folder") }
        var env = OpenCLToolkit.environment(cache: options.cacheDirectory)
        env["KB_CL_SOURCE"] = path
        env["KB_CL_OPTIONS"] = launch.buildOptions
        if let device = options.device { env["KB_CL_DEVICE"] = String(device.index) }
        openCLEnvironment = env
        let build = try runHarness(helper, name: "build", plan: limitsLine(addressSpace: 0, cpuSeconds: 600, fileBytes: 1 << 20, openCL: true) + "end\n",
                                   timeout: 300, openCL: env)
        for e in build.events { if case .noOpenCL(let why) = e { throw .harnessFailure("\(why): the OpenCL backend needs a platform (install pocl-opencl-icd, or a GPU driver's ICD)") } }
        let log = trimDiagnostics(build.stderr.replacingAll(path, with: displayPath))
        report.compilerOutput = log.isEmpty ? nil : log
        if build.events.contains(where: { if case .buildFailed = $0 { return true } else { return false } }) || !build.finished {
            let first = log.split(separator: "\n").first { $0.contains("error") }.map(String.init) ?? "see the build log"
            finish(&report, .compile, .failed, Clock.now() - t, "clBuildProgram on \(options.device?.name ?? "the device")",
                   [.init(code: "compile-error", message: "the OpenCL program does not build: \(first)", detail: log)])
            skipRest(&report, after: .compile)
            return
        }
        finish(&report, .compile, .passed, Clock.now() - t, "clBuildProgram on \(options.device?.name ?? "the device") (\(launch.buildOptions.isEmpty ? "no options" : launch.buildOptions))", [])

        // Stage 3: correctness against the C reference (separate child, same inputs).
        let harness = try HarnessBuilder(options: options, task: task)
        let reference = try harness.referenceBinary()
        t = Clock.now()
        let correctness = try Correctness(run: self, candidate: helper, reference: reference).check()
        finish(&report, .correctness, correctness.findings.contains(where: \.rejects) ? .failed : .passed, Clock.now() - t, correctness.summary, correctness.findings)
        if correctness.findings.contains(where: \.rejects) || !options.measurePerformance {
            skipRest(&report, after: .correctness)
            return
        }

        // Stage 4: performance from profiling events.
        t = Clock.now()
        let perf = try Performance(run: self, candidate: helper, reference: reference, harness: harness).measure()
        report.performance = perf.timings
        finish(&report, .performance, perf.findings.contains(where: \.rejects) ? .failed : .passed, Clock.now() - t, perf.summary, perf.findings)
    }

    static func declaresKernel(_ name: String, in code: String) -> Bool {
        var searchStart = code.startIndex
        while let r = code[searchStart...].firstRange(of: name) {
            searchStart = r.upperBound
            let before = code[code.startIndex..<r.lowerBound].suffix(200)
            let after = code[r.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\n" }
            let boundaryBefore = before.last.map { !($0.isLetter || $0.isNumber || $0 == "_") } ?? true
            let boundaryAfter = after.first == "("
            if boundaryBefore, boundaryAfter, before.contains("kernel") { return true }
        }
        return false
    }
}
