/// Static checks on a candidate: its source before compiling, its object file after.
///
/// The source scan catches what a kernel has no business doing (I/O, processes, threads, signals, clocks,
/// inline asm, dynamic loading, FP-environment changes); the object scan is the ground truth the source scan
/// can be fooled around (token pasting, macros): every undefined symbol must be on an allow-list and the object
/// may not define writable data (state kept between calls) or constructors.
public enum Screen {
    /// Headers a candidate may include.
    public static let allowedIncludes: Set<String> = [
        "immintrin.h", "x86intrin.h", "xmmintrin.h", "emmintrin.h", "pmmintrin.h", "tmmintrin.h", "smmintrin.h", "nmmintrin.h",
        "avxintrin.h", "avx2intrin.h", "arm_neon.h", "arm_sve.h", "math.h", "stddef.h", "stdint.h", "string.h", "float.h",
        "limits.h", "stdbool.h", "stdalign.h", "omp.h", "stdlib.h",
    ]

    /// Identifiers a candidate may not use, with the reason given back.
    public static let forbiddenIdentifiers: [String: String] = {
        var m: [String: String] = [:]
        func add(_ names: String, _ why: String) { for n in names.split(separator: " ") { m[String(n)] = why } }
        add("printf fprintf sprintf snprintf vprintf vfprintf puts putchar fputs fputc fwrite fread fopen fclose fdopen freopen fflush fscanf scanf sscanf getchar fgets perror",
            "does I/O")
        add("open openat creat read write close unlink unlinkat remove rename mkdir rmdir truncate ftruncate dup dup2 pipe ioctl fcntl stat fstat lstat access chmod chown",
            "touches files")
        add("system popen pclose fork vfork clone execl execle execlp execv execve execvp execvpe posix_spawn posix_spawnp wait waitpid kill ptrace prctl daemon setsid",
            "starts or controls processes")
        add("pthread_create pthread_join pthread_detach pthread_exit pthread_kill thrd_create thrd_detach",
            "starts threads (use OpenMP pragmas; the verifier sets the thread count)")
        add("signal sigaction raise alarm setitimer sigprocmask pthread_sigmask", "handles signals")
        add("exit _exit _Exit abort atexit at_quick_exit quick_exit longjmp setjmp sigsetjmp siglongjmp", "leaves or unwinds the call")
        add("clock clock_gettime gettimeofday time times getrusage __rdtsc __rdtscp _rdtsc rdtsc __builtin_ia32_rdtsc __builtin_ia32_rdtscp omp_get_wtime omp_get_wtick",
            "reads a clock")
        add("getenv secure_getenv setenv unsetenv putenv environ", "reads or changes the environment")
        add("dlopen dlsym dlvsym dlclose dladdr", "loads code at run time")
        add("syscall mmap munmap mprotect mremap madvise brk sbrk sysconf socket connect bind listen accept send recv sleep usleep nanosleep sched_yield sched_setaffinity",
            "makes system calls")
        add("_rdrand16_step _rdrand32_step _rdrand64_step _rdseed16_step _rdseed32_step _rdseed64_step __builtin_ia32_rdrand16_step __builtin_ia32_rdrand32_step __builtin_ia32_rdrand64_step", "reads a hardware random source (results must depend only on the inputs)")
        add("fesetround fesetenv feholdexcept feupdateenv fesetexceptflag feclearexcept feraiseexcept _mm_setcsr _MM_SET_FLUSH_ZERO_MODE _MM_SET_DENORMALS_ZERO_MODE _MM_SET_ROUNDING_MODE _MM_SET_EXCEPTION_MASK __builtin_ia32_ldmxcsr",
            "changes the floating-point environment (it would leak into the caller)")
        add("omp_set_num_threads omp_set_dynamic omp_set_nested omp_set_max_active_levels omp_set_schedule",
            "changes the OpenMP runtime (the verifier sets the thread count)")
        add("__builtin_frame_address __builtin_return_address __builtin_extract_return_addr __builtin___clear_cache",
            "inspects the caller's stack or code")
        return m
    }()

