#!/usr/bin/env bash
# A real browser plays from the relay (issue 15; docs/WEBTRANSPORT.md): moq-pub -> moq-relay ->
# headless Chromium (Debian's chromium, as root: --no-sandbox, a temporary --user-data-dir,
# --no-proxy-server, 127.0.0.1) loading the relay's own player page (moq-relay --http), driven over
# the DevTools protocol by scripts/browser/cdp_player.py (Python standard library).
#  1. The first page and a raw-QUIC moq-sub subscribe to the same track of one relay at once: the
#     page decodes >= 100 frames with WebCodecs, no decoder error, no gap, starting at a keyframe; the
#     SHA-256 of every object it decoded matches the source file's packets in order (ffmpeg's
#     framehash of the MP4's video packets); moq-sub (raw QUIC) completes too: its MPEG-TS decodes.
#  2. A second page joining 3 s later starts at a keyframe (object 0 of a group) and decodes >= 60
#     frames with no decoder error.
#  3. A page asked for an H.265 track (which Chromium's WebCodecs cannot decode) says so.
#  5. Video with AAC audio (test-audio.mp4): the page decodes >= 60 video frames and >= 60 audio frames
#     (WebCodecs AudioDecoder, played with Web Audio on the video's clock).
#  4. A page plays straight from moq-pub --listen (no relay in the path; the page's ?relay= and
#     ?hash= point it at moq-pub's port and certificate): >= 60 frames, checksums as in 1.
# Needs the browser: without chromium it FAILS (scripts/deps.sh installs it). About 40 s.
# Last line: browser: frames_decoded=N gaps=G latency_p50_ms=X screenshot=PATH
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
log_dir=${BUILD_DIR:-.build}/test-logs
mkdir -p "$log_dir"
screenshot=$(realpath "$log_dir")/browser-playback.png
media=.build/test-media-10s
media/make-test-media.sh --duration 10 "$media" >/dev/null
chromium=${CHROMIUM:-chromium}
command -v "$chromium" >/dev/null || { echo "browser-playback: FAIL: no '$chromium' (run scripts/deps.sh: apt-get install chromium)"; exit 1; }
echo "browser-playback: $("$chromium" --version 2>/dev/null | tail -n 1)"

