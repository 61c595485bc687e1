#!/usr/bin/env bash
# Benchmarks (`make bench`): figures, not pass/fail. Each section is one script under scripts/bench/;
# docs/BENCHMARKS.md records the results. Sections: QUIC bulk throughput vs aioquic; relay fan-out
# 1 -> N subscribers of a 4 Mbit/s clip (moq-relay in user space encrypted and cleartext, moq-relay
# --ebpf, aiomoqt's relay, moq-rs's relay) with the relay's transit delay per media packet measured in
# the kernel (bpf/transit.bpf.c). The last line is `transit_p50_ratio=X`: the median transit delay of
# the user-space relay over that of --ebpf (cleartext both, the largest N both ran; n/a if unmeasured).
#
#   scripts/bench.sh [--quick] [--search] [--publish DIR]
#
#   --quick (or BENCH_QUICK=1)  under 3 minutes: fan-out with N = 1 10, 5 s per subscriber, and 50 MB
#                               instead of 1 GB for QUIC bulk
#   --search                    also search each mode's largest sustained N (relay-fanout.sh --search)
#   --publish DIR               fan-out CSV and PNG plots into DIR (`make bench` passes docs/bench)
#   FANOUT_SUBS="..."           fan-out subscriber counts (default "1 50 100 200 300 500")
#   FANOUT_MODES="..."          default "user clear ebpf ebpfenc aiomoqt moqrs"
#   FANOUT_DURATION=S           seconds each subscriber stays (default 10)
#   BENCH_OUT=DIR               the fan-out's logs, reports, stats and CSV go to DIR/relay-fanout
#                               (default .build/bench/relay-fanout, replaced by each run)
# The fan-out section needs root (network namespaces, TC BPF); the full list takes roughly 20-30
# minutes on 2 cores (--search adds up to 5 runs per mode). Binaries: .build/release (BIN_DIR and
# QUIC_INTEROP override).
set -uo pipefail
cd "$(dirname "$0")/.."
quick=${BENCH_QUICK:-0} search=0 publish=""
while (($#)); do
    case $1 in
        --quick) quick=1; shift ;;
        --search) search=1; shift ;;
        --publish) publish=${2:?--publish needs a directory}; shift 2 ;;
        *) echo "bench.sh: unknown option $1 (--quick, --search, --publish DIR)" >&2; exit 2 ;;
    esac
done
if [[ -z ${BIN_DIR:-} && -x .build/release/moq-relay ]]; then export BIN_DIR=.build/release; fi
if [[ -z ${QUIC_INTEROP:-} && -x .build/release/quic-interop ]]; then export QUIC_INTEROP=$PWD/.build/release/quic-interop; fi
status=0
echo "== QUIC bulk throughput (scripts/bench/quic-bulk.sh)"
if ((quick)); then
    BYTES=${BYTES:-50000000} scripts/bench/quic-bulk.sh || status=1
else
    scripts/bench/quic-bulk.sh || status=1
fi
subs=${FANOUT_SUBS:-1 50 100 200 300 500} duration=${FANOUT_DURATION:-10}
((quick)) && subs=${FANOUT_SUBS:-1 10} duration=${FANOUT_DURATION:-5}
echo "== Relay fan-out, 4 Mbit/s clip (scripts/bench/relay-fanout.sh)"
# Kept after the run (logs, reports, stats, runs.jsonl, fanout.csv, transit-hist.csv).
fan_dir=${BENCH_OUT:-${BUILD_DIR:-.build}/bench}/relay-fanout
rm -rf "$fan_dir"
fanout=(--subs "$subs" --duration "$duration" --media media/bench-4mbit.mp4
        --modes "${FANOUT_MODES:-user clear ebpf ebpfenc aiomoqt moqrs}" --out-dir "$fan_dir")
((search)) && fanout+=(--search)
[[ -n $publish ]] && fanout+=(--publish "$publish")
scripts/bench/relay-fanout.sh "${fanout[@]}" || status=1
# The thesis' figure, last.
if [[ -s $fan_dir/runs.jsonl ]]; then
    python3 scripts/bench/fanout.py ratio "$fan_dir/runs.jsonl"
else
    echo "transit_p50_ratio=n/a"
fi
exit $status
