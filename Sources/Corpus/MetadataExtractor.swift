import Foundation

/// Infers chunk metadata (intrinsics, ISA, features, op tags) from text.
public enum MetadataExtractor {
    /// Op tags and the phrases that signal them (matched on lower-cased text).
    static let opPhrases: [(op: String, phrases: [String])] = [
        ("layernorm", ["layernorm", "layer_norm", "layer norm", "layer-norm"]),
        ("rmsnorm", ["rmsnorm", "rms_norm", "rms norm", "root mean square norm"]),
        ("log_softmax", ["log_softmax", "logsoftmax", "log-softmax", "log softmax"]),
        ("softmax", ["softmax", "soft_max", "soft max"]),
        ("gemm", ["matmul", "gemm", "sgemm", "matrix multipl", "mat_mul"]),
        ("matvec", ["matvec", "gemv", "matrix-vector", "matrix vector"]),
        ("reduction", ["reduction", "reduce", "row_sum", "rowsum", "row sum", "row_max", "argmax", "horizontal sum"]),
        ("argmax", ["argmax"]),
        ("transpose", ["transpose"]),
        ("activation", ["gelu", "silu", "relu", "sigmoid", "swish", "activation"]),
        ("gelu", ["gelu"]),
        ("silu", ["silu", "swish"]),
        ("convolution", ["conv2d", "convolution", "conv_2d", "im2col"]),
        ("scan", ["cumsum", "prefix sum", "prefix_sum", "inclusive scan", "exclusive scan", "scan"]),
        ("pooling", ["maxpool", "max_pool", "max pooling", "avgpool", "pooling"]),
        ("cross_entropy", ["cross_entropy", "cross-entropy", "cross entropy", "crossentropy"]),
        ("l2norm", ["l2_norm", "l2norm", "l2 norm", "l2_normalize", "l2 normalization"]),
        ("attention", ["attention", "attn"]),
        ("copy", ["memcpy", "stream copy", "copy kernel"]),
        ("topk", ["topk", "top_k", "top-k"]),
        ("rope", ["rotary", "rope_", "_rope"]),
        ("groupnorm", ["group_norm", "groupnorm", "group norm"]),
        ("batchnorm", ["batch_norm", "batchnorm", "batch norm"]),
        ("quantize", ["quantiz"]),
    ]

    /// `opPhrases` as bytes, made once.
    static let opPhraseBytes: [(op: String, phrases: [[UInt8]])] = opPhrases.map { ($0.op, $0.phrases.map { Array($0.utf8) }) }

    /// Op tags for a chunk: a phrase in `heading` (title, symbol, path) scores three, each body match one (at most
    /// three); a tag needs a score of three, so a passing mention (a `Transpose` parameter) does not tag a chunk.
    public static func ops(heading: String, body: String) -> [String] {
        guard let counter = opCounter else { return opsBySearch(heading: heading, body: body) }
        let inHeading = counter.counts(in: heading, cap: 1), inBody = counter.counts(in: body, cap: 3)
        var tags: [String] = []
        for (op, phrases) in opPhraseIndices {
            var score = 0
            for p in phrases { score += 3 * Int(inHeading[p]) + Int(inBody[p]) }
            if score >= 3 { tags.append(op) }
        }
        return tags
    }

    /// The norm-family op tags: a chunk with one of them needs no `layernormByContent`.
    static let normTags: Set<String> = ["layernorm", "rmsnorm", "groupnorm", "batchnorm", "l2norm"]

    /// Whether a definition whose name says only `norm` (ggml's `ggml_compute_forward_norm_f32`, `norm_f32`) is a layer
    /// normalization by what its body computes: a mean and a variance (an RMS norm computes no variance). Nothing
    /// else tagged it, so `--op layernorm` missed it.
    static func layernormByContent(symbol: String, body: String, ops: [String]) -> Bool {
        guard !ops.contains(where: { normTags.contains($0) }) else { return false }
        let words = Tokens.subwords(of: Substring(symbol)).map { $0.lowercased() }
        guard words.contains("norm") || words.contains("normalize") || words.contains("normalization") else { return false }
        let b = ByteHaystack(body, lowercase: true)
        return b.contains("mean") && b.contains("variance")
    }

    /// Every distinct op phrase once (several ops share one), and each op's phrases as indices into that list.
    static let (opPhraseList, opPhraseIndices): ([String], [(op: String, phrases: [Int])]) = {
        var list: [String] = [], index: [String: Int] = [:]
        let perOp = opPhrases.map { entry in
            (op: entry.op, phrases: entry.phrases.map { phrase in
                if let i = index[phrase] { return i }
                index[phrase] = list.count
                list.append(phrase)
                return list.count - 1
            })
        }
        return (list, perOp)
    }()

    /// All op phrases counted in one pass over a text (nil only if it could not be built: `opsBySearch` then).
    static let opCounter = PhraseCounter(opPhraseList)

