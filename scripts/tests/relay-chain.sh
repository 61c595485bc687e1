#!/usr/bin/env bash
# Relay chaining over loopback: moq-pub -> relay A; relay B and relay C run with --upstream A;
# one moq-sub on B, two on C. Every subscriber's TS decodes to the source's frames (framemd5
# equal) with no gap, and each hop subscribes upstream once per track: A's stats count 2 subscriber sessions
# (B and C) and 2 x 121 objects out, each of B and C 121 objects in.
source "$(dirname "$0")/../interop/relay-lib.bash"

clip=test-bframes.mp4
start_relay
port_a=$port
start_chained_relay b "$port_a"
pid_b=$chained_pid port_b=$chained_port
start_chained_relay c "$port_a"
pid_c=$chained_pid port_c=$chained_port
start_pub "$clip"

port=$port_b start_sub 1
port=$port_c start_sub 2
port=$port_c start_sub 3
for i in 1 2 3; do
    wait "${sub_pids[$((i - 1))]}" || { echo "moq-sub $i failed"; cat "$work/sub$i.err"; cat "$work/relay.err" "$work/b.err" "$work/c.err"; exit 1; }
done
wait "$pub_pid" || { echo "moq-pub failed"; cat "$work/pub.err"; exit 1; }
stop_pid b "$pid_b"
stop_pid c "$pid_c"
stop_relay

check_three_subs "$clip"
python3 - "$work/relay.json" "$work/b.json" "$work/c.json" <<'PY'
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
assert a["subscribers"] == 2 and a["objects_in"] == 121 and a["objects_out"] == 2 * 121, f"relay A: {a}"
assert b["subscribers"] == 1 and b["objects_in"] == 121 and b["objects_out"] == 121, f"relay B: {b}"
assert c["subscribers"] == 2 and c["objects_in"] == 121 and c["objects_out"] == 2 * 121, f"relay C: {c}"
print(f"relay A: subscribers {a['subscribers']}, out {a['objects_out']}; B: in {b['objects_in']}, out {b['objects_out']}; C: in {c['objects_in']}, out {c['objects_out']}")
PY
echo "relay chain: pub -> A -> B (1 sub) and A -> C (2 subs), framemd5 equal, one upstream subscription per track per hop"
