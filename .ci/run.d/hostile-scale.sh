#!/usr/bin/env bash
# Hostile inputs at full size (200 MB files, 100,000 files, trees deeper than PATH_MAX, corrupt
# git repositories, ...) against the release binary, which .ci/run has built. Fails on a panic,
# a hang, a memory bound exceeded, a lost canary secret or an unreported file; prints time,
# peak memory, exit code and message per input. Needs about 400 MB of temporary disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x target/release/ferret ] || cargo build --release --locked
python3 scripts/hostile-scale.py --bin target/release/ferret
