import Foundation
import PromptSynth
public import Retrieval
public import Verification

/// The offline default: exemplars from the knowledge base as templates with declared tunable parameters, searched
/// from the best settings recorded for this hardware, plus generic transformations of the task's reference.
///
/// A template declares its parameters with `kb-tune: NAME=v1,v2,v3` comment lines (first value: the default) and guards
/// them in code with `#ifndef NAME`; the generator instantiates it by prepending `#define NAME value`.
/// Order of candidates: the recorded best for (task, backend, hardware fingerprint, threads); then the retrieved
/// exemplars that define the entry point, ranked by relevance and earned value; then, around the best template
/// so far, one-parameter changes (coordinate descent on measured time); last, generic transformations of the
/// reference (parallel outer loop, vectorization hints, float accumulation; for OpenCL, reference.cl's
/// one-work-item-per-row mapping).
public struct SearchGenerator: KernelGenerator {
    /// A parameterized template.
    public struct Template: Sendable, Hashable {
        /// File it came from.
        public var source: String
        /// Its text.
        public var text: String
        /// Parameter grid, in declaration order.
        public var parameters: [(name: String, values: [String])]

        /// Templates are equal when their source and text are.
        public static func == (a: Template, b: Template) -> Bool { a.source == b.source && a.text == b.text }
        /// Hashes the source and text.
        public func hash(into h: inout Hasher) { h.combine(source); h.combine(text) }

