#!/usr/bin/env bash
# Relay fan-out benchmark: one publisher -> a relay -> N subscribers, in network namespaces (publisher,
# relay, and a few subscriber namespaces the subscribers share round-robin to save CPU;
# scripts/netem/topology.bash). The relay is, per mode:
#   user     moq-relay in user space (encrypted 1-RTT, as deployed)
#   clear    moq-relay in user space with cleartext 1-RTT (moq-relay --allow-cleartext, pub/subs
#            --allow-cleartext): the same packets as --ebpf, so the transit probe can read them
#   ebpf     moq-relay --ebpf, cleartext (the kernel fast path; pub/subs --allow-cleartext)
#   ebpfenc  moq-relay --ebpf, encrypted (the kernel opens the publisher's packets once and seals
#            every copy with ChaCha20-Poly1305; moq-pub --fast-path-encoding, subscribers as deployed,
#            no cleartext); the transit probe cannot read its packets, so transit is n/a
#   aiomoqt  aiomoqt's relay (`python -m aiomoqt.tools.moq_interop_relay --quic --draft 18`,
#            .build/venv-aiomoqt)
#   moqrs    moq-dev's Rust relay through its Python bindings (scripts/peers/moqrs_relay.py,
#            .build/venv-moqrs); it carries subgroup 0 only, so moq-pub runs --stream-per-group; our
#            LOC capture timestamp does not survive it, so its latency is n/a
# (venvs made by scripts/deps.sh); publisher and subscribers are always ours.
#
#   scripts/bench/relay-fanout.sh [--subs "1 10 50"] [--duration S] [--no-pacing] [--media FILE]
#                                 [--sub-namespaces G] [--modes "user clear ebpf aiomoqt moqrs"]
#                                 [--ebpf] [--aiomoqt] [--moqrs] [--sessions auto|off] [--no-transit]
#                                 [--search] [--search-max N] [--search-runs K] [--loopback]
#                                 [--out-dir DIR] [--publish DIR]
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
#   --ebpf             the same as --modes "user ebpf";  --aiomoqt, --moqrs: add that mode
#   --sessions MODE    auto (default): when moq-sub has --sessions, the N subscribers are G processes
#                      (one per subscriber namespace) of N/G sessions each; off: one moq-sub per
#                      subscriber
#   --no-transit       do not attach the transit-delay probe (bpf/transit.bpf.c)
#   --search           after the list, search each mode's largest N that passes: every subscriber
#                      reports, none below 95% of the clip's bit rate, no gap other than "skipped at
#                      join", the relay alive. Starts from the list's verdicts, doubles past its last
#                      pass, then bisects (to 10% or 10 subscribers), at most --search-runs K runs
#                      per mode (default 5) and N <= --search-max (default 1000)
#   --loopback         no namespaces: everything on 127.0.0.1 (no transit probe)
#   --out-dir DIR      keep logs, reports and stats (default: a temporary directory, removed)
#   --publish DIR      copy fanout.csv, transit-hist.csv and the plots (scripts/bench/plot.py,
#                      .build/venv-bench) into DIR
#
# Per run it prints (columns): wall_s the run's wall time (from just before the publisher starts to
# the last subscriber's exit); cpu_s relay user+sys CPU seconds over it (/proc, all threads), cores =
# cpu_s / wall_s, cpu_s/GB per GB delivered (the subscribers' payload bytes); rss_MB the relay's peak
# RSS; obj/s objects out of the relay (moq-relay --stats; n/a for the others); Mbps/sub, min_sub,
# Mbps_all the delivered payload rate per subscriber (its bytes over --duration; mean, lowest) and
# in all; p50_ms (median of the subscribers' p50 object latency), p99_ms (worst subscriber's p99),
# p99med (median subscriber's p99); gaps (sum, except "skipped at join") and joins ("skipped at join");
# fastpath packets the kernel forwarded; busy% machine CPU busy over the run (/proc/stat, all cores)
# and load (1-minute load average at the start); tr_p50us, tr_p99us the relay's transit delay of
# media packets (publisher-facing ingress -> subscriber-facing egress, bpf/transit.bpf.c, all matched
# packets of the run) and tr_match% the share of eligible egress packets matched (n/a when the relay's
# packets are encrypted); bpf_s kernel run time of the fast path's programs over the run
# (kernel.bpf_stats_enabled, switched on for the run and restored); cores/Gbps = (cpu_s + bpf_s) /
# wall_s / delivered Gbit/s; acks/pkt ACK frames the relay received (--stats ack_frames_received) per
# packet it sent to subscribers (packets_fast_path + packets_user_space; n/a without the counter);
# fp_share% media packets to subscribers sent by the kernel (packets_fast_path / (that +
# fast_path.user_space_media_packets_fast_path_subscribers)); lg_cpu_s CPU seconds of every moq-sub
# process (the load generator; user+sys of the waited-for children). The subscribers run on the same
# cores as the relay. fanout.csv (in the output directory) has every figure of every run, more than
# the table (transit p90/max/jitter and per path, the probe's own run time, failures, the verdict).
# Figures, not pass/fail; a run whose tools fail says so in its row and the script exits 1 at the end.
# Binaries: the release build (`make build`), BIN_DIR to override.
set -euo pipefail
cd "$(dirname "$0")/../.."
subs_list="1 10 50" duration=10 pacing=1 media=media/test.mp4 groups=4 modes=(user) topo_loopback=0 keep=""
sessions_mode=auto transit=1 search=0 search_max=1000 search_runs=5 publish=""
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
        --moqrs) modes+=(moqrs); shift ;;
        --sessions) sessions_mode=${2:?}; shift 2 ;;
        --no-transit) transit=0; shift ;;
        --search) search=1; shift ;;
        --search-max) search_max=${2:?}; shift 2 ;;
        --search-runs) search_runs=${2:?}; shift 2 ;;
        --loopback) topo_loopback=1; shift ;;
        --out-dir) keep=${2:?}; shift 2 ;;
        --publish) publish=${2:?}; shift 2 ;;
        -h|--help) sed -n "2,$(grep -n '^set -euo' "$0" | cut -d: -f1)p" "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "relay-fanout.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for mode in "${modes[@]}"; do
    case $mode in user|clear|ebpf|ebpfenc|aiomoqt|moqrs) ;; *) echo "relay-fanout.sh: unknown mode $mode (user, clear, ebpf, ebpfenc, aiomoqt, moqrs)" >&2; exit 2 ;; esac
