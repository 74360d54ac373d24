"""PyTorch's own layernorm, rmsnorm and softmax on the GPU at the shapes kb verifies, timed like kb times kernels.

Usage: python3 bench/gpu/torch_ops.py [ROWS COLS]    (default 4096 4096, fp32)
Prints one JSON object: per op the median / p10 / p90 time in ms over 50 runs (CUDA events), each run preceded
by a 256 MiB write that flushes the L2, plus the effective bandwidth (read x + write y) and the device-copy
bandwidth measured the same way.
"""
import json
import sys

import torch


def timed(fn, flush, runs=50, warmup=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        flush.zero_()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    pick = lambda p: times[min(len(times) - 1, int(p * (len(times) - 1) + 0.5))]
    return {"median_ms": pick(0.5), "p10_ms": pick(0.1), "p90_ms": pick(0.9), "runs": runs}


def main():
    rows, cols = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) == 3 else (4096, 4096)
    dev = torch.device("cuda")
    torch.manual_seed(0)
    x = torch.randn(rows, cols, device=dev, dtype=torch.float32)
    gamma = torch.rand(cols, device=dev) + 0.5
    beta = torch.rand(cols, device=dev) - 0.5
    y = torch.empty_like(x)
    flush = torch.empty(256 << 18, device=dev, dtype=torch.float32)  # 256 MiB
    big_a = torch.empty(256 << 18, device=dev, dtype=torch.float32).normal_()
    big_b = torch.empty_like(big_a)
    bytes_rw = 2 * rows * cols * 4
    ops = {
        "layernorm": lambda: torch.nn.functional.layer_norm(x, (cols,), gamma, beta, 1e-5),
        "rmsnorm": lambda: torch.nn.functional.rms_norm(x, (cols,), gamma, 1e-5),
        "softmax": lambda: torch.softmax(x, dim=-1),
    }
    # Correctness against float64 on the GPU.
    x64 = x.double()
    ref = {
        "layernorm": torch.nn.functional.layer_norm(x64, (cols,), gamma.double(), beta.double(), 1e-5),
        "rmsnorm": x64 / torch.sqrt((x64 * x64).mean(-1, keepdim=True) + 1e-5) * gamma.double(),
        "softmax": torch.softmax(x64, dim=-1),
    }
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "shape": [rows, cols], "ops": {}}
    for name, fn in ops.items():
        err = (fn().double() - ref[name]).abs().max().item()
        r = timed(fn, flush)
        r["max_abs_error"] = err
        r["effective_gb_per_s"] = bytes_rw / (r["median_ms"] * 1e-3) / 1e9
        out["ops"][name] = r
    c = timed(lambda: big_b.copy_(big_a), flush)
    out["copy_gb_per_s"] = 2 * big_a.numel() * 4 / (c["median_ms"] * 1e-3) / 1e9
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
