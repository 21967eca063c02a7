#!/usr/bin/env python3
"""Generate the synthetic benchmark tree, deterministically from a seed.

The tree mixes what real repositories hold: source files in several languages (full of the words
secret scanners key on: token, password, session, path, pattern, insert, storage, URLs), config
files, minified JavaScript (long single lines), lockfiles with integrity hashes, and binaries.
Provider keys in their documented formats are planted at known places; `planted.json` lists
each one (path, line, rule id) so the benchmark can check that every one is found.

    gen_synth.py OUT_DIR [--size-mb N] [--seed S]

The same seed and size give byte-identical trees. Values are random: none is a live credential.
"""

import argparse
import json
import os
import random
import string

ALNUM = string.ascii_letters + string.digits
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def clean(value):
    """Random values must not look like documentation placeholders to any scanner."""
    low = value.lower()
    return not any(w in low for w in ("example", "xxxx", "test", "fake", "dummy", "sample"))


# Provider keys: (rule id, line template, value generator). The line template names the value
# the way configuration and code do.
def provider_keys():
    def aws_pair(rng):
        key_id = "AKIA" + rand(rng, B32, 16)
        secret = rand(rng, ALNUM + "+/", 40)
        return key_id, secret

    return [
        ("github-pat-classic", 'GITHUB_TOKEN = "{v}"', lambda r: "ghp_" + rand(r, ALNUM, 36)),
        (
            "github-pat-fine-grained",
            "export GH_TOKEN={v}",
            lambda r: "github_pat_" + rand(r, ALNUM, 22) + "_" + rand(r, ALNUM, 59),
        ),
        ("gitlab-pat", "gitlab_token: {v}", lambda r: "glpat-" + rand(r, ALNUM + "_-", 20)),
        ("npm-access-token", "//registry.npmjs.org/:_authToken={v}", lambda r: "npm_" + rand(r, ALNUM, 36)),
        (
            "slack-bot-token",
            'slack_client = WebClient(token="{v}")',
            lambda r: "xoxb-" + rand(r, string.digits, 12) + "-" + rand(r, string.digits, 13) + "-" + rand(r, ALNUM, 24),
        ),
        ("stripe-live-secret-key", "stripe.api_key = '{v}'", lambda r: "sk_live_" + rand(r, ALNUM, 32)),
        ("gcp-api-key", 'const mapsKey = "{v}";', lambda r: "AIza" + rand(r, ALNUM + "_-", 35)),
        (
            "sendgrid-api-key",
            "SENDGRID_API_KEY={v}",
            lambda r: "SG." + rand(r, ALNUM + "_-", 22) + "." + rand(r, ALNUM + "_-", 43),
        ),
        (
            "anthropic-api-key",
            "ANTHROPIC_API_KEY={v}",
            lambda r: "sk-ant-api03-" + rand(r, ALNUM + "_-", 93) + "AA",
        ),
        ("huggingface-access-token", "HF_TOKEN={v}", lambda r: "hf_" + rand(r, ALNUM, 34)),
        ("digitalocean-pat", "DIGITALOCEAN_TOKEN={v}", lambda r: "dop_v1_" + rand(r, HEX, 64)),
        ("linear-api-key", "linear = LinearClient('{v}')", lambda r: "lin_api_" + rand(r, ALNUM, 40)),
        ("docker-hub-pat", "DOCKERHUB_TOKEN={v}", lambda r: "dckr_pat_" + rand(r, ALNUM + "_-", 27)),
        ("shopify-access-token", "SHOPIFY_ACCESS_TOKEN={v}", lambda r: "shpat_" + rand(r, HEX, 32)),
        ("aws-access-key-id", "aws_access_key_id = {v}", lambda r: aws_pair(r)[0]),
    ]


PRIVATE_KEY_RULE = "private-key-rsa"

# Real words, many holding the keywords scanners key on (token, path, session, pass…, and the
# noisy fragments "ld_", "lob", "oci" inside build_, global, associated).
WORDS = (
    "token path pattern session storage secret password insert global blob user account config "
    "client server request response handler buffer reader writer index cache entry value result "
    "error context state builder options parse render update delete create fetch load store key "
    "hash digest cipher stream socket address header payload message queue worker thread scope "
    "associated social pass bypass compass passage build world field hold lobby "
    "https http url uri endpoint api access auth credential identity role policy grant scope"
).split()

