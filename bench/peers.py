#!/usr/bin/env python3
"""Peers for `kb verify`'s performance numbers: onnxruntime and numpy timed on the same tasks, shapes and thread
counts as the corpus's best kernels, with the same method (warm-up, >= 20 timed runs, a cache flush before each),
next to kb's own report. Driven by bench/verify-bench.sh, which makes the venv and checks for kb.

  peers.py run --kb KB [--quick] [--threads 2,1] [--store S] ...   everything: kb hw, kb verify, peers, table, JSON
  peers.py measure --impl numpy|onnxruntime --task NAME --threads T  one peer in this process (prints JSON)

`measure` sets no thread environment itself: `run` starts it as a subprocess with OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS set before numpy is imported (and OPENBLAS_CORETYPE unset for numpy's 1-thread matmul).
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS_DIR = os.path.join(ROOT, "corpus", "tasks")
KERNELS_DIR = os.path.join(ROOT, "corpus", "kernels", "c")

# The corpus's best kernel per task (what the table compares with the peers).
KERNELS = {
    "layernorm": "layernorm_avx512.c",
    "rmsnorm": "rmsnorm_avx512.c",
    "softmax": "softmax_online_avx512.c",
    "matmul": "matmul_blocked_avx512.c",
}
EPS = 1e-5
TOLERANCE = 1e-3  # |got - want| <= 1e-3 * (|want| + mean|want|), want from a float64 numpy reference


# ---------------------------------------------------------------------------------------------- shared helpers

def load_task(name):
    with open(os.path.join(TASKS_DIR, name, "task.json")) as f:
        return json.load(f)


def label(task, shape):
    return " ".join(f"{s}={shape[s]}" for s in task["symbols"])


def short_shape(task, shape):
    return "×".join(str(shape[s]) for s in task["symbols"])


def cost(task, shape):
    """bytes and flops from task.json's cost expressions (`/` is float division, as in kb)."""
    env = {k: float(v) for k, v in shape.items()}
    out = []
    for key in ("bytes", "flops"):
        expr = task["cost"][key]
        if not re.fullmatch(r"[A-Za-z0-9_+\-*/(). ]+", expr):
            raise SystemExit(f"peers: unexpected cost expression {expr!r} in task {task['name']}")
        out.append(float(eval(expr, {"__builtins__": {}}, env)))  # noqa: S307 (checked above: names and arithmetic only)
    return out[0], out[1]


def percentile(sorted_values, p):
    """Linear interpolation between closest ranks, as kb's Performance.percentile."""
    if not sorted_values:
        return 0.0
    x = p * (len(sorted_values) - 1)
    lo = int(x)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (x - lo)


def nearest(items, threads):
    counts = sorted({m["threads"] for m in items})
    if not counts:
        return None
    below = [c for c in counts if c <= threads]
    pick = below[-1] if below else counts[0]
    return next(m for m in items if m["threads"] == pick)


def speed_of_light(hw, bytes_, flops, threads):
    """kb's T_sol = max(bytes / bw, flops / peak): bw = median 'copy' GB/s, peak = median 'fma' GFLOP/s at the
    nearest measured thread count <= threads. Returns (ms, bound, bw, peak)."""
    bw = nearest([m for m in hw.get("bandwidth", []) if m["kind"] == "copy"], threads)
    peak = nearest([m for m in hw.get("compute", []) if m["kind"] == "fma"], threads)
    if not bw or not peak or bw["median"] <= 0 or peak["median"] <= 0:
        return None, None, None, None
    mem = bytes_ / (bw["median"] * 1e9)
    comp = flops / (peak["median"] * 1e9)
    return max(mem, comp) * 1000, ("bandwidth" if mem >= comp else "compute"), bw["median"], peak["median"]


# ---------------------------------------------------------------------------------------------- measure (child)

