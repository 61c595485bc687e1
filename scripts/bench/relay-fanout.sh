#!/usr/bin/env bash
# Relay fan-out benchmark (user space; --ebpf adds the kernel fast path as a second mode): one
# publisher -> moq-relay -> N subscribers, in network namespaces (publisher, relay, and a few
# subscriber namespaces the subscribers share round-robin to save CPU; scripts/netem/topology.bash).
#
#   scripts/bench/relay-fanout.sh [--subs "1 10 50"] [--duration S] [--no-pacing] [--media FILE]
#                                 [--sub-namespaces G] [--ebpf] [--loopback] [--out-dir DIR]
#
#   --subs LIST        subscriber counts, one run each (default "1 10 50")
#   --duration S       paced mode (default): the clip looped in real time for S seconds (default 10)
#   --no-pacing        the clip once, as fast as the publisher can send (throughput; latency then
#                      includes the publisher running ahead of real time)
#   --media FILE       default media/test.mp4
#   --sub-namespaces G subscribers share G namespaces (default 4)
#   --ebpf             also run every N with moq-relay --ebpf (pub/subs --allow-cleartext)
#   --loopback         no namespaces: everything on 127.0.0.1
#   --out-dir DIR      keep logs, reports and stats (default: a temporary directory, removed)
#
# Per run it prints: relay CPU seconds (utime+stime from /proc, from the relay's start to the end of
# the run) per GB forwarded (sum of the subscribers' received payload bytes), objects/s out of the
# relay (--stats objects_out over the run's wall time), subscriber latency p50 (median of the
# subscribers' p50) and p99 (worst subscriber's p99) from their --report, gaps (sum, except "skipped
# at join") and joins (sum of "skipped at join" gaps: subscribers that started after the first group).
# moq-sub runs without --out (no muxing) to leave the CPU to the relay. Figures, not pass/fail; a run
# whose tools fail prints the reason in its row and the script exits 1 at the end.
# Binaries: the release build (`make build`), BIN_DIR to override.
set -euo pipefail
cd "$(dirname "$0")/../.."
subs_list="1 10 50" duration=10 pacing=1 media=media/test.mp4 groups=4 modes=(user) topo_loopback=0 keep=""
while (($#)); do
    case $1 in
        --subs) subs_list=${2:?}; shift 2 ;;
        --duration) duration=${2:?}; shift 2 ;;
        --no-pacing) pacing=0; shift ;;
        --media) media=${2:?}; shift 2 ;;
        --sub-namespaces) groups=${2:?}; shift 2 ;;
        --ebpf) modes=(user ebpf); shift ;;
        --loopback) topo_loopback=1; shift ;;
        --out-dir) keep=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "relay-fanout.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ -f $media ]] || { [[ $media == media/test.mp4 ]] && media/make-test-media.sh >/dev/null; }
[[ -f $media ]] || { echo "relay-fanout.sh: $media: no such file" >&2; exit 2; }
bin=${BIN_DIR:-$(swift build -c release --show-bin-path)}
for t in moq-pub moq-relay moq-sub; do
    [[ -x $bin/$t ]] || { echo "relay-fanout.sh: $bin/$t missing: run 'make build' (or set BIN_DIR)" >&2; exit 1; }
done
source scripts/netem/topology.bash
((topo_loopback)) || ns_require_root
if [[ -n $keep ]]; then mkdir -p "$keep"; base=$(cd "$keep" && pwd); else base=$(mktemp -d /tmp/relay-fanout-bench.XXXXXX); fi
trap 'ns_cleanup; [[ -n $keep ]] || rm -rf "$base"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

