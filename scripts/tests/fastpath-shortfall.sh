#!/usr/bin/env bash
# A budget shortfall without loss no longer costs a stream (moq-relay --ebpf, network namespaces, clean
# links): the relay refreshes the kernel's budget only every 100 ms (--ebpf-budget-sync-ms, a test knob
# reproducing a user space that lags the ACKs, as at 100+ subscribers) with a tiny burst allowance
# (--ebpf-burst-bytes 4000), so the keyframes of the 4 Mbit/s clip outrun the budget on a path that
# loses nothing. Without a recent loss the kernel hands such a stream to
# user space instead of dropping the rest of it, so both subscribers get every frame of the clip
# (frames equal to the source's, no gap), the relay counts shortfall handoffs and no kernel drop.
# The release build (`make test` builds it first): what it checks is that the kernel hands a stream over
# instead of dropping it; a debug relay on a loaded machine can lag the 1 s delay bound on the handed-over
# stream and reset it by policy (2 of 4 debug runs while two other builds ran; 0 of 4 release runs).
FASTPATH_BIN=${FASTPATH_BIN:-$(cd "$(dirname "$0")/../.." && swift build -c release --show-bin-path)}
source "$(dirname "$0")/fastpath-lib.bash"
clip=media/bench-4mbit.mp4  # 1280x720 at ~4 Mbit/s: its keyframes are far larger than a new connection's window
[[ -f $clip ]] || media/make-test-media.sh --bench >/dev/null
fp_topology 2
fp_relay relay --ebpf --ebpf-burst-bytes 4000 --ebpf-budget-sync-ms 100 --stats "$work/relay.json"
subs=()
for k in 1 2; do
    fp_bg "$fp_tag-s$k" "sub$k" timeout -k 5 60 "$bin/moq-sub" --relay "moqt://10.77.$k.1:4443" --insecure --allow-cleartext \
        --wait --out "$work/sub$k.ts" --report "$work/sub$k.json"
    subs+=("$bg_pid")
done
# Both subscribers wait for the publisher, so both get the clip from its first keyframe (a late joiner
# would start at a later one).
sleep 1
fp_bg "$ns_p" pub "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --allow-cleartext "$clip"
pub_pid=$bg_pid
for _ in $(seq 1 100); do grep -q announced "$work/pub.err" && break; sleep 0.1; done
grep -q announced "$work/pub.err" || { echo "FAIL: moq-pub did not announce"; cat "$work/pub.err"; exit 1; }
for k in 1 2; do
    wait "${subs[$((k - 1))]}" || { echo "FAIL: moq-sub $k failed"; tail -n 5 "$work/sub$k.err"; exit 1; }
done
wait "$pub_pid" || { echo "FAIL: moq-pub failed"; cat "$work/pub.err"; exit 1; }
kill -TERM "$relay_pid"; wait "$relay_pid" || { echo "FAIL: moq-relay exit status"; exit 1; }
frames() { ffmpeg -v error -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
frames "$clip" >"$work/src.md5"
for k in 1 2; do
    cmp -s "$work/src.md5" <(frames "$work/sub$k.ts") || { echo "FAIL: subscriber $k's frames differ from the source's"; exit 1; }
done
python3 - "$work/relay.json" "$work/sub1.json" "$work/sub2.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
fp = s["fast_path"]
for f in sys.argv[2:]:
    r = json.load(open(f))
    assert r["gaps"] == [], f"{f}: gaps {r['gaps']}"
assert fp.get("shortfall_handoff", 0) > 0, f"no shortfall happened: the test proves nothing ({fp})"
assert fp.get("drop_budget", 0) == 0 and fp.get("drop_priority", 0) == 0, f"the kernel dropped: {fp}"
print(f"2 subscribers, every frame, no gap; shortfall handoffs {fp['shortfall_handoff']}, kernel drops 0, "
      f"fast path {s['packets_fast_path']} / user space {s['packets_user_space']} packets")
PY
echo "fastpath shortfall: ok"
