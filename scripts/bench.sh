#!/usr/bin/env bash
# Benchmarks (`make bench`): figures, not pass/fail. Each section is one script under scripts/bench/;
# docs/BENCHMARKS.md records the results. Today: QUIC bulk throughput vs aioquic.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== QUIC bulk throughput (scripts/bench/quic-bulk.sh)"
scripts/bench/quic-bulk.sh || status=1
exit $status
