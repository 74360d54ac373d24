/// An arithmetic expression over a task's shape symbols, such as `h - kh + 1` or `4*(2*rows*cols + 2*cols)`.
///
/// Grammar: integers and decimals, symbols, `+ - * / %`, parentheses, unary minus, `min(a, b)`, `max(a, b)` and
/// `ceil(a, b)` (a rounded up to a multiple of b, for OpenCL global sizes).
/// Evaluated as integers (`/` is floor division) for sizes and shapes, or in floating point for cost models.
public struct SizeExpression: Sendable, Hashable, CustomStringConvertible {
    indirect enum Node: Sendable, Hashable {
        case number(Double)
        case symbol(String)
        case negate(Node)
        case binary(Character, Node, Node)
        case call(String, Node, Node)
    }

    let root: Node
    /// The expression as written.
    public let description: String

    /// Parses `text`; throws a message naming the offending position.
    public init(_ text: String) throws(VerificationError) {
        var parser = Parser(bytes: Array(text.utf8), text: text)
        root = try parser.parseWhole()
        description = text
    }

    /// Every symbol the expression uses.
    public var symbols: Set<String> {
        var out = Set<String>()
        func walk(_ n: Node) {
            switch n {
            case .number: break
            case .symbol(let s): out.insert(s)
            case .negate(let a): walk(a)
            case .binary(_, let a, let b), .call(_, let a, let b): walk(a); walk(b)
            }
        }
        walk(root)
        return out
    }

    /// Integer value for a shape; floor division; an unknown symbol or division by zero is an error.
    public func integer(_ shape: [String: Int]) throws(VerificationError) -> Int {
        func eval(_ n: Node) throws(VerificationError) -> Int {
            switch n {
            case .number(let v):
                guard v == v.rounded(.towardZero), abs(v) < 9e15 else {
                    throw .invalidTask(field: description, reason: "\(v) is not an integer in a size expression")
                }
                return Int(v)
            case .symbol(let s):
                guard let v = shape[s] else { throw .invalidTask(field: description, reason: "symbol '\(s)' has no value in the shape") }
                return v
            case .negate(let a): return try 0 &- eval(a)
            case .binary(let op, let a, let b):
                let x = try eval(a), y = try eval(b)
                switch op {
                case "+": return x &+ y
                case "-": return x &- y
                case "*": return x &* y
                default:
                    guard y != 0 else { throw .invalidTask(field: description, reason: "division by zero") }
                    if op == "%" { return ((x % y) + y) % y }
                    let q = x / y
                    return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q
                }
            case .call(let f, let a, let b):
                let x = try eval(a), y = try eval(b)
                if f == "ceil" {
                    guard y > 0 else { throw .invalidTask(field: description, reason: "ceil(a, b) needs b > 0") }
                    return (x + y - 1) / y * y
                }
                return f == "min" ? Swift.min(x, y) : Swift.max(x, y)
            }
        }
        return try eval(root)
    }

    /// Floating-point value (for cost models).
    public func real(_ shape: [String: Int]) throws(VerificationError) -> Double {
        func eval(_ n: Node) throws(VerificationError) -> Double {
            switch n {
            case .number(let v): return v
            case .symbol(let s):
                guard let v = shape[s] else { throw .invalidTask(field: description, reason: "symbol '\(s)' has no value in the shape") }
                return Double(v)
            case .negate(let a): return try -eval(a)
            case .binary(let op, let a, let b):
                let x = try eval(a), y = try eval(b)
                switch op {
                case "+": return x + y
                case "-": return x - y
                case "*": return x * y
                case "%": return y == 0 ? .nan : x.truncatingRemainder(dividingBy: y)
                default: return x / y
                }
            case .call(let f, let a, let b):
                let x = try eval(a), y = try eval(b)
                if f == "ceil" { return y > 0 ? (x / y).rounded(.up) * y : .nan }
                return f == "min" ? Swift.min(x, y) : Swift.max(x, y)
            }
        }
        return try eval(root)
    }

    private struct Parser {
        let bytes: [UInt8]
        let text: String
        var i = 0

        mutating func fail(_ what: String) -> VerificationError {
            .invalidTask(field: text, reason: "\(what) at character \(i + 1)")
        }

        mutating func skip() { while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 { i += 1 } }

        mutating func parseWhole() throws(VerificationError) -> Node {
            let n = try sum()
            skip()
            guard i == bytes.count else { throw fail("unexpected '\(Character(UnicodeScalar(bytes[i])))'") }
            return n
        }

        mutating func sum() throws(VerificationError) -> Node {
            var left = try product()
            while true {
                skip()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") else { return left }
                let op = Character(UnicodeScalar(bytes[i])); i += 1
                left = .binary(op, left, try product())
            }
        }

        mutating func product() throws(VerificationError) -> Node {
            var left = try unary()
            while true {
                skip()
                guard i < bytes.count, [UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%")].contains(bytes[i]) else { return left }
                let op = Character(UnicodeScalar(bytes[i])); i += 1
                left = .binary(op, left, try unary())
            }
        }

        mutating func unary() throws(VerificationError) -> Node {
            skip()
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1; return .negate(try unary()) }
            return try primary()
        }

        mutating func primary() throws(VerificationError) -> Node {
            skip()
            guard i < bytes.count else { throw fail("expression ends early") }
            let c = bytes[i]
            if c == UInt8(ascii: "(") {
                i += 1
                let n = try sum()
                skip()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ")") else { throw fail("missing ')'") }
                i += 1
                return n
            }
            if (48...57).contains(c) || c == UInt8(ascii: ".") {
                let start = i
                while i < bytes.count, (48...57).contains(bytes[i]) || bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e")
                    || ((bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) && bytes[i - 1] == UInt8(ascii: "e")) { i += 1 }
                guard let v = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("bad number") }
                return .number(v)
            }
            if c == UInt8(ascii: "_") || (65...90).contains(c) || (97...122).contains(c) {
                let start = i
                while i < bytes.count, bytes[i] == UInt8(ascii: "_") || (65...90).contains(bytes[i]) || (97...122).contains(bytes[i]) || (48...57).contains(bytes[i]) { i += 1 }
                let name = String(decoding: bytes[start..<i], as: UTF8.self)
                skip()
                if name == "min" || name == "max" || name == "ceil" {
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "(") else { throw fail("\(name) needs '('") }
                    i += 1
                    let a = try sum()
                    skip()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { throw fail("\(name) needs two arguments") }
                    i += 1
                    let b = try sum()
                    skip()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ")") else { throw fail("missing ')'") }
                    i += 1
                    return .call(name, a, b)
                }
                return .symbol(name)
            }
            throw fail("unexpected '\(Character(UnicodeScalar(c)))'")
        }
    }
}