rows=()
status=0
# run N MODE: one measurement; appends a row.
run() {
    local n=$1 mode=$2 k
    out=$base/$mode-$n
    mkdir -p "$out"
    local relay_args=() client=() pub_args=() sub_args=()
    [[ $mode == ebpf ]] && relay_args+=(--ebpf) && client+=(--allow-cleartext)
    if ((pacing)); then pub_args+=(--loop); sub_args+=(--duration "$duration"); else pub_args+=(--no-pacing); fi
    local g=$((n < groups ? n : groups))
    topo_build "$g" 0
    for ((k = g + 1; k <= n; k++)); do sub_ns[k]=${sub_ns[(k - 1) % g + 1]}; sub_relay[k]=${sub_relay[(k - 1) % g + 1]}; done
    if ! start_relay relay "$ns_relay" --stats "$out/relay.json" "${relay_args[@]}" 2>"$out/start.err"; then
        rows+=("$(printf '%-5s %5d  relay did not start: %s' "$mode" "$n" "$(grep -v '^moq-relay (relay) did not start' "$out/start.err" | head -n 1 | sed 's/^ *//')")")
        status=1; ns_cleanup; return 0
    fi
    local relay_pid=$started_pid port=$started_port
    local pub_host=10.0.1.1
    ((topo_loopback)) && pub_host=127.0.0.1
    local t0 c0
    c0=$(cpu_ticks "$relay_pid")
    t0=$(date +%s.%N)
    if ! start_pub "$ns_pub" "moqt://$pub_host:$port" "${client[@]}" "${pub_args[@]}" "$media" 2>"$out/start.err"; then
        rows+=("$(printf '%-5s %5d  moq-pub did not announce' "$mode" "$n")"); status=1; ns_cleanup; return 0
    fi
    for ((k = 1; k <= n; k++)); do
        ns_bg "${sub_ns[k]}" "$out/sub$k" timeout $((duration + 120)) "$bin/moq-sub" --relay "moqt://${sub_relay[k]}:$port" \
            --insecure --report "$out/sub$k.json" "${client[@]}" "${sub_args[@]}"
        sub_pid[k]=$bg_pid
    done
    local failed=0
    for ((k = 1; k <= n; k++)); do wait "${sub_pid[k]}" || failed=$((failed + 1)); done
    local c1 t1
    c1=$(cpu_ticks "$relay_pid")
    t1=$(date +%s.%N)
    kill -TERM "$pub_pid" 2>/dev/null || true
    wait "$pub_pid" || true
    stop_relay "$relay_pid" relay >/dev/null 2>&1 || failed=$((failed + 1))
    ns_cleanup
    rows+=("$(python3 - "$out" "$n" "$mode" "$(( c1 - c0 ))" "$tck" "$t0" "$t1" "$failed" <<'PY'
import json, os, statistics, sys
out, n, mode, ticks, tck, t0, t1, failed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
reps = []
for k in range(1, n + 1):
    try:
        reps.append(json.load(open(os.path.join(out, f"sub{k}.json"))))
    except (OSError, ValueError):
        pass
try:
    stats = json.load(open(os.path.join(out, "relay.json")))
except (OSError, ValueError):
    stats = {}
cpu = ticks / tck
wall = t1 - t0
gb = sum(r["bytes"] for r in reps) / 1e9
objs = stats.get("objects_out", 0)
p50 = statistics.median(r["latency_us"]["p50"] for r in reps) / 1000 if reps else float("nan")
p99 = max(r["latency_us"]["p99"] for r in reps) / 1000 if reps else float("nan")
gaps = sum(1 for r in reps for g in r["gaps"] if g["reason"] != "skipped at join")
joins = sum(1 for r in reps for g in r["gaps"] if g["reason"] == "skipped at join")
note = f"  ({failed} tool(s) failed, {len(reps)}/{n} reports)" if failed or len(reps) < n else ""
print(f"{mode:<5} {n:5d} {cpu:8.2f} {(cpu / gb if gb else float('nan')):9.1f} {gb * 1e3:9.2f} {objs / wall:9.0f} "
      f"{p50:8.2f} {p99:8.2f} {gaps:5d} {joins:5d} {stats.get('packets_fast_path', 0):9d}{note}")
PY
)")
    ((failed == 0)) || status=1
}

for n in $subs_list; do
    for mode in "${modes[@]}"; do
        echo "== $mode, $n subscriber(s)" >&2
        run "$n" "$mode"
    done
done
how="paced, clip looped for ${duration} s"
((pacing)) || how="--no-pacing, clip once"
echo "relay fan-out: $(basename "$media"), $how, $( ((topo_loopback)) && echo loopback || echo "namespaces (subscribers share up to $groups)")"
printf '%-5s %5s %8s %9s %9s %9s %8s %8s %5s %5s %9s\n' mode subs cpu_s cpu_s/GB MB_out obj/s p50_ms p99_ms gaps joins fastpath
for r in "${rows[@]}"; do echo "$r"; done
[[ -n $keep ]] && echo "logs, reports and stats: $keep/"
exit $status
