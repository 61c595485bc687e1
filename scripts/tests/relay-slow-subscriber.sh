#!/usr/bin/env bash
# A slow subscriber never makes the relay buffer without bound (issue #18), in network namespaces:
# moq-pub --loop -> moq-relay --slow-subscriber-timeout 3 -> four subscribers.
#  - sub1 behind a 24 kbit/s policer on its downstream link (scripts/netem/impair.sh): its link
#    cannot carry even the keyframes. The relay drops by priority first, then, once sub1 has stayed
#    losing keyframes for 3 s, ends its subscription with PUBLISH_DONE TOO_FAR_BEHIND and closes its session
#    (INTERNAL_ERROR, reason "too far behind"); moq-sub 1 ends naming one or the other.
#  - sub2 stops (SIGSTOP, 4 s in): no ACK comes back while the relay has data in flight to it, so
#    the relay cuts it off the same way 3 s after its last acknowledgement, logged as "acknowledged
#    nothing": within 4.5 s of the stop (before this rule, 11-13 s: the data QUIC already held for it
#    had to go unacknowledged before its queue dropped a keyframe).
#  - sub3 is healthy: its report has no gap but "skipped at join", no duplicate, and it gets media
#    for its whole life (>= 20 objects/s).
#  - sub4 is healthy on a lossy link (10% loss each way, impair.sh on its eth0, so its ACKs are lost
#    too): never cut off, exits 0 after its 20 s, and gets media for its whole life.
# The relay logs one "too far behind" line per cut-off subscriber (its address named) and closes it
# with INTERNAL_ERROR "too far behind"; --stats counts slow_subscribers_closed = 2; the relay's RSS, sampled
# every 0.1 s, never grows more than 24 MiB over its level once the four were subscribed.
source "$(dirname "$0")/../netem/test-lib.bash"
test_init 12
# The policer (impair.sh) pins under bpffs; mount it as moq-relay --ebpf would when it is not there.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || { echo "FAIL: cannot mount bpffs on /sys/fs/bpf"; exit 1; }
topo_build 4 0
clip=test.mp4
start_relay relay "$ns_relay" --stats "$out/relay.json" --slow-subscriber-timeout 3 \
    || { fail "moq-relay did not start"; test_finish relay-slow-subscriber; }
relay_pid=$started_pid port=$started_port
ns_impair_indent="  "
ns_impair --dev eth0 --netns "${sub_ns[1]}" --ingress --udp --rate 24k --burst 3000
ns_impair --dev eth0 --netns "${sub_ns[4]}" --ingress --udp --loss 10
ns_impair --dev eth0 --netns "${sub_ns[4]}" --egress --udp --loss 10
start_pub "$ns_pub" "moqt://10.0.1.1:$port" --loop "$media/$clip" \
    || { fail "moq-pub did not announce"; dump_logs relay; test_finish relay-slow-subscriber; }
sub_timeout=40
start_sub 1 "moqt://${sub_relay[1]}:$port" --idle-timeout 5
start_sub 2 "moqt://${sub_relay[2]}:$port"
start_sub 3 "moqt://${sub_relay[3]}:$port" --duration 20
start_sub 4 "moqt://${sub_relay[4]}:$port" --duration 20

rss() { awk '/^VmRSS/{print $2}' "/proc/$relay_pid/status" 2>/dev/null || echo 0; }
# The moq-sub process itself (start_sub runs it under timeout(1)).
sub2=""
for _ in $(seq 1 50); do sub2=$(pgrep -P "${sub_pid[2]}" -x moq-sub || true); [[ -n $sub2 ]] && break; sleep 0.1; done
[[ -n $sub2 ]] || { fail "no moq-sub process under subscriber 2's timeout"; test_finish relay-slow-subscriber; }
sleep 4
base=$(rss)
kill -STOP "$sub2"
t_stop=$(date +%s.%N)
echo "  subscriber 2 (pid $sub2) stopped at $(date -u +%T.%N | cut -c1-12); relay RSS ${base} kB"
peak=$base
cut1="" cut2=""
for _ in $(seq 1 260); do   # 26 s
    r=$(rss); ((r > peak)) && peak=$r
    [[ -z $cut1 ]] && grep -q "${sub_relay[1]%.1}.2:.*too far behind" "$out/relay.err" && cut1=$(date +%s.%N)
    [[ -z $cut2 ]] && grep -q "${sub_relay[2]%.1}.2:.*too far behind" "$out/relay.err" && cut2=$(date +%s.%N)
    sleep 0.1