done
case $sessions_mode in auto|off) ;; *) echo "relay-fanout.sh: --sessions auto|off" >&2; exit 2 ;; esac
case $media in
    media/test.mp4) [[ -f $media ]] || media/make-test-media.sh >/dev/null ;;
    media/bench-4mbit.mp4) [[ -f $media ]] || media/make-test-media.sh --bench >/dev/null ;;
esac
[[ -f $media ]] || { echo "relay-fanout.sh: $media: no such file" >&2; exit 2; }
bin=${BIN_DIR:-$(swift build -c release --show-bin-path)}
for t in moq-pub moq-relay moq-sub; do
    [[ -x $bin/$t ]] || { echo "relay-fanout.sh: $bin/$t missing: run 'make build' (or set BIN_DIR)" >&2; exit 1; }
done
has_mode() { [[ " ${modes[*]} " == *" $1 "* ]]; }
py=${BUILD_DIR:-.build}/venv-aiomoqt/bin/python
mpy=${BUILD_DIR:-.build}/venv-moqrs/bin/python
if has_mode aiomoqt && ! [[ -x $py ]]; then
    echo "relay-fanout.sh: aiomoqt venv missing ($py): run scripts/deps.sh" >&2; exit 1
fi
if has_mode moqrs && ! [[ -x $mpy ]]; then
    echo "relay-fanout.sh: moq-rs venv missing ($mpy): run scripts/deps.sh" >&2; exit 1
fi
# Flags of our tools that may or may not be there (the harness works with both).
relay_help=$("$bin/moq-relay" --help 2>&1 || true)
sub_help=$("$bin/moq-sub" --help 2>&1 || true)
relay_has_cleartext=0
grep -q -- --allow-cleartext <<<"$relay_help" && relay_has_cleartext=1
use_sessions=0
[[ $sessions_mode == auto ]] && grep -q -- --sessions <<<"$sub_help" && use_sessions=1
if has_mode clear && ((relay_has_cleartext == 0)); then
    echo "relay-fanout.sh: mode clear needs moq-relay --allow-cleartext, which $bin/moq-relay does not have" >&2; exit 1
fi
((topo_loopback)) && transit=0
source scripts/netem/topology.bash
source scripts/bench/transit-lib.bash
((topo_loopback)) || ns_require_root
if [[ -n $keep ]]; then mkdir -p "$keep"; base=$(cd "$keep" && pwd); else base=$(mktemp -d /tmp/relay-fanout-bench.XXXXXX); fi
: >"$base/runs.jsonl"
# BPF run time accounting (kernel.bpf_stats_enabled) for the fast path and the probe; restored on exit.
bpf_stats_old=""
if [[ $(id -u) -eq 0 ]] && { has_mode ebpf || has_mode ebpfenc || ((transit)); } && [[ -w /proc/sys/kernel/bpf_stats_enabled ]]; then
    bpf_stats_old=$(</proc/sys/kernel/bpf_stats_enabled)
    echo 1 >/proc/sys/kernel/bpf_stats_enabled
