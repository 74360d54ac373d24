#!/usr/bin/env bash
# Runs on the GPU machine (no Swift there): registers NVIDIA's OpenCL driver with the ICD loader if needed,
# then, in one command, verifies the corpus's OpenCL layernorm, rmsnorm and softmax at 4096 x 4096 fp32 with
# the statically linked kb-verify, and times PyTorch's own ops on the same GPU.
#
#   swift build -c release --product kb-verify --static-swift-stdlib      # here
#   bash bench/gpu/run-on-gpu.sh .build/release/kb-verify OUTDIR           # there
set -euo pipefail
cd "$(dirname "$0")/../.."
KBV=${1:-.build/release/kb-verify}
OUT=${2:-bench/out/gpu}
mkdir -p "$OUT"
if [ -d /etc/OpenCL/vendors ] && ! grep -qs libnvidia-opencl /etc/OpenCL/vendors/*.icd; then
  echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd 2>/dev/null || echo "cannot register the NVIDIA ICD (not root?)"
fi
export XDG_CACHE_HOME="${TMPDIR:-/tmp}/kb-gpu-cache"
"$KBV" hw | tee "$OUT/hw.txt"
"$KBV" hw --json > "$OUT/hw.json"
for kernel in layernorm_gpu layernorm_wg rmsnorm_gpu softmax_gpu softmax_wg; do
  task=${kernel%%_*}
  "$KBV" verify --backend opencl --device NVIDIA --tasks corpus/tasks --task "$task" --json-out "$OUT/$kernel.json" \
    "corpus/kernels/opencl/$kernel.cl" | tee "$OUT/$kernel.txt" || true
done
python3 bench/gpu/torch_ops.py 4096 4096 > "$OUT/torch.json"
python3 bench/gpu/summary.py "$OUT" | tee "$OUT/summary.md"
