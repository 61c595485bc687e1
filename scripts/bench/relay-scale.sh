#!/usr/bin/env bash
# One fan-out point, quickly, for profiling the relay: moq-pub (looping the 4 Mbit/s clip) -> moq-relay
# -> ONE subscriber namespace where a single `moq-sub --sessions N` process runs N subscriber sessions,
# in network namespaces (scripts/tests/fastpath-lib.bash topology, removed on exit). Release build.
#
#   scripts/bench/relay-scale.sh N MODE DURATION [moq-relay flags...]
#
#   MODE      ebpf (moq-relay --ebpf, clients --allow-cleartext), ebpfenc (moq-relay --ebpf, encrypted: moq-pub
#             --fast-path-encoding, subscribers as deployed) or user (encrypted, user space)
#   SUB_FLAGS="..."  extra moq-sub flags (e.g. --ack-frequency, with moq-relay --ack-frequency)
#   PERF=relay|sub   also `perf record -g` the relay or the load generator for 3 s mid-run into
#                    .build/relay-scale.perf (read with `perf report -i .build/relay-scale.perf`)
#
# Prints: the delivered rate per session (mean, lowest), gaps, latency p50 (median of sessions) and worst
# p99; relay CPU (utime+stime from /proc) as cores and per forwarded copy; the machine's CPU split over 2 s
# mid-run (user, system, idle, softirq: the kernel's clones are softirq); the load generator's CPU (rusage);
# packets by path, ACK frames per packet sent, and the fast path's counters.
N=${1:?N}; MODE=${2:?MODE}; DUR=${3:?DURATION}; shift 3
case $MODE in ebpf|ebpfenc|user) ;; *) echo "relay-scale.sh: MODE is ebpf, ebpfenc or user" >&2; exit 2 ;; esac
FASTPATH_BIN=$(cd "$(dirname "$0")/../.." && swift build -c release --show-bin-path)
source "$(dirname "$0")/../tests/fastpath-lib.bash"
media=media/bench-4mbit.mp4
[[ -f $media ]] || media/make-test-media.sh --bench >/dev/null
fp_topology 1
args=(); cl=(); pubenc=()
[[ $MODE == ebpf ]] && { args=(--ebpf); cl=(--allow-cleartext); }
[[ $MODE == ebpfenc ]] && { args=(--ebpf); pubenc=(--fast-path-encoding); }
fp_relay relay "${args[@]}" --stats "$work/relay.json" "$@"
fp_bg "$ns_p" pub "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure "${cl[@]}" "${pubenc[@]}" --loop "$media"
for _ in $(seq 1 100); do grep -q announced "$work/pub.err" && break; sleep 0.1; done
relay_cpu() { awk '{print $14 + $15}' "/proc/$relay_pid/stat"; }
t0=$(relay_cpu)
fp_bg "$fp_tag-s1" subs python3 scripts/bench/rusage.py "$work/sub.rusage" "$bin/moq-sub" --relay moqt://10.77.1.1:4443 \
    --insecure "${cl[@]}" ${SUB_FLAGS:-} --sessions "$N" --duration "$DUR" --report "$work/subs.json"
subs_pid=$bg_pid
s0=$(date +%s.%N)
sleep $((DUR / 2))
st0=$(head -1 /proc/stat)
case ${PERF:-} in
    relay) perf record -F 499 -g -p "$relay_pid" -o .build/relay-scale.perf -- sleep 3 >/dev/null 2>&1 ;;
    sub) perf record -F 499 -g -p "$(pgrep -f "^/.*moq-sub --relay moqt://10.77.1.1" | head -1)" -o .build/relay-scale.perf -- sleep 3 >/dev/null 2>&1 ;;
esac
sleep 2
st1=$(head -1 /proc/stat)
rc=0; wait "$subs_pid" || rc=$?
t1=$(relay_cpu); s1=$(date +%s.%N)
kill -TERM "$relay_pid"; wait "$relay_pid" || true
echo "moq-sub --sessions $N exited $rc: $(tail -n 1 "$work/subs.err")"
python3 - "$work/subs.json" "$work/relay.json" "$t0" "$t1" "$s0" "$s1" "$DUR" "$(cat "$work/sub.rusage")" "$st0" "$st1" <<'PY'
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t0, t1, s0, s1, dur = map(float, sys.argv[3:8])
user_s, sys_s = map(float, sys.argv[8].split()[:2])
a = [int(x) for x in sys.argv[9].split()[1:8]]; b = [int(x) for x in sys.argv[10].split()[1:8]]
d = [y - x for x, y in zip(a, b)]; tot = sum(d) or 1
rates = [p["bytes"] * 8 / dur / 1e6 for p in r["per_session"] if p]
fast, user = s["packets_fast_path"], s["packets_user_space"]
relay = (t1 - t0) / 100
print(f"N={r['sessions']} failed={r['failed']}: {sum(rates)/max(1,len(rates)):.2f} Mbit/s per session (lowest {min(rates or [0]):.2f}), "
      f"gaps {r['gaps']}, latency p50 {r['latency_us']['p50_median']/1000:.1f} ms, worst p99 {r['latency_us']['p99_max']/1000:.1f} ms")
print(f"relay CPU {relay:.2f} s over {s1 - s0:.1f} s = {relay / (s1 - s0):.2f} cores; {relay / max(1, fast + user) * 1e6:.2f} us per packet sent "
      f"({fast} fast path, {user} user space, fast-path share {fast / max(1, fast + user):.1%})")
print(f"machine mid-run: user {d[0]/tot:.0%} system {d[2]/tot:.0%} idle {d[3]/tot:.0%} softirq {d[6]/tot:.0%}; "
      f"load generator {user_s + sys_s:.2f} CPU s = {(user_s + sys_s) / (dur * r['sessions']) * 1e3:.2f} ms per session-second")
print(f"ACK frames from subscribers: {s['ack_frames_received']} = {s['ack_frames_received'] / max(1, fast + user):.3f} per packet sent")
fp = s.get("fast_path", {})
print("fast path:", {k: v for k, v in fp.items() if v and k in ("records_sent", "sent_log_entries_read", "sent_log_numbers_skipped", "records_dropped", "records_handoff", "log_syncs",
      "log_skipped", "kernel_drops_taken_over", "kernel_drops_transient", "drop_priority", "drop_budget", "skip_dropped",
      "handoff", "log_full", "retransmitted", "shortfall_handoff", "learned", "learn_refused")})
PY
