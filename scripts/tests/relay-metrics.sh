#!/usr/bin/env bash
# moq-relay --metrics 127.0.0.1:PORT with moq-pub and one moq-sub over loopback: /metrics answers
# 200 with text/plain; version=0.0.4 and text that parses as Prometheus exposition (every line,
# TYPE before samples, cumulative histogram buckets); before the clip nothing has moved; while the
# subscriber runs the sessions and subscriptions gauges are > 0; afterwards objects in/out are 121
# (120 frames + the catalog), bytes in = bytes out > 0, the queue-delay histogram counted every
# object sent, the gauges are back to 0, and the counters equal the --stats JSON written on exit.
# Other paths answer 404.
source "$(dirname "$0")/../interop/relay-lib.bash"

mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/moq-relay" --listen 127.0.0.1:0 --metrics "127.0.0.1:$mport" --stats "$work/relay.json" >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
pids+=("$relay_pid")
port=""
for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/relay.out" || true); [[ -n $port ]] && break; sleep 0.1; done
[[ -n $port ]] || { echo "moq-relay did not start"; cat "$work/relay.err"; exit 1; }

# scrape NAME: GET /metrics into $work/NAME.prom after checking status, content type and syntax;
# prints nothing, fails loudly.
scrape() {
    python3 - "http://127.0.0.1:$mport/metrics" "$work/$1.prom" <<'PY'
import math, re, sys, urllib.request
url, out = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(url, timeout=10) as r:
    assert r.status == 200, r.status
    ctype = r.headers["Content-Type"]
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype
    text = r.read().decode()
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label = rf'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
sample = re.compile(rf"^({name})(?:\{{((?:{label})(?:,{label})*)?,?\}})? (\S+)(?: -?\d+)?$")
types, seen = {}, {}
for line in text.splitlines():
    if not line:
        continue
    if line.startswith("# TYPE "):
        _, _, n, t = line.split(" ")
        assert re.fullmatch(name, n) and t in ("counter", "gauge", "histogram", "summary", "untyped"), line
        assert n not in types and n not in seen, f"TYPE after samples or twice: {line}"
        types[n] = t
        continue
    if line.startswith("#"):
        assert line.startswith("# HELP "), line
        continue
    m = sample.match(line)
    assert m, f"not an exposition line: {line!r}"
    v = float(m.group(3))  # raises on a bad number
    base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
    family = m.group(1) if m.group(1) in types else base
    assert family in types, f"sample without TYPE: {line}"
    seen.setdefault(family, []).append((m.group(1), m.group(2) or "", v))
for family, rows in seen.items():
    if types[family] == "histogram":
        buckets = [(re.search(r'le="([^"]+)"', l).group(1), v) for n, l, v in rows if n.endswith("_bucket")]
        values = [v for _, v in buckets]
        assert values == sorted(values), f"{family}: buckets not cumulative"
        assert buckets[-1][0] == "+Inf", family
        count = [v for n, _, v in rows if n == family + "_count"][0]
        assert buckets[-1][1] == count, f"{family}: +Inf bucket != count"
    if types[family] == "counter":
        assert all(v >= 0 and not math.isnan(v) for _, _, v in rows), family
open(out, "w").write(text)
PY
}

# value FILE NAME [LABELS]: the value of one sample.
value() {
    python3 - "$work/$1.prom" "$2" "${3:-}" <<'PY'
import sys
path, name, labels = sys.argv[1], sys.argv[2], sys.argv[3]
key = name + ("{" + labels + "}" if labels else "")
hits = [l.rsplit(" ", 1)[1] for l in open(path).read().splitlines() if not l.startswith("#") and l.rsplit(" ", 1)[0] == key]
assert len(hits) == 1, f"{key}: {hits}"
v = float(hits[0])
print(int(v) if v == int(v) else v)
PY
}

check() { # check DESCRIPTION CONDITION...
    local what=$1; shift
    if ! "$@"; then echo "FAIL: $what"; cat "$work/relay.err"; exit 1; fi
}

