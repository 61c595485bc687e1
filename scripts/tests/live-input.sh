#!/usr/bin/env bash
# moq-pub live input (issue #16): an encoder's MPEG-TS on stdin (`moq-pub -`) and on udp://
# (`moq-pub udp://127.0.0.1:PORT`), published as frames arrive through moq-relay to moq-sub
# subscribers. Each subscriber exits 0 with PUBLISH_DONE when the input ends, its TS decodes to more
# than 100 frames, its only gap is "skipped at join", and its capture-to-receive latency (the
# encoder's clock drives the LOC timestamps) has a p50 under LIVE_MAX_P50_MS (default 500).
# Each subscriber's first object is a keyframe (object 0 of a group), also the one joining 2 s late.
# Also: the usage errors of live input (exit 2). About 20 s.
source "$(dirname "$0")/../interop/relay-lib.bash"
max_p50_ms=${LIVE_MAX_P50_MS:-500}
encode=(ffmpeg -v error -nostdin -re -f lavfi -i testsrc2=size=320x180:rate=30 -t 6 -c:v libx264 -g 30 -bf 0 -f mpegts)

# Usage errors: no network needed.
usage_error() {  # expected text, moq-pub arguments...
    local rc=0 out
    out=$("$bin/moq-pub" --relay moqt://127.0.0.1:9 "${@:2}" 2>&1 </dev/null) || rc=$?
    [[ $rc -eq 2 && $out == *"$1"* ]] || { echo "moq-pub ${*:2}: expected exit 2 and '$1', got $rc: $out"; exit 1; }
}
usage_error "--loop needs a file" --loop -
usage_error "--dry-run needs a file" --dry-run udp://127.0.0.1:9
usage_error "--input-timeout is for live input" --input-timeout 1 "$media/test.mp4"
usage_error "cannot open nosuchproto://127.0.0.1:1" nosuchproto://127.0.0.1:1
rc=0; out=$(echo "not a video stream" | "$bin/moq-pub" --relay moqt://127.0.0.1:9 - 2>&1) || rc=$?
[[ $rc -eq 2 && $out == *"cannot open -"* ]] || { echo "garbage on stdin: expected exit 2, got $rc: $out"; exit 1; }
echo "usage errors: --loop, --dry-run, --input-timeout with a file, unknown protocol, garbage on stdin: exit 2"

start_relay

# live_sub NAME NAMESPACE: moq-sub writing $work/NAME.ts and $work/NAME.json; appends to sub_pids.
live_sub() {
    timeout 40 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --wait --namespace "$2" \
        --out "$work/$1.ts" --report "$work/$1.json" 2>"$work/$1.err" &
    sub_pids+=($!)
    pids+=($!)
}

wait_announced() {  # stderr file of moq-pub
    for _ in $(seq 1 150); do grep -q "announced" "$1" && return 0; sleep 0.1; done
    echo "moq-pub did not announce"; cat "$1"; exit 1
}

check_live_sub() {  # NAME, label
    local frames
    frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/$1.ts" | awk -F, 'NF && $1 != "" {print $1; exit}')
    python3 - "$work/$1.json" "$2" "${frames:-0}" "$max_p50_ms" <<'PY'
import json, sys
r, label, frames, limit = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
assert frames > 100, f"{label}: the TS decodes to {frames} frames"
other = [g for g in r["gaps"] if g["reason"] != "skipped at join"]
assert not other, f"{label}: gaps {other}"
assert r["duplicates"] == 0, f"{label}: duplicates {r['duplicates']}"
first = r["first_object"]
assert first and first["object"] == 0 and first["keyframe"], f"{label}: first object {first}, not a keyframe"
p50, p99 = r["latency_us"]["p50"] / 1000, r["latency_us"]["p99"] / 1000
assert p50 < limit, f"{label}: capture-to-receive p50 {p50:.1f} ms (limit {limit:.0f} ms)"
print(f"{label}: {r['objects']} objects from group {first['group']} (a keyframe), {frames} frames decoded, {len(r['gaps'])} gaps (skipped at join), "
      f"capture-to-receive latency p50 {p50:.1f} ms p99 {p99:.1f} ms")
PY
}

# 1. stdin: ffmpeg | moq-pub -, two subscribers, the second 2 s late (it starts at a keyframe).
: >"$work/pub.err"
"${encode[@]}" - 2>"$work/ffmpeg.err" | "$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --namespace live - \
    >"$work/pub.out" 2>"$work/pub.err" &
pub_pid=$!
pids+=("$pub_pid")
wait_announced "$work/pub.err"
live_sub stdin1 live
sleep 2
live_sub stdin2 live
for i in 0 1; do
    wait "${sub_pids[$i]}" || { echo "moq-sub $((i + 1)) (stdin) failed"; cat "$work/stdin$((i + 1)).err"; cat "$work/pub.err"; exit 1; }
done
wait "$pub_pid" || { echo "moq-pub - failed"; cat "$work/pub.err"; exit 1; }
grep -q "PUBLISH_DONE" "$work/stdin1.err" || { echo "no PUBLISH_DONE"; cat "$work/stdin1.err"; exit 1; }
check_live_sub stdin1 "stdin sub 1"
check_live_sub stdin2 "stdin sub 2"
grep "live input:" "$work/pub.err" | sed 's/^/stdin /'

# 2. udp://: ffmpeg writes MPEG-TS datagrams to a loopback port moq-pub reads; the input ends
# after 2 s without data.
udp_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --namespace udp --input-timeout 2 "udp://127.0.0.1:$udp_port" \
    >"$work/pubudp.out" 2>"$work/pubudp.err" &
pub_pid=$!
pids+=("$pub_pid")
sleep 0.3  # moq-pub binds the port before the encoder sends
"${encode[@]}" "udp://127.0.0.1:$udp_port?pkt_size=1316" 2>"$work/ffmpeg-udp.err" &
pids+=($!)
wait_announced "$work/pubudp.err"
live_sub udp1 udp
wait "${sub_pids[2]}" || { echo "moq-sub (udp) failed"; cat "$work/udp1.err"; cat "$work/pubudp.err"; exit 1; }
wait "$pub_pid" || { echo "moq-pub udp:// failed"; cat "$work/pubudp.err"; exit 1; }
grep -q "no data for 2" "$work/pubudp.err" || { echo "moq-pub udp:// did not end on --input-timeout"; cat "$work/pubudp.err"; exit 1; }
check_live_sub udp1 "udp sub"
grep "live input:" "$work/pubudp.err" | sed 's/^/udp /'
stop_relay
echo "live input: stdin and udp:// published as they arrive"
