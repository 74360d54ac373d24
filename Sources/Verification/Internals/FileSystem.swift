#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers (the module avoids full Foundation so its executables link statically and small).
enum FileSystem {
    static func read(_ path: String, limit: Int = 1 << 30) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 { out.reserveCapacity(min(Int(st.st_size), limit)) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    @discardableResult
    static func write(_ path: String, _ bytes: some Collection<UInt8>, mode: mode_t = 0o644) -> Bool {
        let tmp = path + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { return false }
        let array = Array(bytes)
        var ok = array.withUnsafeBytes { raw -> Bool in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        if close(fd) != 0 { ok = false }
        if ok, rename(tmp, path) == 0 { return true }
        unlink(tmp)
        return false
    }

    static func write(_ path: String, _ text: String) -> Bool { write(path, Array(text.utf8)) }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func isExecutable(_ path: String) -> Bool { isFile(path) && access(path, X_OK) == 0 }

    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func executablePath() -> String? { realPath("/proc/self/exe") }

    @discardableResult
    static func makeDirectories(_ path: String) -> Bool {
        if isDirectory(path) { return true }
        let up = parent(of: path)
        if up != path, !isDirectory(up) { makeDirectories(up) }
        return mkdir(path, 0o755) == 0 || isDirectory(path)
    }

    static func remove(_ path: String) { unlink(path) }

    /// Atomically replaces `to` with `from` (same file system).
    static func move(_ from: String, to: String) -> Bool { rename(from, to) == 0 }

    /// Removes a folder tree (only regular files and folders; symlinks are unlinked, not followed).
    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// A new private temporary folder.
    static func temporaryDirectory(prefix: String) -> String? {
        let base = ProcessEnvironment.current["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buf -> String? in
            guard let p = mkdtemp(buf.baseAddress!) else { return nil }
            return String(cString: p)
        }
    }
}

/// The process environment as a dictionary.
public enum ProcessEnvironment {
    /// The current environment variables.
    public static var current: [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}
