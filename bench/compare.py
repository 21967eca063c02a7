#!/usr/bin/env python3
"""A/B several ferret builds on one corpus: alternating runs, median wall and CPU time.

    compare.py CORPUS NAME=BINARY [NAME=BINARY...] [--runs N] [--threads J] [-- EXTRA SCAN ARGS]

Used to measure each optimisation against the build before it (bench/RESULTS.md). CPU time
(user + system) is the steadier figure on a shared machine; wall time follows it.
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runbench import run_once  # noqa: E402


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("builds", nargs="+")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    builds = [b.split("=", 1) for b in args.builds]
    cmds = [
        (name, [binary, "scan", args.corpus, "--no-ignore", "--no-progress", "--exit-zero", "-f", "json", "-o", "/dev/null", "-j", str(args.threads)] + extra)
        for name, binary in builds
    ]
    samples = {name: [] for name, _ in cmds}
    for name, cmd in cmds:
        run_once(cmd)
    for r in range(args.runs):
        order = cmds[r % len(cmds) :] + cmds[: r % len(cmds)]
        for name, cmd in order:
            samples[name].append(run_once(cmd))
    base = None
    print("| build | median CPU | median wall | peak RSS | CPU vs previous |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in cmds:
        cpu = statistics.median(s["cpu"] for s in samples[name])
        wall = statistics.median(s["wall"] for s in samples[name])
        rss = max(s["rss_mb"] for s in samples[name])
        vs = "" if base is None else "{:.2f}×".format(cpu / base)
        print("| {} | {:.2f} s | {:.2f} s | {:.0f} MB | {} |".format(name, cpu, wall, rss, vs))
        base = cpu


if __name__ == "__main__":
    main()
