import ArgumentParser

/// Range checks for numeric options, run from each command's `validate()`: a value out of range (or `nan`, `inf`)
/// is a usage error naming the option and the range, never a crash in a conversion further on.
enum OptionChecks {
    /// Throws unless `value` is finite and within `range`.
    static func number(_ value: Double, _ option: String, in range: ClosedRange<Double>, unit: String = "") throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(option) must be a number from \(format(range.lowerBound)) to \(format(range.upperBound))\(unit), not \(value)")
        }
    }

    /// Throws unless `value` is within `range`.
    static func integer(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must be from \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
    }

    /// The largest thread count accepted by `--threads`.
    static let maxThreads = 4096

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
