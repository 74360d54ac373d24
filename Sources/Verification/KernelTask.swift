import FoundationEssentials

/// A kernel task: the C entry point a candidate defines, its arguments, shapes, tolerance and cost model.
///
/// Loaded from `corpus/tasks/<name>/task.json` (format: `schemas/task.schema.json`) with the
/// scalar `reference.c` beside it, which is both the correctness oracle and the speed baseline.
public struct KernelTask: Sendable, Codable, Hashable {
    /// How an argument reaches the kernel.
    public enum ArgumentKind: String, Sendable, Codable, Hashable {
        /// A read-only buffer.
        case input
        /// A buffer the kernel writes.
        case output
        /// A `long` computed from the shape.
        case size
        /// A constant.
        case scalar
    }

    /// An element type.
    public enum DataType: String, Sendable, Codable, Hashable {
        /// `float`.
        case f32
        /// `int`.
        case i32
        /// `long`.
        case i64

        /// Bytes per element.
        public var size: Int { self == .i64 ? 8 : 4 }
        /// The C spelling.
        public var cType: String { switch self { case .f32: "float"; case .i32: "int"; case .i64: "long" } }
    }

    /// A number or an expression (`"cols"`), as JSON allows either.
    public enum Quantity: Sendable, Codable, Hashable {
        /// A literal.
        case number(Double)
        /// An expression over the shape symbols.
        case expression(String)

        /// Decodes a dimension from a number or an expression string.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .expression(try c.decode(String.self)) }
        }

