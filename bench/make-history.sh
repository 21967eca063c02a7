#!/usr/bin/env bash
# Builds a large, deterministic git history for benchmarking `ferret scan --history`.
#
# The content is the source of the crates this project locks (Cargo.lock), taken from the local
# cargo registry: files are added a few per commit, and every commit also edits a few existing
# files (a line inserted at a pseudo-random place), renames or deletes one now and then, tags
# every 250 commits, merges a side branch every 500, and leaves one branch unmerged. The stream
# goes through `git fast-import` (thousands of `git commit` calls would take far longer), then
# `git repack -adf` packs it the way a real clone is packed.
#
# Usage: bench/make-history.sh [OUT_DIR] [COMMITS] [EDITS_PER_COMMIT]
#        defaults: bench/work/history 4000 6
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/work/history}"
commits="${2:-4000}"
edits="${3:-6}"
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"

rm -rf "$out"
mkdir -p "$out"
git -c init.defaultBranch=main init -q --bare "$out"

python3 - "$registry" Cargo.lock "$commits" "$edits" <<'PY' | git -C "$out" fast-import --quiet
import os, re, sys

registry, lock, commits, edits = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = sys.stdout.buffer

# Crates of the lock file, found in the registry (any index directory), in name order.
pkgs = re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"\nsource = "registry', open(lock).read())
roots = []
for index in sorted(os.listdir(registry)):
    for name, version in sorted(pkgs):
        d = os.path.join(registry, index, f"{name}-{version}")
        if os.path.isdir(d):
            roots.append((f"{name}-{version}", d))
files = []
safe = re.compile(r'^[A-Za-z0-9._/+-]+$')
for label, d in roots:
    for dirpath, dirnames, filenames in os.walk(d):
        dirnames.sort()
        for f in sorted(filenames):
            full = os.path.join(dirpath, f)
            rel = label + "/" + os.path.relpath(full, d)
            if safe.match(rel) and not os.path.islink(full) and os.path.getsize(full) < 1_000_000:
                files.append((rel, full))
if not files:
    sys.exit("no crate sources found under " + registry)

state = 12345
def rand(n):
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (state >> 33) % n

content = {}      # path -> current bytes (files present in the tree)
present = []      # paths in the tree, in insertion order
def load(path):
    if path not in content:
        content[path] = open(dict(files)[path], 'rb').read()
    return content[path]

def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")

per_commit_adds = max(1, -(-len(files) // max(1, commits // 2)))
sources = dict(files)
next_file = 0
t0 = 1_600_000_000
mark = 0
main_tip = None
side = None

def commit(ref, msg, ops, parents, when):
    global mark
    mark += 1
    out.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
    sig = b"Bench <bench@example.test> %d +0000\n" % when
    out.write(b"author " + sig + b"committer " + sig)
    data(msg.encode())
    if parents:
        out.write(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            out.write(b"merge :%d\n" % p)
    for op in ops:
        if op[0] == 'M':
            out.write(b"M 100644 inline %s\n" % op[1].encode()); data(op[2])
        else:
            out.write(b"D %s\n" % op[1].encode())
    out.write(b"\n")
    return mark

for i in range(commits):
    ops = []
    for _ in range(per_commit_adds):
        if next_file < len(files):
            path, _ = files[next_file]; next_file += 1
            content[path] = open(sources[path], 'rb').read()
            present.append(path)
            ops.append(('M', path, content[path]))
    for _ in range(edits):
        if not present: break
        path = present[rand(len(present))]
        lines = content[path].split(b"\n")
        at = rand(len(lines) + 1)
        lines.insert(at, b"// bench edit %d" % i)
        content[path] = b"\n".join(lines)
        ops.append(('M', path, content[path]))
    if i % 97 == 96 and len(present) > 10:
        path = present.pop(rand(len(present)))
        new = path + ".moved"
        content[new] = content.pop(path); present.append(new)
        ops += [('D', path), ('M', new, content[new])]
    if i % 131 == 130 and len(present) > 10:
        path = present.pop(rand(len(present)))
        content.pop(path)
        ops.append(('D', path))
    main_tip = commit("refs/heads/main", f"change {i}", ops, [main_tip] if main_tip else [], t0 + i * 3600)
    if i % 250 == 249:
        out.write(b"reset refs/tags/v%d\nfrom :%d\n\n" % (i // 250, main_tip))
    # A side branch of a few commits every 500, merged back; the last one stays unmerged.
    if i % 500 == 499 and present:
        tip = main_tip
        saved = {}
        for k in range(5):
            path = present[rand(len(present))]
            saved.setdefault(path, content[path])
            body = content[path] + b"\n// side %d.%d\n" % (i, k)
            content[path] = body
            tip = commit(f"refs/heads/side-{i}", f"side {i}.{k}", [('M', path, body)], [tip], t0 + i * 3600 + 60 * (k + 1))
        if i + 500 < commits:
            # Merged: main takes the side branch's edits.
            merged = [('M', p, content[p]) for p in sorted(saved)]
            main_tip = commit("refs/heads/main", f"merge side {i}", merged, [main_tip, tip], t0 + i * 3600 + 1800)
        else:
            content.update(saved)
out.write(b"checkpoint\n")
PY

git -C "$out" symbolic-ref HEAD refs/heads/main
git -C "$out" repack -adfq
git -C "$out" count-objects -vH
echo "commits: $(git -C "$out" rev-list --all | wc -l)"
echo "decompressed object bytes: $(git -C "$out" cat-file --batch-all-objects --batch --unordered | wc -c)"
