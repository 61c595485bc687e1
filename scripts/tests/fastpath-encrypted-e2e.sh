#!/usr/bin/env bash
# The encrypted kernel fast path end to end in network namespaces (issue 14): moq-pub -> moq-relay
# --ebpf --ebpf-encrypted -> 3 moq-sub, none of them started with --allow-cleartext, so every
# connection is encrypted and, the relay preferring it, ChaCha20-Poly1305. The publisher sends the
# fixed-size encodings (--fast-path-encoding). Checks: every subscriber's TS decodes to the source's
# frames (framemd5), no gap, >= 90% of the media packets the relay sent them were forwarded by the kernel,
# and every kernel copy was sealed by it (packets_fast_path_encrypted == packets_fast_path > 0); the
# kernel opened the publisher's packets and none failed to open.
# FASTPATH_KEY_UPDATE_MS=N (scripts/tests/fastpath-keyupdate.sh): the relay starts a key update on every
# encrypted connection every N ms; then the new phases must have reached the kernel on both sides, and
# packets of a publisher's phase the kernel does not have yet may fail to open (they go up to user space).
key_update_ms=${FASTPATH_KEY_UPDATE_MS:-0}
source "$(dirname "$0")/fastpath-lib.bash"
media=.build/test-media-16s
media/make-test-media.sh --duration 16 "$media" >/dev/null
fp_topology 3
src=$(frames "$media/test.mp4")

fp_relay relay --ebpf --ebpf-encrypted --ebpf-key-update-ms "$key_update_ms" --stats "$work/relay.json"
fp_bg "$ns_p" pub "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --fast-path-encoding "$media/test.mp4"
pub_pid=$bg_pid
for _ in $(seq 1 100); do grep -q announced "$work/pub.err" && break; sleep 0.1; done
pids=()
for k in 1 2 3; do
    ip netns exec "$fp_tag-s$k" timeout 60 "$bin/moq-sub" --relay "moqt://10.77.$k.1:4443" --insecure \
        --out "$work/sub$k.ts" --report "$work/sub$k.json" >"$work/sub$k.out" 2>"$work/sub$k.err" &
    pids+=($!)
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || {
        echo "FAIL: moq-sub $((i + 1)) failed"; tail -3 "$work/sub$((i + 1)).err"; tail -20 "$work/relay.err"; exit 1
    }
done
wait "$pub_pid" || { echo "FAIL: moq-pub failed"; tail -5 "$work/pub.err"; exit 1; }
kill -TERM "$relay_pid"
wait "$relay_pid" || { echo "FAIL: relay exit status $?"; tail -20 "$work/relay.err"; exit 1; }
grep -q "ChaCha20-Poly1305, opened in the kernel" "$work/relay.err" ||
    { echo "FAIL: the publisher's connection was not put on the encrypted fast path"; grep "fast path" "$work/relay.err" | head; exit 1; }
for k in 1 2 3; do
    [[ "$(frames "$work/sub$k.ts")" == "$src" ]] || { echo "FAIL: subscriber $k's frames differ from the source"; exit 1; }
done
python3 - "$work" "$(wc -l <<<"$src")" "$key_update_ms" <<'PY'
import json, sys
work, frames_total, key_update_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = json.load(open(f"{work}/relay.json"))
fp = s.get("fast_path", {})
fast, sealed = s["packets_fast_path"], s["packets_fast_path_encrypted"]
user_media = fp.get("user_space_media_packets_fast_path_subscribers", 0)
share = fast / (fast + user_media) if fast + user_media else 0.0
line = [f"encrypted: packets fast path {fast} (sealed in the kernel {sealed}), user-space media packets to fast-path "
        f"subscribers {user_media}, kernel share {100*share:.1f}%, opened {fp.get('opened', 0)}, open_failed "
        f"{fp.get('open_failed', 0)}, seal_failed {fp.get('seal_failed', 0)}, retransmitted_fast_path {s['retransmitted_fast_path']}"
        + (f", key updates every {key_update_ms} ms: started {fp.get('forced_key_updates', 0)}, new phases installed "
           f"upstream {fp.get('key_phases_installed_upstreams', 0)} subscribers {fp.get('key_phases_installed_subscribers', 0)}"
           if key_update_ms else "")]
for k in (1, 2, 3):
    r = json.load(open(f"{work}/sub{k}.json"))
    line.append(f"  sub{k}: objects {r['objects']}, gaps {len(r['gaps'])}, latency p50 {r['latency_us']['p50']/1000:.2f} ms "
                f"p99 {r['latency_us']['p99']/1000:.2f} ms")
    assert r["gaps"] == [] and r["objects"] == frames_total, f"sub{k}: {r['objects']} objects, gaps {r['gaps'][:3]}"
print("\n".join(line))
by_cipher = {k: v for k, v in fp.items() if k.startswith("subscriptions_")}
# Every subscription (each subscriber's tracks) on ChaCha20 and on the kernel path, none left to user space.
assert by_cipher.get("subscriptions_chacha20Poly1305SHA256_kernel", 0) >= 3 and len(by_cipher) == 1, f"subscriptions by cipher: {by_cipher}"
assert fast > 0 and sealed == fast, f"kernel copies {fast}, sealed {sealed}: every kernel copy must be sealed"
assert fp.get("seal_failed", 0) == 0, "seals failed"
if key_update_ms:
    # 16 s of media: each subscriber connection's phase changes about 16000 / key_update_ms times. The
    # upstream's only once or twice: a new update waits until the publisher acknowledged a packet of the
    # current phase (RFC 9001 §6.1), and the relay sends it little but ACKs, which are not acknowledged.
    expected = 16000 // key_update_ms // 2
    assert fp.get("key_phases_installed_upstreams", 0) >= 1, "the upstream's new phase did not reach the kernel"
    assert fp.get("key_phases_installed_subscribers", 0) >= 3 * expected, "the subscribers' new phases did not reach the kernel"
    opened, failed = fp.get("opened", 0), fp.get("open_failed", 0)
    assert opened > 0 and failed <= 0.1 * (opened + failed), f"opened {opened}, failed {failed}"
else:
    assert fp.get("opened", 0) > 0 and fp.get("open_failed", 0) == 0, "the kernel must open every publisher packet it sees"
assert share >= 0.9, f"kernel share of the media packets to the encrypted subscribers {share:.3f} < 0.9"
PY
echo "fastpath encrypted e2e$( ((key_update_ms)) && echo " with key updates every $key_update_ms ms"): passed"
