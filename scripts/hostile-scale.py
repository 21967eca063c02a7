#!/usr/bin/env python3
"""Hostile inputs at full size, against a built ferret binary, with measurements.

tests/hostile.rs checks the behaviour of every hostile input at a size the test suite can afford;
this script runs the full-size variants (a 200 MB single-line file, 100,000 files, directories
deeper than PATH_MAX, ...) and prints, per input: wall time, peak RSS (from wait4), exit code and
the message ferret gave about it. It fails if any run panics, exceeds its time or memory bound,
loses the canary secret, or does not account for the hostile file.

Usage: scripts/hostile-scale.py [--bin target/release/ferret] [--markdown] [CASE...]
(every case but dense-line-unlimited by default; name it to run it)
"""
import argparse
import json
import os
import random
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

CANARY = "tsttok_Q7v2Lm9XkP4rT8wZ1nB5cY3d"
HIDDEN = "tsttok_H6jF0sA2gK8eR4uW9oI1pV7x"
RULES = r"""
[[rules]]
id = "test-token"
name = "Test token"
description = "A token format used only by the test suite."
keywords = ["tsttok_"]
regex = '''\b(?P<secret>tsttok_[A-Za-z0-9]{24})\b'''
severity = "high"
confidence = "high"
tags = ["NHI2"]
examples = ["a = tsttok_abcdefghijklmnopqrstuvwx", "tsttok_ABCDEFGHIJKLMNOPQRSTUVWX"]
negative_examples = ["tsttok_short"]
"""
MB = 1 << 20


class Failure(Exception):
    pass


def run(cmd, limit_s, cwd=None):
    """Run cmd; return (exit code, stdout, stderr, seconds, peak RSS KiB). Kill at limit_s.

    Peak RSS comes from /usr/bin/time when present. (wait4's ru_maxrss of a child of this
    process would count this process's own pages at fork time, large after parsing a big
    report.) Otherwise the child's VmHWM is sampled from /proc every 10 ms.
    """
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    rss_file = None
    if os.access("/usr/bin/time", os.X_OK):
        rss_file = tempfile.NamedTemporaryFile(delete=False)
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file.name] + cmd
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd,
                         env={**os.environ, "NO_COLOR": "1"})
    sampled = 0
    while p.poll() is None:
        if time.monotonic() - start > limit_s:
            p.kill()
            p.wait()
            raise Failure(f"hang: still running after {limit_s}s: {' '.join(cmd)}")
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        sampled = max(sampled, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    secs = time.monotonic() - start
    out.seek(0)
    err.seek(0)
    rss = sampled
    if rss_file is not None:
        with open(rss_file.name) as f:
            last = f.read().strip().splitlines()
        os.unlink(rss_file.name)
        rss = int(last[-1]) if last and last[-1].isdigit() else sampled
    return p.returncode, out.read(), err.read().decode("utf-8", "replace"), secs, rss


class Tree:
    def __init__(self, base):
        self.base = tempfile.mkdtemp(dir=base)
        self.root = os.path.join(self.base, "repo")
        os.mkdir(self.root)
        self.rules = os.path.join(self.base, "rules.toml")
        with open(self.rules, "w") as f:
            f.write(RULES)
        self.write("canary.env", CANARY + "\n")

    def path(self, rel):
        return os.path.join(self.root, rel)

    def write(self, rel, content, mode="w"):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, mode) as f:
            f.write(content)
        return p

    def cleanup(self):
        remove_tree(self.base)


def remove_tree(path):
    # rm copes with trees deeper than Python's recursion limit.
    subprocess.run(["rm", "-rf", path], check=False)


def noise_text(n, seed):
    rng = random.Random(seed)
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789    "
    return bytes(rng.choice(alphabet) for _ in range(n))


# Each case: (name, description, setup(tree) -> (extra args, hostile path, expected reason or
# None when the hostile file must be found), time limit s, RSS limit MiB)
def case_huge_sparse(t):
    with open(t.path("huge.txt"), "wb") as f:
        f.truncate(200 * MB)
    return [], "huge.txt", "too_large"


def write_long_line(t, size_mb):
    chunk = noise_text(MB, 9)
    with open(t.path("line.txt"), "wb") as f:
        for i in range(size_mb):
            f.write(chunk)
            if i == size_mb // 2:
                f.write((" " + HIDDEN + " ").encode())
        f.write((" " + HIDDEN).encode())


def case_huge_line_scanned(t):
    write_long_line(t, 200)
    return ["--max-file-size", "300M", "--file-timeout", "0"], "line.txt", None


