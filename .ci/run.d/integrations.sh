#!/usr/bin/env bash
# Where users run ferret: the GitHub Action's steps (as a runner would run them), the pre-commit
# hooks (with the real pre-commit), and a static analysis of the action and the workflows.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=./target/release/ferret
[ -x "$bin" ] || bin=./target/debug/ferret
[ -x "$bin" ] || { cargo build --locked && bin=./target/debug/ferret; }

venv=target/ci-integrations-venv
if [ ! -x "$venv/bin/zizmor" ] || [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit zizmor jsonschema pyyaml
fi

echo "-- GitHub Action harness (scripts/test-action.py)"
"$venv/bin/python" scripts/test-action.py --ferret "$bin" --schema ../shared/schemas/sarif-schema-2.1.0.json

echo "-- pre-commit hooks (scripts/test-precommit.sh)"
FERRET_BIN="$bin" PRECOMMIT_VENV="$venv" scripts/test-precommit.sh

echo "-- zizmor: no finding of medium severity or higher in action.yml and .github/workflows"
"$venv/bin/zizmor" --offline --min-severity medium action.yml .github/workflows
