#!/usr/bin/env bash
# kb verify next to its peers: the corpus's best kernels for layernorm, rmsnorm, softmax and matmul, timed by
# `kb verify` at all cores and at 1 thread, against onnxruntime (CPU) and numpy (OpenBLAS) on the same shapes,
# thread counts and cache-flush method, with % of kb's speed of light (from `kb hw`) and speedup over kb's
# reference baseline. Prints a Markdown table for docs/BENCHMARKS.md; raw results go to bench/out/verify-bench.json.
#
# Usage: bench/verify-bench.sh [--quick] [other options of `bench/peers.py run`, e.g. --tasks softmax,matmul]
#   --quick   fewer timed runs for the peers and all cores only (a smoke test; kb verify's own method is fixed)
# Environment: KB (default .build/release/kb), PYTHON (default python3) for making bench/.venv.
# Needs python3 with venv (Debian: python3 python3-venv) and PyPI for the first run (bench/requirements-peers.txt).
set -euo pipefail

cmdline="bench/verify-bench.sh${*:+ $*}"
[ -n "${KB:-}" ] && cmdline="KB=$KB $cmdline"

# KB as given is relative to the caller's folder (or a command name on PATH); the default is the repo's build.
if [ -n "${KB:-}" ]; then
  case "$KB" in
    /*) ;;
    */*) KB="$PWD/$KB" ;;
    *) KB=$(command -v "$KB" || echo "$PWD/$KB") ;;
  esac
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KB=${KB:-$PWD/.build/release/kb}
if [ ! -x "$KB" ]; then
  echo "verify-bench: kb not found at $KB: build it with swift build -c release (or set KB=/path/to/kb)" >&2
  exit 2
fi

# The peers' venv: made once, remade when bench/requirements-peers.txt changes.
venv=bench/.venv
req=bench/requirements-peers.txt
stamp=$venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  PYTHON=${PYTHON:-python3}
  command -v "$PYTHON" >/dev/null || { echo "verify-bench: $PYTHON not found (Debian: apt-get install python3 python3-venv)" >&2; exit 2; }
  echo "verify-bench: making $venv from $req" >&2
  rm -rf "$venv"
  if ! "$PYTHON" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    echo "verify-bench: '$PYTHON -m venv' failed (Debian: apt-get install python3-venv)" >&2
    exit 2
  fi
  mkdir -p bench/out
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" > bench/out/pip-install.log 2>&1; then
    tail -n 20 bench/out/pip-install.log >&2
    echo "verify-bench: pip install -r $req failed (log: bench/out/pip-install.log)" >&2
    exit 2
  fi
  echo "$want" > "$stamp"
fi

exec "$venv/bin/python" bench/peers.py run --kb "$KB" --cmdline "$cmdline" "$@"
