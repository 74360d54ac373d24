import Foundation
import Glibc

/// The folder that holds this test process's temporary folders, created on first use and removed when the process
/// exits (each run of the suite left ~2 GB of stores and corpora behind in the system's temporary folder).
private let processFolder: String = {
    let path = NSTemporaryDirectory() + "kb-test-\(getpid())-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { removeTree(processFolder) }
    return path
}()

/// Removes `path` and everything under it, making folders writable first where a test left them read-only.
public func removeTree(_ path: String) {
    if (try? FileManager.default.removeItem(atPath: path)) != nil { return }
    // A folder without write permission keeps its entries: open every folder up, then remove again.
    chmod(path, 0o755)
    if let entries = FileManager.default.enumerator(atPath: path) {
        while let entry = entries.nextObject() as? String {
            var info = stat()
            let full = path + "/" + entry
            if lstat(full, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { chmod(full, 0o755) }
        }
    }
    try? FileManager.default.removeItem(atPath: path)
}

/// A new empty folder under the system's temporary folder, removed with the others when the test process exits.
public func temporaryFolder() -> String {
    let path = processFolder + "/" + UUID().uuidString
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
