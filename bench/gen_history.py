#!/usr/bin/env python3
"""Build the git-history benchmark repository, deterministically, from real code.

Input: the crate sources of the real-tree corpus (`bench/real-tree`, fetched by cargo and listed by
`cargo metadata`). Output: a bare repository written with `git fast-import`, whose history reads
like a monorepo that vendors its dependencies over time:

- each crate is added in several commits (a few dozen files each) under `vendor/NAME/`;
- a crate present in several versions is upgraded in place, oldest first (files modified, added
  and deleted between versions);
- crates are renamed (`vendor/NAME` → `third_party/NAME`) and some are deleted later;
- small edits touch existing files (new blobs that differ by a line);
- feature branches fork from main and are merged back with merge commits;
- provider keys are committed in config files and removed some commits later, so they exist only
  in history; `history.planted.json` lists each (path, line, rule, commit index).

    gen_history.py OUT_REPO --metadata METADATA_JSON [--seed S] [--max-mb N]

Same inputs and seed give the same commits (fixed authors and dates), so the same object ids.
"""

import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_synth import clean, provider_keys  # noqa: E402

EPOCH = 1_600_000_000


def version_key(v):
    out = []
    for part in v.replace("-", ".").replace("+", ".").split("."):
        out.append((0, int(part)) if part.isdigit() else (1, part))
    return out


