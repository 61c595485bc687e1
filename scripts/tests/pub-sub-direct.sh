#!/usr/bin/env bash
# moq-pub --listen and moq-sub over loopback UDP (draft-18 on our QUIC): for the plain and the
# B-frame clip, the received TS decodes to the source's frames (framemd5 equal), the report shows
# no gaps, and the latency p50 is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null
work=$(mktemp -d /tmp/pub-sub-direct.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

frames() { ffmpeg -v error -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }

for clip in test.mp4 test-bframes.mp4; do
    : >"$work/pub.out"
    "$bin/moq-pub" --listen 127.0.0.1:0 "$media/$clip" >"$work/pub.out" 2>"$work/pub.err" &
    pids+=($!)
    port=""
    for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/pub.out" || true); [[ -n $port ]] && break; sleep 0.1; done
    [[ -n $port ]] || { echo "moq-pub did not start"; cat "$work/pub.err"; exit 1; }
    timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --out "$work/$clip.ts" --report "$work/$clip.json" \
        2>"$work/sub.err" || { echo "moq-sub failed"; cat "$work/sub.err"; exit 1; }
    wait "${pids[-1]}" || { echo "moq-pub failed"; cat "$work/pub.err"; exit 1; }
    grep "latency p50" "$work/sub.err" | tail -n 1
    if ! diff <(frames "$media/$clip") <(frames "$work/$clip.ts") >/dev/null; then
        echo "$clip: received frames differ from the source"; exit 1
    fi
    python3 - "$work/$clip.json" "$clip" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["gaps"] == [], f"gaps: {r['gaps']}"
assert r["objects"] == 120, f"objects: {r['objects']}"
assert r["groups"] == 4, f"groups: {r['groups']}"
assert r["latency_us"]["p50"] > 0
print(f"{sys.argv[2]}: {r['objects']} objects, {r['groups']} groups, no gaps, latency p50 {r['latency_us']['p50']} us, first object {r['first_object_after_subscribe_ms']:.1f} ms after SUBSCRIBE")
PY
done
echo "pub-sub direct: framemd5 equal for both clips"
