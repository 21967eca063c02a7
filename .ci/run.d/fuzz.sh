#!/usr/bin/env bash
# A short fuzzing pass on every target in fuzz/ (installs cargo-fuzz if missing; stable
# toolchain, no sanitizer). FUZZ_SECS per target, 20 by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZ_SECS="${FUZZ_SECS:-20}" scripts/fuzz-smoke.sh
