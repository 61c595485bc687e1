#!/usr/bin/env bash
# Relay fan-out benchmark: one publisher -> a relay -> N subscribers, in network namespaces (publisher,
# relay, and a few subscriber namespaces the subscribers share round-robin to save CPU;
# scripts/netem/topology.bash). The relay is moq-relay in user space (mode "user"), moq-relay --ebpf
# (mode "ebpf": the kernel fast path; pub/subs --allow-cleartext) or aiomoqt's relay (mode "aiomoqt":
# `python -m aiomoqt.tools.moq_interop_relay --quic --draft 18` from .build/venv-aiomoqt, made by
# scripts/deps.sh) as a baseline; publisher and subscribers are always ours.
#
#   scripts/bench/relay-fanout.sh [--subs "1 10 50"] [--duration S] [--no-pacing] [--media FILE]
#                                 [--sub-namespaces G] [--modes "user ebpf aiomoqt"] [--ebpf]
#                                 [--aiomoqt] [--loopback] [--out-dir DIR]
#
#   --subs LIST        subscriber counts, one run each (default "1 10 50")
#   --duration S       paced mode (default): the clip looped in real time; every subscriber stays
#                      S seconds from its session start (default 10)
#   --no-pacing        the clip once, as fast as the publisher can send (throughput; latency then
#                      includes the publisher running ahead of real time)
#   --media FILE       default media/test.mp4; media/bench-4mbit.mp4 is made on demand
#                      (media/make-test-media.sh --bench)
#   --sub-namespaces G subscribers share G namespaces (default 4)
#   --modes LIST       relays to run for every N, in this order (default "user")
#   --ebpf             the same as --modes "user ebpf"
#   --aiomoqt          adds aiomoqt to the modes
#   --loopback         no namespaces: everything on 127.0.0.1
#   --out-dir DIR      keep logs, reports and stats (default: a temporary directory, removed)
#
# Per run it prints: the run's wall time (from just before the publisher starts to the last
# subscriber's exit); relay CPU seconds over it (utime+stime of the relay process, all threads, from
# /proc), as cores (CPU seconds / wall time) and per GB delivered (sum of the
# subscribers' received payload bytes); the relay's peak RSS (VmHWM); objects/s out of the relay
# (moq-relay --stats objects_out over the run's wall time; n/a for aiomoqt, which has no such counter);
# the delivered rate: payload Mbit/s per subscriber (its bytes over --duration; mean and lowest) and
# the total; subscriber latency p50 (median of the subscribers' p50), p99 (worst subscriber's p99) and
# p99med (median of the subscribers' p99); gaps (sum, except "skipped at join") and joins (sum of
# "skipped at join" gaps); fast-path packets (n/a for aiomoqt); machine CPU busy % over the run (all
# cores, /proc/stat: the subscribers run on the same cores as the relay) and the 1-minute load average
# at the start. With --ebpf the fast path's work runs in the kernel's softirq context and is not in
# the relay's CPU seconds. moq-sub runs without --out (no muxing) to leave the CPU to the relay.
# Figures, not pass/fail; a run whose tools fail says so in its row (how many, and the most common
# last line of the failed subscribers' stderr) and the script exits 1 at the end.
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
        --modes) read -r -a modes <<<"${2:?}"; shift 2 ;;
        --ebpf) modes=(user ebpf); shift ;;
        --aiomoqt) modes+=(aiomoqt); shift ;;
        --loopback) topo_loopback=1; shift ;;
        --out-dir) keep=${2:?}; shift 2 ;;
        -h|--help) sed -n "2,$(grep -n '^set -euo' "$0" | cut -d: -f1)p" "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "relay-fanout.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for mode in "${modes[@]}"; do
    case $mode in user|ebpf|aiomoqt) ;; *) echo "relay-fanout.sh: unknown mode $mode (user, ebpf, aiomoqt)" >&2; exit 2 ;; esac
