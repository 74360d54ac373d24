import Foundation

/// A new empty folder under the system's temporary folder.
public func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "kb-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `path`, creating missing folders.
public func write(_ path: String, _ text: String) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
        preconditionFailure("test fixture \(path) could not be written")
    }
}
