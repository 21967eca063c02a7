#!/usr/bin/env python3
"""Prepare the benchmark corpora, run ferret beside peer scanners and the floors, write the table.

Called by `bench/run.sh` (which builds ferret first); see bench/README.md. Every command of a
scenario runs once per round, the order rotating from round to round, so load that comes and
goes on the machine hits every command alike. Wall time is measured around the process; peak RSS
and CPU time come from the kernel's rusage of the process (what `/usr/bin/time -v` prints).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

SLOW = 60
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SCALES = {
    # synthetic tree MiB, real-tree MiB cap (0 = every crate), history MiB cap (0 = every crate)
    "small": (100, 120, 120),
    "default": (1024, 0, 0),
}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def du_bytes(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def prepare_synth(work, mb):
    out = os.path.join(work, "synth")
    planted = out + ".planted.json"
    if not os.path.exists(planted):
        shutil.rmtree(out, ignore_errors=True)
        log("generating the synthetic tree ({} MiB)".format(mb))
        subprocess.run([sys.executable, os.path.join(HERE, "gen_synth.py"), out, "--size-mb", str(mb)], check=True)
    return out, planted


def real_metadata(work):
    meta = os.path.join(work, "..", "real-metadata.json")
    if not os.path.exists(meta):
        manifest = os.path.join(HERE, "real-tree", "Cargo.toml")
        log("fetching the real-tree crates (cargo fetch, pinned by bench/real-tree/Cargo.lock)")
        subprocess.run(["cargo", "fetch", "--locked", "--manifest-path", manifest], check=True)
        data = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked", "--manifest-path", manifest],
            check=True,
            capture_output=True,
        ).stdout
        with open(meta, "wb") as f:
            f.write(data)
    return meta


def prepare_real(work, cap_mb):
    out = os.path.join(work, "real")
    done = out + ".done"
    if not os.path.exists(done):
        shutil.rmtree(out, ignore_errors=True)
        meta = json.load(open(real_metadata(work)))
        dirs = sorted(
            os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p.get("source")
        )
        os.makedirs(out)
        total = 0
        for d in dirs:
            if cap_mb and total > cap_mb << 20:
                break
            dest = os.path.join(out, os.path.basename(d))
            # Hard links: no copy of the registry's files, and the tree holds exactly these crates.
            if subprocess.run(["cp", "-al", d, dest]).returncode != 0:
                shutil.copytree(d, dest, symlinks=True)
            total += du_bytes(dest)
        open(done, "w").write(str(total))
    return out


def prepare_history(work, cap_mb):
    repo = os.path.join(work, "history.git")
    planted = repo + ".planted.json"
    if not os.path.exists(planted):
        shutil.rmtree(repo, ignore_errors=True)
        cmd = [sys.executable, os.path.join(HERE, "gen_history.py"), repo, "--metadata", real_metadata(work)]
        if cap_mb:
            cmd += ["--max-mb", str(cap_mb)]
        subprocess.run(cmd, check=True)
    return repo, planted


def prepare_staged(work):
    """A repository with a few hundred committed files and a handful of staged changes."""
    repo = os.path.join(work, "staged")
    if not os.path.exists(os.path.join(repo, ".git")):
        shutil.rmtree(repo, ignore_errors=True)
        os.makedirs(repo)
        git = ["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@example.org"]
        subprocess.run(git + ["init", "-q"], check=True)
        for i in range(300):
            p = os.path.join(repo, "src", "mod{}".format(i // 30), "file{}.py".format(i))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write("".join("def f{0}_{1}(token, path):\n    return path + str({1})\n".format(i, j) for j in range(100)))
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "base"], check=True)
        for i in range(5):
            p = os.path.join(repo, "src", "mod0", "file{}.py".format(i))
            with open(p, "a") as f:
                f.write("GITHUB_TOKEN = 'ghp_{}'\n".format(("R2d2C3poBb8Ewok5Jabba6Hutt7Yoda8Luk" + str(i))[:36]))
        subprocess.run(git + ["add", "-A"], check=True)
    return repo


def find_tool(name, extra_dirs):
    for d in extra_dirs:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return shutil.which(name)


def run_once(cmd, cwd=None, timeout=None):
    start = time.perf_counter()
    # A session of its own, so a timeout ends the whole process group (a shell and its children).
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, shell=isinstance(cmd, str), start_new_session=True
    )
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            os.killpg(proc.pid, 9)
            os.wait4(proc.pid, 0)
            return None
        time.sleep(0.002)
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,
        "rss_mb": ru.ru_maxrss / 1024.0,
        "code": os.waitstatus_to_exitcode(status),
    }


def measure(scenario, commands, runs, timeout):
    """commands: list of (label, argv or shell string). Returns label -> list of samples."""
    samples = {label: [] for label, _ in commands}
    timed_out = set()
    slow = set()
    # Warm-up: page cache, rule caches (Kingfisher compiles its database on first use). A
    # command slower than SLOW seconds is run once more, not every round.
    for label, cmd in commands:
        first = run_once(cmd, timeout=timeout)
        if first is None:
            timed_out.add(label)
            log("{}: {} timed out after {} s; left out".format(scenario, label, timeout))
        elif first["wall"] > SLOW:
            # Slow enough that the page cache and start-up costs do not matter: the warm-up run
            # is the measurement.
            slow.add(label)
            samples[label].append(first)
            log("{}: {} takes {:.0f} s; measured once".format(scenario, label, first["wall"]))
    live = [(label, cmd) for label, cmd in commands if label not in timed_out | slow]
    for r in range(runs):
        order = live[r % len(live) :] + live[: r % len(live)] if live else []
        for label, cmd in order:
            s = run_once(cmd, timeout=timeout)
            if s is not None:
                samples[label].append(s)
        log("{}: round {}/{} done".format(scenario, r + 1, runs))
    return samples, timed_out


def summarise(samples):
    if not samples:
        return None
    return {
        "wall": statistics.median(s["wall"] for s in samples),
        "cpu": statistics.median(s["cpu"] for s in samples),
        "rss_mb": max(s["rss_mb"] for s in samples),
        "n": len(samples),
    }


def recall(findings_json, planted_json):
    found = json.load(open(findings_json))["findings"]
    planted = json.load(open(planted_json))["planted"]
    have = {(f["path"], f["line"], f["rule_id"]) for f in found}
    hit = sum(1 for p in planted if (p["path"], p["line"], p["rule"]) in have)
    return hit, len(planted), len(found)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", choices=sorted(SCALES), default="default")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated scenarios: synth,real,history,staged,rules,threads")
    ap.add_argument("--timeout", type=int, default=300, help="seconds before a peer's run is given up")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    args = ap.parse_args()
    work = os.path.join(os.environ.get("FERRET_BENCH_DIR", os.path.join(ROOT, "target", "bench")), args.scale)
    os.makedirs(work, exist_ok=True)
    peers_dirs = [os.path.join(work, "..", "peers", "venv", "bin"), os.path.join(work, "..", "peers", "cargo", "bin")]
    ferret = os.path.join(ROOT, "target", "release", "ferret")
    kingfisher = find_tool("kingfisher", peers_dirs)
    ripsecrets = find_tool("ripsecrets", peers_dirs)
    detect_secrets = find_tool("detect-secrets", peers_dirs)
    rg = shutil.which("rg")
    nproc = os.cpu_count() or 1
    synth_mb, real_mb, hist_mb = SCALES[args.scale]
    only = set(filter(None, args.only.split(",")))
    want = lambda s: not only or s in only  # noqa: E731
    out_json = os.path.join(work, "ferret-out.json")
    rows = []  # (scenario, corpus MiB, label, summary, note)
    notes = []

    def tree_commands(path, with_slow_peers):
        cmds = [("ferret", [ferret, "scan", path, "--no-ignore", "--no-progress", "--exit-zero", "-f", "json", "-o", out_json])]
        if kingfisher:
            cmds.append(("kingfisher", [kingfisher, "scan", path, "--no-validate", "--no-update-check", "--git-history", "none", "-j", str(nproc), "--format", "json", "-o", "/dev/null"]))
        if ripsecrets and with_slow_peers:
            cmds.append(("ripsecrets", [ripsecrets, path]))
        if detect_secrets and with_slow_peers:
            cmds.append(("detect-secrets", "cd {} && {} scan --all-files > /dev/null".format(path, detect_secrets)))
        if rg:
            cmds.append(("rg floor", [rg, "-uuu", "-c", "AKIA", path]))
        return cmds

    def record(scenario, size, samples, timed_out):
        for label, ss in samples.items():
            rows.append((scenario, size, label, summarise(ss), "timed out" if label in timed_out else ""))

    if want("synth"):
        path, planted = prepare_synth(work, synth_mb)
        size = du_bytes(path)
        samples, to = measure("synth", tree_commands(path, args.scale == "small"), args.runs, args.timeout)
        record("synthetic tree", size, samples, to)
        hit, total, nfind = recall(out_json, planted)
        notes.append("synthetic tree: ferret found {}/{} planted provider keys ({} findings in all)".format(hit, total, nfind))
    if want("real"):
        path = prepare_real(work, real_mb)
        size = du_bytes(path)
        samples, to = measure("real", tree_commands(path, args.scale == "small"), args.runs, args.timeout)
        record("real tree (crate sources)", size, samples, to)
    if want("threads"):
        path, _ = prepare_synth(work, synth_mb)
        size = du_bytes(path)
        cmds = []
        for j in sorted({1, 2, nproc}):
            cmds.append(("ferret -j{}".format(j), [ferret, "scan", path, "--no-ignore", "--no-progress", "--exit-zero", "-f", "json", "-o", "/dev/null", "-j", str(j)]))
        samples, to = measure("threads", cmds, args.runs, args.timeout)
        record("thread scaling (synthetic tree)", size, samples, to)
    if want("history"):
        repo, planted = prepare_history(work, hist_mb)
        size = int(subprocess.run("git -C {} cat-file --batch-all-objects --batch-check='%(objectsize)' | awk '{{s+=$1}} END {{print s}}'".format(repo), shell=True, capture_output=True, text=True).stdout.strip() or 0)
        help_text = subprocess.run([ferret, "scan", "--help"], capture_output=True, text=True).stdout
        cmds = []
        if "--history" in help_text:
            cmds.append(("ferret --history", [ferret, "scan", repo, "--history", "--no-progress", "--exit-zero", "-f", "json", "-o", out_json]))
        else:
            notes.append("history: this ferret build has no --history; only peers and the floor were measured")
        if kingfisher:
            cmds.append(("kingfisher", [kingfisher, "scan", repo, "--no-validate", "--no-update-check", "--git-history", "full", "-j", str(nproc), "--format", "json", "-o", "/dev/null"]))
        cmds.append(("git cat-file floor", "git -C {} cat-file --batch-all-objects --batch --unordered | wc -c".format(repo)))
        samples, to = measure("history", cmds, args.runs, args.timeout)
        record("git history", size, samples, to)
        if "--history" in help_text:
            hit, total, nfind = recall(out_json, planted)
            notes.append("git history: ferret found {}/{} planted provider keys that were later removed ({} findings in all)".format(hit, total, nfind))
    if want("staged"):
        repo = prepare_staged(work)
        help_text = subprocess.run([ferret, "scan", "--help"], capture_output=True, text=True).stdout
        cmds = []
        if "--staged" in help_text:
            cmds.append(("ferret --staged", [ferret, "scan", repo, "--staged", "--no-progress", "--exit-zero", "-f", "json", "-o", "/dev/null"]))
        if kingfisher:
            cmds.append(("kingfisher --staged", "cd {} && {} scan . --staged --no-validate --no-update-check --format json -o /dev/null".format(repo, kingfisher)))
        if cmds:
            samples, to = measure("staged", cmds, max(args.runs, 10), args.timeout)
            record("--staged, 5 staged files", 0, samples, to)
    if want("rules"):
        samples, to = measure("rules", [("ferret rules check", [ferret, "rules", "check"])], max(args.runs, 5), args.timeout)
        record("rules check", 0, samples, to)
    write_results(args, rows, notes, nproc)


def write_results(args, rows, notes, nproc):
    lines = []
    host = subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    lines.append("Scale `{}`, {} runs per command (median), {} cores, load average at the end {:.1f}; {}; {}.".format(
        args.scale, args.runs, nproc, load[0], host, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    lines.append("")
    lines.append("| scenario | size | tool | median wall | runs | MB/s | CPU (user+sys) | peak RSS | ferret ÷ this |")
    lines.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    by_scenario = {}
    for scenario, size, label, summ, note in rows:
        by_scenario.setdefault(scenario, []).append((size, label, summ, note))
    for scenario, items in by_scenario.items():
        ferret_wall = next((s["wall"] for _, l, s, _ in items if l.startswith("ferret") and s), None)
        for size, label, summ, note in items:
            if summ is None:
                lines.append("| {} | {} | {} | {} | | | | | |".format(scenario, fmt_size(size), label, note or "no run"))
                continue
            mbs = "{:.0f}".format(size / 1e6 / summ["wall"]) if size else ""
            ratio = ""
            if ferret_wall and not label.startswith("ferret"):
                ratio = "{:.2f}×".format(ferret_wall / summ["wall"])
            lines.append("| {} | {} | {} | {} | {} | {} | {:.2f} s | {:.0f} MB | {} |".format(
                scenario, fmt_size(size), label, fmt_time(summ["wall"]), summ["n"], mbs, summ["cpu"], summ["rss_mb"], ratio))
    lines.append("")
    for n in notes:
        lines.append("- " + n)
    table = "\n".join(lines) + "\n"
    print(table)
    begin, end = "<!-- results:{}:begin -->".format(args.scale), "<!-- results:{}:end -->".format(args.scale)
    text = open(args.results).read() if os.path.exists(args.results) else ""
    block = begin + "\n" + table + end
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(args.results, "w").write(text)
    log("table written to " + args.results)


def fmt_size(n):
    if not n:
        return ""
    return "{:.0f} MB".format(n / 1e6)


def fmt_time(t):
    return "{:.0f} ms".format(t * 1000) if t < 1 else "{:.2f} s".format(t)


if __name__ == "__main__":
    main()
