import ArgumentParser
import Retrieval

/// Options shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $KB_STORE, else $XDG_DATA_HOME/kb/kb.sqlite, else ~/.local/share/kb/kb.sqlite).")
    var store: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    var storePath: String { store ?? KnowledgeStore.defaultPath() }
}