def case_huge_line_budget(t):
    # A budget the keyword search alone outlasts on any machine: the budget is checked between
    # rules, so a scan that finishes every rule, however late, is complete and not reported.
    write_long_line(t, 200)
    return ["--max-file-size", "300M", "--file-timeout", "10ms"], "line.txt", "timeout"


def case_many_files(t):
    for d in range(100):
        dd = t.path(f"d{d}")
        os.mkdir(dd)
        for i in range(1000):
            with open(os.path.join(dd, f"f{i}.txt"), "w") as f:
                f.write("x")
    t.write("d42/deep.env", "T=" + HIDDEN)
    return [], "d42/deep.env", None


def deep_chain(dest, depth, fname, content):
    staging = dest + ".staging"
    previous = None
    built = 0
    k = 0
    while built < depth:
        stage = os.path.join(staging, str(k))
        n = min(1000, depth - built)
        levels = n - 1 if previous else n
        os.makedirs(stage)
        bottom = stage
        for _ in range(max(levels, 1)):
            bottom = os.path.join(bottom, "d")
            os.mkdir(bottom)
        if previous is None:
            with open(os.path.join(bottom, fname), "w") as f:
                f.write(content)
            built += levels
        else:
            os.rename(os.path.join(previous, "d"), os.path.join(bottom, "d"))
            built += levels + 1
        previous = stage
        k += 1
    os.rename(os.path.join(previous, "d"), dest)
    remove_tree(staging)


def case_deep_dirs(t):
    deep_chain(t.path("a"), 10000, "deeper.env", "T=" + HIDDEN)
    return [], "a/d/d/", "walk_error"


def case_symlinks(t):
    links = {"self": "self", "ping": "pong", "pong": "ping", "here": ".", "up": "..",
             "dangling": "/nonexistent/x", "outside.env": "/etc/passwd"}
    for name, target in links.items():
        os.symlink(target, t.path(name))
    return [], "ping", "symlink"


