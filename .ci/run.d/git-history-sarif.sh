#!/usr/bin/env bash
# SARIF of a git history scan (findings with provenance, a secret only in history) validates
# against the SARIF 2.1.0 schema and GitHub's rules, and carries no raw secret.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$work"
export GIT_AUTHOR_NAME=CI GIT_AUTHOR_EMAIL=ci@example.test GIT_COMMITTER_NAME=CI GIT_COMMITTER_EMAIL=ci@example.test
secret_a=fxt_historyonly0000000000000
secret_b=fxt_stillathead0000000000000
git init -q -b main "$work/repo"
cd "$work/repo"
echo "old $secret_a" > old.env
echo "kept $secret_b" > kept.env
git add -A && git commit -qm one
git rm -q old.env && git commit -qm two
cd - >/dev/null
./target/release/ferret scan --history "$work/repo" --rules fixtures/rules/test-rules.toml \
  --format sarif --output "$work/history.sarif" --exit-zero
printf '%s\n%s\n' "$secret_a" "$secret_b" > "$work/secrets.txt"
python3 ../shared/tools/sarif-check "$work/history.sarif" --secrets "$work/secrets.txt"
grep -q '"in_head": false' "$work/history.sarif"
echo "history sarif-check: ok"