IDENT_PARTS = WORDS + ["x", "y", "n", "i", "len", "buf", "tmp", "ctx", "cfg", "id", "ok", "err"]


def ident(rng):
    n = rng.choice((1, 2, 2, 3))
    return "_".join(rng.choice(IDENT_PARTS) for _ in range(n))


def camel(rng):
    parts = [rng.choice(IDENT_PARTS) for _ in range(rng.choice((1, 2, 3)))]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def source_line(rng, lang):
    t = rng.random()
    i = ident(rng)
    c = camel(rng)
    if t < 0.12:
        return "    // " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
    if t < 0.18:
        return '    // see https://docs.{0}.io/{1}/{2}#{3}'.format(rng.choice(WORDS), i, c, rng.choice(WORDS))
    if lang == "rs":
        choices = [
            "    let {i} = {c}::new(&{j})?;",
            "    fn {i}(&self, {j}: &str) -> Result<{C}, Error> {{",
            '    if let Some({i}) = self.{j}.get("{w}") {{',
            "    self.{i}.insert({j}.clone(), {k});",
            "    }}",
            '    let {i} = format!("{{}}/{w}/{{}}", {j}, {k});',
            "    const {I}: usize = {n};",
            "    #[derive(Debug, Clone)]",
            "pub struct {C} {{ {i}: Vec<u8>, {j}: Option<String> }}",
        ]
    elif lang == "py":
        choices = [
            "    {i} = self.{j}({k})",
            "def {i}({j}, {k}=None):",
            '    {i} = os.path.join({j}, "{w}")',
            '    if {i} is None: raise ValueError("{w} {k}")',
            "    return {{'{w}': {i}, '{k}': {j}}}",
            "    {i}.update({j}={k})",
            "class {C}({D}):",
            '    {I} = "{w}_{k}"',
        ]
    elif lang == "js":
        choices = [
            "  const {c} = await {d}({i});",
            "  {c}.{d}({i}, () => {{",
            "  }});",
            "export function {c}({d}, {i}) {{",
            "  if (!{c}) throw new Error('{w} {i}');",
            "  return {{ {c}: {d}, {i} }};",
            "  this.{c} = {d} || {{}};",
            "  const {c} = `/{w}/${{{d}}}`;",
        ]
    else:  # go
        choices = [
            "\t{c}, err := {d}({i})",
            "\tif err != nil {{ return nil, fmt.Errorf(\"{w}: %w\", err) }}",
            "func ({i} *{C}) {D}({c} string) error {{",
            "\t{c} := make(map[string]{D})",
            "}}",
            "\treturn {c}.{D}(ctx, {i})",
        ]
    tpl = rng.choice(choices)
    return tpl.format(
        i=i,
        j=ident(rng),
        k=ident(rng),
        c=c,
        d=camel(rng),
        C=c[:1].upper() + c[1:],
        D=camel(rng).capitalize(),
        I=i.upper(),
        w=rng.choice(WORDS),
        n=rng.randint(0, 1 << 16),
    )


def config_line(rng, kind):
    k = ident(rng)
    v = rng.choice(
        [
            str(rng.randint(0, 99999)),
            "true",
            "false",
            "/var/lib/" + rng.choice(WORDS),
            "https://" + rng.choice(WORDS) + ".internal/" + rng.choice(WORDS),
            "${" + k.upper() + "}",
            rng.choice(WORDS) + "-" + rng.choice(WORDS),
        ]
    )
    if kind == "yaml":
        return "  " * rng.randint(0, 3) + k + ": " + v
    if kind == "json":
        return '  "' + camel(rng) + '": "' + v + '",'
    if kind == "toml":
        return k + ' = "' + v + '"'
    return k.upper() + "=" + v


def minified_js(rng, size):
    parts = []
    n = 0
    while n < size:
        s = rng.choice(
            [
                "function {a}({b},{c}){{return {b}.{d}({c})}}",
                "var {a}={b}||{{}};",
                '{a}.{d}("{w}",function({b}){{{c}={b}.{e}}});',
                "if({a}&&{b}.{d}){{{c}.{e}({a})}}",
                'e.exports={{{a}:"{w}/{w2}",{b}:{n}}};',
                "{a}=/^[a-z]+:\\/\\/[^/]+\\/{w}/i;",
            ]
        ).format(
            a=rand(rng, string.ascii_letters, rng.randint(1, 3)),
            b=rand(rng, string.ascii_letters, rng.randint(1, 3)),
            c=rand(rng, string.ascii_letters, rng.randint(1, 2)),
            d=camel(rng),
            e=camel(rng),
            w=rng.choice(WORDS),
            w2=rng.choice(WORDS),
            n=rng.randint(0, 9999),
        )
        parts.append(s)
        n += len(s)
    return "".join(parts) + "\n"