        /// Default settings.
        public var defaults: [String: String] { Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.values[0]) }) }

        /// The template instantiated with `settings`: `#define`s prepended, and the parameters substituted as whole
        /// words in `kb-launch:`/`kb-build:` header lines (so an OpenCL template can tune its work-group size).
        public func instantiate(_ settings: [String: String]) -> String {
            let defines = parameters.compactMap { p in settings[p.name].map { "#define \(p.name) \($0)" } }
            guard !defines.isEmpty else { return text }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for i in lines.indices where lines[i].contains("kb-launch:") || lines[i].contains("kb-build:") {
                for p in parameters { if let v = settings[p.name] { lines[i] = OpenCLLaunch.replaceWord(p.name, with: v, in: lines[i]) } }
            }
            let body = lines.joined(separator: "\n")
            // The #defines go first; the verifier reads kb-launch/kb-build lines anywhere in the file.
            return "/* kb generate: \(defines.joined(separator: ", ")) */\n" + defines.joined(separator: "\n") + "\n" + body
        }

        /// Parses `// kb-tune:` lines.
        public static func parse(source: String, text: String) -> Template {
            var params: [(String, [String])] = []
            for line in text.split(separator: "\n") {
                guard let r = line.range(of: "kb-tune:") else { continue }
                for decl in line[r.upperBound...].split(separator: " ") {
                    let kv = decl.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2 else { continue }
                    let values = kv[1].split(separator: ",").map(String.init)
                    if !values.isEmpty { params.append((String(kv[0]), values)) }
                }
            }
            return Template(source: source, text: text, parameters: params)
        }
    }

    /// The recorded best for a (task, backend, hardware, threads).
    public struct Record: Sendable, Codable, Hashable {
        /// The winning source.
        public var source: String
        /// Its template file, if any.
        public var template: String?
        /// Its parameters.
        public var parameters: [String: String]
        /// Its median (ms).
        public var medianMs: Double
        /// Its SOL fraction.
        public var solFraction: Double?
    }

    /// The generator's name in traces and reports.
    public var name: String { "search" }
    let store: KnowledgeStore
    let fingerprint: String
    var queue: [Draft] = []
    var prepared = false
    var tried = Set<String>()
    var templates: [String: Template] = [:]
    var explored = Set<String>()
    /// What the generator used, for the report ("recorded best", "exemplar", "parallel outer loop", ...).
    public private(set) var strategies: [String] = []

    static let namespace = "search-best"

    /// A search over the store's exemplars for the machine `fingerprint`.
    public init(store: KnowledgeStore, fingerprint: String) {
        self.store = store
        self.fingerprint = fingerprint
    }

    static func recordKey(task: String, backend: Backend, fingerprint: String, threads: Int) -> String {
        "\(task)|\(backend.rawValue)|\(fingerprint)|t\(threads)"
    }

    /// The recorded best, if any.
    public static func recorded(store: KnowledgeStore, task: String, backend: Backend, fingerprint: String, threads: Int) -> Record? {
        guard let bytes = try? store.artifact(namespace: namespace, key: recordKey(task: task, backend: backend, fingerprint: fingerprint, threads: threads)) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: Data(bytes))
    }

    /// Records `attempt` as the best if it beats what is recorded.
    public static func record(store: KnowledgeStore, task: String, backend: Backend, fingerprint: String, threads: Int, attempt: Attempt) {
        guard attempt.accepted, let m = attempt.report.medianMs else { return }
        if let old = recorded(store: store, task: task, backend: backend, fingerprint: fingerprint, threads: threads), old.medianMs <= m, old.source != attempt.draft.source { return }
        let r = Record(source: attempt.draft.source, template: attempt.draft.template, parameters: attempt.draft.parameters, medianMs: m, solFraction: attempt.report.solFraction)
        if let data = try? JSONEncoder().encode(r) {
            try? store.putArtifact(namespace: namespace, key: recordKey(task: task, backend: backend, fingerprint: fingerprint, threads: threads), value: Array(data))
        }
    }

    mutating func prepare(_ context: GenerationContext) throws(GenerationError) {
        prepared = true
        let task = context.task
        if let r = Self.recorded(store: store, task: task.name, backend: context.backend, fingerprint: fingerprint, threads: context.threads) {
            queue.append(Draft(source: r.source, change: "recorded best for this machine (\(String(format: "%.3f", r.medianMs)) ms)", parameters: r.parameters, template: r.template))
            strategies.append("recorded best")
        }
        let exemplars: [Exemplar]
        do { exemplars = try context.synthesizer.exemplars(limit: 8) } catch { throw .lab(error.description) }
        for e in exemplars {
            guard let data = FileManager.default.contents(atPath: e.source) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            guard Self.defines(task: task, backend: context.backend, text: text) else { continue }
            let t = Template.parse(source: e.source, text: text)
            templates[e.source] = t
            let name = (e.source as NSString).lastPathComponent
            queue.append(Draft(source: t.instantiate(t.defaults), change: "exemplar \(name) [\(e.id)]" + (t.parameters.isEmpty ? "" : " with default parameters"),
                               parameters: t.defaults, template: e.source))
            strategies.append("exemplar \(name)")
        }
        queue.append(contentsOf: Self.genericTransformations(task: task, backend: context.backend, threads: context.threads))
    }

    /// Whether `text` defines the task's entry point for the backend.
    static func defines(task: KernelTask, backend: Backend, text: String) -> Bool {
        if backend == .openCL { return text.contains("// kb-launch:") && text.contains("kernel=\(task.entry) ") || text.contains("kernel=\(task.entry)\n") }
        let squeezed = text.replacingOccurrences(of: "\n", with: " ")
        return squeezed.contains("void \(task.entry)(") && !squeezed.contains("static void \(task.entry)(")
    }

    /// Candidates derived from the task's reference.
    static func genericTransformations(task: KernelTask, backend: Backend, threads: Int) -> [Draft] {
        if backend == .openCL {
            return task.referenceOpenCL.isEmpty ? [] : [Draft(source: task.referenceOpenCL, change: "reference.cl: one work-item per row/element")]
        }
        var out: [Draft] = []
        let ref = task.reference
        guard let parallel = insertPragma(into: ref, entry: task.entry, pragma: "#pragma omp parallel for schedule(static)") else { return [] }
        if threads > 1 { out.append(Draft(source: parallel, change: "reference with its outer loop parallelized (OpenMP)")) }
        let simd = ref.replacingOccurrences(of: "double", with: "float")
        if simd != ref {
            let floatParallel = threads > 1 ? (insertPragma(into: simd, entry: task.entry, pragma: "#pragma omp parallel for schedule(static)") ?? simd) : simd
            out.append(Draft(source: floatParallel, change: "reference with float accumulation (vectorizable)" + (threads > 1 ? " and a parallel outer loop" : "")))
        }
        return out
    }

    /// Inserts `pragma` before the first `for` statement in the body of `entry`; variables declared in the body
    /// before that loop (scratch arrays, accumulators) become `private` so threads do not share them.
    static func insertPragma(into source: String, entry: String, pragma: String) -> String? {
        guard let sig = source.range(of: "void \(entry)("), let brace = source[sig.upperBound...].firstIndex(of: "{"),
              let loop = source[brace...].range(of: "for (") else { return nil }
        let lineStart = source[..<loop.lowerBound].lastIndex(of: "\n").map { source.index(after: $0) } ?? source.startIndex
        let indent = String(source[lineStart..<loop.lowerBound])
        guard indent.allSatisfy({ $0 == " " || $0 == "\t" }) else { return nil }
        var privates: [String] = []
        let types: Set<String> = ["double", "float", "long", "int", "size_t", "unsigned", "char", "short"]
        for line in source[source.index(after: brace)..<lineStart].split(separator: "\n") {
            let words = line.split(whereSeparator: { " \t;,=[*".contains($0) })
            guard let first = words.first, types.contains(String(first)) || first == "const" else { continue }
            if first == "const" { continue }  // read-only: sharing is fine
            if let name = words.dropFirst().first(where: { !types.contains(String($0)) }), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                privates.append(String(name))
            }
        }
        let clause = privates.isEmpty ? "" : " private(\(privates.joined(separator: ", ")))"
        return String(source[..<lineStart]) + indent + pragma + clause + "\n" + String(source[lineStart...])
    }

    /// The next untried draft: one-parameter neighbours of the best template attempts first, then the queued
    /// exemplars and template variants; nil when none is left.
    public mutating func next(_ context: GenerationContext) throws(GenerationError) -> Draft? {
        if !prepared { try prepare(context) }
        for a in context.attempts { tried.insert(a.sourceHash) }
        // Refine around the good template-based attempts (within 25 % of the best): one parameter at a time.
        let bestMs = context.best?.report.medianMs ?? .infinity
        let promising = context.attempts.filter { $0.accepted && $0.draft.template != nil && ($0.report.medianMs ?? .infinity) <= bestMs * 1.25 }
            .sorted { ($0.report.medianMs ?? .infinity) < ($1.report.medianMs ?? .infinity) }
        var neighbours: [Draft] = []
        for best in promising {
            guard let path = best.draft.template, let t = templates[path] ?? Self.loadTemplate(path), !t.parameters.isEmpty else { continue }
            templates[path] = t
            let settings0 = t.defaults.merging(best.draft.parameters) { _, new in new }
            let key = path + "|" + settings0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            guard explored.insert(key).inserted else { continue }
            for p in t.parameters {
                for v in p.values where v != settings0[p.name] {
                    var settings = settings0
                    settings[p.name] = v
                    neighbours.append(Draft(source: t.instantiate(settings), change: "\((path as NSString).lastPathComponent): \(p.name)=\(v) (was \(settings0[p.name] ?? "default"))",
                                            parent: best.id, parameters: settings, template: path))
                }
            }
        }
        queue.insert(contentsOf: neighbours, at: 0)
        while !queue.isEmpty {
            var d = queue.removeFirst()
            if tried.contains(Verifier.contentHash(d.source)) { continue }
            tried.insert(Verifier.contentHash(d.source))
            if d.parent == nil { d.parent = context.best?.id }
            return d
        }
        return nil
    }

    static func loadTemplate(_ path: String) -> Template? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Template.parse(source: path, text: String(decoding: data, as: UTF8.self))
    }
}