        /// Encodes a dimension as it was written.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let d): try c.encode(d)
            case .expression(let s): try c.encode(s)
            }
        }

        /// The value for a shape.
        public func value(_ shape: [String: Int]) throws(VerificationError) -> Double {
            switch self {
            case .number(let d): return d
            case .expression(let s): return Double(try SizeExpression(s).integer(shape))
            }
        }
    }

    /// How fresh random input values are drawn.
    public struct Initializer: Sendable, Codable, Hashable {
        /// `normal`, `uniform` or `int_uniform`.
        public var dist: String
        /// Normal mean.
        public var mean: Double?
        /// Normal standard deviation.
        public var std: Double?
        /// Uniform lower bound.
        public var low: Quantity?
        /// Uniform upper bound (exclusive for `int_uniform`).
        public var high: Quantity?
    }

    /// One C parameter.
    public struct Argument: Sendable, Codable, Hashable {
        /// Parameter name.
        public var name: String
        /// Input, output, size or scalar.
        public var kind: ArgumentKind
        /// Element or value type.
        public var dtype: DataType
        /// Buffer dimensions, outermost first.
        public var shape: [String]?
        /// Size expression or scalar constant.
        public var value: Quantity?
        /// Input distribution.
        public var initializer: Initializer?
        /// Whether adversarial transforms apply to this input.
        public var adversarial: Bool?

        enum CodingKeys: String, CodingKey {
            case name, kind, dtype, shape, value, adversarial
            case initializer = "init"
        }

        /// Whether the argument is a pointer.
        public var isBuffer: Bool { kind == .input || kind == .output }
    }

    /// Element-wise tolerance: `|got - want| <= atol + rtol * |want|`.
    public struct Tolerance: Sendable, Codable, Hashable {
        /// Absolute tolerance.
        public var atol: Double
        /// Relative tolerance.
        public var rtol: Double
    }

    /// Minimum bytes moved and flops per call, as expressions.
    public struct CostModel: Sendable, Codable, Hashable {
        /// Minimum DRAM bytes per call.
        public var bytes: String
        /// Floating-point operations per call.
        public var flops: String
        /// How the model was derived.
        public var notes: String?
    }

    /// An input transform for adversarial correctness rounds.
    public struct Adversarial: Sendable, Codable, Hashable {
        /// `offset`, `scale`, `constant` or `zeros`.
        public var kind: String
        /// The offset, factor or constant.
        public var value: Double?
        /// Noise amplitude for `constant`.
        public var noise: Double?

        /// A short label such as `offset 1000`.
        public var label: String {
            switch kind {
            case "zeros": return "zeros"
            case "constant": return "constant \(Self.format(value ?? 0)) + \(Self.format(noise ?? 0))·x"
            default: return "\(kind) \(Self.format(value ?? 0))"
            }
        }

        static func format(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : "\(v)"
        }
    }

    /// A shape: a value for every symbol.
    public typealias Shape = [String: Int]

    /// Task name (also its folder name).
    public var name: String
    /// Op family.
    public var family: String
    /// Semantics.
    public var description: String
    /// The C function a candidate defines.
    public var entry: String
    /// The exact C prototype.
    public var signature: String
    /// Shape symbols.
    public var symbols: [String]
    /// C parameters in order.
    public var args: [Argument]
    /// Correctness shapes.
    public var testShapes: [Shape]
    /// Timed shapes.
    public var benchShapes: [Shape]
    /// Output tolerance.
    public var tolerance: Tolerance
    /// Cost model behind the speed of light.
    public var cost: CostModel
    /// Adversarial input transforms.
    public var adversarial: [Adversarial]?
    /// Implementation hints.
    public var notes: String?

    /// The reference implementation's C source (not part of task.json).
    public var reference: String = ""
    /// Where the task was loaded from (not part of task.json).
    public var location: String = ""
    /// The task's OpenCL baseline (`reference.cl` beside task.json, with a kb-launch header), or empty.
    public var referenceOpenCL: String = ""

    enum CodingKeys: String, CodingKey {
        case name, family, description, entry, signature, symbols, args, tolerance, cost, adversarial, notes
        case testShapes = "test_shapes"
        case benchShapes = "bench_shapes"
    }

    /// Parses a task from JSON and its reference source, then validates it.
    public static func parse(json: [UInt8], reference: String, location: String) throws(VerificationError) -> KernelTask {
        var task: KernelTask
        do {
            task = try JSONDecoder().decode(KernelTask.self, from: Data(json))
        } catch let error as DecodingError {
            throw .unreadableTask(path: location, reason: Self.describe(error))
        } catch {
            throw .unreadableTask(path: location, reason: "\(error)")
        }
        task.reference = reference
        task.location = location
        try task.validate()
        return task
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath)
            return "missing field '\(key.stringValue)'" + (p.isEmpty ? "" : " in \(p)")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        case .dataCorrupted(let ctx):
            let p = path(ctx.codingPath)
            return (p.isEmpty ? "" : "\(p): ") + "not valid JSON (\(ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }

    /// Checks the task for internal consistency (signature against args, expressions against symbols, shapes).
    public func validate() throws(VerificationError) {
        func bad(_ field: String, _ reason: String) -> VerificationError { .invalidTask(field: "\(location): \(field)", reason: reason) }
        guard !args.isEmpty else { throw bad("args", "a task needs at least one argument") }
        guard args.contains(where: { $0.kind == .output }) else { throw bad("args", "no output buffer") }
        let symbolSet = Set(symbols)
        var names = Set<String>()
        for (i, a) in args.enumerated() {
            let field = "args[\(i)] (\(a.name))"
            guard names.insert(a.name).inserted else { throw bad(field, "duplicate argument name") }
            switch a.kind {
            case .input, .output:
                guard let dims = a.shape, !dims.isEmpty else { throw bad(field, "a buffer needs a shape") }
                for d in dims {
                    let e = try SizeExpression(d)
                    if let s = e.symbols.subtracting(symbolSet).first { throw bad(field, "shape uses unknown symbol '\(s)'") }
                }
                if a.kind == .input {
                    guard let initializer = a.initializer else { throw bad(field, "an input needs an init distribution") }
                    guard ["normal", "uniform", "int_uniform"].contains(initializer.dist) else {
                        throw bad(field, "init.dist must be normal, uniform or int_uniform, not '\(initializer.dist)'")
                    }
                    if initializer.dist != "normal", initializer.low == nil || initializer.high == nil {
                        throw bad(field, "\(initializer.dist) needs low and high")
                    }
                }
            case .size:
                guard case .expression(let s)? = a.value else {
                    if case .number? = a.value { break }
                    throw bad(field, "a size needs a value expression")
                }
                let e = try SizeExpression(s)
                if let sym = e.symbols.subtracting(symbolSet).first { throw bad(field, "value uses unknown symbol '\(sym)'") }
            case .scalar:
                guard case .number? = a.value else { throw bad(field, "a scalar needs a numeric value") }
            }
        }
        for (label, e) in [("cost.bytes", cost.bytes), ("cost.flops", cost.flops)] {
            let x = try SizeExpression(e)
            if let s = x.symbols.subtracting(symbolSet).first { throw bad(label, "uses unknown symbol '\(s)'") }
        }
        guard tolerance.atol >= 0, tolerance.rtol >= 0 else { throw bad("tolerance", "atol and rtol must be >= 0") }
        for (label, shapes) in [("test_shapes", testShapes), ("bench_shapes", benchShapes)] {
            guard !shapes.isEmpty else { throw bad(label, "needs at least one shape") }
            for (i, shape) in shapes.enumerated() {
                for s in symbols where shape[s] == nil { throw bad("\(label)[\(i)]", "no value for symbol '\(s)'") }
                for a in args where a.isBuffer {
                    let n = try elementCount(of: a, shape: shape)
                    guard n >= 1 else { throw bad("\(label)[\(i)]", "buffer \(a.name) would have \(n) elements") }
                }
            }
        }
        for (i, adv) in (adversarial ?? []).enumerated() {
            guard ["offset", "scale", "constant", "zeros"].contains(adv.kind) else {
                throw bad("adversarial[\(i)]", "kind must be offset, scale, constant or zeros")
            }
            if adv.kind != "zeros", adv.value == nil { throw bad("adversarial[\(i)]", "\(adv.kind) needs a value") }
        }
        try checkSignature()
    }

    /// The prototype's parameters, checked against `args`.
    func checkSignature() throws(VerificationError) {
        func bad(_ reason: String) -> VerificationError { .invalidTask(field: "\(location): signature", reason: reason) }
        let sig = signature.trimmingSpaces
        guard let open = sig.firstIndex(of: "("), let close = sig.lastIndex(of: ")"), open < close else {
            throw bad("not a C prototype: '\(signature)'")
        }
        let head = sig[..<open].split(whereSeparator: { $0 == " " || $0 == "*" })
        guard head.last.map(String.init) == entry else { throw bad("declares '\(head.last ?? "")', but entry is '\(entry)'") }
        let params = sig[sig.index(after: open)..<close].split(separator: ",").map { $0.trimmingSpaces }
        guard params.count == args.count else { throw bad("has \(params.count) parameters but args lists \(args.count)") }
        for (p, a) in zip(params, args) {
            let isPointer = p.contains("*")
            guard isPointer == a.isBuffer else {
                throw bad("parameter '\(p)' and argument \(a.name) (\(a.kind.rawValue)) disagree on being a pointer")
            }
            let words = p.split(whereSeparator: { $0 == " " || $0 == "*" }).map(String.init)
            let type: DataType? = words.contains("float") ? .f32 : words.contains("long") || words.contains("int64_t") ? .i64
                : words.contains("int") || words.contains("int32_t") ? .i32 : nil
            guard type == a.dtype else { throw bad("parameter '\(p)' is not of dtype \(a.dtype.rawValue) as args says") }
            guard words.last == a.name else { throw bad("parameter '\(p)' is not named \(a.name) as args says") }
        }
    }

    /// Number of elements of a buffer argument at `shape`.
    public func elementCount(of argument: Argument, shape: Shape) throws(VerificationError) -> Int {
        var n = 1
        for d in argument.shape ?? [] { n = n &* (try SizeExpression(d).integer(shape)) }
        return n
    }

    /// Dimension sizes of a buffer argument at `shape`.
    public func dimensions(of argument: Argument, shape: Shape) throws(VerificationError) -> [Int] {
        var out: [Int] = []
        for d in argument.shape ?? [] { out.append(try SizeExpression(d).integer(shape)) }
        return out
    }

    /// Minimum bytes and flops per call at `shape`.
    public func costs(at shape: Shape) throws(VerificationError) -> (bytes: Double, flops: Double) {
        (try SizeExpression(cost.bytes).real(shape), try SizeExpression(cost.flops).real(shape))
    }

    /// A shape written as `4096 x 4096` (symbols in declaration order).
    public func describe(_ shape: Shape) -> String {
        symbols.map { "\($0)=\(shape[$0] ?? 0)" }.joined(separator: " ")
    }
}