fi
cleanup() {
    transit_cleanup
    ns_cleanup
    [[ -n $bpf_stats_old ]] && echo "$bpf_stats_old" >/proc/sys/kernel/bpf_stats_enabled
    [[ -n $keep ]] || rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if has_mode aiomoqt || has_mode moqrs; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$base/priv.key" \
        -out "$base/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
fi
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
peak_rss_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# All cores: "busy idle" jiffies since boot (idle includes iowait).
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6; exit}' /proc/stat; }
# CPU seconds (user + sys) of this shell's waited-for children so far (bash's `times`, second line;
# it must run in this shell, not in a $(...) subshell).
children_cpu() {
    times >"$1"
    awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } print s }' "$1" >"$1.s"
}
# The clip's bitrate (bit/s), to compare the delivered rate with.
media_bps=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$media" 2>/dev/null | grep -m1 -E '^[0-9]+$' || echo 0)
free_port() { python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_aiomoqt NS: aiomoqt's relay on UDP port topo_port (loopback: a free port) in NS; ready when its
# socket is bound. Sets started_pid, started_port; returns 1 with its log's tail if it did not start.
start_aiomoqt() {
    local ns=$1 port=$topo_port
    ((topo_loopback)) && port=$(free_port)
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

# start_moqrs NS: moq-rs's relay (scripts/peers/moqrs_relay.py) on topo_port (loopback: a free port);
# ready when it prints READY. Sets started_pid, started_port.
start_moqrs() {
    local ns=$1 port=$topo_port host=0.0.0.0
    ((topo_loopback)) && port=$(free_port) host=127.0.0.1
    ns_bg "$ns" "$out/relay" "$mpy" scripts/peers/moqrs_relay.py "$port" "$base/cert.pem" "$base/priv.key" "$host"
    local pid=$bg_pid
    for _ in $(seq 1 150); do
        if grep -q READY "$out/relay.out" 2>/dev/null; then
            started_pid=$pid started_port=$port
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    echo "moq-rs relay did not start:" >&2
    tail -n 20 "$out/relay.err" | sed 's/^/    /' >&2
    return 1
}

status=0
failrow() { # failrow N MODE TEXT: a run that did not measure
    python3 -c 'import json, sys; print(json.dumps({"mode": sys.argv[2], "subs": int(sys.argv[1]), "search": int(sys.argv[4]), "notes": sys.argv[3], "pass": 0}))' \
        "$1" "$2" "$3" "$4" >>"$base/runs.jsonl"
    status=1
}
# run N MODE [SEARCH]: one measurement; appends a record to runs.jsonl.
run() {
    local n=$1 mode=$2 is_search=${3:-0} k
    out=$base/$mode-$n
    ((is_search)) && out=$base/$mode-$n-search
    rm -rf "$out"
    mkdir -p "$out"
    local relay_args=() client=() pub_args=() sub_args=()
    case $mode in
        ebpf) relay_args+=(--ebpf); client+=(--allow-cleartext) ;;
        ebpfenc) relay_args+=(--ebpf); pub_args+=(--fast-path-encoding) ;;
        clear) relay_args+=(--allow-cleartext); client+=(--allow-cleartext) ;;
        moqrs) pub_args+=(--stream-per-group) ;;
    esac
    if ((pacing)); then pub_args+=(--loop); sub_args+=(--duration "$duration"); else pub_args+=(--no-pacing); fi
    local g=$((n < groups ? n : groups))
    topo_build "$g" 0
    for ((k = g + 1; k <= n; k++)); do sub_ns[k]=${sub_ns[(k - 1) % g + 1]}; sub_relay[k]=${sub_relay[(k - 1) % g + 1]}; done
    # The probe first (its clsact and pref 1 filters), so the fast path's filters come after it.
    if ((transit)); then
        local sub_ifs=()
        for ((k = 1; k <= g; k++)); do sub_ifs+=("sub$k"); done
        if ! transit_attach --index "$ns_pub" eth0 "$ns_relay" pub0 "${sub_ifs[@]}" 2>"$out/transit.err"; then
            failrow "$n" "$mode" "transit probe: $(tail -n 1 "$out/transit.err")" "$is_search"; ns_cleanup; return 0
        fi
    fi
    case $mode in
        aiomoqt|moqrs)
            if ! "start_$mode" "$ns_relay" 2>"$out/start.err"; then
                failrow "$n" "$mode" "relay did not start: $(sed -n 2p "$out/start.err" | sed 's/^ *//')" "$is_search"
                transit_detach; ns_cleanup; return 0
            fi ;;
        *)
            if ! start_relay relay "$ns_relay" --stats "$out/relay.json" "${relay_args[@]}" 2>"$out/start.err"; then
                failrow "$n" "$mode" "relay did not start: $(grep -v '^moq-relay (relay) did not start' "$out/start.err" | head -n 1 | sed 's/^ *//')" "$is_search"
                transit_detach; ns_cleanup; return 0
            fi ;;
    esac
    local relay_pid=$started_pid port=$started_port
    local pub_host=10.0.1.1
    ((topo_loopback)) && pub_host=127.0.0.1
    local t0 c0 m0 load
    load=$(cut -d' ' -f1 /proc/loadavg)
    m0=$(machine_ticks)
    c0=$(cpu_ticks "$relay_pid")
    [[ $mode == ebpf* ]] && python3 scripts/bench/fanout.py bpfstat "$relay_pid" >"$out/bpf0.json"
    t0=$(date +%s.%N)
    if ! start_pub "$ns_pub" "moqt://$pub_host:$port" "${client[@]}" "${pub_args[@]}" "$media" 2>"$out/start.err"; then
        failrow "$n" "$mode" "moq-pub did not announce: $(tail -n 1 "$out/pub.err")" "$is_search"; transit_detach; ns_cleanup; return 0
    fi
    # Subscribers: one moq-sub per subscriber, or (moq-sub --sessions) one per namespace with its share.
    local procs=$n per=1 ts0 ts1
    if ((use_sessions)); then procs=$g; fi
    children_cpu "$out/times0"
    ts0=$(date +%s.%N)
    for ((k = 1; k <= procs; k++)); do
        local extra=()
        if ((use_sessions)); then
            per=$(( (n + procs - k) / procs ))  # n split as evenly as possible
            extra=(--sessions "$per")
        fi
        ns_bg "${sub_ns[k]}" "$out/sub$k" timeout -k 10 $((duration + 120)) "$bin/moq-sub" --relay "moqt://${sub_relay[k]}:$port" \
            --insecure --report "$out/sub$k.json" "${client[@]}" "${sub_args[@]}" "${extra[@]}"
        sub_pid[k]=$bg_pid
    done
    ts1=$(date +%s.%N)
    local failed=0 relay_dead=0
    for ((k = 1; k <= procs; k++)); do wait "${sub_pid[k]}" || failed=$((failed + 1)); done
    children_cpu "$out/times1"
    local c1 t1 m1 rss
    kill -0 "$relay_pid" 2>/dev/null || relay_dead=1
    c1=$(cpu_ticks "$relay_pid")
    t1=$(date +%s.%N)
    m1=$(machine_ticks)
    rss=$(peak_rss_kb "$relay_pid")
    [[ $mode == ebpf* ]] && python3 scripts/bench/fanout.py bpfstat "$relay_pid" >"$out/bpf1.json"
    ((transit)) && { transit_read "$out/transit.json" 2>>"$out/transit.err" || true; }
    kill -TERM "$pub_pid" 2>/dev/null || true
    wait "$pub_pid" || true
    case $mode in
        aiomoqt|moqrs)
            # Their exit status on SIGTERM is not a verdict; only whether they were still running.
            kill -TERM "$relay_pid" 2>/dev/null || true
            wait_pid "$relay_pid" 15 >/dev/null 2>&1 || true ;;
        *)
            if ! stop_relay "$relay_pid" relay >/dev/null 2>&1; then
                ((relay_dead)) || relay_dead=2
            fi ;;
    esac
    ((transit)) && transit_detach
    ns_cleanup
    python3 - "$out/args.json" <<PY
