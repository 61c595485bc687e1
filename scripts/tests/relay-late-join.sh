#!/usr/bin/env bash
# A subscriber that joins ~2 s into the clip through moq-relay is served from the cache: its first
# object is object 0 of a group (a keyframe) and arrives within 250 ms of its SUBSCRIBE (a quarter of the
# clip's 1 s GOP: waiting for the next keyframe instead would take up to a second; the cache serves it in a
# few ms, but 53.8 ms was seen once with two builds loading both cores, so 50 ms was a flaky bound), and from
# there it misses nothing (its frames are exactly the source's from that keyframe on, no gaps).
# Also: SIGUSR1 makes the relay write its stats while running.
source "$(dirname "$0")/../interop/relay-lib.bash"

start_relay
start_pub test.mp4
for i in 1 2 3; do start_sub "$i"; done
sleep 2
start_sub 4
for _ in $(seq 1 50); do [[ $(grep -c "SUBSCRIBE demo--video" "$work/relay.err") -ge 4 ]] && break; sleep 0.1; done
kill -USR1 "$relay_pid"
for _ in $(seq 1 50); do [[ -s "$work/relay.json" ]] && break; sleep 0.1; done
[[ -s "$work/relay.json" ]] || { echo "no stats after SIGUSR1"; exit 1; }
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["subscribers"] == 4, s; print("SIGUSR1 stats: subscribers", s["subscribers"], "objects_in", s["objects_in"])' "$work/relay.json"
for i in 1 2 3 4; do
    wait "${sub_pids[$((i - 1))]}" || { echo "moq-sub $i failed"; cat "$work/sub$i.err"; cat "$work/relay.err"; exit 1; }
done
wait "$pub_pid" || { echo "moq-pub failed"; cat "$work/pub.err"; exit 1; }
stop_relay

frames "$media/test.mp4" >"$work/src.md5"
frames "$work/sub4.ts" >"$work/sub4.md5"
cmp -s "$work/src.md5" <(frames "$work/sub1.ts") || { echo "sub 1: frames differ from the source"; exit 1; }
python3 - "$work/sub4.json" "$work/src.md5" "$work/sub4.md5" "$media/test.mp4" <<'PY'
import json, subprocess, sys
r = json.load(open(sys.argv[1]))
src = open(sys.argv[2]).read().split()
got = open(sys.argv[3]).read().split()
assert r["gaps"] == [], f"gaps: {r['gaps']}"
assert r["duplicates"] == 0, r
assert 0 < len(got) < len(src), f"late joiner got {len(got)} of {len(src)} frames"
# Its frames are the source's tail (no hole, nothing extra) starting at a keyframe.
start = len(src) - len(got)
assert src[start:] == got, "late joiner's frames are not the source's tail"
keys = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
                       "-of", "csv=p=0", sys.argv[4]], capture_output=True, text=True, check=True).stdout.split()
assert keys[start].startswith("K"), f"late joiner starts at frame {start}, not a keyframe ({keys[start]})"
assert r["objects"] == len(got), r
t = r["first_object_after_subscribe_ms"]
assert t is not None and t < 250, f"first object {t} ms after SUBSCRIBE"
print(f"late joiner: starts at frame {start} (keyframe, object 0 of group {start // 30}), {r['objects']} objects, "
      f"no gaps, first object {t:.1f} ms after SUBSCRIBE")
PY
python3 - "$work/relay.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["subscribers"] == 4, s
assert s["objects_in"] == 121, s
assert s["cache_hits"] >= 1, s
print(f"relay stats: subscribers {s['subscribers']}, objects_in {s['objects_in']}, objects_out {s['objects_out']}, cache_hits {s['cache_hits']}")
PY
echo "relay late join: served from the cache"
