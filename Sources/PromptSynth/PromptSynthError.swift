public import Retrieval

/// Why a prompt could not be synthesized or an exemplar's value not recorded.
public enum PromptSynthError: Error, Sendable, CustomStringConvertible {
    /// The knowledge store could not be read or written; the store's error says why and what to do.
    case store(RetrievalError)

    /// What went wrong and what to do, for a person.
    public var description: String {
        switch self {
        case .store(let error): "prompt synthesis could not use the store: \(error.description)"
        }
    }

    /// Runs a store call, its failure as a `.store` error.
    static func fromStore<T>(_ body: () throws(RetrievalError) -> T) throws(PromptSynthError) -> T {
        do { return try body() } catch { throw .store(error) }
    }
}