    /// `ops(heading:body:)` by searching each phrase separately: the same tags, several times slower on a chunk
    /// (kept as the fallback and as the reference the tests hold the one-pass count to).
    static func opsBySearch(heading: String, body: String) -> [String] {
        let h = ByteHaystack(heading, lowercase: true), b = ByteHaystack(body, lowercase: true)
        var tags: [String] = []
        for (op, phrases) in opPhraseBytes {
            var score = 0
            for p in phrases {
                score += 3 * h.occurrences(p, cap: 1)
                score += b.occurrences(p, cap: 3)
                if score >= 3 { break }
            }
            if score >= 3 { tags.append(op) }
        }
        return tags
    }

    /// Calls `visit` with each identifier of C-family code outside comments (`// ...` to the line's end, `/* ... */`),
    /// and string or character literals, as the range of its bytes in `bytes`, until `visit` returns false.
    static func forEachCodeIdentifier(_ bytes: UnsafeBufferPointer<UInt8>, _ visit: (Range<Int>) -> Bool) {
        @inline(__always) func isStart(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 || b == 95 }
        @inline(__always) func isPart(_ b: UInt8) -> Bool { isStart(b) || (b >= 48 && b <= 57) }
        var i = 0
        while i < bytes.count {
            if skipCommentOrLiteral(bytes, at: &i) { continue }
            guard isStart(bytes[i]), i == 0 || !isPart(bytes[i - 1]) else { i += 1; continue }
            var j = i
            while j < bytes.count, isPart(bytes[j]) { j += 1 }
            guard visit(i..<j) else { return }
            i = j
        }
    }

    /// Whether the identifier ending just before `end` is a character literal's encoding prefix: `L`, `u`, `U` or `u8`.
    static func isEncodingPrefix(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Bool {
        var start = end
        while start > 0, (bytes[start - 1] | 0x20) >= 97 && (bytes[start - 1] | 0x20) <= 122 || bytes[start - 1] == 95
            || (bytes[start - 1] >= 48 && bytes[start - 1] <= 57) { start -= 1 }
        switch end - start {
        case 1: return bytes[start] == UInt8(ascii: "L") || bytes[start] == UInt8(ascii: "u") || bytes[start] == UInt8(ascii: "U")
        case 2: return bytes[start] == UInt8(ascii: "u") && bytes[start + 1] == UInt8(ascii: "8")
        default: return false
        }
    }

    /// Whether an identifier's bytes are a loop keyword: `for`, `while`, or also `do` when `orDo`.
    @inline(__always) static func isLoopKeyword(_ token: UnsafeBufferPointer<UInt8>, orDo: Bool) -> Bool {
        (token.count == 3 && token.elementsEqual("for".utf8)) || (token.count == 5 && token.elementsEqual("while".utf8))
            || (orDo && token.count == 2 && token.elementsEqual("do".utf8))
    }

    /// Whether C-family code has a loop of its own: a `for`, `while` or `do` keyword outside comments and string or
    /// character literals.
    public static func hasLoop(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes -> Bool in
            var loop = false
            forEachCodeIdentifier(bytes) { range in
                loop = isLoopKeyword(UnsafeBufferPointer(rebasing: bytes[range]), orDo: true)
                return !loop
            }
            return loop
        }
    }

