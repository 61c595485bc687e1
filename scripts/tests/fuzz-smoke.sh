#!/usr/bin/env bash
# CI smoke run of the libFuzzer harnesses (docs/FUZZING.md): builds every harness and runs each
# for FUZZ_SMOKE_SECONDS (default 10) from the checked-in seeds in a fresh work directory.
# Exits non-zero on any crash or invariant failure; the input stays under .build-fuzz/fuzz-smoke.
set -uo pipefail
cd "$(dirname "$0")/../.."
scratch=${FUZZ_SCRATCH:-.build-fuzz}
export FUZZ_SCRATCH=$scratch
export FUZZ_WORK=$scratch/fuzz-smoke
# Inputs stay under 300 bytes, which keeps the short run's exec rate high; long runs
# (scripts/fuzz.sh) use 4096 bytes. (The two findings that once needed longer inputs are fixed and
# replayed by fuzz-regressions.sh.)
export FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-300}
rm -rf "$FUZZ_WORK"
exec scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-10}"
