#!/usr/bin/env bash
# Congestion drops by priority in network namespaces: pub -> relay -> 3 subscribers with the B-frame
# clip (~720 kbit/s: I frames ~75 kbit/s, I+P ~400 kbit/s), subscriber 1 behind a 450 kbit/s
# token-bucket policer on its downstream link (scripts/netem/impair.sh: I frames fit, not everything).
# Subscriber 1's report must show gaps, every one "dropped by priority" and covering B/P objects only
# (no I object and no whole group missing), its TS must decode without errors (its latency and the
# muxer's skipped frames are printed, not judged); subscribers 2 and 3
# must be perfect (framemd5 equal to the source's, no gaps); the relay counts drops by priority.
source "$(dirname "$0")/../netem/test-lib.bash"
test_init 8
topo_build 3 0
clip=test-bframes.mp4
cap=${CAP:-450k}
burst=${BURST:-20000}
"$bin/moq-pub" --dry-run "$media/$clip" >"$out/plan.txt"
start_relay relay "$ns_relay" --stats "$out/relay.json" || { fail "moq-relay did not start"; test_finish netns-bandwidth-cap; }
relay_pid=$started_pid port=$started_port
ns_impair_indent="  "
ns_impair --dev eth0 --netns "${sub_ns[1]}" --ingress --udp --rate "$cap" --burst "$burst"
start_pub "$ns_pub" "moqt://10.0.1.1:$port" "$media/$clip" || { fail "moq-pub did not announce"; dump_logs relay; test_finish netns-bandwidth-cap; }
for k in 1 2 3; do start_sub "$k" "moqt://${sub_relay[k]}:$port"; done
for k in 1 2 3; do wait_sub "$k"; done
rc=0; wait_pid "$pub_pid" 20 || rc=$?
((rc == 0)) && pass "moq-pub exited 0" || { fail "moq-pub exited $rc"; dump_logs pub; }
scripts/netem/impair.sh --dev eth0 --netns "${sub_ns[1]}" --ingress --stats
stop_relay "$relay_pid" relay && pass "moq-relay exited 0" || fail "moq-relay exit status"

src=$(frames "$media/$clip")
for k in 2 3; do
    if [[ "$(frames "$out/sub$k.ts")" == "$src" ]]; then pass "sub$k (uncapped): framemd5 equal to the source's"; else fail "sub$k (uncapped): frames differ"; fi
    report_check "$out/sub$k.json" 'r["gaps"] == []' "sub$k (uncapped): no gaps"
done
echo "  sub1: $(grep -E '^moq-sub: [0-9]+ objects' "$out/sub1.err" | tail -n 1)"
if python3 - "$out/sub1.json" "$out/plan.txt" <<'PY'; then pass "sub1 (capped at $cap bit/s): only B/P objects missing, all dropped by priority"; else fail "sub1 (capped at $cap bit/s)"; dump_logs relay; fi
import json, re, sys
r = json.load(open(sys.argv[1]))
cls, groups = {}, set()
for line in open(sys.argv[2]):
    m = re.match(r"group (\d+):", line)
    if m: g = int(m.group(1)); groups.add(g)
    m = re.match(r"\s+object (\d+) ([IPB])", line)
    if m: cls[(g, int(m.group(1)))] = m.group(2)
ok = True
def check(cond, msg):
    global ok
    print(("  ok: " if cond else "  NOT OK: ") + msg)
    ok = ok and cond
gaps = r["gaps"]
check(len(gaps) > 0, f"the cap forced drops: {len(gaps)} gap(s), {r['objects']} of {len(cls)} objects received")
missing = {"I": 0, "P": 0, "B": 0}
for gap in gaps:
    check(gap["reason"] == "dropped by priority", f"gap {gap} attributed to 'dropped by priority'")
    if gap.get("last_group") is not None:
        check(False, f"whole groups {gap['group']}-{gap['last_group']} missing (their I frames too)")
        continue
    for o in range(gap["first_object"], gap["last_object"] + 1):
        missing[cls.get((gap["group"], o), "?")] = missing.get(cls.get((gap["group"], o), "?"), 0) + 1
check(missing["I"] == 0 and missing.get("?", 0) == 0, f"missing objects by class: {missing}")
check(r["groups"] == len(groups), f"every group reached the subscriber ({r['groups']} of {len(groups)})")
lat = r["latency_us"]
print(f"  info: latency p50 {lat['p50'] / 1000:.0f} ms, p99 {lat['p99'] / 1000:.0f} ms, max {lat['max'] / 1000:.0f} ms; "
      f"{r['frames_skipped']} frames skipped by the muxer (not a pass/fail criterion)")
sys.exit(0 if ok else 1)
PY
n=$(count_frames "$out/sub1.ts")
errs=$(ffmpeg -v error -nostdin -i "$out/sub1.ts" -map 0:v:0 -f null - 2>&1 | wc -l || true)
if [[ ${n:-0} -ge 6 && $errs -eq 0 ]]; then pass "sub1.ts decodes without errors ($n frames)"; else fail "sub1.ts: $n frames, $errs decoder error line(s)"; fi
report_check "$out/relay.json" 'r["dropped_by_priority"] > 0' "relay stats count drops by priority"
test_finish netns-bandwidth-cap
