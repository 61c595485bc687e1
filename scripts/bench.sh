#!/usr/bin/env bash
# Benchmarks (`make bench`): figures, not pass/fail. Each section is one script under scripts/bench/;
# docs/BENCHMARKS.md records the results. Sections: QUIC bulk throughput vs aioquic; relay fan-out
# 1 -> N subscribers of a 4 Mbit/s clip (moq-relay in user space, moq-relay --ebpf, aiomoqt's relay).
#
#   scripts/bench.sh [--quick]
#
#   --quick (or BENCH_QUICK=1)  fan-out with N = 1 10 50 only, and 100 MB instead of 1 GB for QUIC bulk
#   FANOUT_SUBS="..."           fan-out subscriber counts (default "1 10 50 100 200")
#   FANOUT_DURATION=S           seconds each subscriber stays (default 10)
#   BENCH_OUT=DIR               keep the fan-out logs, reports and stats under DIR
# The fan-out section needs root (network namespaces); about 10 minutes for the full N list.
set -uo pipefail
cd "$(dirname "$0")/.."
quick=${BENCH_QUICK:-0}
[[ ${1:-} == --quick ]] && quick=1
status=0
echo "== QUIC bulk throughput (scripts/bench/quic-bulk.sh)"
if ((quick)); then
    BYTES=${BYTES:-100000000} scripts/bench/quic-bulk.sh || status=1
else
    scripts/bench/quic-bulk.sh || status=1
fi
subs=${FANOUT_SUBS:-1 10 50 100 200}
((quick)) && subs=${FANOUT_SUBS:-1 10 50}
echo "== Relay fan-out, 4 Mbit/s clip (scripts/bench/relay-fanout.sh)"
fanout=(--subs "$subs" --duration "${FANOUT_DURATION:-10}" --media media/bench-4mbit.mp4 --modes "user ebpf aiomoqt")
[[ -n ${BENCH_OUT:-} ]] && fanout+=(--out-dir "$BENCH_OUT/relay-fanout")
scripts/bench/relay-fanout.sh "${fanout[@]}" || status=1
exit $status
