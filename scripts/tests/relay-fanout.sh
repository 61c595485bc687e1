#!/usr/bin/env bash
# moq-pub -> moq-relay -> 3 moq-sub over loopback, for the plain and the B-frame clip: every
# subscriber's TS decodes to the source's frames (framemd5 equal), no report shows a gap, and the
# relay's --stats JSON (written on SIGTERM) counts 3 subscribers, 121 objects in (120 frames + the
# catalog) and 3x that out.
source "$(dirname "$0")/../interop/relay-lib.bash"

for clip in test.mp4 test-bframes.mp4; do
    rm -f "$work/relay.json"
    sub_pids=()
    start_relay
    # A namespace nobody announced is refused (REQUEST_ERROR DOES_NOT_EXIST): moq-sub fails.
    if timeout 20 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --namespace nobody 2>"$work/nobody.err"; then
        echo "moq-sub of an unknown namespace succeeded"; exit 1
    fi
    grep -q "rejected" "$work/nobody.err" || { echo "no rejection:"; cat "$work/nobody.err"; exit 1; }
    start_pub "$clip"
    for i in 1 2 3; do start_sub "$i"; done
    for i in 1 2 3; do
        wait "${sub_pids[$((i - 1))]}" || { echo "moq-sub $i failed"; cat "$work/sub$i.err"; cat "$work/relay.err"; exit 1; }
    done
    wait "$pub_pid" || { echo "moq-pub failed"; cat "$work/pub.err"; exit 1; }
    stop_relay

    check_three_subs "$clip" "$clip"
    python3 - "$work/relay.json" "$clip" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["subscribers"] == 3, s
assert s["objects_in"] == 121, s
assert s["objects_out"] == 3 * 121, s
print(f"{sys.argv[2]} relay stats: subscribers {s['subscribers']}, objects_in {s['objects_in']}, objects_out {s['objects_out']}, cache_hits {s['cache_hits']}")
PY
done
echo "relay fanout: 3 subscribers, framemd5 equal for both clips"