done
end=$(rss)
echo "  relay RSS: ${base} kB once subscribed, peak ${peak} kB, ${end} kB at the end"
if [[ -n $cut1 ]]; then pass "the relay cut off the policed subscriber 1 (logged)"; else fail "no 'too far behind' line for subscriber 1"; dump_logs relay; fi
after_stop=$([[ -n $cut2 ]] && python3 -c 'import sys; print(f"{float(sys.argv[1]) - float(sys.argv[2]):.1f}")' "$cut2" "$t_stop")
if [[ -n $cut2 ]] && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 4.5 else 1)' "$after_stop"; then
    pass "the relay cut off subscriber 2 ${after_stop} s after it stopped (bound: the 3 s timeout + 1.5 s)"
else
    fail "subscriber 2 not cut off within 4.5 s of stopping (${after_stop:-never})"; dump_logs relay
fi
if grep -q "${sub_relay[2]%.1}.2:.*too far behind: the subscriber has acknowledged nothing" "$out/relay.err"; then
    pass "subscriber 2 was cut off for acknowledging nothing"
else
    fail "subscriber 2's cut-off does not name the missing acknowledgements"
fi
if grep -q "${sub_relay[4]%.1}.2:.*too far behind" "$out/relay.err"; then
    fail "the relay cut off subscriber 4 on its lossy but live link"
else
    pass "subscriber 4 (10% loss each way) was not cut off"
fi
n=$(grep -c "closed: closed by us with INTERNAL_ERROR: too far behind" "$out/relay.err" || true)
if ((n == 2)); then pass "both sessions closed with INTERNAL_ERROR 'too far behind'"; else fail "$n session(s) closed with INTERNAL_ERROR 'too far behind'"; fi
grep "too far behind" "$out/relay.err" | sed 's/^/  relay: /' | cut -c1-260
if ((peak - base <= 24 * 1024)); then pass "relay RSS bounded: peak $(((peak - base) / 1024)) MiB over its level"; else fail "relay RSS grew $(((peak - base) / 1024)) MiB"; fi

# Subscriber 1 learnt why (the close carries the reason; PUBLISH_DONE may have come first).
rc=0
wait "${sub_pid[1]}" || rc=$?
if ((rc != 124)) && grep -qiE "too far behind|TOO_FAR_BEHIND" "$out/sub1.err"; then
    pass "moq-sub 1 ended (exit $rc) naming the relay's reason: $(grep -iE 'too far behind|TOO_FAR_BEHIND' "$out/sub1.err" | tail -n 1 | cut -c1-160)"
else
    fail "moq-sub 1 exited $rc without naming 'too far behind'"; dump_logs sub1
fi
wait_sub 3
wait_sub 4
kill -CONT "$sub2" 2>/dev/null || true
kill -TERM "${sub_pid[2]}" 2>/dev/null || true
report_check "$out/sub3.json" 'all(g["reason"] == "skipped at join" for g in r["gaps"]) and r["duplicates"] == 0 and r["objects"] >= 20 * 19' \
    "healthy subscriber 3: no gap but 'skipped at join', no duplicate, >= 380 objects in 20 s"
report_check "$out/sub4.json" 'r["duplicates"] == 0 and r["objects"] >= 20 * 19' \
    "lossy subscriber 4: no duplicate, >= 380 objects in 20 s"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  subscriber 4: %d objects, gaps %s" % (r["objects"], sorted({g["reason"] for g in r["gaps"]})))' "$out/sub4.json" || true
kill -USR1 "$relay_pid"
sleep 1
report_check "$out/relay.json" 'r["slow_subscribers_closed"] == 2 and r["dropped_by_priority"] > 0' \
    "relay stats: slow_subscribers_closed = 2, drops by priority first"
stop_relay "$relay_pid" relay && pass "moq-relay exited 0" || fail "moq-relay exit status"
test_finish relay-slow-subscriber
