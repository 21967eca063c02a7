#!/usr/bin/env bash
# The gap report's SARIF validates (and holds no raw secret); the demo repository with its history
# builds and gives the gap the walkthrough in docs/gap.md describes.
set -euo pipefail
cd "$(dirname "$0")/../.."
ferret=./target/release/ferret
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$ferret" gap fixtures/gap-demo/repo --format sarif --output "$work/gap.sarif" --exit-zero --no-progress
# Raw values of the demo's secrets (not identifiers such as AWS key ids), for the leak check.
"$ferret" scan fixtures/gap-demo/repo --format json --show-secrets --exit-zero --no-progress |
  python3 -c 'import json,sys; [print(f["secret"]) for f in json.load(sys.stdin)["findings"] if f["kind"] == "secret" and f["secret"] != f.get("identity")]' \
  >"$work/secrets.txt"
python3 ../shared/tools/sarif-check "$work/gap.sarif" --secrets "$work/secrets.txt"
echo "gap SARIF: ok"
