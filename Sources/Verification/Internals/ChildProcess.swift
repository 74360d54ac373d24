#if canImport(Glibc)
import Glibc
#endif
import CProcessSupport

/// Runs a program as a child in its own process group, streams wired to files, with a wall-clock limit.
///
/// When the child exits or times out, the whole group is SIGKILLed, so nothing it started outlives it.
/// The call blocks; callers keep it off the cooperative thread pool.
struct ChildProcess {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }

    struct Outcome: Sendable {
        var termination: Termination
        var seconds: Double
    }

    var executable: String
    var arguments: [String] = []
    var environment: [String: String] = [:]
    var workingDirectory: String?
    var stdinPath: String?
    var stdoutPath: String?
    var stderrPath: String?
    var fd3Path: String?
    var timeout: Double

    func run() throws(VerificationError) -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let fd3Path { posix_spawn_file_actions_addopen(&actions, 3, fd3Path, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        if let workingDirectory { kb_spawn_add_chdir(&actions, workingDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let started = Clock.now()
        let rc: Int32 = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw .harnessFailure("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        var sleepMicros: UInt32 = 200
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0, errno != EINTR { break }
            if Clock.now() - started > timeout {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return Outcome(termination: .timedOut, seconds: Clock.now() - started)
            }
            usleep(sleepMicros)
            sleepMicros = min(sleepMicros * 2, 10_000)
        }
        let seconds = Clock.now() - started
        kill(-pid, SIGKILL)  // anything the child left behind in its group
        let termination: Termination
        if status & 0x7f == 0 {
            termination = .exited((status >> 8) & 0xff)
        } else {
            termination = .signaled(status & 0x7f)
        }
        return Outcome(termination: termination, seconds: seconds)
    }
}

/// Monotonic seconds.
enum Clock {
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// Runs shell commands for kb's libraries (e.g. an external kernel generator), in their own process group with a
/// wall-clock limit; the whole group is killed when the command ends or times out.
public enum ProcessRunner {
    /// The outcome of a command.
    public struct Output: Sendable {
        /// Exit status, or nil when killed by a signal or the time limit.
        public var status: Int32?
        /// Whether the time limit ended it.
        public var timedOut: Bool
        /// Standard output.
        public var stdout: String
        /// Standard error (capped).
        public var stderr: String
    }

    /// Runs `/bin/sh -c command` with `input` on standard input.
    public static func shell(_ command: String, input: String, timeout: Double, environment: [String: String] = ProcessEnvironment.current) throws(VerificationError) -> Output {
        guard let dir = FileSystem.temporaryDirectory(prefix: "kb-exec") else { throw .io(path: "/tmp", reason: "cannot create a temporary folder") }
        defer { FileSystem.removeTree(dir) }
        guard FileSystem.write(dir + "/stdin", input) else { throw .io(path: dir, reason: "cannot write the input") }
        let outcome = try ChildProcess(executable: "/bin/sh", arguments: ["-c", command], environment: environment, stdinPath: dir + "/stdin",
                                       stdoutPath: dir + "/stdout", stderrPath: dir + "/stderr", timeout: timeout).run()
        let status: Int32?
        if case .exited(let s) = outcome.termination { status = s } else { status = nil }
        return Output(status: status, timedOut: outcome.termination == .timedOut,
                      stdout: String(decoding: FileSystem.read(dir + "/stdout", limit: 8 << 20) ?? [], as: UTF8.self),
                      stderr: String(decoding: FileSystem.read(dir + "/stderr", limit: 64 << 10) ?? [], as: UTF8.self))
    }
}
