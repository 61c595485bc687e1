#!/usr/bin/env bash
# Late join in network namespaces: pub -> relay -> 3 subscribers from the start of an 8 s clip, and a
# 4th subscriber (its own namespace) that joins 5 s later. The 4th is served from the relay's cache:
# its first object arrives within 50 ms of its SUBSCRIBE and of its SUBSCRIBE_OK (moq-sub's
# first_object_after_subscribe{,_ok}_ms), its first frame is a keyframe (object 0 of a group, by the
# report's first_object and by the frames), and from there its frames are exactly the source's (no hole, no
# duplicate). The first three receive every frame.
source "$(dirname "$0")/../netem/test-lib.bash"
test_init 8
topo_build 4 0
clip=test.mp4
start_relay relay "$ns_relay" --stats "$out/relay.json" || { fail "moq-relay did not start"; test_finish netns-late-join; }
relay_pid=$started_pid port=$started_port
start_pub "$ns_pub" "moqt://10.0.1.1:$port" "$media/$clip" || { fail "moq-pub did not announce"; dump_logs relay; test_finish netns-late-join; }
for k in 1 2 3; do start_sub "$k" "moqt://${sub_relay[k]}:$port"; done
sleep 5
start_sub 4 "moqt://${sub_relay[4]}:$port"
for k in 1 2 3 4; do wait_sub "$k"; done
rc=0; wait_pid "$pub_pid" 20 || rc=$?
((rc == 0)) && pass "moq-pub exited 0" || { fail "moq-pub exited $rc"; dump_logs pub; }
stop_relay "$relay_pid" relay && pass "moq-relay exited 0" || fail "moq-relay exit status"

frames "$media/$clip" >"$out/src.md5"
for k in 1 2 3; do
    if cmp -s "$out/src.md5" <(frames "$out/sub$k.ts"); then pass "sub$k: framemd5 equal to the source's"; else fail "sub$k: frames differ from the source's"; fi
done
frames "$out/sub4.ts" >"$out/sub4.md5" || true
ffprobe -v error -select_streams v:0 -show_entries packet=flags -of csv=p=0 "$media/$clip" >"$out/src.flags"
if python3 - "$out/sub4.json" "$out/src.md5" "$out/sub4.md5" "$out/src.flags" <<'PY'; then pass "late joiner"; else fail "late joiner"; dump_logs sub4 relay; fi
import json, sys
r = json.load(open(sys.argv[1]))
src = open(sys.argv[2]).read().split()
got = open(sys.argv[3]).read().split()
keys = open(sys.argv[4]).read().split()
ok = True
def check(cond, msg):
    global ok
    print(("  ok: " if cond else "  NOT OK: ") + msg)
    ok = ok and cond
check(0 < len(got) < len(src), f"joined late: {len(got)} of {len(src)} frames")
start = len(src) - len(got)
check(len(got) > 0 and src[start:] == got, f"its frames are the source's from frame {start} on (no hole, nothing extra)")
check(0 <= start < len(keys) and keys[start].startswith("K"), f"its first frame (source frame {start}) is a keyframe")
check(start >= 4 * 30, f"it joined after 4 s at least (frame {start})")
check(r["gaps"] == [] and r["duplicates"] == 0, f"report: gaps {r['gaps']}, duplicates {r['duplicates']}")
t = r["first_object_after_subscribe_ms"]
check(t is not None and t < 50, f"first object {t} ms after SUBSCRIBE (< 50)")
t_ok = r.get("first_object_after_subscribe_ok_ms")
check(t_ok is not None and t_ok < 50, f"first object {t_ok} ms after SUBSCRIBE_OK (< 50)")
fo = r.get("first_object") or {}
check(fo.get("object") == 0 and fo.get("keyframe") is True, f"report's first object {fo} is object 0 and a keyframe")
sys.exit(0 if ok else 1)
PY
report_check "$out/relay.json" 'r["subscribers"] == 4 and r["cache_hits"] >= 1' "relay stats: 4 subscribers, join served from the cache"
test_finish netns-late-join
