import Foundation
import Testing
@testable import Verification

@Suite("Size expressions")
struct SizeExpressionTests {
    @Test("integer evaluation with floor division, precedence, min/max", arguments: [
        ("h - kh + 1", 9), ("(h - k) / s + 1", 4), ("4*(2*h + 2)", 88), ("min(h, k) * max(s, 2)", 6), ("-h + 20", 10), ("h % k", 1), ("(0 - 7) / 2", -4),
    ])
    func integers(text: String, expected: Int) throws {
        let shape = ["h": 10, "kh": 2, "k": 3, "s": 2]
        #expect(try SizeExpression(text).integer(shape) == expected)
    }

    @Test("cost expressions evaluate in floating point")
    func reals() throws {
        #expect(try SizeExpression("(h - k) / s + 1").real(["h": 10, "k": 3, "s": 2]) == 4.5)
        #expect(try SizeExpression("2*m*n*k").real(["m": 1024, "n": 1024, "k": 1024]) == 2 * 1024 * 1024 * 1024)
        #expect(try SizeExpression("1e3 * x").real(["x": 2]) == 2000)
    }

    @Test("malformed expressions and unknown symbols are errors that say where", arguments: ["h +", "(h", "h $ 2", "min(h)", ""])
    func malformed(text: String) {
        #expect(throws: VerificationError.self) { try SizeExpression(text).integer(["h": 1]) }
    }

    @Test("an unknown symbol names itself")
    func unknownSymbol() {
        #expect(throws: VerificationError.invalidTask(field: "rows * q", reason: "symbol 'q' has no value in the shape")) {
            try SizeExpression("rows * q").integer(["rows": 2])
        }
    }
}

@Suite("Task specs")
struct TaskSpecTests {
    static let layernorm = Fixture.repository + "/corpus/tasks/layernorm/task.json"

    func mutated(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.layernorm))) as! [String: Any]
        change(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    @Test("every bundled task loads, validates and has at least 16 entries")
    func bundled() {
        let (tasks, problems) = Fixture.catalog.all()
        #expect(problems.isEmpty, "\(problems)")
        #expect(tasks.count >= 16)
        for t in tasks {
            #expect(!t.reference.isEmpty)
            #expect(t.testShapes.count >= 5, "\(t.name) needs tiny, odd, one-row/column and large test shapes")
        }
    }

    @Test("inconsistent specs are rejected with the field that is wrong", arguments: [
        ("signature", "parameters"), ("symbols", "unknown symbol"), ("args", "no output"), ("tolerance", "atol"), ("bench_shapes", "needs at least one"),
    ])
    func invalid(field: String, expected: String) throws {
        let json = try mutated { o in
            switch field {
            case "signature": o["signature"] = "void layernorm(const float *x, float *y);"
            case "symbols": o["symbols"] = ["rows"]
            case "args": o["args"] = (o["args"] as! [[String: Any]]).filter { ($0["kind"] as? String) != "output" }
            case "tolerance": o["tolerance"] = ["atol": -1, "rtol": 0]
            default: o["bench_shapes"] = [[String: Int]]()
            }
        }
        do {
            _ = try KernelTask.parse(json: json, reference: "", location: "t.json")
            Issue.record("accepted an invalid task")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.contains("t.json"))
        }
    }

    @Test("broken JSON names the problem")
    func brokenJSON() {
        #expect(throws: VerificationError.self) { try KernelTask.parse(json: Array("{\"name\": ".utf8), reference: "", location: "t.json") }
        do {
            _ = try KernelTask.parse(json: Array("{\"name\": \"x\"}".utf8), reference: "", location: "t.json")
        } catch {
            #expect(error.description.contains("missing field"), "\(error.description)")
        }
    }
}

@Suite("Verification arithmetic")
struct ArithmeticTests {
    @Test("SOL score: 0.5 at the baseline, 1 at the speed of light; degenerate baselines", arguments: [
        (10.0, 10.0, 2.0, 0.5), (2.0, 10.0, 2.0, 1.0), (6.0, 10.0, 2.0, 2.0 / 3.0), (1.0, 1.0, 2.0, 1.0), (3.0, 1.0, 2.0, 0.0),
    ])
    func solScore(kernel: Double, baseline: Double, sol: Double, expected: Double) {
        #expect(abs(Performance.solScore(kernel: kernel, baseline: baseline, sol: sol) - expected) < 1e-12)
    }

    @Test("percentiles interpolate and the spread is (p90 - p10) / median")
    func percentiles() {
        let t = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        #expect(Performance.percentile(t, 0.5) == 6)
        #expect(Performance.percentile(t, 0.1) == 2)
        #expect(abs(Performance.spread(t) - (10.0 - 2) / 6) < 1e-12)
    }

    @Test("coordinates of a flat index follow the buffer's shape")
    func coordinates() {
        #expect(Comparison.coordinates(4097, dims: [3, 4096], name: "y") == "at row 1, col 1")
        #expect(Comparison.coordinates(5, dims: [8], name: "y") == "at index 5")
        #expect(Comparison.coordinates(13, dims: [2, 3, 4], name: "y") == "at [1, 0, 1]")
    }

    @Test("SHA-256 matches the standard test vectors")
    func sha() {
        var a = SHA256()
        a.update("abc")
        #expect(a.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var b = SHA256()
        b.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        #expect(b.finalize() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("the embedded C sources match Sources/Verification/CSources (run scripts/embed-c-sources.sh)")
    func embedded() throws {
        let dir = Fixture.repository + "/Sources/Verification/CSources/"
        #expect(try String(contentsOfFile: dir + "harness.c", encoding: .utf8) == EmbeddedSources.harness + "\n")
        #expect(try String(contentsOfFile: dir + "probe.c", encoding: .utf8) == EmbeddedSources.probe + "\n")
    }
}

@Suite("Screen (source scan)")
struct ScreenTests {
    @Test("clean intrinsics code passes; identifiers that merely look like calls in comments and strings do not count")
    func clean() {
        let src = """
            #include <immintrin.h>
            // printf("debug") would be forbidden, but this is a comment
            static const char *note = "system(\\"rm\\")";
            void k(const float *x, float *y, long n) { long time = n; for (long i = 0; i < time; i++) y[i] = x[i]; (void)note; }
            """
        #expect(Screen.scanSource(src).isEmpty)
    }

    @Test("forbidden constructs are found with their line", arguments: [
        ("#include <stdio.h>\n", "forbidden-include", 1), ("\n\nvoid f(void) { __asm__(\"nop\"); }", "inline-asm", 3),
        ("void f(void) { _mm_setcsr(0x8040); }", "forbidden-call", 1), ("%:include <unistd.h>", "forbidden-include", 1),
        ("#inc\\\nlude <stdio.h>\nint a;", "forbidden-include", 1), ("__attribute__((constructor)) static void g(void) {}", "constructor", 1),
    ])
    func forbidden(source: String, code: String, line: Int) {
        let f = Screen.scanSource(source)
        #expect(f.first?.code == code, "\(f)")
        #expect(f.first?.line == line)
    }
}