work=$(mktemp -d /tmp/browser-playback.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
dump() { echo "--- relay"; tail -n 30 "$work/relay.err"; [[ -n ${relay_pid:-} ]] && kill -USR1 "$relay_pid" && sleep 0.5 && cat "$work/relay.json"; echo "--- moq-pub"; tail -n 10 "$work/pub.err"; echo "--- chromium"; grep -v dbus "$work/chrome$1.log" | tail -n 20 || true; }

"$bin/moq-relay" --listen 127.0.0.1:0 --http 127.0.0.1:0 --stats "$work/relay.json" >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
pids+=($relay_pid)
port="" http=""
for _ in $(seq 1 100); do
    # (The background shell may not have created relay.out yet: a missing file is "not ready", not an error.)
    port=$(awk '/^READY/{print $2; exit}' "$work/relay.out" 2>/dev/null || true)
    http=$(awk '/^HTTP/{print $2; exit}' "$work/relay.out" 2>/dev/null || true)
    [[ -n $port && -n $http ]] && break; sleep 0.1
done
[[ -n $port && -n $http ]] || { echo "moq-relay did not start"; cat "$work/relay.err"; exit 1; }
grep -q "certificate sha-256 [0-9a-f]\{64\}" "$work/relay.err" || { echo "moq-relay printed no certificate hash"; cat "$work/relay.err"; exit 1; }
# (Into files first: grep -q closing the pipe early would fail curl under pipefail.)
curl -sf -o "$work/index.html" "http://127.0.0.1:$http/" && grep -q "player.js" "$work/index.html" \
    || { echo "the relay does not serve the player page"; exit 1; }
curl -sf -o "$work/player.js" "http://127.0.0.1:$http/player.js" && grep -q "WebTransport" "$work/player.js" \
    || { echo "the relay does not serve player.js"; exit 1; }

"$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --loop "$media/test.mp4" >"$work/pub.out" 2>"$work/pub.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "announced" "$work/pub.err" && break; sleep 0.1; done
grep -q "announced" "$work/pub.err" || { echo "moq-pub did not announce"; cat "$work/pub.err"; exit 1; }

# The source's packets, in decode order: what each object's payload must hash to.
ffmpeg -v error -i "$media/test.mp4" -map 0:v:0 -c copy -f framehash -hash sha256 - | grep -v '^#' \
    | awk -F', *' '{print $NF}' | sed 's/^SHA256=//' >"$work/source.sha256"
[[ $(wc -l <"$work/source.sha256") -ge 100 ]] || { echo "ffmpeg framehash gave too few packets"; exit 1; }

# 1. Browser and raw-QUIC subscriber at once.
timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --duration 8 --out "$work/sub.ts" --report "$work/sub.json" \
    2>"$work/sub.err" &
sub_pid=$!
pids+=($sub_pid)
url="http://127.0.0.1:$http/?namespace=demo"
# The page subscribes 3 s after the first one: the late joiner of case 2 (started now, in parallel).
python3 scripts/browser/cdp_player.py --url "$url" --frames 60 --timeout 25 --delay 3 \
    --screenshot "$work/late.png" --report "$work/late.json" --log "$work/chrome2.log" >"$work/late.out" 2>&1 &
late_pid=$!
pids+=($late_pid)
if ! python3 scripts/browser/cdp_player.py --url "$url" --frames 150 --timeout 30 \
        --screenshot "$screenshot" --report "$work/page.json" --log "$work/chrome1.log"; then
    echo "browser-playback: FAIL: the page did not decode 150 frames"; dump 1; exit 1
fi
rc=0; wait "$sub_pid" || rc=$?
[[ $rc -eq 0 ]] || { echo "moq-sub (raw QUIC, same track) exited $rc"; cat "$work/sub.err"; exit 1; }
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/sub.ts" | awk -F, 'NR == 1 {print $1}')
[[ ${frames:-0} -ge 100 ]] || { echo "moq-sub's TS decodes to ${frames:-0} frames"; exit 1; }
echo "moq-sub (raw QUIC) on the same relay and track: exit 0, $frames frames decoded by ffprobe"

rc=0; wait "$late_pid" || rc=$?
cat "$work/late.out"
[[ $rc -eq 0 ]] || { echo "browser-playback: FAIL: the late page (3 s) did not decode 60 frames"; dump 2; exit 1; }

# 3. H.265: the page must say the browser cannot decode it.
"$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --namespace hevc --loop "$media/test-hevc.mp4" >/dev/null 2>"$work/pub-hevc.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "announced" "$work/pub-hevc.err" && break; sleep 0.1; done
python3 scripts/browser/cdp_player.py --url "http://127.0.0.1:$http/?namespace=hevc" --frames 1 --timeout 10 \
    --expect-error "is not supported by this browser" --screenshot "$work/hevc.png" --report "$work/hevc.json" --log "$work/chrome3.log" \
    || { echo "browser-playback: FAIL: the H.265 page did not report the unsupported codec"; dump 3; exit 1; }
echo "H.265 track: the page reports $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors"][0])' "$work/hevc.json")"

# 5. Video and AAC audio.
"$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --namespace av --loop "$media/test-audio.mp4" >/dev/null 2>"$work/pub-av.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "announced" "$work/pub-av.err" && break; sleep 0.1; done
python3 scripts/browser/cdp_player.py --url "http://127.0.0.1:$http/?namespace=av" --frames 60 --audio-frames 60 --timeout 20 \
    --screenshot "$work/av.png" --report "$work/av.json" --log "$work/chrome5.log" \
    || { echo "browser-playback: FAIL: the page did not play video and audio"; cat "$work/pub-av.err"; dump 5; exit 1; }

# 4. Straight from moq-pub --listen.
"$bin/moq-pub" --listen 127.0.0.1:0 --loop "$media/test.mp4" >"$work/pl.out" 2>"$work/pl.err" &
pids+=($!)
pub_port=""
for _ in $(seq 1 100); do
    pub_port=$(awk '/^READY/{print $2; exit}' "$work/pl.out" 2>/dev/null || true)
    [[ -n $pub_port ]] && grep -q "certificate sha-256" "$work/pl.err" && break
    sleep 0.1
done
pub_hash=$(sed -n 's/.*certificate sha-256 \([0-9a-f]\{64\}\).*/\1/p' "$work/pl.err" | head -n 1)
[[ -n $pub_port && -n $pub_hash ]] || { echo "moq-pub --listen printed no port or certificate hash"; cat "$work/pl.err"; exit 1; }
python3 scripts/browser/cdp_player.py --url "http://127.0.0.1:$http/?namespace=demo&relay=127.0.0.1:$pub_port&hash=$pub_hash" \
    --frames 60 --timeout 20 --screenshot "$work/direct.png" --report "$work/direct.json" --log "$work/chrome4.log" \
    || { echo "browser-playback: FAIL: the page did not play from moq-pub --listen"; cat "$work/pl.err"; dump 4; exit 1; }

