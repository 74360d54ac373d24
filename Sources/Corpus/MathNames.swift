/// Math function names as code spells them, in words: what kb adds to a chunk's symbols column and what tells a math
/// routine from glue.
public enum MathNames {
    /// What a math function's name says in words, as vector math libraries spell their names: the bare function, what
    /// it computes and, from a precision suffix, the precision. SLEEF writes `xtanhf` (`x` before an exported
    /// function, `f` for single precision), `vsqrt_vd_vd` (`v` before a vector helper) and `Sleef_sind4_u10` (`d` and a
    /// lane count); libm `expf`, `log1pl`, `sqrtq`; Highway `Exp`. So `xtanhf` → `tanh hyperbolic tangent single
    /// precision float`, `vgather` → `gather`. Nil for other words, and for bare names that are common words in code
    /// (`log`, `round`, `floor`): those count only with a prefix or a suffix.
    public static func words(_ word: String) -> String? {
        // The cheap refusals first: math names with their letters are 3 to 10 bytes long.
        let count = word.utf8.count
        guard (3...10).contains(count), let first = word.utf8.first, firstBytes.contains(first | 0x20) else { return nil }
        let lower = word.lowercased()
        if let description = functions[lower] {
            return commonNames.contains(lower) ? nil : description
        }
        if let words = suffixedWords(Substring(lower)) { return words }
        // SLEEF's prefixes: `xsin`, `xtanhf`, `vsqrt`, `vgather`.
        guard count >= 4, let prefix = lower.first, prefix == "x" || prefix == "v" else { return nil }
        let rest = lower.dropFirst()
        // NEON's `q` is a 128-bit register (`vfmaq`, `vsqrtq`) and its `l` a widening form (`vmull`, `vaddl`), not
        // SLEEF's quad precision (`xsqrtq`) or C's long double.
        let neonSuffix = prefix == "v" && rest.count > 3 && (rest.last == "q" || rest.last == "l")
        let name = String(neonSuffix ? rest.dropLast() : rest)
        if let description = functions[name] ?? vectorOperations[name] {
            return description == name ? name : name + " " + description
        }
        return neonSuffix ? nil : suffixedWords(rest, operations: true, quad: prefix == "x")
    }

    /// `words` for a math name with a precision suffix: `expf`, `log1pl`, `sqrtq`, and SLEEF's `sind4`, `expf16` (a
    /// precision letter, then a lane count); with `operations`, vector operations too (SLEEF's `xaddq`); without
    /// `quad`, no `q` (after NEON's `v`, a register width).
    static func suffixedWords(_ name: Substring, operations: Bool = false, quad: Bool = true) -> String? {
        var stem = name
        if stem.last?.isNumber == true {
            // A lane count after the precision letter: `sind4`, `exp2f4`, `log1pd8`, `sinq1`.
            while stem.last?.isNumber == true { stem = stem.dropLast() }
            guard stem.last == "d" || stem.last == "f" || stem.last == "q" else { return nil }
        }
        guard stem.count >= 3, let letter = stem.last, let precision = precisions[letter], quad || letter != "q",
              letter != "d" || stem.count < name.count,  // `d` only before a lane count
              let description = functions[String(stem.dropLast())]
                ?? (operations ? vectorOperations[String(stem.dropLast())] : nil) else { return nil }
        return "\(stem.dropLast()) \(description) \(precision)"
    }

    /// Whether a word is SLEEF's accuracy suffix, the error bound in tenths of an ulp (`u10`, `u35`, `u05`, `u1`),
    /// alone or before an ISA (`u10avx2`): `u` and one to four digits, not a type's width (`u8`, `u16`, `u32`, `u64`,
    /// `u128`, as NEON's `vaddq_u32` has).
    public static func isULPSuffix(_ word: String) -> Bool {
        let bytes = Array(word.utf8)
        guard bytes.count >= 2, bytes.count <= 12, bytes[0] | 0x20 == UInt8(ascii: "u") else { return false }
        let digits = bytes.dropFirst().prefix { $0 &- 48 < 10 }
        guard (1...4).contains(digits.count) else { return false }
        let number = String(decoding: digits, as: UTF8.self)
        return !["8", "16", "32", "64", "128"].contains(number)
    }

    /// The first letters of math names and of their `x` and `v` prefixes (`words`' cheap refusal).
    static let firstBytes: Set<UInt8> = Set("acefghilprstvx".utf8)

    /// The words for a math name's precision suffix (`words`).
    static let precisions: [Character: String] = [
        "f": "single precision float", "l": "long double precision", "q": "quad precision", "d": "double precision",
    ]

    /// Bare math names that are common words in code, described only with a prefix or a suffix (`xlog`, `logf`).
    static let commonNames: Set<String> = ["log", "round", "floor", "ceil", "trunc", "rint", "fabs", "fmax", "fmin"]

    /// C's math functions, with the words their references use (`words`).
    static let functions: [String: String] = [
        "sin": "sine", "cos": "cosine", "tan": "tangent", "sincos": "sine cosine", "sinpi": "sine of pi times x",
        "cospi": "cosine of pi times x", "sincospi": "sine cosine of pi times x", "asin": "arc sine inverse sine",
        "acos": "arc cosine inverse cosine", "atan": "arc tangent inverse tangent", "atan2": "arc tangent of y over x",
        "sinh": "hyperbolic sine", "cosh": "hyperbolic cosine", "tanh": "hyperbolic tangent",
        "asinh": "inverse hyperbolic sine", "acosh": "inverse hyperbolic cosine", "atanh": "inverse hyperbolic tangent",
        "exp": "exponential", "exp2": "base 2 exponential", "exp10": "base 10 exponential",
        "expm1": "exponential minus one", "log": "natural logarithm", "log2": "base 2 logarithm",
        "log10": "base 10 logarithm", "log1p": "logarithm of one plus x", "pow": "power", "sqrt": "square root",
        "rsqrt": "reciprocal square root", "cbrt": "cube root", "hypot": "hypotenuse", "erf": "error function",
        "erfc": "complementary error function", "tgamma": "gamma function", "lgamma": "log gamma function",
        "fma": "fused multiply add", "fmod": "floating point remainder", "ldexp": "multiply by a power of two exponent",
        "frexp": "fraction and exponent", "ilogb": "binary exponent", "round": "round to nearest", "floor": "round down",
        "ceil": "round up", "trunc": "round toward zero", "rint": "round to integer", "fabs": "absolute value",
        "fmax": "maximum", "fmin": "minimum",
    ]

    /// Vector operations that vector helper libraries name behind a `v` or `x` (SLEEF's `vgather_vd_p_vi`,
    /// `vrec_vd_vd`), described by `words`.
    static let vectorOperations: [String: String] = [
        "gather": "gather", "scatter": "scatter", "rec": "reciprocal", "rcp": "reciprocal", "abs": "absolute value",
        "neg": "negate", "add": "addition", "sub": "subtraction", "mul": "multiplication", "div": "division",
    ]
}