def make_inputs(np, task, shape, seed):
    """Inputs drawn as task.json's `init` says (normal / uniform), fp32."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for arg in task["args"]:
        if arg["kind"] != "input":
            continue
        dims = [shape[d] if isinstance(d, str) else int(d) for d in arg["shape"]]
        init = arg.get("init", {"dist": "uniform", "low": -1, "high": 1})
        if init["dist"] == "normal":
            a = rng.standard_normal(dims, dtype=np.float32) * np.float32(init.get("std", 1)) + np.float32(init.get("mean", 0))
        elif init["dist"] == "uniform":
            a = rng.uniform(init.get("low", -1), init.get("high", 1), dims).astype(np.float32)
        else:
            raise SystemExit(f"peers: unknown init {init} in task {task['name']}")
        arrays[arg["name"]] = np.ascontiguousarray(a, dtype=np.float32)
    return arrays


def reference64(np, name, a):
    """float64 numpy reference of the task."""
    if name == "layernorm":
        x = a["x"].astype(np.float64)
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + EPS) * a["gamma"].astype(np.float64) + a["beta"].astype(np.float64)
    if name == "rmsnorm":
        x = a["x"].astype(np.float64)
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + EPS) * a["weight"].astype(np.float64)
    if name == "softmax":
        x = a["x"].astype(np.float64)
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    if name == "matmul":
        return a["a"].astype(np.float64) @ a["b"].astype(np.float64)
    raise SystemExit(f"peers: no reference for task {name}")


def numpy_impl(np, name, a):
    """Idiomatic fp32 numpy, as a user would write it. Returns (callable, description)."""
    if name == "layernorm":
        x, g, b = a["x"], a["gamma"], a["beta"]
        eps = np.float32(EPS)

        def f():
            mean = x.mean(-1, keepdims=True)
            var = x.var(-1, keepdims=True)
            return (x - mean) / np.sqrt(var + eps) * g + b
        return f, "(x-mean)/sqrt(var+eps)*g+b"
    if name == "rmsnorm":
        x, w = a["x"], a["weight"]
        eps = np.float32(EPS)

        def f():
            return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w
        return f, "x/sqrt(mean(x*x)+eps)*w"
    if name == "softmax":
        x = a["x"]

        def f():
            e = np.exp(x - x.max(-1, keepdims=True))
            return e / e.sum(-1, keepdims=True)
        return f, "exp(x-max)/sum"
    if name == "matmul":
        A, B = a["a"], a["b"]

        def f():
            return A @ B
        return f, "a @ b"
    raise SystemExit(f"peers: no numpy version of task {name}")


def onnx_model(name, shape):
    """An in-memory ONNX model of the task, fp32, static shapes. Returns (model, [input names], op description)."""
    import onnx
    from onnx import TensorProto, helper

    def vi(n, dims):
        return helper.make_tensor_value_info(n, TensorProto.FLOAT, dims)

    if name in ("layernorm", "rmsnorm", "softmax"):
        rows, cols = shape["rows"], shape["cols"]
        x, y = vi("x", [rows, cols]), vi("y", [rows, cols])
    candidates = []  # (nodes, inputs, opsets, description), first that onnxruntime accepts wins
    if name == "layernorm":
        node = helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y"], axis=-1, epsilon=EPS)
        candidates.append(([node], [x, vi("gamma", [cols]), vi("beta", [cols])], [("", 17)], "LayerNormalization, opset 17"))
    elif name == "rmsnorm":
        ins = [x, vi("weight", [cols])]
        node = helper.make_node("RMSNormalization", ["x", "weight"], ["y"], axis=-1, epsilon=EPS, stash_type=1)
        candidates.append(([node], ins, [("", 23)], "RMSNormalization, opset 23"))
        node = helper.make_node("SimplifiedLayerNormalization", ["x", "weight"], ["y"], axis=-1, epsilon=EPS, stash_type=1)
        candidates.append(([node], ins, [("", 17)], "SimplifiedLayerNormalization (contrib op, default domain), opset 17"))
        node = helper.make_node("SimplifiedLayerNormalization", ["x", "weight"], ["y"], domain="com.microsoft", axis=-1, epsilon=EPS)
        candidates.append(([node], ins, [("", 17), ("com.microsoft", 1)], "com.microsoft SimplifiedLayerNormalization"))
    elif name == "softmax":
        node = helper.make_node("Softmax", ["x"], ["y"], axis=-1)
        candidates.append(([node], [x], [("", 17)], "Softmax axis -1, opset 17"))
    elif name == "matmul":
        m, n, k = shape["m"], shape["n"], shape["k"]
        node = helper.make_node("MatMul", ["a", "b"], ["c"])
        candidates.append(([node], [vi("a", [m, k]), vi("b", [k, n])], [("", 17)], "MatMul, opset 17"))
    else:
        raise SystemExit(f"peers: no ONNX model for task {name}")
    out_name = "c" if name == "matmul" else "y"
    out_dims = [shape["m"], shape["n"]] if name == "matmul" else [shape["rows"], shape["cols"]]
    models = []
    for nodes, ins, opsets, desc in candidates:
        graph = helper.make_graph(nodes, f"kb_{name}", ins, [vi(out_name, out_dims)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets], producer_name="kb-bench")
        model.ir_version = min(model.ir_version, 11 if any(v >= 23 for d, v in opsets if d == "") else 10)
        models.append((model, [i.name for i in ins], out_name, desc))
    return models


def onnxruntime_impl(np, name, shape, a, threads):
    import onnxruntime as ort
    errors = []
    for model, in_names, out_name, desc in onnx_model(name, shape):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        try:
            sess = ort.InferenceSession(model.SerializeToString(), sess_options=so, providers=["CPUExecutionProvider"])
        except Exception as e:  # this onnxruntime does not know the op: try the next spelling
            errors.append(f"{desc}: {str(e).splitlines()[0][:200]}")
            continue
        out_shape = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
        y = np.empty(out_shape, dtype=np.float32)
        binding = sess.io_binding()
        for n in in_names:
            binding.bind_ortvalue_input(n, ort.OrtValue.ortvalue_from_numpy(a[n]))
        binding.bind_ortvalue_output(out_name, ort.OrtValue.ortvalue_from_numpy(y))

        def f(sess=sess, binding=binding, y=y):
            sess.run_with_iobinding(binding)
            return y

        def poison(y=y):
            y.fill(np.nan)  # as kb's harness: outputs re-poisoned before every timed run
        return f, poison, desc, errors
    raise SystemExit("peers: onnxruntime accepted none of: " + "; ".join(errors))


def measure(args):
    # Pin a 1-thread run to one CPU, as kb's harness does, before numpy / onnxruntime start any thread.
    if args.threads == 1 and hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if cpus:
            os.sched_setaffinity(0, {cpus[0]})
    import numpy as np
    task = load_task(args.task)
    flush = np.zeros(args.flush_bytes, dtype=np.uint8)
    lines = flush[::64]  # one byte per cache line: write then read every line, as kb's harness
    sink = 0
    results = []
    for index, shape in enumerate(task["bench_shapes"]):
        a = make_inputs(np, task, shape, seed=1234 + index)
        want = reference64(np, args.task, a)
        errors = []
        if args.impl == "numpy":
            f, desc = numpy_impl(np, args.task, a)
            poison = None
            version = np.__version__
            blas = ""
            try:
                cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
                blas = f"{cfg.get('name', '')} {cfg.get('version', '')}".strip()
            except Exception:
                pass
            extra = {"blas": blas, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                     "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
        else:
            import onnxruntime as ort
            f, poison, desc, errors = onnxruntime_impl(np, args.task, shape, a, args.threads)
            version = ort.__version__
            extra = {"intra_op_num_threads": args.threads, "inter_op_num_threads": 1, "execution_mode": "sequential",
                     "rejected_spellings": errors}
        for _ in range(args.warmup):
            out = f()
        times = []
        start = time.perf_counter_ns()
        while True:
            if poison:
                poison()
            lines += 1
            sink ^= int(lines.sum())
            t0 = time.perf_counter_ns()
            out = f()
            t1 = time.perf_counter_ns()
            times.append((t1 - t0) / 1e6)
            if len(times) >= args.max_runs:
                break
            if len(times) >= args.min_runs and (t1 - start) / 1e6 >= args.budget_ms:
                break
        got = np.asarray(out, dtype=np.float64)
        err = np.abs(got - want)
        scale = np.abs(want) + np.abs(want).mean()
        ok = bool(np.isfinite(got).all() and (err <= TOLERANCE * scale).all())
        worst = float((err / scale).max()) if err.size else 0.0
        t = sorted(times)
        results.append({
            "impl": args.impl, "version": version, "what": desc, "task": args.task, "shape": shape,
            "label": label(task, shape), "threads": args.threads, "runs": len(t), "warmup": args.warmup,
            "median_ms": percentile(t, 0.5), "p10_ms": percentile(t, 0.1), "p90_ms": percentile(t, 0.9),
            "min_ms": t[0], "times_ms": times, "correct": ok, "max_abs_error": float(err.max()),
            "max_scaled_error": worst, "tolerance": f"|got-want| <= {TOLERANCE} * (|want| + mean|want|), float64 reference",
            **extra,
        })
        del a, want
    json.dump({"results": results, "sink": sink & 1}, sys.stdout)


# ---------------------------------------------------------------------------------------------- run (driver)

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_kb(cmd, what):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"peers: `{shlex.join(cmd)}` ({what}) failed with exit status {p.returncode} (an old kb? build it "
                         f"with swift build -c release):\n{p.stderr.strip()[-2000:]}")
    return p.returncode, doc


def kb_verify(args, name, threads):
    file = os.path.join(KERNELS_DIR, KERNELS[name])
    cmd = [args.kb, "verify", "--json", "--no-cache", "--threads", str(threads), "--store", args.store,
           "--cache-dir", args.cache_dir, "--tasks", TASKS_DIR, "--task", name, os.path.relpath(file, ROOT)]
    before = set(glob.glob(os.path.join(args.cache_dir, "baseline-*.json")))
    t0 = time.time()
    rc, doc = run_kb(cmd, f"kb verify {name}")
    if rc not in (0, 1) or "performance" not in doc:
        raise SystemExit(f"peers: `{shlex.join(cmd)}` gave exit status {rc} and no performance numbers:\n{json.dumps(doc)[:2000]}")
    new = sorted(set(glob.glob(os.path.join(args.cache_dir, "baseline-*.json"))) - before)
    baseline = None
    if len(new) == 1:  # the reference's timing, cached by kb on its first verify of this task in this run
        with open(new[0]) as f:
            baseline = json.load(f)
    slim = {k: doc.get(k) for k in ("verdict", "code", "reason", "rejected_at", "threads", "seed", "seconds", "candidate",
                                    "flags", "compiler", "hardware", "timestamp")}
    slim["performance"] = doc.get("performance", [])
    slim["findings"] = [f for s in doc.get("stages", []) for f in s.get("findings", [])]
    slim["exit_status"] = rc
    slim["command"] = shlex.join(cmd)
    log(f"  kb verify {name} T={threads}: {doc.get('verdict')}{' (' + doc['code'] + ')' if doc.get('code') else ''}"
        f", {time.time() - t0:.1f} s")
    return slim, baseline


def peer(args, impl, name, threads):
    env = dict(os.environ)
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_MAIN_FREE"):
        env.pop(k, None)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    env["MKL_NUM_THREADS"] = str(threads)
    coretype_note = None
    if impl == "numpy" and name == "matmul" and "OPENBLAS_CORETYPE" in env:
        # Field note: with OPENBLAS_CORETYPE forced (Haswell on the project's machines) OpenBLAS's sgemm runs its
        # AVX2 kernel instead of the one it detects (AVX-512): measured 95 vs 174 GFLOP/s at 1 thread and 184 vs
        # 335 at 2, so it is unset for numpy's matmul at every thread count (it does not touch element-wise ops).
        coretype_note = f"OPENBLAS_CORETYPE={env.pop('OPENBLAS_CORETYPE')} unset for this run"
    cmd = [sys.executable, os.path.abspath(__file__), "measure", "--task-dir", TASKS_DIR, "--impl", impl, "--task", name, "--threads", str(threads),
           "--warmup", str(args.warmup), "--min-runs", str(args.min_runs), "--max-runs", str(args.max_runs),
           "--budget-ms", str(args.budget_ms), "--flush-bytes", str(args.flush_bytes)]
    t0 = time.time()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"peers: {impl} {name} T={threads} failed (exit {p.returncode}):\n{p.stderr.strip()[-3000:]}")
    results = json.loads(p.stdout)["results"]
    for r in results:
        r["env_note"] = coretype_note
        log(f"  {impl} {name} T={threads}: median {r['median_ms']:.2f} ms over {r['runs']} runs, "
            f"{'correct' if r['correct'] else 'WRONG'} (max scaled error {r['max_scaled_error']:.1e}), {time.time() - t0:.1f} s")
    return results


def fmt_ms(v):
    return "—" if v is None else (f"{v:.1f}" if v >= 100 else f"{v:.2f}" if v >= 1 else f"{v:.3f}")


def run(args):
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="kb-verify-bench-")
    try:
        _run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, scratch):
    threads_all = args.threads
    tasks = args.tasks
    args.store = args.store or os.path.join(scratch, "kb.sqlite")
    args.cache_dir = args.cache_dir or os.path.join(scratch, "cache")
    os.makedirs(args.cache_dir, exist_ok=True)

    log(f"kb hw --json (store {args.store})")
    hw_cmd = [args.kb, "hw", "--json", "--store", args.store, "--cache-dir", args.cache_dir] + (["--refresh"] if args.refresh_hw else [])
    rc, hw = run_kb(hw_cmd, "kb hw")
    if rc != 0:
        raise SystemExit(f"peers: kb hw exited {rc}")
    if args.flush_bytes == 0:
        llc = max([c["bytes"] for c in hw.get("caches", []) if c.get("type") != "Instruction"] or [32 << 20])
        args.flush_bytes = max(64 << 20, 2 * llc)  # kb's flush size

    import numpy as np
    import onnxruntime as ort
    versions = {"numpy": np.__version__, "onnxruntime": ort.__version__, "python": platform.python_version()}
    try:
        import onnx
        versions["onnx"] = onnx.__version__
    except ImportError:
        pass

    rows = []
    kb_reports = []
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name in tasks:
        task = load_task(name)
        baseline_timing = None
        baseline_ms = {}
        for threads in threads_all:
            log(f"{name}, {threads} thread(s)")
            report, cached = kb_verify(args, name, threads)
            kb_reports.append({"task": name, "threads": threads, **report})
            baseline_timing = baseline_timing or cached
            timed = set()
            for perf in report["performance"]:
                lab = perf["label"]
                timed.add(lab)
                baseline_ms[lab] = perf.get("baseline_ms")
                rows.append({"task": name, "label": lab, "shape": perf.get("shape"), "threads": threads, "impl": "kb",
                             "implementation": f"kb corpus kernel `{KERNELS[name]}`", "median_ms": perf["median_ms"],
                             "p10_ms": perf.get("p10_ms"), "p90_ms": perf.get("p90_ms"), "runs": perf.get("runs"),
                             "verdict": report["verdict"], "code": report.get("code"),
                             "kb_sol_ms": perf.get("sol_ms"), "kb_sol_fraction": perf.get("sol_fraction"),
                             "kb_speedup": perf.get("speedup"), "kb_sol_score": perf.get("sol_score"), "correct": True})
            for shape in task["bench_shapes"]:  # rejected before a timing came back: a row that says so
                if label(task, shape) not in timed:
                    rows.append({"task": name, "label": label(task, shape), "shape": shape, "threads": threads, "impl": "kb",
                                 "implementation": f"kb corpus kernel `{KERNELS[name]}`", "median_ms": None,
                                 "p10_ms": None, "p90_ms": None, "verdict": report["verdict"], "code": report.get("code"),
                                 "correct": True})
            for impl in ("onnxruntime", "numpy"):
                for r in peer(args, impl, name, threads):
                    rows.append({**r, "implementation": f"{impl} {r['version']}"})
        # The reference baseline: kb's scalar reference, timed at 1 thread by kb verify (once per task and machine;
        # its timing comes from kb's baseline cache when the candidate was rejected before the timing stage).
        for shape in task["bench_shapes"]:
            lab = label(task, shape)
            b = baseline_timing if baseline_timing and len(task["bench_shapes"]) == 1 else None
            median = baseline_ms.get(lab) or (b["medianMs"] if b else None)
            if median:
                rows.append({"task": name, "label": lab, "shape": shape, "threads": 1, "impl": "baseline",
                             "implementation": "kb reference baseline (scalar C)", "median_ms": median,
                             "p10_ms": b["p10Ms"] if b else None, "p90_ms": b["p90Ms"] if b else None,
                             "runs": b["runs"] if b else None, "correct": True})

    # Derived columns, all from the same hardware profile and cost model kb uses.
    baseline_of = {(r["task"], r["label"]): r["median_ms"] for r in rows if r["impl"] == "baseline"}
    warnings = []
    for r in rows:
        task = load_task(r["task"])
        shape = r.get("shape") or next(s for s in task["bench_shapes"] if label(task, s) == r["label"])
        b, fl = cost(task, shape)
        sol_ms, bound, bw, peak = speed_of_light(hw, b, fl, r["threads"])
        r.update({"bytes": b, "flops": fl, "sol_ms": sol_ms, "bound": bound, "sol_bandwidth_gb_s": bw, "sol_peak_gflop_s": peak})
        if r["median_ms"] is None:
            r.update({"gb_per_second": None, "gflop_per_second": None, "sol_fraction": None, "speedup": None})
            continue
        secs = r["median_ms"] / 1000
        base = baseline_of.get((r["task"], r["label"]))
        r.update({"gb_per_second": b / secs / 1e9, "gflop_per_second": fl / secs / 1e9,
                  "sol_fraction": (sol_ms / r["median_ms"]) if sol_ms else None,
                  "speedup": base / r["median_ms"] if base else None})
        if r["impl"] == "kb" and r.get("kb_sol_ms") and sol_ms and abs(r["kb_sol_ms"] - sol_ms) > 0.01 * sol_ms:
            warnings.append(f"{r['task']} T={r['threads']}: kb's own sol_ms {r['kb_sol_ms']:.3f} (copy bandwidth measured beside the kernel) differs from this table's {sol_ms:.3f} (the kb hw profile, used for every row so rows compare)")
        if not r.get("correct", True):
            warnings.append(f"{r['implementation']} {r['task']} T={r['threads']}: output WRONG (max scaled error {r['max_scaled_error']:.2e})")

    order = {"baseline": 0, "kb": 1, "onnxruntime": 2, "numpy": 3}
    rows.sort(key=lambda r: (tasks.index(r["task"]), r["label"], r["impl"] != "baseline", -r["threads"], order[r["impl"]]))

    # ------------------------------------------------------------------ the table
    cmdline = args.cmdline or shlex.join(sys.argv)
    out = []
    out.append(f"Command: `{cmdline}`  ")
    out.append(f"Machine: {hw.get('cpu')} ({hw.get('logical_cpus', hw.get('logicalCPUs'))} logical CPUs, {hw.get('isa')}), kb hw fingerprint "
               f"`{hw.get('fingerprint')}` measured {hw.get('measured_at', hw.get('measuredAt'))}; {hw.get('compiler')}  ")
    lim = []
    for t in threads_all:
        bw = nearest([m for m in hw["bandwidth"] if m["kind"] == "copy"], t)
        pk = nearest([m for m in hw["compute"] if m["kind"] == "fma"], t)
        lim.append(f"{t} thread(s): copy {bw['median']:.1f} GB/s (min {bw['min']:.1f}, max {bw['max']:.1f}), "
                   f"FMA {pk['median']:.0f} GFLOP/s")
    out.append("Speed of light (kb hw medians): " + "; ".join(lim) + "  ")
    out.append(f"Peers: onnxruntime {versions['onnxruntime']} (CPU EP, intra-op = threads, inter-op 1, sequential, I/O binding), "
               f"numpy {versions['numpy']} ({next((r['blas'] for r in rows if r.get('blas')), 'BLAS ?')}), Python {versions['python']}; "
               f"{args.warmup} warm-up then {args.min_runs}–{args.max_runs} timed runs, {args.flush_bytes >> 20} MiB cache flush "
               f"(write + read) before each; outputs checked against a float64 reference. Started {started}.")
    out.append("")
    out.append("| task | shape | threads | implementation | median ms | p10–p90 ms | GB/s or GFLOP/s | % of speed of light | speedup vs kb reference |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    notes = []
    for r in rows:
        task = load_task(r["task"])
        shape = r.get("shape") or {}
        impl = r["implementation"]
        if r["impl"] == "kb" and r.get("verdict") != "accepted":
            impl += f" ✗ {r['verdict']}" + (f" ({r['code']})" if r.get("code") else "")
        if r["impl"] == "onnxruntime" and r["task"] == "rmsnorm":
            impl += f" ({r['what'].split(',')[0]})"
        if r.get("env_note"):
            impl += " ‡"
            notes.append(f"- ‡ {r['task']} numpy, {r['threads']} thread(s): {r['env_note']} (forced, OpenBLAS runs a slower sgemm kernel).")
        if not r.get("correct", True):
            impl += " **WRONG OUTPUT**"
        rate = ("—" if r["gb_per_second"] is None else f"{r['gflop_per_second']:.1f} GFLOP/s" if r["bound"] == "compute"
                else f"{r['gb_per_second']:.1f} GB/s")
        spread = f"{fmt_ms(r['p10_ms'])}–{fmt_ms(r['p90_ms'])}" if r.get("p10_ms") is not None else "—"
        sol = f"{100 * r['sol_fraction']:.0f}%" if r.get("sol_fraction") else "—"
        sp = f"{r['speedup']:.2f}×" if r.get("speedup") else "—"
        out.append(f"| {r['task']} | {short_shape(task, shape) if shape else r['label']} | {r['threads']} | {impl} | "
                   f"{fmt_ms(r['median_ms'])} | {spread} | {rate} | {sol} | {sp} |")
    out.append("")
    out.append("% of speed of light = T_sol / median, T_sol = max(bytes / copy GB/s, flops / FMA GFLOP/s) at the row's thread "
               "count (over 100% means faster than kb's measured limit); bytes and flops from each task.json's cost model. "
               "The kb reference baseline is kb's scalar C reference at 1 thread, timed by kb verify; numpy's element-wise "
               "ops run on one thread whatever the thread count (only its matmul uses OpenBLAS threads).")
    for n in dict.fromkeys(notes):
        out.append(n)
    for rep in kb_reports:
        if rep["verdict"] != "accepted":
            out.append(f"- kb verify {rep['task']} --threads {rep['threads']}: {rep['verdict']} at {rep.get('rejected_at')}: {rep.get('reason')}")
        for f in rep.get("findings", []):
            if not f.get("rejects", True) and f.get("code") in ("noisy-timing", "beyond-measured-limit"):
                out.append(f"- kb verify {rep['task']} --threads {rep['threads']}: {f['code']}: {f['message']}")
    for w in warnings:
        out.append(f"- WARNING: {w}")
    text = "\n".join(out)
    print(text, flush=True)

    doc = {"schema": "kb/verify-bench/1", "command": cmdline, "started": started,
           "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "quick": args.quick, "threads": threads_all, "versions": versions, "hardware": hw,
           "method": {"warmup": args.warmup, "min_runs": args.min_runs, "max_runs": args.max_runs,
                      "budget_ms": args.budget_ms, "flush_bytes": args.flush_bytes, "tolerance": TOLERANCE},
           "rows": rows, "kb_verify": kb_reports, "warnings": warnings, "table_markdown": text}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
    out_path = os.path.abspath(args.out)
    log(f"raw results: {os.path.relpath(out_path, ROOT) if out_path.startswith(ROOT + os.sep) else out_path}")
    if any(not r.get("correct", True) for r in rows):
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run", help="kb hw + kb verify + peers, print the Markdown table, write the JSON")
    r.add_argument("--kb", required=True)
    r.add_argument("--quick", action="store_true", help="fewer runs, all cores only")
    r.add_argument("--threads", default=None, help="comma-separated thread counts (default: all cores, then 1)")
    r.add_argument("--tasks", default=",".join(KERNELS), help="comma-separated tasks")
    r.add_argument("--store", default=None, help="kb store (default: a fresh one, so kb hw measures this run)")
    r.add_argument("--cache-dir", default=None, help="kb verify cache (default: a fresh one, so the baseline is timed this run)")
    r.add_argument("--refresh-hw", action="store_true", help="pass --refresh to kb hw")
    r.add_argument("--task-dir", default=None, help="task folder for kb verify and the peers (default: corpus/tasks)")
    r.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "verify-bench.json"))
    r.add_argument("--cmdline", default=None)
    m = sub.add_parser("measure", help="time one peer in this process; JSON on stdout")
    m.add_argument("--impl", choices=("numpy", "onnxruntime"), required=True)
    m.add_argument("--task", required=True)
    m.add_argument("--threads", type=int, required=True)
    m.add_argument("--task-dir", default=None)
    for p in (r, m):
        p.add_argument("--warmup", type=int, default=None)
        p.add_argument("--min-runs", type=int, default=None)
        p.add_argument("--max-runs", type=int, default=None)
        p.add_argument("--budget-ms", type=float, default=None)
        p.add_argument("--flush-bytes", type=int, default=0)
    args = ap.parse_args()
    global TASKS_DIR
    if getattr(args, "task_dir", None):
        TASKS_DIR = os.path.abspath(args.task_dir)
    quick = getattr(args, "quick", False)
    # kb verify's own method: 5 warm-up, then 20..50 timed runs until 2 s have passed.
    defaults = {"warmup": 1 if quick else 5, "min_runs": 5 if quick else 20, "max_runs": 5 if quick else 50,
                "budget_ms": 0 if quick else 2000}
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.mode == "measure":
        if args.flush_bytes <= 0:
            args.flush_bytes = 64 << 20
        if args.task not in KERNELS:
            raise SystemExit(f"peers: unknown task {args.task}")
        measure(args)
        return
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if args.threads:
        args.threads = [int(t) for t in args.threads.split(",") if t]
    else:
        args.threads = [ncpu] if quick else list(dict.fromkeys([ncpu, 1]))
    args.tasks = [t for t in args.tasks.split(",") if t]
    for t in args.tasks:
        if t not in KERNELS:
            raise SystemExit(f"peers: unknown task {t} (known: {', '.join(KERNELS)})")
    run(args)


if __name__ == "__main__":
    main()