    /// libm, string and allocation functions an object may reference.
    public static let allowedSymbols: Set<String> = {
        let math = """
        sqrtf sqrt expf exp exp2f exp2 expm1f expm1 logf log log2f log2 log1pf log1p log10f log10 powf pow tanhf tanh erff erf erfcf erfc \
        sinf sin cosf cos tanf tan sincosf sincos fabsf fabs fmaxf fmax fminf fmin fmaf fma floorf floor ceilf ceil roundf round truncf trunc \
        lrintf lrint llrintf rintf rint nearbyintf lroundf ldexpf ldexp frexpf frexp copysignf copysign hypotf hypot cbrtf cbrt atanf atan atan2f atan2 \
        asinf asin acosf acos sinhf sinh coshf cosh asinhf acoshf atanhf fmodf fmod remainderf modff scalbnf logbf ilogbf nextafterf isnan isinf \
        memcpy memset memmove memcmp malloc free calloc aligned_alloc posix_memalign __stack_chk_fail _GLOBAL_OFFSET_TABLE_
        """
        return Set(math.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }()

    /// OpenMP runtime entry points allowed when the verification runs more than one thread.
    public static let openMPSymbols: Set<String> = ["omp_get_thread_num", "omp_get_num_threads", "omp_get_max_threads", "omp_in_parallel", "omp_get_num_procs"]

    /// Findings from the source scan (empty when clean).
    public static func scanSource(_ source: String) -> [VerificationReport.Finding] {
        var findings: [VerificationReport.Finding] = []
        let code = CSourceText.blankCommentsAndStrings(CSourceText.normalized(source))
        var lineNumber = 0
        for line in code.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("#") {
                let directive = trimmed.dropFirst().drop { $0 == " " || $0 == "\t" }
                if directive.hasPrefix("include") || directive.hasPrefix("import") {
                    let rest = directive.drop { $0 != " " && $0 != "<" && $0 != "\"" }
                    let original = CSourceText.normalized(source).split(separator: "\n", omittingEmptySubsequences: false)
                    let raw = lineNumber - 1 < original.count ? String(original[lineNumber - 1]) : String(rest)
                    let header = Self.includedHeader(raw)
                    if !allowedIncludes.contains(header) {
                        findings.append(.init(code: "forbidden-include", message: "includes <\(header)>, which a kernel does not need; allowed: \(allowedIncludes.sorted().joined(separator: ", "))", line: lineNumber))
                    }
                    continue
                }
            }
            let lineBytes = Array(line.utf8)
            for (ident, offset) in CSourceText.identifiers(in: line) {
                var next = offset + ident.utf8.count
                while next < lineBytes.count, lineBytes[next] == 32 || lineBytes[next] == 9 { next += 1 }
                let isCall = next < lineBytes.count && lineBytes[next] == UInt8(ascii: "(")
                if ident == "asm" || ident == "__asm__" || ident == "__asm" {
                    findings.append(.init(code: "inline-asm", message: "uses inline assembly; write C with intrinsics instead", line: lineNumber))
                } else if ident == "constructor" || ident == "destructor", line.contains("__attribute__") {
                    findings.append(.init(code: "constructor", message: "declares a \(ident) function, which would run outside the timed call", line: lineNumber))
                } else if let why = forbiddenIdentifiers[ident], isCall || ident == "environ" || ident.hasPrefix("_MM_") || ident.hasPrefix("__builtin") {
                    findings.append(.init(code: "forbidden-call", message: "uses \(ident), which \(why); a kernel only computes its outputs", line: lineNumber))
                }
            }
        }
        return findings
    }

