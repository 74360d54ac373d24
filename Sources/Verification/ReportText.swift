/// Human-readable renderings of verification results and hardware profiles.
public enum ReportText {
    /// A verification report as a readable block of text.
    public static func render(_ r: VerificationReport) -> String {
        var s = "kb verify: \(r.task) (\(r.backend)) \(r.candidate)\n"
        let runs = r.backend == "opencl" ? "device \(r.compiler)" : "\(r.threads) thread(s), \(r.compiler)"
        s += "  \(runs), \(r.flags.joined(separator: " "))\(r.cached ? " — cached result" : "")\n"
        for stage in r.stages {
            let mark = stage.verdict == .passed ? "PASS" : stage.verdict == .failed ? "FAIL" : "skip"
            s += "  [\(mark)] \(stage.stage.rawValue.padding(11)) \(fmt(stage.seconds, 2)) s  \(stage.summary)\n"
            for f in stage.findings {
                let line = f.line.map { ":\($0)" } ?? ""
                s += "         \(f.rejects ? "✗" : "!") \(f.code)\(line.isEmpty ? "" : " (line\(line.dropFirst()))"): \(f.message)\n"
            }
        }
        if !r.performance.isEmpty {
            s += "\n  shape                  median ms   p10–p90 ms     GB/s  GFLOP/s   baseline ms  speedup   SOL ms   %SOL  SOL score\n"
            for p in r.performance {
                s += "  " + p.label.padding(22) + " " + fmt(p.medianMs, 3).leftPad(9) + "   " + "\(fmt(p.p10Ms, 2))–\(fmt(p.p90Ms, 2))".padding(12)
                s += fmt(p.gbPerSecond, 1).leftPad(7) + fmt(p.gflopPerSecond, 1).leftPad(9)
                s += (p.baselineMs.map { fmt($0, 2) } ?? "-").leftPad(14) + (p.speedup.map { fmt($0, 2) + "×" } ?? "-").leftPad(9)
                s += (p.solMs.map { fmt($0, 3) } ?? "-").leftPad(9) + (p.solFraction.map { fmt($0 * 100, 1) } ?? "-").leftPad(7)
                s += (p.solScore.map { fmt($0, 3) } ?? "-").leftPad(11) + (p.noisy ? "  (noisy)" : "") + "\n"
            }
            if r.performance.contains(where: { $0.solMs == nil }) { s += "  (no speed of light: run `kb hw` to measure this machine)\n" }
            if let p = r.performance.first(where: { $0.solBandwidthGbPerSecond != nil }), let bw = p.solBandwidthGbPerSecond {
                let source = p.solBandwidthSource == "beside-kernel" ? "copy bandwidth measured right before and after the timed runs"
                                                                     : "copy bandwidth from the hardware profile"
                s += "  SOL from \(fmt(bw, 1)) GB/s (\(source))\n"
            }
        }
        if !r.vectorizerRemarks.isEmpty, r.verdict == .accepted || r.rejectedAt == .performance {
            s += "\n  vectorizer remarks:\n" + r.vectorizerRemarks.prefix(6).map { "    \($0)\n" }.joined()
        }
        if let out = r.compilerOutput, r.rejectedAt == .compile {
            s += "\n  compiler output:\n" + out.split(separator: "\n").prefix(20).map { "    \($0)\n" }.joined()
        }
        s += "\n  verdict: \(r.verdict.rawValue.uppercased())"
        if let stage = r.rejectedAt, let code = r.code { s += " at \(stage.rawValue) (\(code))" }
        s += " in \(fmt(r.seconds, 2)) s, seed \(r.seed)\n"
        return s
    }

    /// A hardware profile as a table.
    public static func render(_ p: HardwareProfile) -> String {
        var s = "\(p.cpu)\n  fingerprint \(p.fingerprint); \(p.logicalCPUs) logical CPUs; widest ISA \(p.isa)\n"
        s += "  features: \(p.features.joined(separator: " "))\n"
        for c in p.caches { s += "  L\(c.level) \(c.type.lowercased()): \(HardwareProfile.bytes(c.bytes)) × \(c.instances)\n" }
        s += "  memory: \(HardwareProfile.bytes(p.memoryBytes)); compiler: \(p.compiler)\n"
        if !p.measuredAt.isEmpty {
            s += "\n  measure                threads    median       min       max\n"
            for m in p.bandwidth + p.compute {
                let unit = m.kind == "fma" ? "GFLOP/s" : "GB/s"
                s += "  " + "\(m.kind) (\(unit))".padding(22) + String(m.threads).leftPad(8) + fmt(m.median, 1).leftPad(10) + fmt(m.min, 1).leftPad(10) + fmt(m.max, 1).leftPad(10) + "\n"
            }
            if let devices = p.openCLDevices {
                s += "\n  OpenCL devices\(devices.isEmpty ? ": " + (p.openCLNote ?? "none") : ""):\n"
                for d in devices {
                    s += "  [\(d.index)] \(d.name) — \(d.type), \(d.platform); \(d.version); C: \(d.openCLCVersion); driver \(d.driver)\n"
                    s += "      \(d.computeUnits) compute units @ \(d.clockMHz) MHz; global \(HardwareProfile.bytes(d.globalMemory)), local \(HardwareProfile.bytes(d.localMemory)); max work-group \(d.maxWorkGroupSize); \(d.extensions.count) extensions\n"
                    if let b = d.bandwidth { s += "      copy bandwidth \(fmt(b.median, 1)) GB/s (min \(fmt(b.min, 1)), max \(fmt(b.max, 1)))" }
                    if let c = d.compute { s += "; FP32 FMA \(fmt(c.median, 1)) GFLOP/s (min \(fmt(c.min, 1)), max \(fmt(c.max, 1)))" }
                    s += "\n"
                }
            }
            s += "\n  measured \(p.measuredAt) in \(fmt(p.seconds, 1)) s; speed of light uses the median copy (regular stores) and fma rows\n"
        }
        return s
    }

    static func fmt(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (v * scale).rounded() / scale
        var text = "\(r)"
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        } else if digits > 0 {
            text += "." + String(repeating: "0", count: digits)
        }
        if text.contains("e") { return "\(Float(v))" }
        return text
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    func leftPad(_ width: Int) -> String { count >= width ? " " + self : String(repeating: " ", count: width - count) + self }
}