import json, sys
m0, m1 = "$m0".split(), "$m1".split()
json.dump({"n": $n, "mode": "$mode", "search": $is_search, "cpu_ticks": $((c1 - c0)), "tck": $tck,
           "t0": $t0, "t1": $t1, "failed": $failed, "relay_dead": $relay_dead, "duration": $duration,
           "pacing": $pacing, "rss_kb": int("${rss:-0}" or 0), "m0": [int(x) for x in m0], "m1": [int(x) for x in m1],
           "load": "$load", "ts0": $ts0, "ts1": $ts1, "media_bps": $media_bps, "procs": $procs,
           "sessions_per_proc": $(((n + procs - 1) / procs)),
           "loadgen_cpu_s": round(float(open("$out/times1.s").read()) - float(open("$out/times0.s").read()), 3)},
          open(sys.argv[1], "w"))
PY
    python3 scripts/bench/fanout.py row "$out" "$out/args.json" >>"$base/runs.jsonl"
    ((failed == 0 && relay_dead == 0)) || status=1
}

how="paced, clip looped, each subscriber ${duration} s"
((pacing)) || how="--no-pacing, clip once"
echo "relay fan-out: $(basename "$media") ($(awk -v b="$media_bps" 'BEGIN{printf "%.2f", b/1e6}') Mbit/s), $how," \
    "$( ((topo_loopback)) && echo loopback || echo "namespaces (subscribers share up to $groups)"), $(nproc) cores," \
    "$( ((use_sessions)) && echo "moq-sub --sessions (one process per namespace)" || echo "one moq-sub per subscriber")," \
    "transit probe $( ((transit)) && echo on || echo off)" >&2
