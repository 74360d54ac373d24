import Foundation

/// What the test host's CPU can run, from `/proc/cpuinfo`: tests that run AVX-512 or AVX2 kernels use it to pick
/// kernels this machine can execute (compiling them needs no such CPU; running them does).
public enum HostISA {
    /// The CPU feature flags of the first processor listed (`flags` on x86, `Features` on Arm).
    public static let flags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") || line.hasPrefix("Features") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }()

    /// Whether the host runs the AVX-512 subsets the corpus kernels use (F, BW, DQ, VL).
    public static var hasAVX512: Bool { ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) }

    /// Whether the host runs AVX2 with FMA.
    public static var hasAVX2: Bool { ["avx2", "fma"].allSatisfy(flags.contains) }

    /// Whether a kernel source can run here: no AVX-512 intrinsics without AVX-512, no AVX intrinsics without AVX2.
    public static func canRun(source: String) -> Bool {
        if source.contains("_mm512_") || source.contains("__m512") { return hasAVX512 }
        if source.contains("_mm256_") || source.contains("__m256") { return hasAVX2 }
        return true
    }
}
