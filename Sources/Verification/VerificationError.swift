/// What went wrong while loading a task, probing the hardware or running a verification, and what to do about it.
///
/// A candidate kernel being wrong is not an error: that is a rejected ``VerificationReport``.
/// These cases are problems with kb's inputs or the machine.
public enum VerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A task file is malformed; `field` names the JSON field or expression.
    case invalidTask(field: String, reason: String)
    /// A task file could not be read or parsed.
    case unreadableTask(path: String, reason: String)
    /// No task by that name in the searched folders.
    case unknownTask(name: String, searched: [String], known: [String])
    /// A file kb needs could not be read or written.
    case io(path: String, reason: String)
    /// The C compiler is missing or unusable.
    case compilerUnavailable(String)
    /// kb's own harness or probe failed on this machine (not the candidate's fault).
    case harnessFailure(String)
    /// The arguments make no sense (e.g. zero threads).
    case usage(String)

    /// What went wrong and what to do, for a person.
    public var description: String {
        switch self {
        case .invalidTask(let field, let reason):
            return "invalid task: \(field): \(reason) (see schemas/task.schema.json)"
        case .unreadableTask(let path, let reason):
            return "\(path): \(reason) (see schemas/task.schema.json)"
        case .unknownTask(let name, let searched, let known):
            let where_ = searched.isEmpty ? "no task folder found" : "searched \(searched.joined(separator: ", "))"
            let list = known.isEmpty ? "" : "; known tasks: \(known.joined(separator: ", "))"
            return "no task named '\(name)' (\(where_)\(list)); pass --tasks DIR, set KB_TASKS, or give a task.json path"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .compilerUnavailable(let reason):
            return "C compiler unavailable: \(reason) (install gcc with scripts/setup.sh or pass --cc)"
        case .harnessFailure(let reason):
            return "verification harness failed: \(reason) (this is kb's problem or the machine's, not the candidate's)"
        case .usage(let reason):
            return reason
        }
    }
}