class Stream:
    def __init__(self, out):
        self.out = out
        self.mark = 0
        self.when = EPOCH

    def blob(self, data):
        self.mark += 1
        self.out.write(b"blob\nmark :%d\ndata %d\n" % (self.mark, len(data)))
        self.out.write(data)
        self.out.write(b"\n")
        return self.mark

    def commit(self, branch, message, changes, parents, author):
        """changes: list of ('M', path, mark) | ('D', path) | ('R', old, new)."""
        self.mark += 1
        self.when += 3600 + (self.mark % 7) * 60
        who = b"%s <%s@example.org> %d +0000" % (author.encode(), author.encode(), self.when)
        msg = message.encode()
        self.out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), self.mark))
        self.out.write(b"author " + who + b"\ncommitter " + who + b"\n")
        self.out.write(b"data %d\n%s\n" % (len(msg), msg))
        if parents:
            self.out.write(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                self.out.write(b"merge :%d\n" % p)
        for c in changes:
            if c[0] == "M":
                self.out.write(b"M 100644 :%d %s\n" % (c[2], quote(c[1])))
            elif c[0] == "D":
                self.out.write(b"D %s\n" % quote(c[1]))
            else:
                self.out.write(b"R %s %s\n" % (quote(c[1]), quote(c[2])))
        self.out.write(b"\n")
        return self.mark


def quote(path):
    return ('"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"').encode()


def crate_files(root, limit=4 << 20):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            if os.path.getsize(p) > limit:
                continue
            out.append(os.path.relpath(p, root))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("--metadata", required=True)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--max-mb", type=int, default=0, help="stop adding crates past this many MiB of content")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    meta = json.load(open(args.metadata))
    by_name = {}
    for p in meta["packages"]:
        if p.get("source"):
            by_name.setdefault(p["name"], []).append((p["version"], os.path.dirname(p["manifest_path"])))
    names = sorted(by_name)
    rng.shuffle(names)
    subprocess.run(["git", "init", "-q", "--bare", args.repo], check=True)
    fi = subprocess.Popen(["git", "-C", args.repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    s = Stream(fi.stdin)
    keys = provider_keys()
    authors = ["ana", "bo", "chen", "dara", "eli", "fay", "gus", "hana"]
    head = None  # mark of main's tip
    where = {}  # crate name -> current directory in the tree
    files_of = {}  # crate name -> {relpath: abs path}
    planted = []
    pending_removal = []  # (commit index to remove at, path)
    total = 0
    commits = 0
    feature = None  # (branch name, tip mark, commits left)

    def commit(message, changes):
        # While a feature branch is open every commit goes to it (main stays at the fork point);
        # the merge commit replays the branch's changes onto main's tree.
        nonlocal head, commits, feature
        author = rng.choice(authors)
        if feature is None and rng.random() < 0.04 and head is not None:
            feature = ["feature/{}".format(commits), head, rng.randint(2, 6), []]
        if feature is not None:
            feature[1] = s.commit(feature[0], message, changes, [feature[1]], author)
            feature[3].extend(changes)
            feature[2] -= 1
            if feature[2] == 0:
                msg = "Merge branch '{}'".format(feature[0])
                head = s.commit("main", msg, feature[3], [head, feature[1]], author)
                commits += 1
                feature = None
        else:
            head = s.commit("main", message, changes, [head] if head else [], author)
        commits += 1

    for name in names:
        if args.max_mb and total > args.max_mb << 20:
            break
        versions = sorted(by_name[name], key=lambda v: version_key(v[0]))
        for vi, (version, root) in enumerate(versions):
            rels = crate_files(root)
            new = {r: os.path.join(root, r) for r in rels}
            if name not in where:
                where[name] = "vendor/" + name
                # Added in chunks: one commit per few dozen files.
                for i in range(0, len(rels), 40):
                    changes = []
                    for r in rels[i : i + 40]:
                        data = open(new[r], "rb").read()
                        total += len(data)
                        changes.append(("M", where[name] + "/" + r, s.blob(data)))
                    commit("vendor {} {} ({}/{})".format(name, version, i // 40 + 1, (len(rels) + 39) // 40), changes)
            else:
                old = files_of[name]
                changes = [("D", where[name] + "/" + r) for r in old if r not in new]
                for r in rels:
                    data = open(new[r], "rb").read()
                    if r in old and old[r] and open(old[r], "rb").read() == data:
                        continue
                    total += len(data)
                    changes.append(("M", where[name] + "/" + r, s.blob(data)))
                commit("upgrade {} to {}".format(name, version), changes)
            files_of[name] = new
        # Small edits to a few files of this crate: a blob that differs by a line.
        for _ in range(rng.randint(0, 3)):
            r = rng.choice(sorted(files_of[name]))
            if not files_of[name][r]:
                continue
            data = open(files_of[name][r], "rb").read()
            data += b"\n// local patch %d\n" % rng.randint(0, 1 << 30)
            total += len(data)
            commit("patch {}: {}".format(name, r), [("M", where[name] + "/" + r, s.blob(data))])
            files_of[name][r] = ""  # patched: differs from every released version
        if rng.random() < 0.1:
            dest = "third_party/" + name
            commit("move {} to third_party".format(name), [("R", where[name], dest)])
            where[name] = dest
        if rng.random() < 0.05:
            commit("drop {}".format(name), [("D", where[name])])
            del where[name]
            files_of[name] = {}
            continue
        # Plant a provider key in a config file every ~25 commits; remove it a few commits later.
        if commits // 25 > len(planted):
            rule, tpl, gen = keys[len(planted) % len(keys)]
            value = gen(rng)
            while not clean(value):
                value = gen(rng)
            path = "deploy/{}/settings.env".format(name)
            text = "# settings for {}\nLOG_LEVEL=info\n{}\nREGION=eu-west-1\n".format(name, tpl.format(v=value))
            commit("configure {}".format(name), [("M", path, s.blob(text.encode()))])
            planted.append({"path": path, "line": 3, "rule": rule, "commit_index": commits})
            pending_removal.append((commits + rng.randint(3, 30), path))
        for due, path in [p for p in pending_removal if p[0] <= commits]:
            commit("remove credentials from {}".format(path), [("D", path)])
            pending_removal.remove((due, path))
    while feature is not None:
        commit("wip", [])
    for _, path in pending_removal:
        commit("remove credentials from {}".format(path), [("D", path)])
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", args.repo, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    with open(args.repo.rstrip("/") + ".planted.json", "w") as f:
        json.dump({"seed": args.seed, "commits": commits, "bytes": total, "planted": planted}, f, indent=1)
    print("{}: {} commits, {} MiB of blob content, {} planted secrets".format(args.repo, commits, total >> 20, len(planted)))


if __name__ == "__main__":
    main()
