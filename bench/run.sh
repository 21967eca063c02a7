#!/usr/bin/env bash
# The benchmark: builds ferret in release mode, installs the peer scanners it can, prepares the
# corpora (deterministic, cached under target/bench or $FERRET_BENCH_DIR) and writes the table
# into bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh [--scale small|default] [--runs N] [--only synth,real,history,staged,rules,threads]
#                [--no-install]
set -euo pipefail
cd "$(dirname "$0")/.."
install=1
args=()
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    *) args+=("$a") ;;
  esac
done
cargo build --release --locked
if [ "$install" = 1 ]; then
  bench/install-peers.sh || echo "bench: some peer scanners could not be installed; they are left out" >&2
fi
exec python3 bench/runbench.py "${args[@]}"