scrape before
check "objects in before" [ "$(value before moq_relay_objects_in_total)" = 0 ]
check "sessions before" [ "$(value before moq_relay_sessions)" = 0 ]
for reason in queue_bytes queue_delay congestion stale; do
    check "drops{$reason} exported" [ "$(value before moq_relay_drops_total "reason=\"$reason\"")" = 0 ]
done
for path in / /metric /metrics/x /favicon.ico; do
    code=$(python3 -c 'import sys, urllib.request, urllib.error
try: print(urllib.request.urlopen(sys.argv[1], timeout=10).status)
except urllib.error.HTTPError as e: print(e.code)' "http://127.0.0.1:$mport$path")
    check "GET $path is 404 (got $code)" [ "$code" = 404 ]
done

start_pub test.mp4
start_sub 1
# The clip lasts 4 s once the subscription arrives: look in the middle of it.
during_sessions=0
for _ in $(seq 1 30); do
    sleep 0.2
    scrape during
    during_sessions=$(value during moq_relay_sessions)
    [[ $during_sessions -ge 2 && $(value during moq_relay_objects_out_total) -gt 0 ]] && break
done
check "sessions during ($during_sessions) >= 2 (publisher + subscriber)" [ "$during_sessions" -ge 2 ]
check "subscriptions during > 0" [ "$(value during moq_relay_subscriptions)" -gt 0 ]
check "objects in during > 0" [ "$(value during moq_relay_objects_in_total)" -gt 0 ]

wait "${sub_pids[0]}" || { echo "moq-sub failed"; cat "$work/sub1.err"; cat "$work/relay.err"; exit 1; }
wait "$pub_pid" || { echo "moq-pub failed"; cat "$work/pub.err"; exit 1; }
# Closed sessions leave the gauge once their CONNECTION_CLOSE is in.
for _ in $(seq 1 50); do
    scrape after
    [[ $(value after moq_relay_sessions) == 0 && $(value after moq_relay_subscriptions) == 0 ]] && break
    sleep 0.1
done
check "sessions after = 0" [ "$(value after moq_relay_sessions)" = 0 ]
check "subscriptions after = 0" [ "$(value after moq_relay_subscriptions)" = 0 ]
in=$(value after moq_relay_objects_in_total); out=$(value after moq_relay_objects_out_total)
bin_=$(value after moq_relay_bytes_in_total); bout=$(value after moq_relay_bytes_out_total)
delays=$(value after moq_relay_queue_delay_seconds_count)
check "objects in = 121 (got $in)" [ "$in" = 121 ]
check "objects out = 121 (got $out)" [ "$out" = 121 ]
check "bytes in ($bin_) = bytes out ($bout) > 0" [ "$bin_" -gt 0 -a "$bin_" = "$bout" ]
check "queue delays counted ($delays) >= objects out" [ "$delays" -ge "$out" ]
check "subscriber sessions total = 1" [ "$(value after moq_relay_subscriber_sessions_total)" = 1 ]

stop_relay
python3 - "$work/relay.json" "$in" "$out" "$(value after moq_relay_cache_hits_total)" "$(value after moq_relay_dropped_by_priority_total)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
got = dict(objects_in=s["objects_in"], objects_out=s["objects_out"], cache_hits=s["cache_hits"], dropped_by_priority=s["dropped_by_priority"])
want = dict(objects_in=int(sys.argv[2]), objects_out=int(sys.argv[3]), cache_hits=int(sys.argv[4]), dropped_by_priority=int(sys.argv[5]))
assert got == want, f"--stats {got} != /metrics {want}"
PY
p50=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latency_us"]["p50"])' "$work/sub1.json")
echo "relay metrics: objects in/out $in/$out, bytes $bin_, $delays queue delays, sessions during $during_sessions, sub latency p50 ${p50} us; /metrics parses and matches --stats"
