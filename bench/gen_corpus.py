#!/usr/bin/env python3
"""Makes a synthetic corpus of about N chunks for kb's ingest/query benchmarks by replicating the bundled corpus
with every identifier, heading and trace id renamed per copy (so copies are distinct documents and chunks), and
a per-copy sentence added to each doc section. Usage: gen_corpus.py SRC_CORPUS OUT_DIR TARGET_CHUNKS"""
import json, os, re, sys

if len(sys.argv) != 4:
    sys.exit("usage: gen_corpus.py SRC_CORPUS OUT_DIR TARGET_CHUNKS")
src, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = []
for root, _, names in os.walk(src):
    for n in sorted(names):
        p = os.path.join(root, n)
        files.append((os.path.relpath(p, src), open(p, encoding="utf-8").read()))
# Chunks per copy of the bundled corpus, measured: see docs/BENCHMARKS.md (kb stats on corpus/).
per_copy = int(os.environ.get("KB_CHUNKS_PER_COPY", "394"))
copies = max(1, round(target / per_copy))
ident = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*_[A-Za-z0-9_]+|[a-z]+[A-Z][A-Za-z0-9]*)\b")
for c in range(copies):
    suffix = f"_c{c}"
    for rel, text in files:
        base, ext = os.path.splitext(rel)
        dest = os.path.join(out, f"copy{c:05d}", base + ext)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if ext in (".c", ".cl", ".h"):
            body = re.sub(r"\b(void|float|static inline float|__kernel void)\s+([a-z_][a-z0-9_]*)\s*\(", lambda m: f"{m.group(1)} {m.group(2)}{suffix}(", text)
        elif ext == ".jsonl":
            lines = []
            for line in text.splitlines():
                if line.strip():
                    o = json.loads(line); o["id"] = o["id"] + suffix; lines.append(json.dumps(o))
            body = "\n".join(lines) + "\n"
        elif ext == ".md":
            body = re.sub(r"^(#+ .*)$", lambda m: f"{m.group(1)} ({c})\n\nCopy {c} of this section for benchmarking.", text, flags=re.M)
        else:
            body = text
        open(dest, "w", encoding="utf-8").write(body)
print(copies)
