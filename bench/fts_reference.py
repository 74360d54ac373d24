#!/usr/bin/env python3
"""The raw-SQLite reference for kb's ingest benchmark: inserts exactly the text kb indexed (title, symbols, body
of every chunk in a kb store) into a fresh FTS5 table with the same tokenizer, in batched transactions with WAL,
and prints seconds and MB/s of text inserted. SQLite's default page size unless PAGE_SIZE is given (kb's stores use
64 KiB pages). Usage: fts_reference.py KB_STORE OUT_DB [PAGE_SIZE]"""
import os, sqlite3, sys, time

store, out = sys.argv[1], sys.argv[2]
page_size = int(sys.argv[3]) if len(sys.argv) > 3 else None
rows = sqlite3.connect(store).execute("SELECT title, symbols, body FROM chunks").fetchall()
nbytes = sum(len(a.encode()) + len(b.encode()) + len(c.encode()) for a, b, c in rows)
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(out + suffix):
        os.remove(out + suffix)
db = sqlite3.connect(out, isolation_level=None)
if page_size:
    db.execute(f"PRAGMA page_size={page_size}")
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE VIRTUAL TABLE f USING fts5(title, symbols, body, tokenize='porter unicode61 remove_diacritics 2')")
start = time.perf_counter()
for i in range(0, len(rows), 5000):
    db.execute("BEGIN")
    db.executemany("INSERT INTO f(title, symbols, body) VALUES (?, ?, ?)", rows[i:i + 5000])
    db.execute("COMMIT")
db.execute("INSERT INTO f(f) VALUES('optimize')")
seconds = time.perf_counter() - start
page = db.execute("PRAGMA page_size").fetchone()[0]
print(f'{{"rows": {len(rows)}, "text_bytes": {nbytes}, "page_size": {page}, "seconds": {seconds:.3f}, "mb_per_s": {nbytes / 1e6 / seconds:.1f}}}')
