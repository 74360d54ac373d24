#!/usr/bin/env bash
# Sets kb up on a fresh Debian/Ubuntu machine with the Swift toolchain and runs the main job:
# installs missing system packages, builds kb (release), ingests the bundled corpus into the default store,
# runs example queries, measures the machine (kb hw) and verifies a kernel (kb verify).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Swift's runtime and Foundation linked into the binary: each kb process starts ~5 ms sooner (a whole `kb query`
# 0.81x as long at 100k chunks; docs/BENCHMARKS.md).
swift build -c release --product kb --static-swift-stdlib
KB=.build/release/kb
"$KB" ingest corpus
"$KB" stats
echo
echo '$ kb query "fused softmax tiling" -k 5'
"$KB" query "fused softmax tiling" -k 5
echo '$ kb query _mm512_stream_ps -k 3'
"$KB" query _mm512_stream_ps -k 3
echo '$ kb query "reduction with local memory and barriers" --backend opencl -k 3'
"$KB" query "reduction with local memory and barriers" --backend opencl -k 3
echo
echo '$ kb hw   (measured once, then cached in the store)'
"$KB" hw
echo '$ kb tasks'
"$KB" tasks
# The AVX-512 layernorm where this CPU runs AVX-512, else the AVX2 rmsnorm, else the portable scalar one.
if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
    verify_task=layernorm; verify_file=corpus/kernels/c/layernorm_avx512.c
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    verify_task=rmsnorm; verify_file=corpus/kernels/c/rmsnorm_avx2.c
else
    verify_task=layernorm; verify_file=corpus/kernels/c/layernorm_scalar.c
fi
echo "\$ kb verify --task $verify_task $verify_file"
"$KB" verify --task "$verify_task" "$verify_file"
echo '$ kb generate --task rmsnorm --budget 4 --time 60'
"$KB" generate --task rmsnorm --budget 4 --time 60 --out kb-out
echo "kb is at $KB; add it to your PATH or run it from there. The generated kernel and its report are in kb-out/rmsnorm/c-simd/."