done
case $media in
    media/test.mp4) [[ -f $media ]] || media/make-test-media.sh >/dev/null ;;
    media/bench-4mbit.mp4) [[ -f $media ]] || media/make-test-media.sh --bench >/dev/null ;;
esac
[[ -f $media ]] || { echo "relay-fanout.sh: $media: no such file" >&2; exit 2; }
bin=${BIN_DIR:-$(swift build -c release --show-bin-path)}
for t in moq-pub moq-relay moq-sub; do
    [[ -x $bin/$t ]] || { echo "relay-fanout.sh: $bin/$t missing: run 'make build' (or set BIN_DIR)" >&2; exit 1; }
done
py=${BUILD_DIR:-.build}/venv-aiomoqt/bin/python
if [[ " ${modes[*]} " == *" aiomoqt "* ]] && ! [[ -x $py ]]; then
    echo "relay-fanout.sh: aiomoqt venv missing ($py): run scripts/deps.sh" >&2; exit 1
fi
source scripts/netem/topology.bash
((topo_loopback)) || ns_require_root
if [[ -n $keep ]]; then mkdir -p "$keep"; base=$(cd "$keep" && pwd); else base=$(mktemp -d /tmp/relay-fanout-bench.XXXXXX); fi
trap 'ns_cleanup; [[ -n $keep ]] || rm -rf "$base"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [[ " ${modes[*]} " == *" aiomoqt "* ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$base/priv.key" \
        -out "$base/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
fi
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
peak_rss_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# All cores: "busy idle" jiffies since boot (idle includes iowait).
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6; exit}' /proc/stat; }
# The clip's bitrate (bit/s), to compare the delivered rate with.
media_bps=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$media" 2>/dev/null | grep -m1 -E '^[0-9]+$' || echo 0)

# start_aiomoqt NS: aiomoqt's relay on UDP port topo_port (loopback: a free port) in NS; ready when its
# socket is bound. Sets started_pid, started_port; returns 1 with its log's tail if it did not start.
start_aiomoqt() {
    local ns=$1 port=$topo_port
    ((topo_loopback)) && port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    ns_bg "$ns" "$out/relay" "$py" -m aiomoqt.tools.moq_interop_relay --bind 0.0.0.0 --port "$port" \
        --cert "$base/cert.pem" --key "$base/priv.key" --quic --draft 18
    local pid=$bg_pid ss=(ss)
    [[ -n $ns ]] && ss=(ip netns exec "$ns" ss)
    for _ in $(seq 1 150); do
        if "${ss[@]}" -Hlun "sport = :$port" 2>/dev/null | grep -q .; then
            started_pid=$pid started_port=$port
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "aiomoqt relay did not start:" >&2
    tail -n 20 "$out/relay.err" | sed 's/^/    /' >&2
    return 1
}

