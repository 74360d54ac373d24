#!/usr/bin/env python3
"""Side-by-side timing of two commands as whole processes: runs A and B in turn (A B, B A, A B, ...), N pairs after
one unpaired warm-up each, stopping at the first failing run, and prints min / median / max of each one's wall and
CPU seconds (user + system, from the kernel's accounting of the finished child) and of the per-pair ratios A/B.
Pairing keeps a ratio meaningful while a shared machine's speed drifts; quote medians.

Usage: bench/ab.py [-n PAIRS] 'COMMAND A' 'COMMAND B'
Each command is one string split as a shell splits words (use sh -c '...' for pipes and redirections); its output
is discarded. Example (a fresh ingest each run):
  bench/ab.py -n 8 "sh -c 'rm -f /tmp/a.sqlite*; exec new/kb ingest --store /tmp/a.sqlite corpus'" \\
                   "sh -c 'rm -f /tmp/b.sqlite*; exec old/kb ingest --store /tmp/b.sqlite corpus'"
"""
import argparse, os, shlex, statistics, subprocess, sys, time


def run(argv):
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:  # a command failing at once would be timed as a fast run
        sys.exit(f"exit status {done.returncode}: {shlex.join(argv)}\n{done.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def spread(xs, unit=""):
    return f"{min(xs):.3f}{unit}  {statistics.median(xs):.3f}{unit}  {max(xs):.3f}{unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=6, help="pairs to time (default 6)")
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args()
    a, b = shlex.split(args.a), shlex.split(args.b)
    run(a), run(b)  # warm-up, not counted
    ta, tb = [], []
    for i in range(args.n):
        # A B, then B A: whatever a run leaves behind (page cache, writeback, heat) falls on each side equally.
        if i % 2 == 0:
            ta.append(run(a)); tb.append(run(b))
        else:
            tb.append(run(b)); ta.append(run(a))
    print(f"{args.n} pairs            min     median  max")
    for name, t in (("A", ta), ("B", tb)):
        print(f"{name} wall s         {spread([x[0] for x in t])}")
        print(f"{name} cpu s          {spread([x[1] for x in t])}")
    print(f"A/B wall         {spread([x[0] / y[0] for x, y in zip(ta, tb)])}")
    print(f"A/B cpu          {spread([x[1] / max(y[1], 1e-9) for x, y in zip(ta, tb)])}")


if __name__ == "__main__":
    main()