python3 - "$work/page.json" "$work/late.json" "$work/source.sha256" "$screenshot" <<'PY' || { dump 1; exit 1; }
import json, sys, struct, zlib
page, late, source, shot = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), open(sys.argv[3]).read().split(), sys.argv[4]

gop = 30  # the test clip's GOP (media/make-test-media.sh): group g, object o is packet g * 30 + o of the loop
def check_order(r, label):
    decoded = r["decodedHashes"]
    assert len(decoded) == r["decoded"], f"{label}: {len(decoded)} hashes for {r['decoded']} frames"
    first = r["firstObject"]
    assert first and first["object"] == 0 and first["key"], f"{label}: first object {first} is not a keyframe"
    previous = None
    for k, d in enumerate(decoded):
        want = source[(d["group"] * gop + d["object"]) % len(source)]
        assert d["sha256"] == want, f"{label}: decoded frame {k} (group {d['group']} object {d['object']}) differs from the source packet"
        here = (d["group"], d["object"])
        if previous is None or here[0] != previous[0]:
            # A group is decoded from its keyframe on; groups in increasing order.
            assert here[1] == 0 and (previous is None or here[0] > previous[0]), f"{label}: frame {k} {here} after {previous}"
        else:
            assert here[1] == previous[1] + 1, f"{label}: frame {k} {here} after {previous}: objects out of order"
        previous = here
    assert not r["errors"], f"{label}: errors {r['errors']}"
    return (first["group"] * gop) % len(source)

start = check_order(page, "page")
# Groups the relay cut short (its drop policy, e.g. a burst while the browser starts on a busy
# machine) are reported by the page as gaps; what it decoded is still each group's start, in order.
assert page["gaps"] <= 2, f"page: {page['gaps']} gaps"
assert page["protocol"] == "moqt-18", f"page: WebTransport protocol {page['protocol']!r}"
assert page["latencyP50Ms"] is not None and page["latencyP50Ms"] < 1000, f"page: latency p50 {page['latencyP50Ms']}"
print(f"page: {page['decoded']} frames decoded from group {page['firstObject']['group']} (source packet {start}), "
      f"every object's SHA-256 equals the source packet's, in order; {page['gaps']} gaps, {page['dropped']} dropped, "
      f"protocol {page['protocol']}, codec {page['codec']}, latency p50 {page['latencyP50Ms']:.1f} ms; {page['browser']}")
lstart = check_order(late, "late page")
assert late["firstObject"]["group"] > 0, f"late page: started at group {late['firstObject']['group']}, not a later keyframe"
print(f"late page (joined after 3 s): first object group {late['firstObject']['group']} object 0 (keyframe), "
      f"{late['decoded']} frames decoded in order, no decoder error")

direct = json.load(open(sys.argv[1].replace("page.json", "direct.json")))
check_order(direct, "page on moq-pub --listen")
print(f"page on moq-pub --listen (no relay): {direct['decoded']} frames decoded in order, checksums equal, protocol {direct['protocol']}")

av = json.load(open(sys.argv[1].replace("page.json", "av.json")))
assert av["audioCodec"] == "mp4a.40.2" and av["audioDecoded"] >= 60, f"audio: {av.get('audioStatus')}, {av.get('audioDecoded')} frames"
print(f"page with audio: {av['decoded']} video frames, {av['audioDecoded']} AAC frames decoded ({av['audioStatus']})")

# The screenshot is a PNG of the page with the video drawn (not all one colour).
data = open(shot, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG"
w, h = struct.unpack(">II", data[16:24])
idat = b""
at = 8
while at < len(data):
    n, kind = struct.unpack(">I4s", data[at:at + 8])
    if kind == b"IDAT": idat += data[at + 8:at + 8 + n]
    at += 12 + n
raw = zlib.decompress(idat)
colours = len(set(raw[i:i + 3] for i in range(1, len(raw), 997)))
assert colours > 20, f"screenshot looks blank ({colours} colours sampled)"
print(f"browser: frames_decoded={page['decoded']} gaps={page['gaps']} latency_p50_ms={page['latencyP50Ms']:.1f} screenshot={shot}")
PY
