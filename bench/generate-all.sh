#!/usr/bin/env bash
# Runs `kb generate` (offline search generator) on every task, C SIMD and/or OpenCL, and prints a table:
# best kernel's time, % of speed of light, speedup over the reference, attempts and seconds.
# In the same run it times numpy's (OpenBLAS) single-thread sgemm on the matmul benchmark shape.
#
#   bench/generate-all.sh [c-simd|opencl|both] [SECONDS_PER_TASK] [TASK ...]
set -euo pipefail
cd "$(dirname "$0")/.."
BACKENDS=${1:-c-simd}; shift || true
SECONDS_PER_TASK=${1:-180}; shift || true
KB=${KB:-.build/release/kb}
[ -x "$KB" ] || { echo "kb not found at $KB: build it with swift build -c release" >&2; exit 2; }
OUT=bench/out/generate
mkdir -p "$OUT"
TASKS=("$@")
if [ ${#TASKS[@]} -eq 0 ]; then mapfile -t TASKS < <("$KB" tasks --json | python3 -c "import json,sys; print('\n'.join(t['name'] for t in json.load(sys.stdin)))"); fi
[ "$BACKENDS" = both ] && BACKENDS="c-simd opencl"
echo "Command: bench/generate-all.sh $BACKENDS $SECONDS_PER_TASK ${*:-}  ($(date -u +%FT%TZ))"
"$KB" hw --json | python3 -c "import json,sys; h=json.load(sys.stdin); print('Machine:', h['cpu'], h['fingerprint'], [(m['kind'], m['threads'], round(m['median'],1)) for m in h['bandwidth']+h['compute'] if m['kind'] in ('copy','fma')])"
for backend in $BACKENDS; do
  for t in "${TASKS[@]}"; do
    [ "$backend" = opencl ] && [ ! -f "corpus/tasks/$t/reference.cl" ] && ! grep -lq "kernel=$t " corpus/kernels/opencl/*.cl 2>/dev/null && continue
    start=$(date +%s.%N)
    "$KB" generate --task "$t" --backend "$backend" --time "$SECONDS_PER_TASK" --budget 12 --out "$OUT" --json > "$OUT/$t-$backend.json" 2> "$OUT/$t-$backend.err" || true
    end=$(date +%s.%N)
    python3 - "$OUT/$t-$backend.json" "$t" "$backend" "$start" "$end" <<'PY'
import json, sys
path, task, backend, start, end = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception:
    print(f"| {task} | {backend} | failed (see {path[:-5]}.err) | | | | | |"); sys.exit(0)
best = next((a for a in r["attempts"] if a["id"] == r.get("best")), None)
secs = float(end) - float(start)
if not best:
    print(f"| {task} | {backend} | no accepted kernel | | | | {len(r['attempts'])} | {secs:.0f} |"); sys.exit(0)
rep = best["report"]
f = lambda v, d=2: "–" if v is None else f"{v:.{d}f}"
print(f"| {task} | {backend} | {best['draft']['change'][:48]} | {f(rep.get('median_ms'), 3)} | {f((rep.get('sol_fraction') or 0) * 100, 1)}% | "
      f"{f(rep.get('speedup'))}× | {len(r['attempts'])} | {secs:.0f} |")
PY
  done
done
if [ -x bench/.venv/bin/python ]; then
  env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 bench/.venv/bin/python - <<'PY'
import time, numpy as np
a = np.random.rand(1024, 1024).astype(np.float32); b = np.random.rand(1024, 1024).astype(np.float32)
for _ in range(3): a @ b
ts = []
for _ in range(20):
    t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
ts.sort(); m = ts[len(ts) // 2]
print(f"numpy {np.__version__} (OpenBLAS) sgemm 1024^3, 1 thread: {m*1e3:.2f} ms = {2*1024**3/m/1e9:.1f} GFLOP/s (median of 20)")
PY
fi
