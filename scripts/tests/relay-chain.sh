#!/usr/bin/env bash
# Relay chaining over loopback: moq-pub -> relay A; relay B and relay C run with --upstream A;
# one moq-sub on B, two on C. Every subscriber's TS decodes to the source's frames (framemd5
# equal) with no gap, and each hop subscribes upstream once per track: A's stats count 2 subscriber sessions
# (B and C) and 2 x 121 objects out, each of B and C 121 objects in. Relay A also serves --metrics:
# a scrape before and after the transfer shows the Prometheus counters moved.
source "$(dirname "$0")/../interop/relay-lib.bash"

clip=test-bframes.mp4
start_relay --metrics 127.0.0.1:0
port_a=$port
metrics_port=""
for _ in $(seq 1 50); do metrics_port=$(awk '/METRICS/{print $2; exit}' "$work/relay.out" || true); [[ -n $metrics_port ]] && break; sleep 0.1; done
[[ -n $metrics_port ]] || { echo "no METRICS line"; cat "$work/relay.err"; exit 1; }
scrape() { curl -sf "http://127.0.0.1:$metrics_port/metrics"; }
metric() { awk -v n="$1" '$1 == n {print $2}' <<<"$2"; }
before=$(scrape) || { echo "metrics scrape failed"; exit 1; }
[[ "$(metric moq_relay_objects_in_total "$before")" == 0 ]] || { echo "objects_in before the transfer:"; echo "$before"; exit 1; }
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
after=$(scrape) || { echo "metrics scrape failed"; exit 1; }
python3 - "$after" <<'PY'
import sys
m = {}
for line in sys.argv[1].splitlines():
    if line and not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        m[name] = float(value)
assert m["moq_relay_objects_in_total"] == 121, m
assert m["moq_relay_objects_out_total"] == 242, m
assert m["moq_relay_bytes_in_total"] > 0 and m["moq_relay_bytes_out_total"] >= 2 * m["moq_relay_bytes_in_total"] * 0.99, m
assert m["moq_relay_sessions_total"] >= 3, m
assert m["moq_relay_cache_hits_total"] + m["moq_relay_cache_misses_total"] > 0, m
assert 'moq_relay_dropped_objects_total{reason="congestion"}' in m, m
print(f"metrics: objects in {m['moq_relay_objects_in_total']:.0f}, out {m['moq_relay_objects_out_total']:.0f}, "
      f"bytes in {m['moq_relay_bytes_in_total']:.0f}, sessions {m['moq_relay_sessions_total']:.0f}")
PY
stop_pid b "$pid_b"
stop_pid c "$pid_c"
stop_relay

src=$(frames "$media/$clip")
for i in 1 2 3; do
    if [[ "$(frames "$work/sub$i.ts")" != "$src" ]]; then echo "sub $i: received frames differ from the source"; exit 1; fi
    python3 - "$work/sub$i.json" "sub $i" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["gaps"] == [], f"gaps: {r['gaps']}"
assert r["objects"] == 120, f"objects: {r['objects']}"
assert r["duplicates"] == 0, f"duplicates: {r['duplicates']}"
print(f"{sys.argv[2]}: {r['objects']} objects, {r['groups']} groups, no gaps, latency p50 {r['latency_us']['p50']} us")
PY
done
python3 - "$work/relay.json" "$work/b.json" "$work/c.json" <<'PY'
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
assert a["subscribers"] == 2 and a["objects_in"] == 121 and a["objects_out"] == 2 * 121, f"relay A: {a}"
assert b["subscribers"] == 1 and b["objects_in"] == 121 and b["objects_out"] == 121, f"relay B: {b}"
assert c["subscribers"] == 2 and c["objects_in"] == 121 and c["objects_out"] == 2 * 121, f"relay C: {c}"
print(f"relay A: subscribers {a['subscribers']}, out {a['objects_out']}; B: in {b['objects_in']}, out {b['objects_out']}; C: in {c['objects_in']}, out {c['objects_out']}")
PY
echo "relay chain: pub -> A -> B (1 sub) and A -> C (2 subs), framemd5 equal, one upstream subscription per track per hop"
