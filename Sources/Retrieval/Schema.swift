/// The store's schema and its forward migrations (`PRAGMA user_version` holds the applied version).
enum Schema {
    /// The schema version this kb writes.
    static let currentVersion = 7

    /// Migrations: element `i` upgrades version `i` to `i + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
        CREATE TABLE documents(
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL UNIQUE,
            display_path TEXT NOT NULL,
            format TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            parser_version INTEGER NOT NULL,
            ingested_at REAL NOT NULL
        );
        CREATE TABLE chunks(
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            kind TEXT NOT NULL,
            lang TEXT NOT NULL,
            backend TEXT,
            symbol TEXT,
            title TEXT NOT NULL,
            symbols TEXT NOT NULL,
            body TEXT NOT NULL,
            start_line INTEGER NOT NULL,
            end_line INTEGER NOT NULL,
            isa TEXT NOT NULL,
            ops TEXT NOT NULL,
            meta TEXT NOT NULL
        );
        CREATE INDEX chunks_document ON chunks(document_id);
        CREATE INDEX chunks_kind ON chunks(kind, lang);
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            title, symbols, body, content='chunks', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2');
        CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, title, symbols, body) VALUES (new.id, new.title, new.symbols, new.body);
        END;
        CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, title, symbols, body) VALUES ('delete', old.id, old.title, old.symbols, old.body);
        END;
        CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row');
        CREATE TABLE identifiers(
            token TEXT NOT NULL,
            chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
            defines INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY(token, chunk_id)
        ) WITHOUT ROWID;
        CREATE INDEX identifiers_chunk ON identifiers(chunk_id);
        CREATE TABLE vectors(
            chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            scale REAL NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE traces(
            chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            task TEXT NOT NULL, backend TEXT NOT NULL, outcome TEXT NOT NULL, stage TEXT,
            median_ms REAL, baseline_ms REAL, sol_ms REAL, speedup REAL, sol_fraction REAL, sol_score REAL, threads INTEGER
        );
        CREATE INDEX traces_task ON traces(task, backend);
        CREATE TABLE vector_pack(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            generation INTEGER NOT NULL,
            count INTEGER NOT NULL,
            ids BLOB NOT NULL,
            scales BLOB NOT NULL,
            data BLOB NOT NULL
        );
        """,
        // v2: the packed vector index moved to a memory-mapped file beside the store; stores get an identity.
        """
        DROP TABLE vector_pack;
        INSERT OR IGNORE INTO meta(key, value) VALUES('store_id', randomblob(16));
        """,
        // v3: artifacts other modules cache in the store (hardware profiles, verification results), by namespace and key.
        """
        CREATE TABLE artifacts(
            namespace TEXT NOT NULL,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            created REAL NOT NULL,
            PRIMARY KEY(namespace, key)
        ) WITHOUT ROWID;
        """,
        // v4: ingest writes the FTS row itself; an AFTER INSERT trigger made every FTS insert ~2.3x slower.
        """
        DROP TRIGGER IF EXISTS chunks_fts_insert;
        """,
        // v5: exact identifier lookups ask FTS5 for the identifier's pieces and check the spelling in the candidates;
        // the identifier table cost a fifth of a large ingest's writer time for what FTS5 already holds.
        """
        DROP TABLE IF EXISTS identifiers;
        """,
        // v6: the vector file beside the store is the only copy of the vectors; the chunk-id high-water mark
        // starts at the largest id in use, so ids are never reused.
        """
        DROP TABLE IF EXISTS vectors;
        INSERT OR REPLACE INTO meta(key, value) VALUES('chunk_id_high_water', (SELECT coalesce(max(id), 0) FROM chunks));
        """,
        // v7: a trace's 10th and 90th percentile times are columns too (the parser version moved on with it, so the
        // next ingest fills them for stored traces).
        """
        ALTER TABLE traces ADD COLUMN p10_ms REAL;
        ALTER TABLE traces ADD COLUMN p90_ms REAL;
        """,
    ]
}
