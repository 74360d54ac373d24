/// Finds and loads tasks from task folders (`<dir>/<name>/task.json` + `reference.c`).
///
/// Search order: explicit folders, then `$KB_TASKS`, then `./corpus/tasks`, then the `corpus/tasks`
/// folder of the checkout the `kb` binary was built in (found by walking up from the executable).
public struct TaskCatalog: Sendable {
    /// Folders searched, in order; only existing ones are kept.
    public let folders: [String]

    /// A catalog over `folders` (or the default search path when empty).
    public init(folders: [String] = [], environment: [String: String] = ProcessEnvironment.current, executablePath: String? = nil) {
        var candidates = folders
        if folders.isEmpty {
            if let env = environment["KB_TASKS"], !env.isEmpty { candidates.append(contentsOf: env.split(separator: ":").map(String.init)) }
            candidates.append("corpus/tasks")
            if let exe = executablePath ?? FileSystem.executablePath() {
                var dir = FileSystem.parent(of: exe)
                for _ in 0..<5 {
                    candidates.append(dir + "/corpus/tasks")
                    candidates.append(dir + "/share/kb/tasks")
                    let up = FileSystem.parent(of: dir)
                    if up == dir { break }
                    dir = up
                }
            }
        }
        var seen = Set<String>()
        self.folders = candidates.filter { FileSystem.isDirectory($0) && seen.insert(FileSystem.realPath($0) ?? $0).inserted }
    }

    /// Names of every task found, sorted.
    public func names() -> [String] {
        var out = Set<String>()
        for folder in folders {
            for entry in FileSystem.list(folder) where FileSystem.isFile("\(folder)/\(entry)/task.json") { out.insert(entry) }
        }
        return out.sorted()
    }

    /// Loads every task; broken ones are returned as errors beside the good ones.
    public func all() -> (tasks: [KernelTask], problems: [VerificationError]) {
        var tasks: [KernelTask] = []
        var problems: [VerificationError] = []
        for name in names() {
            do { tasks.append(try load(name)) } catch { problems.append(error) }
        }
        return (tasks, problems)
    }

    /// Loads a task by name, or from a path to a `task.json` or a task folder.
    public func load(_ nameOrPath: String) throws(VerificationError) -> KernelTask {
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            let file = nameOrPath.hasSuffix(".json") ? nameOrPath : nameOrPath + "/task.json"
            return try Self.load(taskFile: file)
        }
        for folder in folders {
            let file = "\(folder)/\(nameOrPath)/task.json"
            if FileSystem.isFile(file) { return try Self.load(taskFile: file) }
        }
        throw .unknownTask(name: nameOrPath, searched: folders, known: names())
    }

    /// Loads `task.json` and the `reference.c` beside it.
    public static func load(taskFile: String) throws(VerificationError) -> KernelTask {
        guard let json = FileSystem.read(taskFile) else { throw .unreadableTask(path: taskFile, reason: "cannot read the file") }
        let dir = FileSystem.parent(of: taskFile)
        let refPath = dir + "/reference.c"
        guard let ref = FileSystem.read(refPath) else {
            throw .unreadableTask(path: refPath, reason: "every task needs a scalar reference.c beside its task.json")
        }
        var task = try KernelTask.parse(json: json, reference: String(decoding: ref, as: UTF8.self), location: taskFile)
        if let cl = FileSystem.read(dir + "/reference.cl") { task.referenceOpenCL = String(decoding: cl, as: UTF8.self) }
        return task
    }
}
