import ArgumentParser
import Corpus
import Foundation
import Retrieval

/// `kb ingest PATH|URL ...`
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest files, folders and http(s) URLs into the store (incremental and idempotent).")

    @OptionGroup var options: StoreOptions

    @Argument(help: "Files, folders or http(s) URLs.")
    var sources: [String]

    @Flag(name: .long, help: "Remove stored documents under the given folders whose files are gone.")
    var prune = false

    @Flag(name: .long, help: "Re-read and re-index everything, even unchanged files.")
    var force = false

    @Option(name: .long, help: "Largest file (or download) accepted, in bytes.")
    var maxFileSize = 8 << 20

    @Option(name: .long, help: "Total timeout per URL, in seconds.")
    var urlTimeout = 60.0

    @Option(name: .long, help: "Source megabytes per write transaction, at most (a small ingest uses smaller batches): bigger batches write faster, smaller ones lose less to a crash.")
    var batchMb = 4.0

    @Flag(name: [.short, .long], help: "Print no progress and no summary (diagnostics still go to stderr).")
    var quiet = false

    func validate() throws {
        if sources.isEmpty { throw ValidationError("give at least one file, folder or URL to ingest") }
        try OptionChecks.integer(maxFileSize, "--max-file-size", in: 1...(1 << 40))
        try OptionChecks.number(batchMb, "--batch-mb", in: 0.001...1024, unit: " MB")
        try OptionChecks.number(urlTimeout, "--url-timeout", in: 0.001...86_400, unit: " seconds")
    }

    func run() throws {
        var ingestOptions = IngestOptions()
        ingestOptions.prune = prune
        ingestOptions.force = force
        ingestOptions.batchBytes = max(1, Int(batchMb * 1_048_576))
        ingestOptions.maxFileSize = maxFileSize
        ingestOptions.fetchLimits.maxBytes = maxFileSize
        ingestOptions.fetchLimits.totalTimeoutMilliseconds = Int((urlTimeout * 1000).rounded(.up))
        let report: IngestReport
        do {
            let store = try KnowledgeStore(path: options.storePath)
            let showProgress = Terminal.stderrIsTTY && !quiet && !options.json
            let bar = ProgressBar(enabled: showProgress)
            report = try IngestService(store: store, options: ingestOptions).ingest(sources) { bar.update($0) }
            bar.finish()
        } catch {
            throw CommandFailure(description: error.description)
        }
        if options.json {
            print(Terminal.json(IngestSummary(report: report, store: options.storePath)))
        } else {
            for d in report.diagnostics { Terminal.error(d.description) }
            if !quiet { print(TextReports.ingest(report, store: options.storePath)) }
        }
        if report.failed > 0 { throw ExitCode(1) }
    }
}

/// The JSON shape of an ingest summary.
struct IngestSummary: Encodable {
    var report: IngestReport
    var store: String
}

/// A one-line progress bar on stderr, redrawn at most every 100 ms.
final class ProgressBar: @unchecked Sendable {
    let enabled: Bool
    var lastDraw = 0.0
    var drew = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: IngestProgress) {
        guard enabled else { return }
        let now = Date().timeIntervalSince1970
        guard now - lastDraw > 0.1 || p.done == p.total else { return }
        lastDraw = now
        let width = 30
        let filled = p.total > 0 ? width * p.done / p.total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var name = p.current
        if name.count > 40 { name = "…" + name.suffix(39) }
        Terminal.stderr("\r\u{1B}[K\(bar) \(p.done)/\(p.total) \(String(format: "%.1f", Double(p.bytes) / 1e6)) MB \(name)")
        drew = true
    }

    func finish() {
        if enabled, drew { Terminal.stderr("\r\u{1B}[K") }
    }
}