rows=()
status=0
# row N MODE TEXT: a row for a run that did not measure.
row_fail() { rows+=("$(printf '%-7s %5d  %s' "$2" "$1" "$3")"); status=1; }
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
    if [[ $mode == aiomoqt ]]; then
        if ! start_aiomoqt "$ns_relay" 2>"$out/start.err"; then
            row_fail "$n" "$mode" "relay did not start: $(sed -n 2p "$out/start.err" | sed 's/^ *//')"; ns_cleanup; return 0
        fi
    elif ! start_relay relay "$ns_relay" --stats "$out/relay.json" "${relay_args[@]}" 2>"$out/start.err"; then
        row_fail "$n" "$mode" "relay did not start: $(grep -v '^moq-relay (relay) did not start' "$out/start.err" | head -n 1 | sed 's/^ *//')"
        ns_cleanup; return 0
    fi
    local relay_pid=$started_pid port=$started_port
    local pub_host=10.0.1.1
    ((topo_loopback)) && pub_host=127.0.0.1
    local t0 c0 m0 load
    load=$(cut -d' ' -f1 /proc/loadavg)
    m0=$(machine_ticks)
    c0=$(cpu_ticks "$relay_pid")
    t0=$(date +%s.%N)
    if ! start_pub "$ns_pub" "moqt://$pub_host:$port" "${client[@]}" "${pub_args[@]}" "$media" 2>"$out/start.err"; then
        row_fail "$n" "$mode" "moq-pub did not announce: $(tail -n 1 "$out/pub.err")"; ns_cleanup; return 0
    fi
    local ts0 ts1
    ts0=$(date +%s.%N)
    for ((k = 1; k <= n; k++)); do
        ns_bg "${sub_ns[k]}" "$out/sub$k" timeout -k 10 $((duration + 120)) "$bin/moq-sub" --relay "moqt://${sub_relay[k]}:$port" \
            --insecure --report "$out/sub$k.json" "${client[@]}" "${sub_args[@]}"
        sub_pid[k]=$bg_pid
    done
    ts1=$(date +%s.%N)
    local failed=0 relay_dead=0
    for ((k = 1; k <= n; k++)); do wait "${sub_pid[k]}" || failed=$((failed + 1)); done
    local c1 t1 m1 rss
    kill -0 "$relay_pid" 2>/dev/null || relay_dead=1
    c1=$(cpu_ticks "$relay_pid")
    t1=$(date +%s.%N)
    m1=$(machine_ticks)
    rss=$(peak_rss_kb "$relay_pid")
    kill -TERM "$pub_pid" 2>/dev/null || true
    wait "$pub_pid" || true
    if [[ $mode == aiomoqt ]]; then
        # Its exit status on SIGTERM is not a verdict; only whether it was still running.
        kill -TERM "$relay_pid" 2>/dev/null || true
        wait_pid "$relay_pid" 15 >/dev/null 2>&1 || true
    elif ! stop_relay "$relay_pid" relay >/dev/null 2>&1; then
        ((relay_dead)) || relay_dead=2
    fi
    ns_cleanup
    rows+=("$(python3 - "$out" "$n" "$mode" "$((c1 - c0))" "$tck" "$t0" "$t1" "$failed" "$relay_dead" "$duration" "$pacing" \
        "$rss" "$m0" "$m1" "$load" "$ts0" "$ts1" "$media_bps" <<'PY'
import collections, json, os, re, statistics, sys
a = sys.argv[1:]
out, n, mode, ticks, tck, t0, t1, failed, relay_dead, duration, pacing = a[0], int(a[1]), a[2], int(a[3]), int(a[4]), float(a[5]), float(a[6]), int(a[7]), int(a[8]), float(a[9]), int(a[10])
rss_kb, m0, m1, load, ts0, ts1, media_bps = int(a[11] or 0), a[12].split(), a[13].split(), a[14], float(a[15]), float(a[16]), int(a[17])
reps = []
for k in range(1, n + 1):
    try:
        reps.append(json.load(open(os.path.join(out, f"sub{k}.json"))))
    except (OSError, ValueError):
        pass
try:
    stats = json.load(open(os.path.join(out, "relay.json")))
except (OSError, ValueError):
    stats = None
# relay_dead: 1 = it had exited before the subscribers were done (its CPU time is lost with it),
# 2 = it failed to stop cleanly.
cpu = ticks / tck if relay_dead != 1 else float("nan")
wall = t1 - t0
gb = sum(r["bytes"] for r in reps) / 1e9
busy = int(m1[0]) - int(m0[0]); idle = int(m1[1]) - int(m0[1])
busy_pct = 100 * busy / (busy + idle) if busy + idle else float("nan")
# Delivered rate: paced, every subscriber receives for --duration from its session start; unpaced,
# over the run's wall time.
window = duration if pacing else wall
rates = [r["bytes"] * 8 / window / 1e6 for r in reps] + [0.0] * (n - len(reps))
nan = float("nan")
p50 = statistics.median(r["latency_us"]["p50"] for r in reps) / 1000 if reps else nan
p99 = max(r["latency_us"]["p99"] for r in reps) / 1000 if reps else nan
p99med = statistics.median(r["latency_us"]["p99"] for r in reps) / 1000 if reps else nan
gaps = sum(1 for r in reps for g in r["gaps"] if g["reason"] != "skipped at join")
joins = sum(1 for r in reps for g in r["gaps"] if g["reason"] == "skipped at join")
objs = f"{stats.get('objects_out', 0) / wall:7.0f}" if stats is not None else f"{'n/a':>7}"
fast = f"{stats.get('packets_fast_path', 0):9d}" if stats is not None else f"{'n/a':>9}"
notes = []
if relay_dead:
    crash = ""
    try:
        err = open(os.path.join(out, "relay.err"), errors="replace").read().splitlines()
        for i, l in enumerate(err):
            if "Program crashed" in l or "Fatal error" in l:
                crash = l.strip("* ")
                # The crashed thread's first frame with a source file: "0x... FUNC + OFF in BIN at FILE:LINE:COL".
                start = next((j for j in range(i + 1, len(err)) if err[j].rstrip().endswith(" crashed:")), None)
                for e in err[start + 1:] if start is not None else []:
                    m = re.search(r"0x[0-9a-f]+ (.+?) in \S+ at (\S+?)(:\d+)", e)
                    if m and "compiler-generated" not in m.group(2):
                        crash += f" in {m.group(1)} ({os.path.basename(m.group(2))}{m.group(3)})"
                        break
                break
    except OSError:
        pass
    notes.append(("relay exited during the run" if relay_dead == 1 else "relay failed to stop cleanly") + (f": {crash}" if crash else ""))
if failed or len(reps) < n:
    last = collections.Counter()
    for k in range(1, n + 1):
        if os.path.exists(os.path.join(out, f"sub{k}.json")):
            continue
        try:
            lines = [l.strip() for l in open(os.path.join(out, f"sub{k}.err"), errors="replace") if l.strip()]
        except OSError:
            lines = []
        last[lines[-1][:100] if lines else "(no stderr)"] += 1
    why = "; ".join(f"{c}x '{l}'" for l, c in last.most_common(2))
    notes.append(f"{failed} tool(s) failed, {len(reps)}/{n} reports" + (f": {why}" if why else ""))
if ts1 - ts0 > 1:
    notes.append(f"subs started over {ts1 - ts0:.1f} s")
note = ("  (" + "; ".join(notes) + ")") if notes else ""
rss = f"{rss_kb / 1024:6.0f}" if rss_kb else f"{'n/a':>6}"
print(f"{mode:<7} {n:5d} {wall:6.1f} {cpu:7.2f} {cpu / wall:5.2f} {(cpu / gb if gb else nan):8.1f} {rss} {objs} "
      f"{statistics.mean(rates):7.2f} {min(rates):7.2f} {sum(rates):7.1f} "
      f"{p50:7.2f} {p99:8.2f} {p99med:8.2f} {gaps:5d} {joins:5d} {fast} {busy_pct:5.0f} {load:>5}{note}")
PY
)")
    ((failed == 0 && relay_dead == 0)) || status=1
}

for n in $subs_list; do
    for mode in "${modes[@]}"; do
        echo "== $mode, $n subscriber(s)" >&2
        run "$n" "$mode"
    done
done
how="paced, clip looped, each subscriber ${duration} s"
((pacing)) || how="--no-pacing, clip once"
echo "relay fan-out: $(basename "$media") ($(awk -v b="$media_bps" 'BEGIN{printf "%.2f", b/1e6}') Mbit/s), $how, $( ((topo_loopback)) && echo loopback || echo "namespaces (subscribers share up to $groups)"), $(nproc) cores"
printf '%-7s %5s %6s %7s %5s %8s %6s %7s %7s %7s %7s %7s %8s %8s %5s %5s %9s %5s %5s\n' mode subs wall_s cpu_s cores cpu_s/GB rss_MB obj/s \
    Mbps/sub min_sub Mbps_all p50_ms p99_ms p99med gaps joins fastpath busy% load
for r in "${rows[@]}"; do echo "$r"; done
[[ -n $keep ]] && echo "logs, reports and stats: $keep/"
exit $status
