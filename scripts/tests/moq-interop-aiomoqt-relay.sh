#!/usr/bin/env bash
# Interop, draft-18 on raw QUIC: our moq-pub --relay -> aiomoqt's relay -> our moq-sub.
# For the plain and the B-frame clip (a fresh relay each), passes when the received MPEG-TS decodes
# to the source's frames (framemd5 equal), the report counts 120 objects in 4 groups with no gaps,
# and any FETCH the relay sends moq-pub is answered.
MOQ_INTEROP_NAME=moq-interop-relay
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

check_report() {  # report.json clip
    python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["gaps"] == [], f"gaps: {r['gaps']}"
assert r["objects"] == 120, f"objects: {r['objects']}"
assert r["groups"] == 4, f"groups: {r['groups']}"
print(f"{sys.argv[2]} through aiomoqt relay: {r['objects']} objects, {r['groups']} groups, no gaps, "
      f"first object {r['first_object_after_subscribe_ms']:.1f} ms after SUBSCRIBE")
PY
}

for clip in test.mp4 test-bframes.mp4; do
    start_aiomoqt_relay
    url=moqt://127.0.0.1:$relay_port
    "$bin/moq-pub" --relay "$url" --insecure --log-level debug "$media/$clip" >"$work/pub.out" 2>"$work/pub.err" &
    pub=$!
    pids+=($pub)
    for _ in $(seq 1 100); do grep -q "announced" "$work/pub.err" && break; sleep 0.1; done
    grep -q "announced" "$work/pub.err" || { echo "moq-pub did not announce"; show "$work/pub.err"; show "$work/relay.log"; exit 1; }

    if ! timeout 40 "$bin/moq-sub" --relay "$url" --insecure --log-level debug --out "$work/out.ts" \
            --report "$work/report.json" --duration 30 >"$work/sub.out" 2>"$work/sub.err"; then
        echo "moq-sub failed"; show "$work/sub.err"; show "$work/pub.err"; show "$work/relay.log" 40; exit 1
    fi
    wait "$pub" || { echo "moq-pub failed"; show "$work/pub.err"; exit 1; }
    grep "latency p50" "$work/sub.err" | tail -n 1
    # When SUBSCRIBE_OK announces content, aiomoqt's relay backfills its cache with a FETCH to
    # moq-pub: every such FETCH must be answered, never left to time out.
    if grep -q "upstream FETCH declined" "$work/relay.log"; then
        echo "the relay's FETCH to moq-pub was not answered"; grep -i fetch "$work/relay.log" | grep -v "prof=" | head; exit 1
    fi
    if ! diff <(frames "$media/$clip") <(frames "$work/out.ts") >/dev/null; then
        echo "$clip: received frames differ from the source"; exit 1
    fi
    check_report "$work/report.json" "$clip"
done
echo "moq-pub -> aiomoqt relay -> moq-sub: framemd5 equal for both clips"
