import ArgumentParser
import Verification

/// `kb tasks [show NAME]`
struct Tasks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the kernel tasks, or show one task's spec and reference.",
        discussion: "Tasks live in corpus/tasks/<name>/ (task.json + reference.c); the format is schemas/task.schema.json.",
        subcommands: [List.self, ShowTask.self], defaultSubcommand: List.self)

    /// `kb tasks list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tasks.")
        @OptionGroup var lab: LabOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() throws {
            let (tasks, problems) = lab.catalog.all()
            if json {
                print(Terminal.json(tasks.map { TaskSummary($0) }))
            } else {
                if tasks.isEmpty { print("no tasks found (searched: \(lab.catalog.folders.joined(separator: ", ")); pass --tasks DIR)") }
                print(TaskText.table(tasks))
            }
            for p in problems { Terminal.warn(p.description) }
        }
    }

    /// `kb tasks show NAME`
    struct ShowTask: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a task's spec and its reference implementation.")
        @OptionGroup var lab: LabOptions
        @Flag(name: .long, help: "Print JSON.") var json = false
        @Argument(help: "Task name, or a path to a task.json.") var name: String

        func run() throws {
            let task: KernelTask
            do { task = try lab.catalog.load(name) } catch { throw CommandFailure(description: error.description) }
            print(json ? Terminal.json(task) : TaskText.describe(task))
        }
    }
}

/// One line of `kb tasks --json`.
struct TaskSummary: Encodable {
    var name: String, family: String, entry: String, signature: String, location: String
    var testShapes: Int, benchShapes: [String]
    init(_ t: KernelTask) {
        name = t.name; family = t.family; entry = t.entry; signature = t.signature; location = t.location
        testShapes = t.testShapes.count; benchShapes = t.benchShapes.map { t.describe($0) }
    }
}

enum TaskText {
    static func table(_ tasks: [KernelTask]) -> String {
        var s = "task            family          tests  bench shape\n"
        for t in tasks {
            s += t.name.padded(16) + t.family.padded(16) + String(t.testShapes.count).padded(7) + (t.benchShapes.first.map { t.describe($0) } ?? "") + "\n"
        }
        return s + "\(tasks.count) tasks; `kb tasks show NAME` for one, `kb verify --task NAME FILE.c` to verify a kernel"
    }

    static func describe(_ t: KernelTask) -> String {
        var s = "# \(t.name) (\(t.family))\n\n\(t.description)\n\n"
        s += "entry point:\n    \(t.signature)\n\narguments:\n"
        for a in t.args {
            var line = "    \(a.name): \(a.kind.rawValue) \(a.dtype.rawValue)"
            if let shape = a.shape { line += " [\(shape.joined(separator: ", "))]" }
            switch a.value {
            case .expression(let e)?: line += " = \(e)"
            case .number(let v)?: line += " = \(v)"
            case nil: break
            }
            if let i = a.initializer {
                line += i.dist == "normal" ? " ~ normal(\(i.mean ?? 0), \(i.std ?? 1))" : " ~ \(i.dist)(\(Self.q(i.low)), \(Self.q(i.high)))"
            }
            s += line + "\n"
        }
        s += "\ntest shapes: " + t.testShapes.map { "{\(t.describe($0))}" }.joined(separator: " ") + "\n"
        s += "bench shapes: " + t.benchShapes.map { "{\(t.describe($0))}" }.joined(separator: " ") + "\n"
        s += "tolerance: |got - want| <= \(t.tolerance.atol) + \(t.tolerance.rtol)·|want|\n"
        s += "cost model: bytes = \(t.cost.bytes); flops = \(t.cost.flops)\n"
        if let n = t.cost.notes { s += "    \(n)\n" }
        if let adv = t.adversarial, !adv.isEmpty { s += "adversarial inputs: " + adv.map(\.label).joined(separator: "; ") + "\n" }
        if let n = t.notes { s += "notes: \(n)\n" }
        s += "\n## reference.c (\(t.location))\n\n" + t.reference
        return s
    }

    static func q(_ v: KernelTask.Quantity?) -> String {
        switch v {
        case .number(let d)?: return "\(d)"
        case .expression(let e)?: return e
        case nil: return "?"
        }
    }
}

extension String {
    func padded(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
