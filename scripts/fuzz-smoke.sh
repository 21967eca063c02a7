#!/usr/bin/env bash
# A short fuzzing pass over every target in fuzz/ (cargo-fuzz on the stable toolchain, without
# a sanitizer). Each target starts from its seed corpus in fuzz/corpus/<target>/ and runs for
# FUZZ_SECS seconds (default 25). New corpus entries go to a scratch directory, so the committed
# seeds stay small. A crash fails the script; the input is kept in fuzz/artifacts/<target>/ and
# can be replayed with `cargo fuzz run -s none <target> <file>`. FUZZ_SEED (default 1) fixes
# libFuzzer's random seed so that a CI run repeats a run made before it; set FUZZ_SEED=0 for a
# fresh seed each run when hunting for new crashes.
#
# Usage: scripts/fuzz-smoke.sh [TARGET...]     (default: every target)
# Prints one line per target: executions, seconds, result.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs="${FUZZ_SECS:-25}"
seed="${FUZZ_SEED:-1}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

build_start=$(date +%s)
cargo fuzz build -s none
echo "fuzz build: $(( $(date +%s) - build_start ))s"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failed=0
for t in "${targets[@]}"; do
  work="$scratch/$t"
  mkdir -p "$work" "corpus/$t"
  cp -r "corpus/$t/." "$work/"
  log="$scratch/$t.log"
  # -timeout: one input over 20 s is a hang; -rss_limit_mb: over 2 GB is unbounded memory.
  if cargo fuzz run -s none "$t" "$work" -- \
      -max_total_time="$secs" -seed="$seed" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    failed=1
    tail -n 60 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  echo "fuzz $t: ${runs:-?} executions in ${secs}s: $result"
done
exit $failed
