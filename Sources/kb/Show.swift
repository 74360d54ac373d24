import ArgumentParser
import Retrieval

/// `kb show ID`
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a chunk with its metadata.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The chunk id (from kb query).")
    var id: Int64

    func run() throws {
        let chunk: KnowledgeStore.StoredChunk
        do {
            chunk = try KnowledgeStore(path: options.storePath, readOnly: true).chunk(id: id)
        } catch {
            throw CommandFailure(description: error.description)
        }
        print(options.json ? Terminal.json(chunk) : TextReports.chunk(chunk, color: Terminal.stdoutIsTTY))
    }
}
