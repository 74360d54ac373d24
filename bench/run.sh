#!/usr/bin/env bash
# kb's retrieval benchmarks: ingest throughput (first and unchanged re-ingest) against a raw SQLite FTS5 insert
# of the same text (five rounds, paired), in-process query latency and whole `kb query` process
# latency, at ~10k and ~100k chunks.
# Usage: bench/run.sh [CHUNK_TARGETS...]   (default: 10000 100000). Results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("${@:-10000 100000}")
[ $# -gt 0 ] || targets=(10000 100000)
# As scripts/demo.sh builds kb: Swift's runtime linked statically (both products, so neither build undoes the other).
swift build -c release --product kb --static-swift-stdlib >/dev/null
swift build -c release --product kb-bench --static-swift-stdlib >/dev/null
KB=$PWD/.build/release/kb
BENCH=$PWD/.build/release/kb-bench
mkdir -p bench/out
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')"
for target in "${targets[@]}"; do
  corpus=$work/corpus-$target
  store=$work/kb-$target.sqlite
  copies=$(python3 bench/gen_corpus.py corpus "$corpus" "$target")
  mb=$(du -sm "$corpus" | cut -f1)
  echo "== ~$target chunks: $copies copies of corpus/, ${mb} MB"
  # Written-back first, so the timed ingests do not share the disk with the generator's dirty pages. Then five
  # rounds, each a fresh kb ingest followed by the raw FTS5 reference on the same text (SQLite's default page size,
  # then kb's 64 KiB pages): single runs on this shared machine swing by ±20 %, and pairing keeps each ratio
  # meaningful while the machine's speed drifts. Medians are reported, and the median of the per-round ratios.
  sync
  for run in 1 2 3 4 5; do
    rm -f "$store" "$store-wal" "$store-shm" "$store.vectors"
    "$KB" ingest --store "$store" --json "$corpus" > bench/out/ingest-$target-$run.json
    python3 bench/fts_reference.py "$store" "$work/fts-$target.sqlite" > bench/out/fts-$target-$run.json
    python3 bench/fts_reference.py "$store" "$work/fts-$target.sqlite" 65536 > bench/out/fts64k-$target-$run.json
  done
  python3 - "$target" <<'PY'
import json, shutil, statistics, sys
t = sys.argv[1]
rounds = range(1, 6)
kb = [json.load(open(f"bench/out/ingest-{t}-{i}.json"))["report"] for i in rounds]
middle = sorted(rounds, key=lambda i: kb[i - 1]["seconds"])[2]
shutil.copy(f"bench/out/ingest-{t}-{middle}.json", f"bench/out/ingest-{t}.json")
r = kb[middle - 1]
times = ", ".join(f"{x['seconds']:.2f}" for x in kb)
print(f"kb ingest (median of 5 fresh runs: {times} s): {r['added']} files, {r['chunks']} chunks, "
      f"{r['bytes']/1e6:.1f} MB in {r['seconds']:.2f} s = {r['bytes']/1e6/r['seconds']:.1f} MB/s, {r['chunks']/r['seconds']:.0f} chunks/s")
for name, label in (("fts", "SQLite's default pages"), ("fts64k", "kb's 64 KiB pages")):
    raw = [json.load(open(f"bench/out/{name}-{t}-{i}.json")) for i in rounds]
    ratios = [x["seconds"] / k["seconds"] for x, k in zip(raw, kb)]
    m = sorted(raw, key=lambda x: x["seconds"])[2]
    json.dump({**m, "ratios": ratios, "median_ratio": statistics.median(ratios)}, open(f"bench/out/{name}-{t}.json", "w"))
    print(f"raw FTS5 insert of the same text ({label}; median of 5): {m['rows']} rows, {m['text_bytes']/1e6:.1f} MB in "
          f"{m['seconds']:.2f} s = {m['mb_per_s']} MB/s; raw / kb time, median of the 5 paired rounds: "
          f"{statistics.median(ratios):.2f}x ({', '.join(f'{x:.2f}' for x in ratios)})")
PY
  "$KB" ingest --store "$store" --json "$corpus" > bench/out/reingest-$target.json
  python3 - bench/out/reingest-$target.json bench/out/ingest-$target.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["report"]; first = json.load(open(sys.argv[2]))["report"]
print(f"kb re-ingest (unchanged): {r['unchanged']} unchanged in {r['seconds']:.3f} s = {first['bytes']/1e6/r['seconds']:.0f} MB/s of source")
PY
  "$BENCH" query-latency "$store" bench/eval/queries.jsonl 5 | tee bench/out/latency-$target.json | python3 -c "
import json,sys; r=json.load(sys.stdin)
print(f\"in-process query latency ({r['chunks']} chunks, {r['queries']} queries x {r['rounds']}; cold first query {r['cold_ms']:.1f} ms):\")
for m in ('hybrid','bm25','vector'): print(f\"  {m:7s} p50 {r[m]['p50_ms']:.2f} ms  p95 {r[m]['p95_ms']:.2f} ms  max {r[m]['max_ms']:.2f} ms\")"
  python3 - "$KB" "$store" <<'PY'
import json, subprocess, sys, time
kb, store = sys.argv[1], sys.argv[2]
queries = [json.loads(l)["query"] for l in open("bench/eval/queries.jsonl") if l.strip()][:20]
times = []
for _ in range(2):
    for q in queries:
        t = time.perf_counter()
        subprocess.run([kb, "query", "--store", store, q], stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"whole kb query process ({len(times)} runs): p50 {times[len(times)//2]:.1f} ms, p95 {times[int(len(times)*0.95)]:.1f} ms")
PY
done
