"""Prints the side-by-side table of a bench/gpu/run-on-gpu.sh run: kb-verified OpenCL kernels against PyTorch."""
import json
import os
import sys

out = sys.argv[1]
hw = json.load(open(os.path.join(out, "hw.json")))
torch = json.load(open(os.path.join(out, "torch.json")))
gpu = next((d for d in hw.get("open_cl_devices") or [] if d["type"] == "gpu"), None)
if gpu:
    print(f"device: {gpu['name']} ({gpu['platform']}, driver {gpu['driver']}); OpenCL copy bandwidth median "
          f"{gpu['bandwidth']['median']:.0f} GB/s (max {gpu['bandwidth']['max']:.0f}); torch copy {torch['copy_gb_per_s']:.0f} GB/s; torch {torch['torch']}")
print("| task | implementation | median µs | p10–p90 µs | effective GB/s | % of SOL (OpenCL copy bw) | vs PyTorch |")
print("|---|---|---|---|---|---|---|")
for task in ["layernorm", "rmsnorm", "softmax"]:
    t = torch["ops"][task]
    print(f"| {task} | PyTorch {torch['torch']} | {t['median_ms']*1e3:.1f} | {t['p10_ms']*1e3:.1f}–{t['p90_ms']*1e3:.1f} | {t['effective_gb_per_s']:.0f} | "
          f"{(134217728 / (gpu['bandwidth']['median'] * 1e9) * 1e3) / t['median_ms'] * 100:.0f}% | 1.00× |" if gpu else "")
    for name in sorted(os.listdir(out)):
        if not (name.startswith(task + "_") and name.endswith(".json")):
            continue
        for r in json.load(open(os.path.join(out, name))):
            if r["verdict"] != "accepted" or not r["performance"]:
                print(f"| {task} | kb OpenCL `{os.path.basename(r['candidate'])}` | rejected: {r.get('code')} | | | | |")
                continue
            p = r["performance"][0]
            print(f"| {task} | kb OpenCL `{os.path.basename(r['candidate'])}` (verified) | {p['median_ms']*1e3:.1f} | "
                  f"{p['p10_ms']*1e3:.1f}–{p['p90_ms']*1e3:.1f} | {p['gb_per_second']:.0f} | {p['sol_fraction']*100:.0f}% | "
                  f"{t['median_ms'] / p['median_ms']:.2f}× |")