    static func includedHeader(_ line: String) -> String {
        guard let open = line.firstIndex(where: { $0 == "<" || $0 == "\"" }) else { return line.trimmingSpaces }
        let closeChar: Character = line[open] == "<" ? ">" : "\""
        let after = line.index(after: open)
        let close = line[after...].firstIndex(of: closeChar) ?? line.endIndex
        return String(line[after..<close])
    }

    /// Symbol-table facts about a compiled object.
    struct ObjectFacts {
        var undefined: [String] = []
        var mutableData: [String] = []
        var definedFunctions: Set<String> = []
        var constructorSections: [String] = []
    }

    /// Findings from the object scan.
    static func checkObject(_ facts: ObjectFacts, entry: String, threads: Int) -> [VerificationReport.Finding] {
        var findings: [VerificationReport.Finding] = []
        for symbol in facts.undefined.sorted() {
            if allowedSymbols.contains(symbol) { continue }
            if symbol.hasPrefix("__") && symbol.hasSuffix("_finite") { continue }
            if symbol.hasPrefix("_ZGV") { continue }  // libmvec vector math variants
            if threads > 1, symbol.hasPrefix("GOMP_") || openMPSymbols.contains(symbol) { continue }
            if symbol.hasPrefix("GOMP_") || openMPSymbols.contains(symbol) {
                findings.append(.init(code: "forbidden-symbol", message: "calls the OpenMP runtime (\(symbol)) but the verification runs 1 thread; pass --threads N > 1 or guard it with #ifdef _OPENMP"))
                continue
            }
            let why = forbiddenIdentifiers[symbol].map { ", which \($0)" } ?? ""
            findings.append(.init(code: "forbidden-symbol", message: "the object calls \(symbol)\(why); only libm, memcpy/memset/memmove, malloc/free and the OpenMP runtime are allowed"))
        }
        for section in facts.constructorSections {
            let what = section.hasPrefix(".") ? "a \(section) section" : "a \(section)"
            findings.append(.init(code: "constructor", message: "the object has \(what): code that runs at load time, outside the timed call"))
        }
        for symbol in facts.mutableData.sorted() {
            findings.append(.init(code: "mutable-state", message: "the object keeps writable data (\(symbol)) that survives between calls; kernels must be pure (make tables const, keep scratch on the stack or malloc it per call)"))
        }
        if !facts.definedFunctions.contains(entry) {
            findings.append(.init(code: "missing-entry", message: "the object does not define the entry point \(entry) (is it static or misspelled?)"))
        }
        return findings
    }

    /// Reads the object's section headers and symbol table (`readelf -S -s -W`).
    static func inspect(object: String, in directory: String) throws(VerificationError) -> ObjectFacts {
        var facts = ObjectFacts()
        let out = directory + "/readelf.txt"
        let re = try ChildProcess(executable: "readelf", arguments: ["-S", "-s", "-W", object], environment: ["PATH": ProcessEnvironment.current["PATH"] ?? "/usr/bin:/bin", "LC_ALL": "C"],
                                  workingDirectory: directory, stdoutPath: out, stderrPath: directory + "/readelf.err", timeout: 30).run()
        guard re.termination == .exited(0) else { throw .harnessFailure("readelf failed on the candidate's object (is binutils installed? run scripts/setup.sh)") }
        let text = String(decoding: FileSystem.read(out) ?? [], as: UTF8.self)
        var sections: [Int: (name: String, writable: Bool)] = [:]
        let hookPrefixes = [".init_array", ".fini_array", ".ctors", ".dtors", ".preinit_array"]
        var inSymbols = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Symbol table") { inSymbols = true; continue }
            if !inSymbols {
                // "  [ 3] .data  PROGBITS  0000000000000000 00060c 000000 00  WA  0   0  1"
                guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"), open < close,
                      let index = Int(line[line.index(after: open)..<close].trimmingSpaces) else { continue }
                let t = line[line.index(after: close)...].split(separator: " ")
                guard t.count >= 9 else { continue }
                let name = String(t[0])
                let flags = t.count >= 10 ? String(t[6]) : ""
                sections[index] = (name, flags.contains("W"))
                if hookPrefixes.contains(where: { name.hasPrefix($0) }), !facts.constructorSections.contains(name) {
                    facts.constructorSections.append(name)
                }
                continue
            }
            // "     9: 0000000000000000   380 FUNC    GLOBAL DEFAULT    1 layernorm"
            let t = line.split(separator: " ")
            guard t.count >= 8, t[0].hasSuffix(":") else { continue }
            let type = t[3], ndx = t[6], name = String(t[7])
            if ndx == "UND" {
                facts.undefined.append(name)
                continue
            }
            switch type {
            case "FUNC": facts.definedFunctions.insert(name)
            case "IFUNC":
                facts.definedFunctions.insert(name)
                facts.constructorSections.append("GNU ifunc resolver for \(name)")
            case "TLS": facts.mutableData.append(name + " (thread-local)")
            case "OBJECT", "NOTYPE", "COMMON":
                if ndx == "COM" { facts.mutableData.append(name); continue }
                guard let i = Int(ndx), let section = sections[i], section.writable, !name.isEmpty else { continue }
                if section.name.hasPrefix(".data.rel.ro") || hookPrefixes.contains(where: { section.name.hasPrefix($0) }) { continue }
                if type == "NOTYPE" && name.hasPrefix(".") { continue }
                facts.mutableData.append("\(name) in \(section.name)")
            default: continue
            }
        }
        return facts
    }
}

