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

# The walkthrough's second command: the demo as a repository with history.
fixtures/gap-demo/make-demo.sh "$work/acme-billing" >/dev/null
rc=0
"$ferret" gap --history "$work/acme-billing" --format sarif --output "$work/gap-history.sarif" --no-progress || rc=$?
if [ "$rc" != 1 ]; then
  echo "gap --history on the demo exited $rc, expected 1 (contradicted claims)" >&2
  exit 1
fi
python3 ../shared/tools/sarif-check "$work/gap-history.sarif" --secrets "$work/secrets.txt"
echo "gap --history on the demo: ok"
