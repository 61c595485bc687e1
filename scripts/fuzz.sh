#!/usr/bin/env bash
# Long libFuzzer runs of the network parsers (docs/FUZZING.md).
#
#   scripts/fuzz.sh [SECONDS]        run every harness SECONDS (default 300) with its corpus
#   FUZZ_HARNESSES="fuzz-loc fuzz-moqt-data" scripts/fuzz.sh 60   run only these
#   FUZZ_MAX_LEN=N                   largest input libFuzzer generates (default 4096)
#   FUZZ_RUNS=N                      stop each harness after N executions instead of the time
#   FUZZ_SANITIZE=address            build with AddressSanitizer too (scratch path .build-fuzz-asan)
#
# fuzz-bpf-classifier drives bpf/fastpath.bpf.o through BPF_PROG_TEST_RUN: it needs root (CAP_BPF)
# and fails (a finding, rc != 0) when it cannot load the object; the object is built first.
#
# Builds each harness (Tests/Fuzz/fuzz-*) with `--sanitize=fuzzer -DFUZZING` in a separate scratch
# path (.build-fuzz, so the normal build stays valid), seeds a work corpus under
# .build-fuzz/fuzz-work/<harness>/corpus from Tests/Fuzz/corpus/<harness> (the work corpus grows
# across runs), runs the harnesses one after the other and prints executions and findings per
# harness. Exits non-zero if any harness crashed; the crashing input stays in
# .build-fuzz/fuzz-work/<harness>/ (crash-*, timeout-*, oom-*) and its path is printed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-300}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS per harness]" >&2
    exit 2
fi
SWIFT=${SWIFT:-swift}
sanitize=(--sanitize=fuzzer)
default_scratch=.build-fuzz
case ${FUZZ_SANITIZE:-} in
    "") ;;
    address) sanitize+=(--sanitize=address); default_scratch=.build-fuzz-asan ;;
    *) echo "fuzz: FUZZ_SANITIZE must be empty or address" >&2; exit 2 ;;
esac
scratch=${FUZZ_SCRATCH:-$default_scratch}
work=${FUZZ_WORK:-$scratch/fuzz-work}
lock=${SWIFT_BUILD_LOCK:-/tmp/swift-build.lock}
if [[ -n ${FUZZ_HARNESSES:-} ]]; then
    read -r -a harnesses <<<"$FUZZ_HARNESSES"
else
    harnesses=()
    for d in Tests/Fuzz/fuzz-*/; do harnesses+=("$(basename "$d")"); done
fi
if [[ ${#harnesses[@]} -eq 0 ]]; then
    echo "fuzz: no harnesses under Tests/Fuzz" >&2
    exit 2
fi

locked() {
    # Serialise swift builds with other builders on this machine when flock exists. The wait is
    # bounded: a caller that already holds the lock (e.g. `flock LOCK scripts/run-tests.sh`) must
    # not deadlock the smoke run, which then builds unlocked.
    if command -v flock >/dev/null; then
        flock -E 75 -w "${FUZZ_LOCK_WAIT:-600}" "$lock" "$@"
        local rc=$?
        if [[ $rc -eq 75 ]]; then
            echo "fuzz: build lock $lock still busy, building without it" >&2
            "$@"
            return $?
        fi
        return $rc
    fi
    "$@"
}

mkdir -p "$work"
if [[ " ${harnesses[*]} " == *" fuzz-bpf-classifier "* ]]; then
    [[ -f bpf/fastpath.bpf.o && bpf/fastpath.bpf.o -nt bpf/fastpath.bpf.c && bpf/fastpath.bpf.o -nt bpf/fastpath_abi.h ]] \
        || make -s bpf >/dev/null || { echo "fuzz: make bpf failed (fuzz-bpf-classifier needs bpf/fastpath.bpf.o)" >&2; exit 1; }
    export MOQ_FASTPATH_BPF_OBJECT=${MOQ_FASTPATH_BPF_OBJECT:-$PWD/bpf/fastpath.bpf.o}
fi
echo "== building ${#harnesses[@]} harnesses with libFuzzer (scratch path $scratch)"
build_start=$(date +%s)
for h in "${harnesses[@]}"; do
    log="$work/build-$h.log"
    if ! locked "$SWIFT" build -c debug "${sanitize[@]}" -Xswiftc -DFUZZING --scratch-path "$scratch" --product "$h" >"$log" 2>&1; then
        grep -E "error:" "$log" | head -n 20
        echo "fuzz: build of $h failed (see $log)"
        exit 1
    fi
done
bin_dir=$("$SWIFT" build -c debug --scratch-path "$scratch" --show-bin-path 2>/dev/null)
echo "   built in $(($(date +%s) - build_start)) s"

# Swift's own crash backtracer would take the trap before libFuzzer's handler and the crashing
# input would not be saved; replay a kept input with the normal build for a symbolicated stack.
export SWIFT_BACKTRACE=enable=no
status=0
summary=()
for h in "${harnesses[@]}"; do
    dir="$work/$h"
    corpus="$dir/corpus"
    mkdir -p "$corpus"
    if [[ -d Tests/Fuzz/corpus/$h ]]; then cp -n Tests/Fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true; fi
    args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-4096}"
          -artifact_prefix="$dir/")
    [[ -f Tests/Fuzz/corpus/$h.dict ]] && args+=(-dict="Tests/Fuzz/corpus/$h.dict")
    [[ -n ${FUZZ_RUNS:-} ]] && args+=(-runs="$FUZZ_RUNS")
    before=$(ls "$dir" | grep -cE '^(crash|timeout|oom|leak)-' || true)
    echo "== $h: ${seconds} s, corpus $(ls "$corpus" | wc -l) inputs"
    "$bin_dir/$h" "${args[@]}" "$corpus" >"$dir/last-run.log" 2>&1
    rc=$?
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$dir/last-run.log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$dir/last-run.log" | tail -n 1)
    cov=$(grep -E "^#[0-9]+" "$dir/last-run.log" | tail -n 1 | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
    artifacts=$(ls "$dir" | grep -E '^(crash|timeout|oom|leak)-' || true)
    found=$(( $(grep -cE . <<<"$artifacts" || true) - before ))
    line="$h: ${execs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?}, corpus $(ls "$corpus" | wc -l), rc $rc"
    if [[ $rc -ne 0 ]]; then
        status=1
        line+=" -> FINDING"
        echo "   $line"
        grep -E "FUZZ FINDING|Fatal error|ERROR: libFuzzer|SUMMARY" "$dir/last-run.log" | head -n 6 | sed 's/^/   /'
        for a in $artifacts; do echo "   input kept: $dir/$a"; done
        echo "   full log: $dir/last-run.log"
    else
        echo "   $line"
    fi
    [[ $found -gt 0 && $rc -eq 0 ]] && echo "   note: $found new artifact(s) in $dir"
    summary+=("$line")
done

echo "== fuzz summary (${seconds} s per harness)"
printf '   %s\n' "${summary[@]}"
if [[ $status -ne 0 ]]; then echo "fuzz: findings (inputs kept under $work)"; else echo "fuzz: no findings"; fi
exit $status
