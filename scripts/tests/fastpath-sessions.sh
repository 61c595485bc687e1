#!/usr/bin/env bash
# moq-sub --sessions 50 through moq-relay --ebpf, in network namespaces: one moq-sub process runs 50
# subscriber sessions (each its own QUIC connection and UDP socket) behind one veth link; the clip
# (4 s, 30 fps) reaches every session with zero gaps, the relay counts 50 subscribers, and most media
# packets went through the kernel fast path. Also checks that the relay asked its subscribers for
# fewer ACKs (ACK frequency extension): fewer ACK frames than half the packets it sent them.
# Then a relay stopped (SIGTERM) while 10 fast-path sessions are still receiving exits 0: the
# connections' last packets are numbered after the fast path let go of them (once a crash: an
# unowned reference to the released subscriber state).
# The release build (`make test` builds it first): a debug relay cannot keep 50 subscribers at speed.
FASTPATH_BIN=$(cd "$(dirname "$0")/../.." && swift build -c release --show-bin-path)
source "$(dirname "$0")/fastpath-lib.bash"
for t in moq-pub moq-relay moq-sub; do
    [[ -x $bin/$t ]] || { echo "FAIL: $bin/$t missing: run 'make build' first (make test does)"; exit 1; }
done
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null
fp_topology 1
fp_relay relay --ebpf --ack-frequency --stats "$work/relay.json"
fp_bg "$ns_p" pub "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --allow-cleartext "$media/test.mp4"
pub_pid=$bg_pid
for _ in $(seq 1 100); do grep -q announced "$work/pub.err" && break; sleep 0.1; done
grep -q announced "$work/pub.err" || { echo "FAIL: moq-pub did not announce"; cat "$work/pub.err"; exit 1; }
fp_bg "$fp_tag-s1" subs timeout -k 5 60 "$bin/moq-sub" --relay moqt://10.77.1.1:4443 --insecure --allow-cleartext --ack-frequency \
    --sessions 50 --report "$work/subs.json"
subs_pid=$bg_pid
rc=0; wait "$subs_pid" || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: moq-sub --sessions 50 exited $rc"; tail -n 20 "$work/subs.err"; tail -n 20 "$work/relay.err"; exit 1; }
wait "$pub_pid" || { echo "FAIL: moq-pub failed"; cat "$work/pub.err"; exit 1; }
kill -TERM "$relay_pid"; wait "$relay_pid" || { echo "FAIL: moq-relay exit status"; exit 1; }
tail -n 1 "$work/subs.err"
python3 - "$work/subs.json" "$work/relay.json" <<'PY'
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["sessions"] == 50 and r["failed"] == 0, (r["sessions"], r["failures"])
for i, p in enumerate(r["per_session"]):
    assert p is not None, f"session {i + 1} has no report"
    assert p["gaps"] == [], f"session {i + 1} gaps: {p['gaps']}"
    assert p["objects"] == 120, f"session {i + 1}: {p['objects']} objects"
assert r["gaps"] == 0 and r["objects"] == 50 * 120, r
assert s["subscribers"] == 50, s["subscribers"]
fast, user = s["packets_fast_path"], s["packets_user_space"]
share = fast / max(1, fast + user)
assert share >= 0.9, f"fast-path share {share:.2f}"
acks = s["ack_frames_received"]
assert 0 < acks < 0.5 * (fast + user), f"{acks} ACK frames for {fast + user} packets"
print(f"50 sessions x 120 objects, no gap; latency p50 median {r['latency_us']['p50_median'] / 1000:.2f} ms, "
      f"worst p99 {r['latency_us']['p99_max'] / 1000:.2f} ms; fast-path share {share:.1%}; "
      f"{acks / (fast + user):.3f} ACK frames per packet sent")
PY

# Stopped while its fast-path subscribers are still connected.
fp_relay relay2 --ebpf
fp_bg "$ns_p" pub2 "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --allow-cleartext --loop "$media/test.mp4"
for _ in $(seq 1 100); do grep -q announced "$work/pub2.err" && break; sleep 0.1; done
fp_bg "$fp_tag-s1" subs2 timeout -k 5 60 "$bin/moq-sub" --relay moqt://10.77.1.1:4443 --insecure --allow-cleartext \
    --sessions 10 --duration 30 --report "$work/subs2.json"
for _ in $(seq 1 100); do [[ $(grep -c "fast path: subscriber .* takes track" "$work/relay2.err" || true) -ge 20 ]] && break; sleep 0.1; done
sleep 2
kill -TERM "$relay_pid"
rc=0; wait "$relay_pid" || rc=$?
if [[ $rc -ne 0 ]] || grep -q "Fatal error" "$work/relay2.err"; then
    echo "FAIL: moq-relay stopped with fast-path subscribers connected exited $rc"; grep -m 3 "Fatal\|error" "$work/relay2.err"; exit 1
fi
echo "relay stopped with 10 fast-path sessions connected: exit 0"
echo "fastpath sessions: ok"
