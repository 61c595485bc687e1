#!/usr/bin/env bash
# Interop, draft-18 on raw QUIC: aiomoqt's pub_bench (synthetic objects with LOC timestamps) ->
# aiomoqt's relay -> our moq-sub (no --out: pub_bench has no catalog), once on subgroup streams and
# once as object datagrams (-D). Passes when moq-sub's report counts every object sent (streams:
# pub_bench's "Sent:" line; datagrams: the distinct objects the relay received) in every group that
# reached the relay, with no gaps and a latency figure from the LOC timestamps.
MOQ_INTEROP_NAME=moq-interop-pub
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

run_case() {  # mode (streams|datagrams), extra pub_bench flags...
    local mode=$1; shift
    start_aiomoqt_relay
    local url=moqt://127.0.0.1:$relay_port
    # 30 objects/s in groups of 30 for 4 s; pub_bench waits for a subscriber before it starts.
    start_pub_bench "$url" "$@"

    if ! timeout 40 "$bin/moq-sub" --relay "$url" --insecure --log-level debug --report "$work/report.json" --duration 30 \
            >"$work/sub.out" 2>"$work/sub.err"; then
        echo "moq-sub failed"; show "$work/sub.err"; show_logs; exit 1
    fi
    wait "$pub_bench_pid" || { echo "pub_bench failed"; show "$work/pub_bench.out"; exit 1; }
    local sent=""
    if [[ $mode == streams ]]; then sent=$(pub_bench_sent); fi
    grep -q "PUBLISH_DONE" "$work/sub.err" || { echo "moq-sub did not see the track end"; show "$work/sub.err"; exit 1; }
    grep "latency p50" "$work/sub.err" | tail -n 1
    python3 - "$work/report.json" "$sent" "$work/relay.log" "$mode" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
mode = sys.argv[4]
if mode == "streams":
    sent = int(sys.argv[2])  # pub_bench's "Sent:" line
    # pub_bench's group total sometimes counts a group it started but sent nothing in when the
    # duration ran out; the groups on the wire are the subgroup streams the relay received.
    sent_groups = len(set(re.findall(r"SubgroupHeader\(track_alias=\d+, group_id=(\d+)", open(sys.argv[3]).read())))
else:
    # pub_bench prints no total in datagram mode: count the objects the relay received upstream.
    ids = set(re.findall(r"d18 ObjectDatagram: (\d+)\.(\d+) size", open(sys.argv[3]).read()))
    sent, sent_groups = len(ids), len({g for g, _ in ids})
assert sent >= 60, f"only {sent} objects were sent"
assert r["objects"] == sent, f"moq-sub counted {r['objects']} objects, {sent} were sent"
assert r["groups"] == sent_groups, f"moq-sub counted {r['groups']} groups, {sent_groups} were sent"
assert r["gaps"] == [], f"gaps: {r['gaps']}"
assert r["latency_us"]["p50"] > 0, "no LOC timestamp latency measured"
print(f"pub_bench ({mode}) -> aiomoqt relay -> moq-sub: {r['objects']}/{sent} objects, {r['groups']} groups, "
      f"no gaps, latency p50 {r['latency_us']['p50']} us")
PY
}

run_case streams
run_case datagrams -D
