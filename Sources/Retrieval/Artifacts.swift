import Foundation

extension KnowledgeStore {
    /// The value cached under (`namespace`, `key`), or nil.
    ///
    /// Artifacts are opaque bytes other modules keep in the store (hardware profiles, verification results);
    /// they are not chunks and never appear in query results.
    public func artifact(namespace: String, key: String) throws(RetrievalError) -> [UInt8]? {
        do {
            let st = try db.prepare("SELECT value FROM artifacts WHERE namespace = ? AND key = ?")
            defer { st.reset() }
            try st.bind([.text(namespace), .text(key)])
            guard try st.step() else { return nil }
            return st.withBlob(0) { Array($0) }
        } catch {
            throw RetrievalError.from(error, path: path)
        }
    }

    /// Stores `value` under (`namespace`, `key`), replacing what was there.
    public func putArtifact(namespace: String, key: String, value: [UInt8]) throws(RetrievalError) {
        do {
            try db.transaction { () throws(SQLiteFailure) in
                let st = try db.prepare("INSERT OR REPLACE INTO artifacts(namespace, key, value, created) VALUES(?, ?, ?, ?)")
                defer { st.reset() }
                try st.run([.text(namespace), .text(key), .blob(value), .double(Date().timeIntervalSince1970)])
            }
        } catch {
            throw RetrievalError.from(error, path: path)
        }
    }

    /// Keys stored in `namespace`, newest first.
    public func artifactKeys(namespace: String) throws(RetrievalError) -> [String] {
        do {
            let st = try db.prepare("SELECT key FROM artifacts WHERE namespace = ? ORDER BY created DESC")
            defer { st.reset() }
            try st.bind([.text(namespace)])
            var out: [String] = []
            while try st.step() { out.append(st.text(0)) }
            return out
        } catch {
            throw RetrievalError.from(error, path: path)
        }
    }
}
