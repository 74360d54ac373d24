#!/usr/bin/env bash
# check-corpus.sh -- verify that every bundled kernel in corpus/ compiles.
#   * C kernels (corpus/kernels/c/*.c) with the flags the corpus promises:
#       gcc -std=c11 -O3 -march=x86-64-v4 -fopenmp -Wall -Wextra -Werror -c FILE
#     x86-64-v4 (AVX-512 F/BW/CD/DQ/VL, AVX2, FMA) names the ISA instead of taking it from this CPU, so every
#     kernel compiles on any x86-64 host, with or without AVX-512 (compiling never runs them). On another
#     architecture the kernels with x86 intrinsics are reported as skipped and the rest use -march=native.
#   * Task references (corpus/tasks/*/reference.c), the scalar baselines kb verify times candidates against:
#       gcc -std=c11 -O3 -fopenmp -Wall -Wextra -Werror -c FILE
#   * OpenCL kernels (corpus/kernels/opencl/*.cl) with clBuildProgram on the
#     first OpenCL platform/device, via scripts/clbuild.c (built in a temp dir).
# Prints one line per failure (with compiler output), a summary line per kind,
# and exits non-zero if anything failed.  Set CC to override gcc.
# If no OpenCL platform is present, OpenCL checks are reported as skipped and
# the script exits 3 (unless KB_ALLOW_NO_OPENCL=1, then OpenCL is not fatal).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="$ROOT/corpus"
CC="${CC:-gcc}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

status=0

# --- C kernels --------------------------------------------------------------
c_pass=0; c_fail=0; c_skip=0
shopt -s nullglob
case "$(uname -m)" in
    x86_64|amd64) x86=1; arch_flags=(-march=x86-64-v4) ;;
    *) x86=0; arch_flags=(-march=native) ;;
esac
for f in "$CORPUS"/kernels/c/*.c "$CORPUS"/tasks/*/reference.c; do
    rel="${f#"$CORPUS"/}"
    flags=("${arch_flags[@]}")
    case "$rel" in tasks/*) flags=() ;; esac
    if [ "$x86" -eq 0 ] && grep -q 'immintrin.h' "$f"; then
        c_skip=$((c_skip + 1))
        echo "skip c $rel (x86 intrinsics on $(uname -m))"
        continue
    fi
    if out=$("$CC" -std=c11 -O3 "${flags[@]}" -fopenmp -Wall -Wextra -Werror -c "$f" -o "$TMP/k.o" 2>&1); then
        c_pass=$((c_pass + 1))
    else
        c_fail=$((c_fail + 1))
        echo "FAIL c $rel"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
done
echo "c: $c_pass passed, $c_fail failed, $c_skip skipped"
[ "$c_fail" -eq 0 ] || status=1

# --- OpenCL kernels ---------------------------------------------------------
cl_files=("$CORPUS"/kernels/opencl/*.cl)
cl_pass=0; cl_fail=0
if [ ${#cl_files[@]} -eq 0 ]; then
    echo "opencl: 0 passed, 0 failed (no .cl files)"
elif ! "$CC" -std=c11 -O2 -Wall -Wextra -o "$TMP/clbuild" "$ROOT/scripts/clbuild.c" -lOpenCL 2>"$TMP/clbuild.err"; then
    echo "FAIL building scripts/clbuild.c:"
    sed 's/^/    /' "$TMP/clbuild.err"
    echo "opencl: 0 passed, ${#cl_files[@]} failed (clbuild did not compile)"
    status=1
else
    # Build every .cl in one clbuild run (set KB_SKIP_LAUNCH_CHECK=1 to skip the header check).
    "$TMP/clbuild" "${cl_files[@]}" >"$TMP/cl.out" 2>"$TMP/cl.err"
    rc=$?
    if [ "$rc" -eq 3 ]; then
        cat "$TMP/cl.err"
        echo "opencl: skipped ${#cl_files[@]} (no OpenCL platform)"
        if [ "${KB_ALLOW_NO_OPENCL:-0}" != "1" ]; then status=3; fi
    else
        # Walk clbuild's output: "ok PATH" / "FAIL PATH ..." followed by log lines.
        current_fail=0
        while IFS= read -r line; do
            case "$line" in
                "ok "*) cl_pass=$((cl_pass + 1)); current_fail=0 ;;
                "FAIL "*) cl_fail=$((cl_fail + 1)); current_fail=1
                          echo "FAIL opencl ${line#FAIL }" ;;
                *) [ "$current_fail" -eq 1 ] && printf '    %s\n' "$line" ;;
            esac
        done <"$TMP/cl.out"
        # Every .cl file must start with at least one kb-launch header line.
        if [ "${KB_SKIP_LAUNCH_CHECK:-0}" != "1" ]; then
            for f in "${cl_files[@]}"; do
                if ! head -n 1 "$f" | grep -Eq '^// kb-launch: kernel=[A-Za-z_][A-Za-z0-9_]* global=[^ ]+( local=[^ ]+)?$'; then
                    echo "FAIL opencl ${f#"$CORPUS"/} (missing or malformed kb-launch header on line 1)"
                    cl_fail=$((cl_fail + 1))
                fi
            done
        fi
        echo "opencl: $cl_pass passed, $cl_fail failed"
        if [ "$cl_fail" -ne 0 ] || [ "$rc" -ne 0 ]; then status=1; fi
    fi
fi

total_pass=$((c_pass + cl_pass)); total_fail=$((c_fail + cl_fail))
echo "total: $total_pass passed, $total_fail failed"
exit "$status"