def lockfile(rng, size):
    lines = ["{", '  "lockfileVersion": 3,', '  "packages": {']
    n = 0
    while n < size:
        name = ident(rng).replace("_", "-")
        ver = "{}.{}.{}".format(rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 40))
        block = [
            '    "node_modules/{}": {{'.format(name),
            '      "version": "{}",'.format(ver),
            '      "resolved": "https://registry.npmjs.org/{0}/-/{0}-{1}.tgz",'.format(name, ver),
            '      "integrity": "sha512-{}==",'.format(rand(rng, B64, 86)),
            "    },",
        ]
        lines.extend(block)
        n += sum(len(b) + 1 for b in block)
    lines.append("  }\n}")
    return "\n".join(lines) + "\n"


def private_key(rng):
    body = rand(rng, B64, 64 * 25)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return ["-----BEGIN RSA PRIVATE KEY-----", "MIIEow" + lines[0][6:]] + lines[1:] + ["-----END RSA PRIVATE KEY-----"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    target = args.size_mb << 20
    os.makedirs(args.out, exist_ok=True)
    keys = provider_keys()
    planted = []
    # One planted key per ~4 MiB, at least one of each provider.
    plant_every = 4 << 20
    next_plant = 0
    total = 0
    n = 0
    dirs = ["services", "libs", "apps", "infra", "tools", "web", "pkg", "internal", "platform"]
    # Secrets are planted only in files where a person would commit them: source and config.
    while total < target:
        d = os.path.join(rng.choice(dirs), ident(rng).replace("_", "-"), rng.choice(["src", "lib", "conf", "cmd", "app"]))
        kind = rng.choices(
            ["rs", "py", "js", "go", "yaml", "json", "toml", "env", "minjs", "lock", "bin"],
            weights=[20, 20, 20, 14, 6, 4, 3, 2, 4, 3, 4],
        )[0]
        n += 1
        base = "{}_{}".format(ident(rng), n)
        if kind in ("rs", "py", "js", "go"):
            lines = [source_line(rng, kind) for _ in range(rng.randint(20, 900))]
            name = base + "." + kind
        elif kind in ("yaml", "json", "toml", "env"):
            lines = [config_line(rng, kind) for _ in range(rng.randint(5, 200))]
            name = (base + "." + kind) if kind != "env" else ".env." + base
        elif kind == "minjs":
            lines = [minified_js(rng, rng.randint(20_000, 800_000)).rstrip("\n")]
            name = base + ".min.js"
        elif kind == "lock":
            lines = lockfile(rng, rng.randint(10_000, 1_500_000)).rstrip("\n").split("\n")
            name = "package-lock.json"
            d = os.path.join(d, base)
        else:
            size = rng.randint(2_000, 1_000_000)
            data = bytes(rng.getrandbits(8) for _ in range(min(size, 4096))) * (size // 4096 + 1)
            data = b"\x7fELF\x02\x01\x01\x00" + data[:size]
            path = os.path.join(args.out, d, base + ".so")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
            continue
        if kind in ("rs", "py", "js", "go", "yaml", "toml", "env") and total >= next_plant:
            next_plant = total + plant_every
            idx = len(planted)
            at = rng.randint(0, len(lines))
            if idx % 16 == 15:
                block = private_key(rng)
                lines[at:at] = block
                planted.append({"path": os.path.join(d, name), "line": at + 1, "rule": PRIVATE_KEY_RULE})
            else:
                rule, tpl, gen = keys[idx % len(keys)]
                value = gen(rng)
                while not clean(value):
                    value = gen(rng)
                lines.insert(at, tpl.format(v=value))
                planted.append({"path": os.path.join(d, name), "line": at + 1, "rule": rule})
        text = "\n".join(lines) + "\n"
        path = os.path.join(args.out, d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
    with open(os.path.join(args.out, "..", os.path.basename(args.out.rstrip("/")) + ".planted.json"), "w") as f:
        json.dump({"seed": args.seed, "bytes": total, "planted": planted}, f, indent=1)
    print("{}: {} files, {} MiB, {} planted secrets".format(args.out, n, total >> 20, len(planted)))


if __name__ == "__main__":
    main()
