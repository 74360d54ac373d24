/// CPUs as kernel libraries (OpenBLAS, BLIS) name their files, with the vendor, the name in words and the SIMD the
/// name implies (`skx` → intel skylake x avx512): one table for a file's words, a query's architecture and the ISA a
/// file named for a CPU is written for.
public enum CPUNames {
    /// The words for a CPU that kernel libraries name their files after (Arm's `cortexa53` → arm cortex a53 by its
    /// pattern), or nil.
    public static func words(for piece: Substring) -> String? {
        guard piece.utf8.count >= 3 else { return nil }
        let lower = piece.lowercased()
        if let words = table[lower] { return words }
        for family in ["cortexa", "cortexx"] where lower.hasPrefix(family) && lower.count > family.count
            && lower.dropFirst(family.count).allSatisfy(\.isNumber) {
            return "arm cortex " + lower.dropFirst(family.count - 1)
        }
        return nil
    }

    /// The widest ISA of a CPU as kernel libraries name it (`skx` → avx512, `haswell` → avx2, `thunderx2` → neon), from
    /// the SIMD words of its entry; nil for another word, and for `spr`, which is also a BLAS routine (`spr_k.c`).
    public static func isa(of name: String) -> String? { isas[name.lowercased()] }

    /// `isa(of:)` for every entry, computed once.
    static let isas: [String: String] = {
        var out: [String: String] = ["firestorm": "neon"]  // BLIS's Apple M1 kernels, not in the words table
        for (name, words) in table where name != "spr" {
            let found = Set(words.split(separator: " ").compactMap { MetadataExtractor.isa(forTechnology: String($0)) })
            if let widest = MetadataExtractor.isaNames.first(where: found.contains) { out[name] = widest }
        }
        return out
    }()

    /// The CPUs, each with its vendor, its name in words and the SIMD it implies.
    static let table: [String: String] = [
        "haswell": "intel haswell avx2 fma", "broadwell": "intel broadwell avx2 fma", "skylake": "intel skylake avx2",
        "skylakex": "intel skylake x avx512", "skx": "intel skylake x avx512", "cooperlake": "intel cooper lake avx512 bf16",
        "icelake": "intel ice lake avx512", "sapphirerapids": "intel sapphire rapids avx512 amx bf16",
        "spr": "intel sapphire rapids avx512 amx bf16", "knl": "intel knights landing xeon phi avx512",
        "knc": "intel knights corner xeon phi", "sandy": "intel sandy bridge avx", "sandybridge": "intel sandy bridge avx",
        "nehalem": "intel nehalem sse4", "penryn": "intel penryn sse4", "core2": "intel core 2 ssse3",
        "zen": "amd zen avx2 fma", "zen2": "amd zen 2 avx2 fma", "zen3": "amd zen 3 avx2 fma", "zen4": "amd zen 4 avx512",
        "zen5": "amd zen 5 avx512", "bulldozer": "amd bulldozer avx fma4", "piledriver": "amd piledriver avx fma",
        "steamroller": "amd steamroller avx fma", "excavator": "amd excavator avx2 fma", "barcelona": "amd barcelona sse",
        "opteron": "amd opteron sse2", "neoversen1": "arm neoverse n1 neon", "neoversen2": "arm neoverse n2 sve2",
        "neoversev1": "arm neoverse v1 sve", "neoversev2": "arm neoverse v2 sve2", "a64fx": "fujitsu a64fx sve",
        "thunderx": "marvell cavium thunderx neon", "thunderx2t99": "marvell cavium thunderx2 neon", "thunderx2": "marvell cavium thunderx2 neon",
        "thunderx3t110": "marvell cavium thunderx3 neon", "tsv110": "huawei taishan neon", "power8": "ibm power8 vsx",
        "power9": "ibm power9 vsx", "power10": "ibm power10 mma vsx",
    ]
}
