#!/usr/bin/env python3
"""Chunk coverage of a kb store: every non-blank line of every ingested source file (HTML, XML and JSON Lines aside,
whose chunks are rendered text or records) should lie in some chunk's line range; a Markdown heading with no text of
its own counts when it is in its subsections' heading path (kb indexes that path with them). Prints the lines left out, by
format, and the files losing most. A line left out is text no query can find.

Usage: bench/coverage.py STORE [N]   (N: how many files to list, default 10)"""
import collections, json, sqlite3, sys

store = sys.argv[1]
show = int(sys.argv[2]) if len(sys.argv) > 2 else 10
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
lost_total, checked, by_format, worst = 0, 0, collections.Counter(), []
for doc_id, source, display, fmt in db.execute("SELECT id, source, display_path, format FROM documents"):
    if fmt in ("html", "xml", "jsonl") or source.startswith(("http://", "https://")):
        continue
    try:
        with open(source, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except OSError:
        continue  # gone or unreadable since the ingest
    covered = [False] * (len(lines) + 2)
    headings = set()  # a Markdown heading with no text of its own lives on in its subsections' heading paths
    for start, end, meta in db.execute("SELECT start_line, end_line, meta FROM chunks WHERE document_id = ?", (doc_id,)):
        for i in range(max(start, 1), min(end, len(lines)) + 1):
            covered[i] = True
        if fmt in ("markdown", "text"):
            headings.update(json.loads(meta).get("headingPath", []))
    def in_heading_path(line):
        title = line.strip().lstrip("#").strip().rstrip("#").strip()
        return line.lstrip().startswith("#") and title in headings
    lost = [i for i in range(1, len(lines) + 1) if not covered[i] and lines[i - 1].strip() and not in_heading_path(lines[i - 1])]
    checked += 1
    if lost:
        lost_total += len(lost)
        by_format[fmt] += len(lost)
        worst.append((len(lost), display, lost[:6]))
print(f"{checked} files checked; non-blank lines in no chunk: {lost_total} {dict(by_format)}")
for n, path, first in sorted(worst, reverse=True)[:show]:
    print(f"  {n:6d}  {path}  (lines {', '.join(map(str, first))}{', ...' if n > len(first) else ''})")
