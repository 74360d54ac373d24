#!/usr/bin/env bash
# kb's retrieval benchmarks: ingest throughput (first and unchanged re-ingest) against a raw SQLite FTS5 insert
# of the same text (each the median of three fresh runs), in-process query latency and whole `kb query` process
# latency, at ~10k and ~100k chunks.
# Usage: bench/run.sh [CHUNK_TARGETS...]   (default: 10000 100000). Results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("${@:-10000 100000}")
[ $# -gt 0 ] || targets=(10000 100000)
swift build -c release --product kb >/dev/null
swift build -c release --product kb-bench >/dev/null
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
  # Written-back first, so the timed ingests do not share the disk with the generator's dirty pages; three fresh
  # ingests, the median one reported (single runs on this shared machine swing by ±20 %).
  sync
  for run in 1 2 3; do
    rm -f "$store" "$store-wal" "$store-shm" "$store.vectors"
    "$KB" ingest --store "$store" --json "$corpus" > bench/out/ingest-$target-$run.json
  done
  python3 - "$target" bench/out/ingest-$target-{1,2,3}.json <<'PY'
import json, shutil, sys
runs = sorted(((json.load(open(p))["report"], p) for p in sys.argv[2:]), key=lambda rp: rp[0]["seconds"])
r, path = runs[1]
shutil.copy(path, f"bench/out/ingest-{sys.argv[1]}.json")
times = ", ".join(f"{x[0]['seconds']:.2f}" for x in runs)
print(f"kb ingest (median of 3 fresh runs: {times} s): {r['added']} files, {r['chunks']} chunks, "
      f"{r['bytes']/1e6:.1f} MB in {r['seconds']:.2f} s = {r['bytes']/1e6/r['seconds']:.1f} MB/s, {r['chunks']/r['seconds']:.0f} chunks/s")
PY
  "$KB" ingest --store "$store" --json "$corpus" > bench/out/reingest-$target.json
  python3 - bench/out/reingest-$target.json bench/out/ingest-$target.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["report"]; first = json.load(open(sys.argv[2]))["report"]
print(f"kb re-ingest (unchanged): {r['unchanged']} unchanged in {r['seconds']:.3f} s = {first['bytes']/1e6/r['seconds']:.0f} MB/s of source")
PY
  for run in 1 2 3; do python3 bench/fts_reference.py "$store" "$work/fts-$target.sqlite" > bench/out/fts-$target-$run.json; done
  python3 - "$target" <<'PY'
import json, shutil, sys
t = sys.argv[1]
runs = sorted(((json.load(open(f"bench/out/fts-{t}-{i}.json")), i) for i in (1, 2, 3)), key=lambda ri: ri[0]["seconds"])
r, i = runs[1]
shutil.copy(f"bench/out/fts-{t}-{i}.json", f"bench/out/fts-{t}.json")
k = json.load(open(f"bench/out/ingest-{t}.json"))["report"]
print(f"raw FTS5 insert of the same text (median of 3): {r['rows']} rows, {r['text_bytes']/1e6:.1f} MB in {r['seconds']:.2f} s = {r['mb_per_s']} MB/s; "
      f"kb end-to-end / raw FTS5 time ratio: {r['seconds']/k['seconds']:.2f}x")
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
