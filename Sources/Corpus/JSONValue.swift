/// Any JSON value, decoded without Foundation's NSNumber ambiguity between booleans and numbers.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Encodes the value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The string, if this is one.
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    /// The number, if this is one.
    public var number: Double? { if case .number(let d) = self { d } else { nil } }
    /// The object, if this is one.
    public var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    /// Whether this is JSON null.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// A compact human-readable rendering (objects as `k=v, ...` with sorted keys).
    public var rendered: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): s
        case .array(let a): a.map(\.rendered).joined(separator: ", ")
        case .object(let o): o.keys.sorted().map { "\($0)=\(o[$0]?.rendered ?? "")" }.joined(separator: ", ")
        }
    }
}