def case_fifo_device(t):
    os.mkfifo(t.path("pipe.env"))
    s = socket.socket(socket.AF_UNIX)
    s.bind(t.path("app.sock"))
    t.sock = s
    if os.geteuid() == 0:
        try:
            os.mknod(t.path("null.env"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except OSError:
            pass
    return [], "pipe.env", "not_regular_file"


def case_binary_header(t):
    data = ("#!/bin/sh\nTOKEN=%s\nexit 0\n" % HIDDEN).encode() + b"\0" + os.urandom(5 * MB)
    t.write("install.sh", data, "wb")
    return [], "install.sh", None


def case_encodings(t):
    t.write("bad-utf8.txt", b"\xff\xfe key=" + HIDDEN.encode() + b" \xc3\x28\xed\xa0\x80\n", "wb")
    t.write("utf16.ps1", b"\xff\xfe" + ("x\r\nT=%s\r\n" % HIDDEN).encode("utf-16-le"), "wb")
    t.write("utf16-nobom.reg", ("x\r\nT=%s\r\n" % HIDDEN).encode("utf-16-le"), "wb")
    return [], "utf16-nobom.reg", None


def case_names(t):
    for n in [b"new\nline.env", b"\x1b[2J\x1b]0;pwned\x07.env", b"bad\xff\xfe.env"]:
        with open(os.path.join(t.root.encode(), n), "w") as f:
            f.write("T=" + HIDDEN)
    return ["--format", "text"], "new\\nline.env", None


def case_dense_line(t):
    """A 10 MB line of distinct tokens: the first 1,000 findings, the rest counted."""
    with open(t.path("dense.txt"), "w") as f:
        i = 0
        size = 0
        while size < 10 * MB:
            s = "tsttok_%024x " % (i * 7919)
            f.write(s)
            size += len(s)
            i += 1
    return ["--file-timeout", "0"], "dense.txt", "finding_limit"


def case_dense_line_unlimited(t):
    case_dense_line(t)
    return ["--file-timeout", "0", "--max-findings-per-file", "0"], "dense.txt", None


def case_nesting(t):
    d = 10000
    t.write("iam/deep-policy.json", '{"Effect": "Allow", "Statement": %s1%s}' % ("[" * d, "]" * d))
    t.write(".github/workflows/deep.yml",
            "on: push\njobs:\n" + "".join(" " * (2 + min(i, 2000)) + "- \n" for i in range(d)))
    t.write("k8s/deep.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: %sx%s\n" % ("[" * d, "]" * d))
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    names = "abcdefghi"
    for x, y in zip(names, names[1:]):
        bomb += "%s: &%s [%s]\n" % (y, y, ",".join(["*" + x] * 9))
    t.write(".github/workflows/bomb.yml", "on: push\n" + bomb + "token: " + HIDDEN + "\n")
    t.write("k8s/bomb.yaml", "apiVersion: v1\nkind: ConfigMap\n" + bomb)
    # Few aliases of a 4 MB scalar (a byte budget, not a node count, stops it) and a template
    # line of 1,000,000 actions (masking stays linear).
    t.write("k8s/wide-alias.yaml", "apiVersion: v1\nkind: ConfigMap\nbig: &big \"%s\"\n"
            "copies: [%s]\n" % ("x" * (4 * MB), ", ".join(["*big"] * 1000)))
    t.write("chart/templates/wide.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: %s\n"
            "  b: [\n" % ("{{ .x }}" * 1000000))
    tf = ['resource "aws_iam_policy" "p" {\n  policy = <<EOT\n']
    line = '{"Effect": "Allow", "Action": "*", "Resource": "*"},\n'
    tf.append(line * (9 * MB // len(line)))
    tf.append('EOT\n  token = "%s"\n}\n' % HIDDEN)
    t.write("main.tf", "".join(tf))
    return [], ".github/workflows/bomb.yml", "parse_error"


def case_unreadable(t):
    t.write("locked.env", "T=" + HIDDEN)
    os.chmod(t.path("locked.env"), 0)
    os.makedirs(t.path("lockdir"))
    os.chmod(t.path("lockdir"), 0)
    for p in (t.base, t.root):
        os.chmod(p, 0o755)
    os.chmod(t.rules, 0o644)
    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            raise Failure("running as root without setpriv: cannot make permission bits matter")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    t.prefix = prefix
    return [], "locked.env", "unreadable"


def git(root, *args):
    env = {**os.environ, "HOME": root, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
           "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.test",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.test"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def case_corrupt_git(t):
    """Loose objects: one missing, one garbled, one truncated (libgit2 loops on those)."""
    git(t.root, "init", "-q", "-b", "main")
    for i in range(200):
        t.write("f%d.env" % i, "T=tsttok_%024d\n" % i)
        if i % 20 == 19:
            git(t.root, "add", "-A")
            git(t.root, "commit", "-q", "-m", "c%d" % i)
    def obj(name):
        oid = git(t.root, "rev-parse", "HEAD:" + name)
        return os.path.join(t.root, ".git", "objects", oid[:2], oid[2:])
    os.remove(obj("f1.env"))
    for name, mangle in (("f2.env", lambda b: os.urandom(len(b))), ("f3.env", lambda b: b[:-4])):
        p = obj(name)
        with open(p, "rb") as f:
            b = f.read()
        os.chmod(p, 0o644)
        with open(p, "wb") as f:
            f.write(mangle(b))
    return ["--history"], "f3.env", "missing_object"


def case_git_churn(t):
    """A history scan while another process commits, amends and repacks."""
    git(t.root, "init", "-q", "-b", "main")
    for i in range(50):
        t.write("d/f%d.txt" % i, "v%d\n" % i)
        git(t.root, "add", "-A")
        git(t.root, "commit", "-q", "-m", "c%d" % i)
    script = ("i=0; while :; do echo $i > d/f$((i % 50)).txt; "
              "git -c user.name=x -c user.email=x@example.test commit -qam c$i; "
              "[ $((i % 9)) = 0 ] && git gc -q --prune=now; i=$((i+1)); done")
    env = {**os.environ, "HOME": t.root, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
    t.churn = subprocess.Popen(["sh", "-c", script], cwd=t.root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return ["--history"], "canary.env", None


def case_proc_mem(t):
    return ["/proc/self/mem"], "/proc/self/mem", "unreadable"


CASES = {
    "huge-sparse-default": ("200 MB file (sparse), default limits", case_huge_sparse, 30, 64),
    "huge-line-scanned": ("200 MB single line, --max-file-size 300M --file-timeout 0",
                          case_huge_line_scanned, 300, 600),
    "huge-line-budget": ("200 MB single line, --max-file-size 300M --file-timeout 10ms",
                         case_huge_line_budget, 120, 600),
    "many-files": ("100,000 one-byte files", case_many_files, 300, 256),
    "deep-dirs": ("10,000 nested directories (path > PATH_MAX)", case_deep_dirs, 300, 256),
    "symlinks": ("symlink loops, dangling and outward links", case_symlinks, 30, 64),
    "fifo-device": ("FIFO, socket, character device", case_fifo_device, 30, 64),
    "binary-header": ("5 MB binary with a script header", case_binary_header, 30, 128),
    "encodings": ("invalid UTF-8, UTF-16 with and without BOM", case_encodings, 30, 64),
    "names": ("file names with newline, escapes, invalid UTF-8", case_names, 30, 64),
    "dense-line": ("10 MB line of 330k secrets", case_dense_line, 300, 256),
    "dense-line-unlimited": ("10 MB line of 330k secrets, --max-findings-per-file 0",
                             case_dense_line_unlimited, 600, 4096),
    "nesting": ("10k-deep JSON/YAML, YAML alias bombs, 9 MB Terraform heredoc, 1M-action template",
                case_nesting, 60, 256),
    "unreadable": ("unreadable file and directory (as nobody when root)", case_unreadable, 30, 64),
    "proc-mem": ("/proc/self/mem (read fails with EIO)", case_proc_mem, 30, 64),
    "corrupt-git": ("git history with missing, garbled and truncated loose objects",
                    case_corrupt_git, 60, 128),
    "git-churn": ("git history rewritten (commits, gc) while scanned", case_git_churn, 120,
                  256),
}


# Run only when named: the cap lifted costs about 40 s and 1.5 GB, which is the point of the cap.
ON_REQUEST = {"dense-line-unlimited"}


def message_for(v, stderr, hostile, reason):
    if reason is None:
        for f in v.get("findings", []):
            if f["path"].endswith(hostile.split("/")[-1]) or hostile in f["path"]:
                return "found: %s at %s:%s" % (f["rule_id"], f["path"], f["line"])
    for s in v.get("summary", {}).get("skipped_files", []):
        if s["path"].startswith(hostile.rstrip("/")) and (reason is None or s["reason"] == reason):
            return "%s: %s" % (s["reason"], s["detail"])
    return stderr.strip().splitlines()[-1] if stderr.strip() else ""


def run_case(name, binary, base):
    desc, setup, limit, rss_mb = CASES[name]
    t = Tree(base)
    t.prefix = []
    try:
        extra, hostile, reason = setup(t)
        text = "--format" in extra
        cmd = t.prefix + [binary, "scan", t.root, "--rules", t.rules, "--no-progress"]
        if not text:
            cmd += ["--format", "json"]
        cmd += extra
        code, out, err, secs, rss = run(cmd, limit)
        problems = []
        if "panicked" in err:
            problems.append("panic: " + err)
        if rss > rss_mb * 1024:
            problems.append("peak RSS %d KiB over %d MiB" % (rss, rss_mb))
        if code != 1:
            problems.append("exit code %s (stderr: %s)" % (code, err.strip()))
        if text:
            body = out.decode("utf-8", "replace")
            if "\x1b" in body or CANARY[:12] in body:
                problems.append("raw escape or secret in text output")
            msg = hostile if hostile in body else ""
            if not msg:
                problems.append("%s not named in text output" % hostile)
            v = {}
        else:
            v = json.loads(out)
            if not any(f["path"].endswith("canary.env") for f in v["findings"]):
                problems.append("canary not found: the scan did not go on")
            if "internal_error" in v["summary"]["skipped"]:
                problems.append("internal error")
            msg = message_for(v, err, hostile, reason)
            if reason and not msg.startswith(reason):
                problems.append("no %s entry for %s" % (reason, hostile))
            if reason is None and not msg.startswith("found"):
                problems.append("secret in %s not found" % hostile)
        return {"name": name, "desc": desc, "secs": secs, "rss_kb": rss, "code": code,
                "msg": msg, "problems": problems}
    finally:
        churn = getattr(t, "churn", None)
        if churn:
            churn.kill()
            churn.wait()
        t.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/ferret")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        sys.exit("no ferret binary at %s (cargo build --release)" % binary)
    base = tempfile.mkdtemp(prefix="ferret-hostile-")
    os.chmod(base, 0o755)
    failed = 0
    rows = []
    try:
        for name in a.cases or [c for c in CASES if c not in ON_REQUEST]:
            try:
                r = run_case(name, binary, base)
            except Failure as e:
                r = {"name": name, "desc": CASES[name][0], "secs": 0, "rss_kb": 0, "code": None,
                     "msg": "", "problems": [str(e)]}
            rows.append(r)
            status = "ok" if not r["problems"] else "FAILED: " + "; ".join(r["problems"])
            print("%-20s %7.2fs %8.1f MiB exit %s  %s  [%s]" % (
                r["name"], r["secs"], r["rss_kb"] / 1024, r["code"], r["msg"][:110], status),
                flush=True)
            failed += bool(r["problems"])
    finally:
        remove_tree(base)
    if a.markdown:
        print("\n| input | time | peak RSS | exit | message |\n|---|---|---|---|---|")
        for r in rows:
            msg = r["msg"].replace("|", "\\|").replace("\n", " ")
            print("| %s | %.2f s | %.0f MiB | %s | %s |" % (
                r["desc"], r["secs"], r["rss_kb"] / 1024, r["code"], msg))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