    /// Skips the comment (`//`, `/* */`) or string or character literal that starts at `i`, if one does, and says
    /// whether it did. Literals run to their closing quote or the line's end (`"... for int8 inference"` holds no
    /// loop); a quote after a number is C++14's digit separator (`1'000`), not a literal, and one after an encoding
    /// prefix (`L'"'`, `u8'a'`) starts one.
    @inline(__always)
    static func skipCommentOrLiteral(_ bytes: UnsafeBufferPointer<UInt8>, at i: inout Int) -> Bool {
        @inline(__always) func isPart(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 || b == 95 || (b >= 48 && b <= 57) }
        let b = bytes[i]
        if b == 47, i + 1 < bytes.count, bytes[i + 1] == 47 || bytes[i + 1] == 42 {
            if bytes[i + 1] == 47 {
                while i < bytes.count, bytes[i] != 10 { i += 1 }
            } else {
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == 42 && bytes[i + 1] == 47) { i += 1 }
                i += 2
            }
            return true
        }
        if b == 34 || (b == 39 && (i == 0 || !isPart(bytes[i - 1]) || isEncodingPrefix(bytes, before: i))) {
            i += 1
            while i < bytes.count, bytes[i] != b, bytes[i] != 10 { i += bytes[i] == 92 ? 2 : 1 }
            i += 1
            return true
        }
        return false
    }

    /// How many floating-point literals code holds (`1.0f`, `.5`, `2.3e-17`, `0x1.8p3`), counting to `limit` at most;
    /// comments and string literals are skipped. Straight-line code with such constants computes (a polynomial, a
    /// range reduction), where setup code and launchers have none or one (`alpha = 1.0f`).
    public static func floatLiteralCount(_ text: String, limit: Int) -> Int {
        var text = text
        return text.withUTF8 { bytes -> Int in
            @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
            @inline(__always) func isPart(_ b: UInt8) -> Bool {
                (b | 0x20) >= 97 && (b | 0x20) <= 122 || b == 95 || isDigit(b)
            }
            var count = 0, i = 0
            while i < bytes.count, count < limit {
                if skipCommentOrLiteral(bytes, at: &i) { continue }
                let b = bytes[i]
                let startsNumber = isDigit(b) || (b == 46 && i + 1 < bytes.count && isDigit(bytes[i + 1]))
                guard startsNumber, i == 0 || (!isPart(bytes[i - 1]) && bytes[i - 1] != 46) else {
                    if isPart(b) { while i < bytes.count, isPart(bytes[i]) { i += 1 } } else { i += 1 }
                    continue
                }
                let hex = b == 48 && i + 1 < bytes.count && (bytes[i + 1] | 0x20) == 120
                var float = false, j = i
                while j < bytes.count {
                    let c = bytes[j]
                    if c == 46 { float = true }
                    else if !hex, (c | 0x20) == 101 { float = true }  // an exponent
                    else if hex, (c | 0x20) == 112 { float = true }  // a hexadecimal float's exponent
                    else if (c == 43 || c == 45), j > i, (bytes[j - 1] | 0x20) == 101 || (hex && (bytes[j - 1] | 0x20) == 112) {}
                    else if !isPart(c) && c != 39 { break }
                    j += 1
                }
                if float { count += 1 }
                i = j
            }
            return count
        }
    }

    /// Whether C-family code defining `symbol` only hands its work to a namesake: it calls a function whose name extends
    /// its own or that its own extends at an underscore (`ggml_compute_forward_soft_max` → `…_soft_max_f32(`,
    /// `soft_max_f32_cuda` → `soft_max_f32<<<…>>>`, `run` → `run_impl<T>(`), with at least three bytes in common, and
    /// it has no loop of its own (`for`, `while`). Comments are skipped. A dispatcher or launcher names the op as often
    /// as the implementation it calls.
    public static func isThinWrapper(symbol: String, text: String) -> Bool {
        let name = Array(((symbol.split(separator: ":").last ?? Substring(symbol)).split(separator: ".").last ?? "").utf8)
        guard name.count >= 3 else { return false }
        var calls = false, loop = false
        var text = text
        text.withUTF8 { bytes in
            forEachCodeIdentifier(bytes) { range in
                let token = UnsafeBufferPointer(rebasing: bytes[range])
                if isLoopKeyword(token, orDo: false) {
                    loop = true
                    return false
                }
                let shorter = min(token.count, name.count)
                if !calls, token.count != name.count, shorter >= 3 {
                    // A call: `name(` (spaces allowed) or a template or launch right after the name (`name<T>(`,
                    // `name<<<`), not a comparison (`k < n`).
                    var k = range.upperBound
                    while k < bytes.count, bytes[k] == 32 { k += 1 }
                    let next = k < bytes.count ? bytes[k] : 0
                    if next == 40 || (k == range.upperBound && next == 60) {  // ( or <
                        let longer = token.count > name.count ? token[shorter] : name[shorter]
                        calls = longer == 95 && (0..<shorter).allSatisfy { token[$0] == name[$0] }  // `_` after the namesake
                    }
                }
                return true
            }
        }
        return calls && !loop
    }

    /// Whether an identifier names a SIMD intrinsic, SIMD type or vector builtin.
    public static func isIntrinsic(_ id: Substring) -> Bool {
        // Every name recognised below starts with `_`, `v`, `s`, `f`, `i` or `u`: a one-byte guard first.
        guard let first = id.utf8.first, first == 95 || first == 118 || first == 115 || first == 102 || first == 105 || first == 117 else {
            return false
        }
        if id.hasPrefix("_mm") || id.hasPrefix("__m128") || id.hasPrefix("__m256") || id.hasPrefix("__m512")
            || id.hasPrefix("__mmask") || id.hasPrefix("__builtin_ia32") || id.hasPrefix("__builtin_shufflevector")
            || id.hasPrefix("__builtin_convertvector") || id.hasPrefix("_cvt") || id.hasPrefix("_kand") || id.hasPrefix("_kor") {
            return true
        }
        if let isa = otherISA(Array(id.utf8)), !isa.isEmpty { return true }
        return isNEON(id) || isSVE(id)
    }

    static let x86Prefixes: [[UInt8]] = ["_mm", "__m128", "__m256", "__m512", "__mmask", "__builtin_ia32",
                                         "__builtin_shufflevector", "__builtin_convertvector", "_cvt", "_kand", "_kor"]
        .map { Array($0.utf8) }
    /// The ISA of a LoongArch (`__lsx_vld` is LSX, `__lasx_xvld` LASX), MIPS MSA (`__msa_ld_w`) or RISC-V vector
    /// (`__riscv_vle32_v_f32m1`: a digit in it, which the macro `__riscv_vector` has not) intrinsic; nil for any other
    /// name.
    static func otherISA<C: Collection<UInt8>>(_ id: C) -> String? where C.Index == Int {
        func starts(_ p: StaticString) -> Bool {
            let n = p.utf8CodeUnitCount
            guard id.count > n else { return false }
            var k = 0
            for b in id.prefix(n) { if b != p.utf8Start[k] { return false }; k += 1 }
            return true
        }
        if starts("__lsx_") { return "lsx" }
        if starts("__lasx_") { return "lasx" }
        if starts("__msa_") { return "msa" }
        if starts("__riscv_v"), id.contains(where: isDigitByte) { return "rvv" }
        // POWER's vector keyword and builtins (`__vector float`, `__builtin_vsx_xvmaddasp`).
        if id.count == 8, starts("__vecto"), id[7] == UInt8(ascii: "r") { return "vsx" }
        if starts("__builtin_vsx_") || starts("__builtin_altivec_") { return "vsx" }
        return nil
    }

    /// Whether a name is one of POWER's AltiVec/VSX intrinsics (`vec_madd`, `vec_xl`, `vec_splats`): `vec_` and an
    /// operation no portable code names so. The generic ones (`vec_add`, `vec_max`, `vec_dot`, `vec_abs`, `vec_floor`,
    /// and `vec_ld`, `vec_st`, `vec_perm`, `vec_sel`, `vec_splat`, `vec_cmpgt`, which plain code may name too) are left
    /// out: POWER code uses the distinctive ones beside them (`vec_xl`, `vec_splats`, `vec_madd`) or `__vector`.
    static func isAltiVec(_ id: Substring) -> Bool {
        guard id.hasPrefix("vec_"), id.count > 5 else { return false }
        return altiVecOperations.contains(id.dropFirst(4))
    }

    /// AltiVec/VSX operations that only POWER's intrinsics name (`isAltiVec`).
    static let altiVecOperations: Set<Substring> = [
        "madd", "msub", "nmsub", "nmadd", "splats", "xl", "xst", "xl_be", "xst_be", "lvsl", "lvsr", "mergeh", "mergel",
        "mergee", "mergeo", "sum4s", "sum2s", "msum", "rsqrte", "cts", "ctf", "ctu", "vsx_ld", "vsx_st", "xxpermdi", "mule",
        "mulo", "cpsgn", "unpackh", "unpackl", "packsu", "sldw", "slo", "sro", "all_eq", "any_eq", "all_gt", "any_gt",
        "madds", "mladd", "mradds", "revb", "cntlz", "nabs",
    ]

    /// kb's ISA names in the order tags list them: x86's widest first, then Arm's, then LoongArch's, MIPS's, RISC-V's,
    /// POWER's (`vsx`: AltiVec and VSX) and IBM Z's (`vxe`: the vector facility and its extensions).
    public static let isaNames = ["avx512", "avx2", "sse", "sve", "neon", "lasx", "lsx", "msa", "rvv", "vsx", "vxe"]

    /// The ISAs a file's name says it is written for, from its words (`gemv_t_avx2.c`, `sigmoid_arm_asimdhp.cpp`,
    /// `iamax_sse2.S`, `trsm_kernel_LN_sve.c`): the ISA tags a chunk with none of its own takes (a build compiles the
    /// file for them, whatever its text shows).
    public static func isaNamed(inFileName name: String) -> [String] {
        let stem = name.prefix { $0 != "." }
        guard stem.utf8.count >= 3 else { return [] }
        var found = Set<String>()
        // `daxpy_microk_haswell-2.c`: a word's parts at `-` too.
        for word in Tokens.subwords(of: stem).flatMap({ $0.split(separator: "-").map(String.init) }) {
            switch word {
            case "sse", "sse2", "sse3", "ssse3", "sse4", "sse41", "sse42": found.insert("sse")
            case "avx", "avx2", "fma", "fma3": found.insert("avx2")
            case "neon": found.insert("neon")
            case "sve", "sve2": found.insert("sve")
            case "lsx", "lasx", "msa", "rvv", "vsx": found.insert(word)
            case "altivec", "vmx": found.insert("vsx")
            case "vxe", "vxe2", "zvector", "s390x", "zarch": found.insert("vxe")
            default:
                if word.hasPrefix("avx512") { found.insert("avx512") }
                else if word.hasPrefix("asimd") { found.insert("neon") }  // `asimd`, `asimdhp`, `asimddp`
                else if let isa = CPUNames.isa(of: word) { found.insert(isa) }
                else if word.hasPrefix("cortexa") || word.hasPrefix("armv8") || word.hasPrefix("armv7") {
                    found.insert("neon")  // `cortexa53`, BLIS's `armv8a`
                } else if word.hasPrefix("armsve") { found.insert("sve") }  // BLIS's `armsve`, `armsve256`
            }
        }
        return isaNames.filter(found.contains)
    }

    static let neonTypePrefixes: [[UInt8]] = ["float32x", "int32x", "uint8x", "float16x"].map { Array($0.utf8) }

    @inline(__always) static func isDigitByte(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    @inline(__always) static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for k in 0..<prefix.count where bytes[k] != prefix[k] { return false }
        return true
    }

    /// `isIntrinsic` on an identifier's bytes; `hasUnderscore` tells whether it contains `_`.
    static func isIntrinsic(bytes id: UnsafeBufferPointer<UInt8>, hasUnderscore: Bool) -> Bool {
        guard let first = id.first else { return false }
        switch first {
        case 95:  // _
            return x86Prefixes.contains { hasPrefix(id, $0) } || (id.count > 6 && id[1] == 95 && otherISA(id) != nil)
        case 102, 105, 117:  // f i u: NEON vector types
            // Every NEON type prefix has a digit at index 3 to 5 (`int32x`, `uint8x`, `float32x`): most `f`/`i`/`u`
            // identifiers (`for`, `float`, `idx`) stop at this one check.
            guard id.count >= 6, isDigitByte(id[3]) || isDigitByte(id[4]) || isDigitByte(id[5]) else { return false }
            return neonTypePrefixes.contains { hasPrefix(id, $0) }
        case 115:  // s: SVE names start with `sv` and contain an underscore (`size_t` and `sum_sq` stop here)
            guard hasUnderscore, id.count > 2, id[1] == 118 else { return false }
            return isSVE(Substring(String(decoding: id, as: UTF8.self)))
        case 118:  // v: NEON names are a known stem before the first underscore; POWER's `vec_` and an operation
            guard hasUnderscore, id.count > 5 else { return false }
            if id[1] == 101, id[2] == 99, id[3] == 95 {  // `vec_`
                return isAltiVec(Substring(String(decoding: id, as: UTF8.self)))
            }
            let stemLength = id.firstIndex(of: 95) ?? id.count
            guard stemLength >= 4, stemLength <= 15,
                  neonStems.contains(Substring(String(decoding: UnsafeBufferPointer(rebasing: id[..<stemLength]), as: UTF8.self)))
            else { return false }
            return isNEON(Substring(String(decoding: id, as: UTF8.self)))
        default:
            return false
        }
    }

    static let neonStems: Set<Substring> = ["vld1q", "vld1", "vst1q", "vst1", "vaddq", "vmulq", "vfmaq", "vmlaq", "vdupq",
                                            "vmaxq", "vminq", "vaddvq", "vmaxvq", "vsubq", "vdivq", "vget", "vset", "vcombine",
                                            "vrecpeq", "vrsqrteq", "vcvtq", "vbslq", "vcgtq", "vcltq", "vextq", "vzipq",
                                            "vuzpq", "vtrnq", "vpaddq", "vsqrtq", "vabsq", "vnegq", "vfmsq", "vmovq", "vreinterpretq",
                                            "vdup", "vadd", "vmul", "vfma", "vpadd", "vmax", "vmin"]

    static let neonSuffixes = ["_f32", "_f16", "_f64", "_s8", "_s16", "_s32", "_s64", "_u8", "_u16", "_u32", "_u64", "_bf16"]

    static func isNEON(_ id: Substring) -> Bool {
        if id.hasPrefix("float32x") || id.hasPrefix("int32x") || id.hasPrefix("uint8x") || id.hasPrefix("float16x") { return true }
        // A double underscore is no NEON name's (SLEEF's POWER helpers write `vset__u8`, `vsetall__u64`).
        guard id.first == "v", id.count > 5, id.contains("_"), !id.contains("__") else { return false }
        let stem = id.prefix { $0 != "_" }
        return neonStems.contains(stem) && neonSuffixes.contains { id.hasSuffix($0) }
    }

    static func isSVE(_ id: Substring) -> Bool {
        if id.hasPrefix("svfloat") || id.hasPrefix("svbool") || id.hasPrefix("svint") || id.hasPrefix("svuint") { return true }
        return id.hasPrefix("sv") && id.count > 6 && id.contains("_") && neonSuffixes.contains { id.contains($0) }
    }

    /// The instruction sets implied by a list of intrinsics, widest first.
    public static func isa(for intrinsics: [String]) -> [String] {
        var found = Set<String>()
        // LoongArch's headers name their vector types `__m128` and `__m256` as x86's do: with LSX or LASX intrinsics
        // present, only x86's functions (`_mm_add_ps`) say x86, not those types.
        var typeOnlyX86 = Set<String>()
        var x86Function = Set<String>()
        var neonFunction = false, neonType = false
        for name in intrinsics {
            // x86 names by their bytes (intrinsics are ASCII identifiers): `String.hasPrefix` and `contains` made this
            // ~25,000 instructions a chunk, 1.6 % of an ingest.
            var name = name
            var typeName = false  // `__m128…` or `__m256…`, which LoongArch's headers name too
            let x86: String? = name.withUTF8 { b in
                func starts(_ p: StaticString) -> Bool {
                    let n = p.utf8CodeUnitCount
                    return b.count >= n && memcmp(b.baseAddress!, p.utf8Start, n) == 0
                }
                func ends(_ p: StaticString) -> Bool {
                    let n = p.utf8CodeUnitCount
                    return b.count >= n && memcmp(b.baseAddress! + (b.count - n), p.utf8Start, n) == 0
                }
                func has(_ p: StaticString) -> Bool {
                    let n = p.utf8CodeUnitCount
                    guard b.count >= n else { return false }
                    for start in 0...(b.count - n) where memcmp(b.baseAddress! + start, p.utf8Start, n) == 0 { return true }
                    return false
                }
                guard !b.isEmpty else { return nil }
                if b.count > 6, b[0] == 95, b[1] == 95, let other = otherISA(b) {
                    found.insert(other)
                    return nil
                }
                let avx512VL = (starts("_mm256_") || starts("_mm_")) && (has("_mask_") || has("_maskz_") || ends("_mask"))
                if starts("_mm512") || starts("__m512") || starts("__mmask") || starts("_kand") || starts("_kor")
                    || starts("_cvtu32_mask") || starts("_cvtmask") || avx512VL { return "avx512" }
                if starts("_mm256") { return "avx2" }
                if starts("__m256") { typeName = true; return "avx2" }
                if starts("_mm_") { return "sse" }
                if starts("__m128") { typeName = true; return "sse" }
                return nil
            }
            if let x86 {
                if typeName { typeOnlyX86.insert(x86) } else { x86Function.insert(x86) }
            }
            else if isSVE(Substring(name)) { found.insert("sve") }
            else if isNEON(Substring(name)) {
                if name.hasPrefix("v") { neonFunction = true } else { neonType = true }
            }
            else if isAltiVec(Substring(name)) { found.insert("vsx") }
        }
        found.formUnion(x86Function)
        if !found.contains("lsx"), !found.contains("lasx") { found.formUnion(typeOnlyX86) }
        // NEON's type names (`float32x4_t`) say NEON unless POWER's or IBM Z's intrinsics are there too: ggml names
        // its IBM Z vector types after NEON's.
        if neonFunction || (neonType && !found.contains("vsx")) { found.insert("neon") }
        return isaNames.filter(found.contains)
    }

    /// Maps a reference's technology label (`AVX-512`, `AVX2`, `SSE4.1`, `FMA`, `NEON`) to kb's ISA names.
    public static func isa(forTechnology tech: String) -> String? {
        // Lower-cased without `-` and `_`, on bytes (Foundation's replacingOccurrences was 1 % of an ingest).
        let t = String(decoding: tech.utf8.compactMap { $0 == 45 || $0 == 95 ? nil : ($0 >= 65 && $0 <= 90 ? $0 + 32 : $0) },
                       as: UTF8.self)
        if t.hasPrefix("avx512") { return "avx512" }
        if t.hasPrefix("avx") || t == "fma" { return "avx2" }
        if t.hasPrefix("sse") || t.hasPrefix("ssse") { return "sse" }
        if t.hasPrefix("neon") || t.hasPrefix("asimd") { return "neon" }
        if t.hasPrefix("sve") { return "sve" }
        if t.hasPrefix("lasx") { return "lasx" }
        if t.hasPrefix("lsx") { return "lsx" }
        if t.hasPrefix("msa") { return "msa" }
        if t.hasPrefix("rvv") || t.hasPrefix("riscvv") { return "rvv" }
        if t.hasPrefix("vsx") || t.hasPrefix("altivec") || t.hasPrefix("vmx") { return "vsx" }
        if t.hasPrefix("vxe") || t.hasPrefix("zvector") { return "vxe" }
        return nil
    }

    /// Features of code text: OpenCL, CUDA and C idioms that matter to a kernel engineer.
    public static func features(code: String, language: DocumentFormat) -> [String] {
        features(ByteHaystack(code), language: language)
    }

    /// `features`, and whether C or C++ text is GPU device code (`__global__`, `__device__`, `threadIdx`, AMD's
    /// `__builtin_amdgcn_*`), as a header shared with `.cu` or `.hip` files is: its features are then CUDA's, which
    /// HIP shares. Which of the two dialects it is, `CodeChunker` decides once per file (`namesHIP`).
    /// `device` says it is device code whatever the text spells (a qualifier behind a macro).
    static func traits(code: String, language: DocumentFormat, device known: Bool = false) -> (features: [String], deviceCode: Bool) {
        let haystack = ByteHaystack(code)
        let device = (language == .c || language == .cpp)
            && (known || haystack.contains("__global__") || haystack.contains("__device__") || haystack.contains("threadIdx")
                || haystack.contains("__builtin_amdgcn_"))
        return (features(haystack, language: device ? .cuda : language), device)
    }

    /// Whether text names HIP's runtime or AMD's GPU builtins: what tells HIP device code from CUDA's.
    static func namesHIP(_ haystack: ByteHaystack) -> Bool {
        haystack.contains("hip_runtime") || haystack.contains("hipLaunchKernelGGL") || haystack.contains("hipStream_t")
            || haystack.contains("hipError_t") || haystack.contains("__HIP_") || haystack.contains("__builtin_amdgcn_")
    }

    static func features(_ haystack: ByteHaystack, language: DocumentFormat) -> [String] {
        var f: [String] = []
        func has(_ s: StaticString) -> Bool { haystack.contains(s) }
        switch language {
        case .opencl:
            if has("__local") || has("local float") || has("local int") { f.append("local-memory") }
            if has("barrier(") || has("work_group_barrier") { f.append("barrier") }
            if has("float2") || has("float4") || has("float8") || has("float16") || has("vload") || has("vstore") { f.append("vector-types") }
            if has("atomic_") || has("atom_") { f.append("atomics") }
            if has("native_") || has("half_") { f.append("native-math") }
            if has("sub_group") { f.append("subgroups") }
            if has("work_group_reduce") || has("work_group_scan") { f.append("work-group-functions") }
            if has("get_local_id") || has("get_group_id") { f.append("work-groups") }
        case .cuda, .hip:
            if has("__shared__") { f.append("shared-memory") }
            if has("__syncthreads") { f.append("barrier") }
            if has("__shfl") || has("__builtin_amdgcn_ds_swizzle") || has("__builtin_amdgcn_mov_dpp") { f.append("warp-shuffle") }
            if has("atomicAdd") || has("atomicMax") || has("atomicCAS") { f.append("atomics") }
            if has("wmma") || has("mma.sync") { f.append("tensor-cores") }
            // AMD's matrix cores: MFMA (CDNA) and WMMA (RDNA) builtins, and rocWMMA (whose `wmma` counts above).
            if has("__builtin_amdgcn_mfma") || has("__builtin_amdgcn_wmma") { f.append("matrix-units") }
        case .metal:
            if has("threadgroup ") || has("threadgroup\t") { f.append("local-memory") }
            if has("threadgroup_barrier") || has("simdgroup_barrier") { f.append("barrier") }
            if has("half4") || has("float4") || has("half2") || has("float2") { f.append("vector-types") }
            if has("atomic_") { f.append("atomics") }
            if has("simd_sum") || has("simd_max") || has("simd_shuffle") || has("simd_prefix") { f.append("subgroups") }
            if has("simdgroup_matrix") || has("simdgroup_multiply") { f.append("matrix-units") }
        case .glsl:
            if has("shared ") { f.append("local-memory") }
            if has("barrier()") { f.append("barrier") }
            if has("vec4") || has("vec2") { f.append("vector-types") }
            if has("atomicAdd") || has("atomicMax") || has("atomicCompSwap") { f.append("atomics") }
            if has("subgroup") { f.append("subgroups") }
            if has("coopmat") || has("cooperative_matrix") { f.append("matrix-units") }
        case .triton:
            if has("tl.dot") { f.append("tl-dot") }
            if has("tl.atomic") { f.append("atomics") }
            if has("autotune") { f.append("autotune") }
        default:
            break
        }
        if language == .c || language == .cpp || language == .cuda || language == .hip {
            if has("#pragma omp") || has("omp_get") { f.append("openmp") }
            if has("_stream_ps") || has("_stream_si") || has("__builtin_nontemporal_store") { f.append("nt-stores") }
            if has("_mm_prefetch") || has("__builtin_prefetch") { f.append("prefetch") }
            if has("_mask_") || has("_maskz_") || has("__mmask") { f.append("masked-tail") }
            if has("vector_size") { f.append("vector-ext") }
            if has("#pragma omp simd") || has("#pragma GCC ivdep") { f.append("simd-pragma") }
            if inlineAssembly(haystack) { f.append("inline-asm") }
        }
        return f
    }

    /// Whether C-family text holds inline assembly: `__asm__`, `__asm` or an `asm` statement (`asm(`, `asm volatile`).
    static func inlineAssembly(_ haystack: ByteHaystack) -> Bool {
        haystack.contains("__asm") || haystack.contains("asm(") || haystack.contains("asm (") || haystack.contains("asm volatile")
            || haystack.contains("asm __volatile__") || haystack.contains("BEGIN_ASM") || haystack.contains("END_ASM")
    }

    /// The ISAs inline assembly uses, from its register names and mnemonics: `zmm` registers or `%%k` masks are
    /// AVX-512, `ymm` registers or VEX mnemonics on `xmm` (`vfmadd231pd`, `vmovups`) AVX2, other `xmm` use SSE; NEON's
    /// arrangement suffixes (`v0.4s`, `.2d`, `.16b`) are NEON, and SVE's registers (`z0.s`, `ptrue`, `whilelo`) SVE.
    /// OpenBLAS writes its micro-kernels so, in C functions without one intrinsic; BLIS through macros
    /// (`BEGIN_ASM()`, `VFMADD231PD(ZMM(0), ZMM(1), ZMM(2))`).
    ///
    /// With `numberedRegisters`, only numbered registers count (`xmm1`, `zmm0`, `v0.4s`), for text that may be no
    /// assembly at all: a macro's text can be a format string (`"%.2d\n"`) or hold a name (`USE_ZMM`).
    static func inlineAssemblyISA(_ haystack: ByteHaystack, numberedRegisters: Bool = false) -> [String] {
        func has(_ s: StaticString) -> Bool { haystack.contains(s) }
        func register(_ name: StaticString) -> Bool {
            guard haystack.contains(name) else { return false }
            return !numberedRegisters || Self.namesNumberedRegister(haystack.bytes, name)
        }
        var isa = Set<String>()
        // BLIS spells registers through upper-case macros too: `VMOVAPD(ZMM(0), MEM(RAX))`.
        let blis = !numberedRegisters && has("MM(")
        if register("zmm") || has("%%k1") || has("{%k") || (blis && has("ZMM(")) { isa.insert("avx512") }
        if register("ymm") || (blis && has("YMM(")) || (register("xmm") && (has("vfmadd") || has("vmovup") || has("vbroadcast") || has("vaddp")
                                                    || has("vmulp") || has("vxorp"))) {
            isa.insert("avx2")
        } else if register("xmm") || (blis && has("XMM(")) {
            isa.insert("sse")
        }
        if has(".4s") || has(".2d") || has(".16b") || has(".8h") || has(".2s") || has(".4h"),
           !numberedRegisters || Self.namesNEONRegister(haystack.bytes) {
            isa.insert("neon")
        }
        if has("ptrue") || has("whilelo") || has("whilelt") || Self.namesSVERegister(haystack.bytes) { isa.insert("sve") }
        return isaNames.filter(isa.contains)
    }

    /// Whether bytes hold `name` followed by a digit (`xmm1`, `zmm31`).
    static func namesNumberedRegister(_ bytes: [UInt8], _ name: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        guard bytes.count > needle.count else { return false }
        for i in 0..<(bytes.count - needle.count) where bytes[i + needle.count] &- 48 < 10 {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// Whether bytes name a NEON vector register with an arrangement: `v` after a non-identifier byte, digits, `.` and
    /// `4s`, `2d`, `16b`, `8h`, `2s` or `4h` (`v0.4s`, `v31.2d`).
    static func namesNEONRegister(_ bytes: [UInt8]) -> Bool {
        let arrangements: [[UInt8]] = ["4s", "2d", "16b", "8h", "2s", "4h"].map { Array($0.utf8) }
        var i = 0
        while i + 3 < bytes.count {
            if bytes[i] == 118, i == 0 || !(bytes[i - 1] == 95 || (bytes[i - 1] | 0x20) &- 97 < 26 || bytes[i - 1] &- 48 < 10) {
                var j = i + 1
                while j < bytes.count, bytes[j] &- 48 < 10 { j += 1 }
                if j > i + 1, j < bytes.count, bytes[j] == 46,
                   arrangements.contains(where: { j + $0.count < bytes.count && bytes[(j + 1)...(j + $0.count)].elementsEqual($0) }) {
                    return true
                }
            }
            i += 1
        }
        return false
    }

    /// Whether bytes name an SVE vector register with an element size: `z` after a non-identifier byte, digits, `.`
    /// and one of `b h s d q` (`z0.s`, `z31.d`).
    static func namesSVERegister(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i + 3 < bytes.count {
            if bytes[i] == 122, i == 0 || !(bytes[i - 1] == 95 || (bytes[i - 1] | 0x20) &- 97 < 26 || bytes[i - 1] &- 48 < 10) {
                var j = i + 1
                while j < bytes.count, bytes[j] &- 48 < 10 { j += 1 }
                if j > i + 1, j + 1 < bytes.count, bytes[j] == 46, [98, 104, 115, 100, 113].contains(bytes[j + 1]) { return true }
            }
            i += 1
        }
        return false
    }
}
