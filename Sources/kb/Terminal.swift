import Foundation
import Glibc
import Retrieval

/// Writing to the terminal: colour only on a TTY, errors and progress on stderr.
enum Terminal {
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("kb: " + message + "\n").utf8))
    }

    static func stderr(_ message: String) {
        FileHandle.standardError.write(Data(message.utf8))
    }

    static func warn(_ message: String) { error("warning: " + message) }

    /// A one-line progress note on stderr (only on a terminal).
    static func status(_ message: String) {
        if stderrIsTTY { FileHandle.standardError.write(Data(("kb: " + message + "\n").utf8)) }
    }

    /// JSON with snake_case keys (the format of schemas/verify-result.schema.json).
    static func snakeJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Maps library errors to a clean message and exit code 1 (2 for usage problems).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
