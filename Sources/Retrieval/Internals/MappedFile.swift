import Glibc

/// A whole file mapped read-only into memory (pages pre-faulted), unmapped on release.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Maps `path`, or nil when it is missing, empty or cannot be mapped; `populate` pre-faults every page.
    static func open(_ path: String, populate: Bool = true) -> MappedFile? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        return map(fd: fd, size: Int(st.st_size), populate: populate)
    }

    /// Maps the first `size` bytes of an open file read-only (the mapping outlives the descriptor).
    static func map(fd: Int32, size: Int, populate: Bool = true) -> MappedFile? {
        guard size > 0, let p = mmap(nil, size, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0),
              p != MAP_FAILED else { return nil }
        return MappedFile(bytes: UnsafeRawBufferPointer(start: p, count: size))
    }

    /// Writes `parts` to `path` atomically: a temporary file in the same folder, then rename.
    static func writeAtomically(_ path: String, parts: [UnsafeRawBufferPointer]) -> Bool {
        let temporary = path + ".tmp.\(getpid())"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        var ok = true
        for part in parts where ok {
            var offset = 0
            while offset < part.count, let base = part.baseAddress {
                let n = Glibc.write(fd, base + offset, part.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; break }
                offset += n
            }
        }
        ok = close(fd) == 0 && ok
        if ok, rename(temporary, path) == 0 { return true }
        unlink(temporary)
        return false
    }
}
