import ArgumentParser
import Retrieval

/// `kb stats`
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarize what the store holds.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let stats: KnowledgeStore.Statistics
        do {
            stats = try KnowledgeStore(path: options.storePath, readOnly: true).statistics()
        } catch {
            throw CommandFailure(description: error.description)
        }
        print(options.json ? Terminal.json(stats) : TextReports.statistics(stats))
    }
}
