import Glibc

/// What the file system holding a path allows, from `statvfs`.
enum MountFlags {
    /// Whether `path` lies on a file system mounted read-only (nothing, not even its owner, can change a file there).
    static func isReadOnlyMount(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return info.f_flag & UInt(ST_RDONLY) != 0
    }
}
