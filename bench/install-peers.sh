#!/usr/bin/env bash
# Install the peer scanners the benchmark compares against, from their registries, into
# $FERRET_BENCH_DIR/peers (default target/bench/peers). Each is optional: one that cannot be
# installed is reported and left out of the table.
set -uo pipefail
cd "$(dirname "$0")/.."
dir="${FERRET_BENCH_DIR:-target/bench}/peers"
mkdir -p "$dir"
status=0
if [ ! -x "$dir/venv/bin/kingfisher" ] || [ ! -x "$dir/venv/bin/detect-secrets" ]; then
  python3 -m venv "$dir/venv" &&
    "$dir/venv/bin/pip" install --quiet kingfisher-bin detect-secrets ||
    { echo "bench: kingfisher-bin / detect-secrets (PyPI) could not be installed" >&2; status=1; }
fi
if [ ! -x "$dir/cargo/bin/ripsecrets" ]; then
  cargo install --quiet --locked ripsecrets --root "$dir/cargo" ||
    { echo "bench: ripsecrets (crates.io) could not be installed" >&2; status=1; }
fi
command -v rg >/dev/null || echo "bench: rg not found (apt-get install ripgrep): the rg floor is left out" >&2
exit $status
