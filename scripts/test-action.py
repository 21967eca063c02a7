#!/usr/bin/env python3
"""Runs the steps of action.yml the way a GitHub runner does, against real git repositories.

For each scenario it writes an event payload file, sets the GITHUB_* and RUNNER_* variables,
evaluates the `${{ }}` expressions of every step's `if:`, `env:` and `with:` from the github,
inputs and steps contexts, runs `run:` steps with `bash -eo pipefail`, collects $GITHUB_OUTPUT,
$GITHUB_PATH and $GITHUB_STEP_SUMMARY, and stubs the `uses:` steps (actions/cache restores a
prebuilt binary; upload-sarif records what it was given, and can fail like a read-only token).
Then it checks the scope chosen, the SARIF file, the summary, the outputs and the exit code.

usage: scripts/test-action.py [--ferret PATH] [--schema SARIF_SCHEMA] [-k NAME]
Needs: git, bash, PyYAML; jsonschema to validate SARIF (skipped with a note when absent).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZERO = "0" * 40

# Fake credentials for the scenario repositories (built here, never committed as files).
SECRET_OLD = "DATABASE_URL=postgres://app:Zq8vR2mK9pLx4Tn7@db.internal:5432/prod\n"  # ferret:allow
SECRET_NEW = 'url: "mysql://root:Hk3J9sLq2Wm8Xr5V@10.0.0.5/app"\n'  # ferret:allow


# ---------------------------------------------------------------------------------------------
# A small evaluator for the GitHub expression syntax used in action.yml
# ---------------------------------------------------------------------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||<=|>=|[!()<>,])"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_*][A-Za-z0-9_-]*)*))"
)


class Expr:
    def __init__(self, text, ctx, status):
        self.tokens = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse expression at {text[pos:]!r}")
            self.tokens.append((m.lastgroup, m.group(m.lastgroup)))
            pos = m.end()
        self.i = 0
        self.ctx = ctx
        self.status = status

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def parse(self):
        v = self.or_()
        if self.i != len(self.tokens):
            raise ValueError(f"trailing tokens {self.tokens[self.i:]}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            r = self.and_()
            v = v if truthy(v) else r
        return v

    def and_(self):
        v = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            r = self.cmp()
            v = r if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("==", "!="):
            op = self.take()[1]
            r = self.unary()
            eq = loose_eq(v, r)
            v = eq if op == "==" else not eq
        return v

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self):
        kind, val = self.take()
        if kind == "op" and val == "(":
            v = self.or_()
            assert self.take() == ("op", ")")
            return v
        if kind == "str":
            return val[1:-1].replace("''", "'")
        if kind == "num":
            return float(val)
        if kind == "id":
            if self.peek() == ("op", "("):
                self.take()
                assert self.take() == ("op", ")"), "only argument-less functions are supported"
                return {
                    "always": True,
                    "success": self.status == "success",
                    "failure": self.status == "failure",
                    "cancelled": False,
                }[val]
            if val in ("true", "false"):
                return val == "true"
            if val == "null":
                return None
            cur = self.ctx
            for part in val.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            return cur
        raise ValueError(f"unexpected token {val!r}")


def truthy(v):
    return not (v is None or v is False or v == "" or v == 0)


def loose_eq(a, b):
    # GitHub coerces mismatched types to numbers; strings compare case-insensitively.
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b):
        return a == b

    def num(x):
        if x is None:
            return 0.0
        if isinstance(x, bool):
            return 1.0 if x else 0.0
        if isinstance(x, (int, float)):
            return float(x)
        try:
            return float(x) if x.strip() else 0.0
        except ValueError:
            return float("nan")

    return num(a) == num(b)


def to_str(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}")


def interpolate(text, ctx, status="success"):
    return TEMPLATE.sub(lambda m: to_str(Expr(m.group(1), ctx, status).parse()), str(text))


def condition(text, ctx, status):
    if text is None:
        return status == "success"
    text = str(text).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    if m:
        text = m.group(1)
    expr = Expr(text, ctx, status)
    v = expr.parse()
    # A condition without a status function implies success().
    if not any(t[1] in ("always", "success", "failure", "cancelled") for t in expr.tokens):
        return status == "success" and truthy(v)
    return truthy(v)


def parse_kv_file(path):
    """$GITHUB_OUTPUT / $GITHUB_ENV syntax: name=value lines and name<<DELIM heredocs."""
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            i += 1
            buf = []
            while i < len(lines) and lines[i] != delim:
                buf.append(lines[i])
                i += 1
            if i >= len(lines):
                raise AssertionError(f"unterminated heredoc {delim!r} in {path}")
            out[name] = "\n".join(buf)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


# ---------------------------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------------------------


class Run:
    """One job running the action once."""

    def __init__(self, work, action_dir, workspace, event_name, payload, inputs, stubs, env_extra=None):
        self.work = work
        self.action_dir = action_dir
        self.workspace = workspace
        self.event_name = event_name
        self.payload = payload
        self.stubs = stubs
        self.temp = os.path.join(work, "runner-temp")
        self.tool_cache = os.path.join(work, "tool-cache")
        os.makedirs(self.temp, exist_ok=True)
        os.makedirs(self.tool_cache, exist_ok=True)
        self.event_path = os.path.join(work, "event.json")
        with open(self.event_path, "w") as f:
            json.dump(payload, f)
        self.summary = os.path.join(work, "step-summary.md")
        self.path_additions = []
        self.logs = {}
        self.step_results = {}
        self.uploads = []
        self.env_extra = env_extra or {}
        meta = yaml.safe_load(open(os.path.join(action_dir, "action.yml")))
        self.meta = meta
        self.inputs = {}
        for name, spec in (meta.get("inputs") or {}).items():
            self.inputs[name] = str(inputs.get(name, spec.get("default", "")))
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"inputs not declared in action.yml: {unknown}"

    def github_ctx(self):
        return {
            "event_name": self.event_name,
            "event": self.payload,
            "workspace": self.workspace,
            "actor": self.env_extra.get("GITHUB_ACTOR", "octocat"),
            "repository": "example/app",
            "action_path": self.action_dir,
        }

    def base_env(self):
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "FERRET_"))
        }
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": self.event_name,
                "GITHUB_EVENT_PATH": self.event_path,
                "GITHUB_WORKSPACE": self.workspace,
                "GITHUB_REPOSITORY": "example/app",
                "GITHUB_ACTOR": "octocat",
                "GITHUB_ACTION_PATH": self.action_dir,
                "GITHUB_STEP_SUMMARY": self.summary,
                "RUNNER_TEMP": self.temp,
                "RUNNER_TOOL_CACHE": self.tool_cache,
                "RUNNER_OS": "Linux",
                "RUNNER_ARCH": "X64",
            }
        )
        env.update(self.env_extra)
        if self.path_additions:
            env["PATH"] = os.pathsep.join(list(reversed(self.path_additions)) + [env["PATH"]])
        return env

    def ctx(self):
        return {
            "github": self.github_ctx(),
            "inputs": self.inputs,
            "steps": {
                k: {"outputs": v["outputs"], "outcome": v["outcome"], "conclusion": v["conclusion"]}
                for k, v in self.step_results.items()
            },
            "runner": {"os": "Linux", "arch": "X64", "temp": self.temp},
            "env": {},
        }

    def execute(self):
        status = "success"
        for n, step in enumerate(self.meta["runs"]["steps"]):
            sid = step.get("id", f"__step{n}")
            name = step.get("name", sid)
            ctx = self.ctx()
            if not condition(step.get("if"), ctx, status):
                self.step_results[sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                self.logs[name] = "(skipped)"
                continue
            env_vals = {k: interpolate(v, ctx) for k, v in (step.get("env") or {}).items()}
            if "run" in step:
                assert "${{" not in step["run"], f"step {name!r}: expression inside run:"
                assert step.get("shell") == "bash", f"step {name!r}: shell must be bash"
                code, outputs, log = self.run_step(step["run"], env_vals)
            else:
                with_vals = {k: interpolate(v, ctx) for k, v in (step.get("with") or {}).items()}
                code, outputs, log = self.stub(step["uses"], with_vals)
            self.logs[name] = log
            outcome = "success" if code == 0 else "failure"
            coe = step.get("continue-on-error", False)
            if isinstance(coe, str):
                coe = truthy(Expr(TEMPLATE.fullmatch(coe.strip()).group(1), ctx, status).parse())
            conclusion = "success" if code == 0 or coe else "failure"
            self.step_results[sid] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}
            if conclusion == "failure":
                status = "failure"
        self.status = status
        ctx = self.ctx()
        self.outputs = {
            k: interpolate(v["value"], ctx) for k, v in (self.meta.get("outputs") or {}).items()
        }
        return self

    def run_step(self, script, env_vals):
        out_file = os.path.join(self.work, f"output-{len(self.logs)}")
        path_file = os.path.join(self.work, f"path-{len(self.logs)}")
        open(out_file, "w").close()
        open(path_file, "w").close()
        env = self.base_env()
        env.update(env_vals)
        env["GITHUB_OUTPUT"] = out_file
        env["GITHUB_PATH"] = path_file
        script_file = os.path.join(self.work, f"step-{len(self.logs)}.sh")
        with open(script_file, "w") as f:
            f.write(script)
        # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
        p = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script_file],
            cwd=self.workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        self.path_additions += [l for l in open(path_file).read().splitlines() if l.strip()]
        return p.returncode, parse_kv_file(out_file), p.stdout

    def stub(self, uses, with_vals):
        name = uses.split("@")[0]
        ref = uses.split("@")[1] if "@" in uses else ""
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{uses}: not pinned to a full commit SHA"
        if name == "actions/cache":
            self.cache_calls = getattr(self, "cache_calls", []) + [with_vals]
            restore = self.stubs.get("cache_binary")
            if restore:
                os.makedirs(os.path.join(with_vals["path"], "bin"), exist_ok=True)
                shutil.copy(restore, os.path.join(with_vals["path"], "bin", "ferret"))
                return 0, {"cache-hit": "true"}, f"Cache restored from key: {with_vals['key']}"
            return 0, {"cache-hit": "false"}, "Cache not found"
        if name == "github/codeql-action/upload-sarif":
            self.uploads.append(with_vals)
            if self.stubs.get("upload_fails"):
                return 1, {}, "Error: Resource not accessible by integration"
            assert os.path.isfile(with_vals["sarif_file"]), with_vals
            return 0, {"sarif-id": "stub"}, "Uploaded"
        raise AssertionError(f"no stub for {uses}")

    def log(self, step):
        return self.logs.get(step, "")

    def annotations(self, step="Scan"):
        return [l for l in self.log(step).splitlines() if re.match(r"::(error|warning|notice)( |::)", l)]

    def summary_text(self):
        return open(self.summary).read() if os.path.exists(self.summary) else ""

    def dump(self):
        lines = [f"status={self.status} outputs={self.outputs}"]
        for k, v in self.logs.items():
            lines.append(f"--- {k}\n{v}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Fixtures: real repositories
# ---------------------------------------------------------------------------------------------


def git(cwd, *args):
    env = dict(os.environ)
    env.update(
        {
            "GIT_AUTHOR_NAME": "dev",
            "GIT_AUTHOR_EMAIL": "dev@example.com",
            "GIT_COMMITTER_NAME": "dev",
            "GIT_COMMITTER_EMAIL": "dev@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ).stdout.strip()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_origin(work):
    """main: README, then a commit with a pre-existing secret (old.env). Branch feature: adds
    new.yml with a second secret. Returns (origin, base_sha, head_sha)."""
    origin = os.path.join(work, "origin")
    os.makedirs(origin)
    git(origin, "init", "-q", "-b", "main")
    write(os.path.join(origin, "README.md"), "demo\n")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "start")
    write(os.path.join(origin, "old.env"), SECRET_OLD)
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "config")
    base = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-qb", "feature")
    write(os.path.join(origin, "conf", "new.yml"), "a: 1\n" + SECRET_NEW)
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "add service config")
    head = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "main")
    return origin, base, head


def checkout(work, origin, ref, depth=None):
    ws = os.path.join(work, "workspace")
    args = ["clone", "-q", "--no-local"]
    if depth:
        args += ["--depth", str(depth)]
    git(work, *args, "file://" + origin, ws, "--branch", ref if not re.fullmatch(r"[0-9a-f]{40}", ref) else "main")
    if re.fullmatch(r"[0-9a-f]{40}", ref):
        git(ws, "checkout", "-q", ref)
    return ws


def action_copy(work):
    """The action as a runner downloads it: the tracked files of this repository."""
    dest = os.path.join(work, "action")
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, stdout=subprocess.PIPE,
    ).stdout.split(b"\0")
    for f in files:
        if not f:
            continue
        f = f.decode()
        src = os.path.join(REPO, f)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, f))
    return dest


def pr_payload(base, head, fork=False):
    return {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "feature", "repo": {"fork": fork, "full_name": "someone/app" if fork else "example/app"}},
        },
        "repository": {"default_branch": "main", "full_name": "example/app"},
    }


def push_payload(before, after):
    return {
        "ref": "refs/heads/feature",
        "before": before,
        "after": after,
        "created": before == ZERO,
        "repository": {"default_branch": "main", "full_name": "example/app"},
    }


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


class Ctx:
    def __init__(self, ferret, schema):
        self.ferret = ferret
        self.schema = schema
        help_text = subprocess.run([ferret, "scan", "--help"], stdout=subprocess.PIPE, text=True).stdout
        self.has_range = "--range" in help_text
        self.has_history = "--history" in help_text
        self.has_gap = subprocess.run([ferret, "gap", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        self.pending = []

    def run(self, work, workspace, event, payload, inputs=None, stubs=None, action_dir=None, env=None):
        stubs = dict(stubs or {})
        stubs.setdefault("cache_binary", self.ferret)
        action_dir = action_dir or action_copy(work)
        return Run(work, action_dir, workspace, event, payload, inputs or {}, stubs, env).execute()

    def check_sarif(self, path, expect_rules):
        doc = json.load(open(path))
        assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1, "one run per file"
        run = doc["runs"][0]
        assert run["tool"]["driver"]["name"] == "ferret"
        rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
        results = run["results"]
        assert len(results) <= 25000
        for r in results:
            loc = r["locations"][0]["physicalLocation"]
            assert not loc["artifactLocation"]["uri"].startswith(("/", "file:")), "URIs are repo-relative"
            assert r["message"]["text"]
            assert r["partialFingerprints"]["primaryLocationLineHash"]
            assert rule_ids[r["ruleIndex"]] == r["ruleId"]
            for s in (SECRET_OLD, SECRET_NEW):
                assert s.split("@")[0].split(":")[-1] not in json.dumps(r), "raw secret in SARIF"
        assert sorted({r["ruleId"] for r in results}) == sorted(expect_rules), [r["ruleId"] for r in results]
        if self.schema:
            import jsonschema

            jsonschema.Draft4Validator(json.load(open(self.schema))).validate(doc)
        assert os.path.getsize(path) < 10 * 1024 * 1024


def expect(cond, run, what):
    if not cond:
        raise AssertionError(f"{what}\n{run.dump()}")


def scenario_pull_request(c, work):
    origin, base, head = make_origin(work)
    ws = checkout(work, origin, "feature")
    r = c.run(work, ws, "pull_request", pr_payload(base, head))
    expect(r.outputs["scope"] == f"range {base}..{head}", r, "PR range chosen from the payload")
    if not c.has_range:
        expect(r.outputs["exit-code"] == "2" and r.status == "failure", r, "an old binary fails clearly")
        c.pending.append("pull_request: --range is not in this ferret build; range results unchecked")
        return
    expect(r.uploads and r.uploads[0]["category"] == "ferret", r, "uploaded with category ferret")
    expect(r.outputs["sarif-file"].startswith(r.temp), r, "SARIF under RUNNER_TEMP")
    # The SARIF describes the working tree (both secrets), whatever the range.
    c.check_sarif(r.outputs["sarif-file"], ["mysql-url-password", "postgres-url-password"])
    expect(r.outputs["exit-code"] == "1" and r.status == "failure", r, "findings fail the job")
    expect(r.outputs["findings"] == "1", r, "only the secret the PR adds")
    ann = r.annotations()
    expect(any(a.startswith("::error file=conf/new.yml,line=2") for a in ann), r, "annotation on the new secret")
    expect(not any("old.env" in a for a in ann), r, "no annotation for what was there before")
    s = r.summary_text()
    expect("## ferret: 1 finding in range" in s and "mysql-url-password" in s, r, "summary table")
    expect("Hk3J9sLq2Wm8Xr5V" not in s and "Hk3J9sLq2Wm8Xr5V" not in r.log("Scan"), r, "no raw secret")
    expect("::error title=ferret::" in r.log("Apply the fail-on threshold"), r, "gate explains the failure")


def scenario_push(c, work):
    origin, base, head = make_origin(work)
    ws = checkout(work, origin, "feature")
    r = c.run(work, ws, "push", push_payload(base, head), {"fail-on": "critical"})
    expect(r.outputs["scope"] == f"range {base}..{head}", r, "push range is before..after")
    if c.has_range:
        expect(r.outputs["exit-code"] == "0" and r.status == "success", r, "high findings pass fail-on critical")
        expect(r.outputs["findings"] == "1", r, "one finding in the pushed commits")
    else:
        c.pending.append("push: --range is not in this ferret build")
    # A new branch: before is all zeros; the range starts where it left the default branch.
    r2 = c.run(os.path.join(work, "n"), ws, "push", push_payload(ZERO, head), action_dir=r.action_dir)
    expect(r2.outputs["scope"] == f"range {base}..{head}", r2, "new branch: merge-base with origin/main")


def scenario_schedule_history_with_claims(c, work):
    origin, base, head = make_origin(work)
    ws = checkout(work, origin, "main")
    # The programme reports no open secret: the evidence contradicts it.
    write(os.path.join(ws, "ferret.claims.yaml"), "version: 1\nprogramme: demo\nreported:\n  open_secrets: 0\n")
    r = c.run(work, ws, "schedule", {"schedule": "0 3 * * 1"}, {"claims": "ferret.claims.yaml", "upload-sarif": "false"})
    expect(r.outputs["scope"] == "git history", r, "schedule scans the whole history")
    expect(not r.uploads, r, "upload-sarif false skips the upload")
    if not c.has_history:
        expect(r.outputs["exit-code"] == "2", r, "an old binary fails clearly")
        c.pending.append("schedule: --history is not in this ferret build; history results unchecked")
    else:
        expect(r.outputs["exit-code"] == "1", r, "history finds the secrets")
        # Every ref counts, the remote-tracking origin/feature included.
        c.check_sarif(r.outputs["sarif-file"], ["mysql-url-password", "postgres-url-password"])
        expect(r.uploads == [] and "git history" in r.summary_text(), r, "summary of the history scan")
    if c.has_gap:
        scan_part, _, rest = r.summary_text().partition("## ferret:")
        expect("claim" in rest.lower() and "open" in rest.lower(), r, "gap report appended to the summary")
        expect(r.outputs["exit-code"] == "1", r, "a contradicted claim fails")
    else:
        expect("no 'gap' command" in r.log("Scan"), r, "missing gap command is reported")
        c.pending.append("claims: `ferret gap` is not in this ferret build; the gap summary is unchecked")


def scenario_full_clean_and_dispatch_diff(c, work):
    ws = os.path.join(work, "clean")
    os.makedirs(ws)
    git(ws, "init", "-q", "-b", "main")
    write(os.path.join(ws, "a.txt"), "nothing here\n")
    git(ws, "add", ".")
    git(ws, "commit", "-qm", "x")
    r = c.run(work, ws, "workflow_dispatch", {}, {"mode": "full", "format": "json"})
    expect(r.outputs["scope"] == "working tree" and r.outputs["exit-code"] == "0", r, "clean tree passes")
    expect(r.outputs["findings"] == "0" and r.status == "success", r, "no findings")
    expect('"findings": []' in r.log("Scan"), r, "format input selects the log format")
    expect("## ferret: no findings in working tree" in r.summary_text(), r, "summary for a clean scan")
    c.check_sarif(r.outputs["sarif-file"], [])
    # diff on an event without a range is a clear error, not a silent full scan.
    r2 = c.run(os.path.join(work, "d"), ws, "workflow_dispatch", {}, {"mode": "diff"}, action_dir=r.action_dir)
    expect(r2.status == "failure", r2, "diff without a range fails")
    expect("mode 'diff' needs a pull_request" in r2.log("Scan"), r2, "diff error explains itself")
    expect(r2.outputs["exit-code"] == "", r2, "no exit code when the scan step failed")
    expect("did not run or did not finish" in r2.log("Apply the fail-on threshold"), r2, "gate still runs")


def scenario_shallow_pr(c, work):
    origin, base, head = make_origin(work)
    ws = checkout(work, origin, "feature", depth=1)
    r = c.run(work, ws, "pull_request", pr_payload(base, head))
    log = r.log("Scan")
    expect("::warning title=ferret action::The checkout is shallow" in log, r, "shallow checkout warning")
    expect("fetch-depth: 0" in log, r, "the warning says how to fix it")
    expect(r.outputs["scope"] == "working tree", r, "auto falls back to the working tree")
    expect(r.outputs["exit-code"] == "1" and r.outputs["findings"] == "2", r, "tree scan finds both")


def scenario_fork_pr_upload_fails(c, work):
    origin, base, head = make_origin(work)
    ws = checkout(work, origin, "feature")
    r = c.run(work, ws, "pull_request", pr_payload(base, head, fork=True), {"fail-on": "none", "mode": "full", "args": "--exclude old.env"}, stubs={"upload_fails": True})
    expect(r.uploads, r, "upload attempted")
    expect(r.step_results["__step4"]["outcome"] == "failure", r, "upload failed")
    expect(r.status == "success", r, "a fork's read-only token does not fail the job")
    expect(r.outputs["findings"] == "1" and r.outputs["exit-code"] == "0", r, "args reach ferret; fail-on none")
    # The same failure on the repository's own branch is not hidden.
    r2 = c.run(os.path.join(work, "own"), ws, "pull_request", pr_payload(base, head), {"fail-on": "none", "mode": "full"}, stubs={"upload_fails": True}, action_dir=r.action_dir)
    expect(r2.status == "failure", r2, "an upload failure outside forks fails the job")


def scenario_many_findings_cap(c, work):
    ws = os.path.join(work, "many")
    os.makedirs(ws)
    git(ws, "init", "-q", "-b", "main")
    for i in range(14):
        write(os.path.join(ws, f"f{i:02}.env"), f"U=postgres://u{i}:Zq8vR2mK9pLx4T{i:02}@db/x\n")
    r = c.run(work, ws, "push", push_payload(ZERO, ZERO), {"mode": "full", "sarif-category": "custom/cat"})
    ann = r.annotations()
    expect(len([a for a in ann if " file=" in a]) == 10, r, "ten annotations")
    expect(any("4 more findings are not annotated" in a for a in ann), r, "then the count")
    expect(r.uploads[0]["category"] == "custom/cat", r, "sarif-category input")


def scenario_bad_input(c, work):
    ws = os.path.join(work, "ws")
    os.makedirs(ws)
    r = c.run(work, ws, "push", {}, {"mode": "everything"})
    expect(r.status == "failure" and "mode must be auto, full, history or diff" in r.log("Scan"), r, "bad mode")
    inj = os.path.join(work, "pwned")
    r2 = c.run(os.path.join(work, "2"), ws, "push", {}, {"mode": "full", "args": f"$(touch {inj}) ;touch {inj}"}, action_dir=r.action_dir)
    expect(not os.path.exists(inj), r2, "args are never evaluated by a shell")


def make_release(c, work, action_dir, good=True):
    """A release in the action copy, made by the release workflow's own scripts: the tarball
    (scripts/release/package.sh) and the manifest (scripts/release/manifest.sh), with a file://
    base URL."""
    triple = subprocess.run(["bash", "-c", f'source /dev/stdin <<<"$(sed -n "/^target_triple()/,/^}}/p" {action_dir}/scripts/action/run.sh)"; target_triple'], stdout=subprocess.PIPE, text=True).stdout.strip()
    dist = os.path.join(work, "dist")
    release = os.path.join(action_dir, "scripts", "release")
    asset = subprocess.run([os.path.join(release, "package.sh"), c.ferret, triple, dist], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    manifest = subprocess.run([os.path.join(release, "manifest.sh"), f"file://{dist}", dist], stdout=subprocess.PIPE, text=True, check=True).stdout
    if not good:
        manifest = re.sub(r"\b[0-9a-f]{64}\b", "0" * 64, manifest)
    expect_manifest = f"base file://{dist}\n{triple} "
    if not manifest.startswith(expect_manifest) or not manifest.rstrip().endswith(f" {asset}"):
        raise SystemExit(f"unexpected release manifest:\n{manifest}")
    write(os.path.join(action_dir, "scripts/action/release.manifest"), manifest)
    return asset


def scenario_release_binary(c, work):
    ws = os.path.join(work, "ws")
    os.makedirs(ws)
    action_dir = action_copy(work)
    make_release(c, work, action_dir)
    r = c.run(work, ws, "push", {}, {"mode": "full"}, stubs={"cache_binary": None}, action_dir=action_dir)
    expect("sha256" in r.log("Install ferret (release binary)") and "verified" in r.log("Install ferret (release binary)"), r, "checksum verified")
    expect(r.step_results["build"]["outcome"] == "skipped" and not getattr(r, "cache_calls", []), r, "no build, no cache")
    expect(r.status == "success" and r.outputs["exit-code"] == "0", r, "scan ran with the release binary")
    w2 = os.path.join(work, "bad")
    os.makedirs(w2)
    action_dir2 = action_copy(w2)
    make_release(c, w2, action_dir2, good=False)
    r2 = c.run(w2, ws, "push", {}, {"mode": "full"}, action_dir=action_dir2)
    expect(r2.status == "failure" and "Checksum mismatch" in r2.log("Install ferret (release binary)"), r2, "bad checksum stops the job")
    expect(r2.step_results["scan"]["outcome"] == "skipped", r2, "nothing runs after a bad download")


def scenario_cache_key(c, work):
    ws = os.path.join(work, "ws")
    os.makedirs(ws)
    r = c.run(work, ws, "push", {}, {"mode": "full"})
    key = r.step_results["setup"]["outputs"]["cache-key"]
    expect(re.fullmatch(r"ferret-Linux-X64-[0-9.]+-[0-9a-f]{20}", key), r, "cache key format")
    expect("Using the cached build" in r.log("Build ferret from the action's source"), r, "cache hit reuses the binary")
    r2 = c.run(os.path.join(work, "2"), ws, "push", {}, {"mode": "full"}, action_dir=r.action_dir)
    expect(r2.step_results["setup"]["outputs"]["cache-key"] == key, r2, "key is stable")
    with open(os.path.join(r.action_dir, "src", "lib.rs"), "a") as f:
        f.write("\n// changed\n")
    r3 = c.run(os.path.join(work, "3"), ws, "push", {}, {"mode": "full"}, action_dir=r.action_dir)
    expect(r3.step_results["setup"]["outputs"]["cache-key"] != key, r3, "key follows the source")


SCENARIOS = [
    scenario_pull_request,
    scenario_push,
    scenario_schedule_history_with_claims,
    scenario_full_clean_and_dispatch_diff,
    scenario_shallow_pr,
    scenario_fork_pr_upload_fails,
    scenario_many_findings_cap,
    scenario_bad_input,
    scenario_release_binary,
    scenario_cache_key,
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ferret", default=os.path.join(REPO, "target", "debug", "ferret"))
    ap.add_argument("--schema", default=os.path.join(REPO, "..", "shared", "schemas", "sarif-schema-2.1.0.json"))
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    ferret = os.path.abspath(args.ferret)
    schema = os.path.abspath(args.schema) if os.path.exists(args.schema) else None
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        schema = None
    c = Ctx(ferret, schema)
    if not schema:
        c.pending.append("SARIF schema validation skipped (no schema file or no jsonschema module)")
    passed = failed = 0
    for sc in SCENARIOS:
        if args.k not in sc.__name__:
            continue
        work = tempfile.mkdtemp(prefix="ferret-action-")
        try:
            sc(c, work)
            print(f"ok   {sc.__name__}")
            passed += 1
        except Exception:
            print(f"FAIL {sc.__name__}")
            traceback.print_exc()
            failed += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
    for p in c.pending:
        print(f"note: {p}")
    print(f"action harness: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