for n in $subs_list; do
    for mode in "${modes[@]}"; do
        echo "== $mode, $n subscriber(s)" >&2
        run "$n" "$mode"
    done
done

# --search: per mode, the largest N that passes, from the list's verdicts on.
verdict() { python3 scripts/bench/fanout.py verdict "$base/runs.jsonl" "$1" "$2"; }
search_result=()
if ((search)); then
    for mode in "${modes[@]}"; do
        lo=0 hi=0
        for n in $(tr ' ' '\n' <<<"$subs_list" | sort -n); do
            if [[ $(verdict "$mode" "$n") == pass ]]; then
                ((hi == 0)) && lo=$n
            elif ((hi == 0)); then
                hi=$n
            fi
        done
        runs_left=$search_runs
        # Double past the last pass while everything passed.
        while ((hi == 0 && runs_left > 0)); do
            n=$((lo > 0 ? lo * 2 : 1))
            ((n > search_max)) && n=$search_max
            ((n <= lo)) && break
            echo "== search: $mode, $n subscriber(s)" >&2
            run "$n" "$mode" 1
            runs_left=$((runs_left - 1))
            if [[ $(verdict "$mode" "$n") == pass ]]; then lo=$n; else hi=$n; fi
        done
        # Bisect between the last pass and the first failure.
        while ((hi > 0 && runs_left > 0)); do
            step=$(( (hi - lo) ))
            tol=$(( lo / 10 > 10 ? lo / 10 : 10 ))
            ((step <= tol)) && break
            n=$(( (lo + hi) / 2 ))
            echo "== search: $mode, $n subscriber(s)" >&2
            run "$n" "$mode" 1
            runs_left=$((runs_left - 1))
            if [[ $(verdict "$mode" "$n") == pass ]]; then lo=$n; else hi=$n; fi
        done
        if ((hi > 0)); then
            search_result+=("search: $mode sustains N = $lo (fails at N = $hi)")
        else
            search_result+=("search: $mode sustains N = $lo (no failure up to the limit)")
        fi
    done
fi

echo "relay fan-out: $(basename "$media") ($(awk -v b="$media_bps" 'BEGIN{printf "%.2f", b/1e6}') Mbit/s), $how, $( ((topo_loopback)) && echo loopback || echo "namespaces (subscribers share up to $groups)"), $(nproc) cores"
python3 scripts/bench/fanout.py table "$base/runs.jsonl"
for l in "${search_result[@]}"; do echo "$l"; done
python3 scripts/bench/fanout.py csv "$base/runs.jsonl" "$base"
if [[ -n $publish ]]; then
    mkdir -p "$publish"
    cp "$base/fanout.csv" "$base/transit-hist.csv" "$publish/"
    bpy=${BUILD_DIR:-.build}/venv-bench/bin/python
    if [[ -x $bpy ]]; then
        "$bpy" scripts/bench/plot.py "$base/fanout.csv" "$base/transit-hist.csv" "$publish" || status=1
    else
        echo "relay-fanout.sh: $bpy missing (scripts/deps.sh): no plots" >&2
        status=1
    fi
    echo "published: $(ls "$publish" | tr '\n' ' ')"
fi
python3 scripts/bench/fanout.py ratio "$base/runs.jsonl" 2>/dev/null | sed 's/^/transit: /' || true
[[ -n $keep ]] && echo "logs, reports, stats, fanout.csv: $keep/"
exit $status