/// Minimal C lexing for the screen.
enum CSourceText {
    /// Translation phases the scan must see through: line splices joined (line count kept) and `%:` digraphs as `#`.
    static func normalized(_ source: String) -> String {
        guard source.contains("\\\n") || source.contains("%:") else { return source }
        var out = ""
        var pendingNewlines = 0
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        while let line = lines.next() {
            var l = String(line)
            if l.hasSuffix("\\") {
                l.removeLast()
                out += l
                pendingNewlines += 1
                continue
            }
            out += l + "\n" + String(repeating: "\n", count: pendingNewlines)
            pendingNewlines = 0
        }
        return out.replacingAll("%:", with: "#")
    }

    /// The source with comments, string and character literals replaced by spaces (newlines kept).
    static func blankCommentsAndStrings(_ source: String) -> String {
        var bytes = Array(source.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                while i < bytes.count, bytes[i] != 10 { bytes[i] = 32; i += 1 }
            } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                bytes[i] = 32; bytes[i + 1] = 32; i += 2
                while i < bytes.count, !(bytes[i] == UInt8(ascii: "*") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/")) {
                    if bytes[i] != 10 { bytes[i] = 32 }
                    i += 1
                }
                if i < bytes.count { bytes[i] = 32; if i + 1 < bytes.count { bytes[i + 1] = 32 }; i += 2 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                // keep #include "x.h" visible: the include check reads the original line
                i += 1
                while i < bytes.count, bytes[i] != c, bytes[i] != 10 {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count { bytes[i] = 32; i += 1 }
                    bytes[i] = 32; i += 1
                }
                i += 1
            } else {
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Identifiers in a line with their byte offsets.
    static func identifiers(in line: Substring) -> [(String, Int)] {
        var out: [(String, Int)] = []
        let bytes = Array(line.utf8)
        var i = 0
        func isStart(_ b: UInt8) -> Bool { b == 95 || (65...90).contains(b) || (97...122).contains(b) }
        func isPart(_ b: UInt8) -> Bool { isStart(b) || (48...57).contains(b) }
        while i < bytes.count {
            if isStart(bytes[i]), i == 0 || !isPart(bytes[i - 1]) {
                let s = i
                while i < bytes.count, isPart(bytes[i]) { i += 1 }
                out.append((String(decoding: bytes[s..<i], as: UTF8.self), s))
            } else {
                i += 1
            }
        }
        return out
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
