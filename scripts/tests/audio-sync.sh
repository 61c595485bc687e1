#!/usr/bin/env bash
# Audio beside the video (issue #16): moq-pub publishes every AAC and Opus stream as its own track,
# moq-sub subscribes to every video and audio track of the catalog and writes one file, through
# moq-relay on loopback. Clips (media/make-test-media.sh --audio): H.264 + AAC in MP4, H.264 + Opus
# in Matroska, and H.264 + AAC + Opus + MP3 in Matroska (two audio tracks published, MP3 skipped).
# Per clip, one subscriber from the start and one that joins once group 1 was published; for every audio track:
# - the audio packets in the received file are the source's, bit for bit, to the end (from the
#   first one, or for the late joiner from its first);
# - the decoded audio equals the source's at the same place (after the decoder's warm-up: one frame
#   for a full subscription; AAC one, Opus ~24 frames after a late start);
# - the A/V start offset (first audio packet minus first video frame) equals the source's at that
#   point within one audio frame; the late joiner's audio starts with its first keyframe, not before
#   it and less than one audio frame after it.
# Without a relay too (moq-pub --listen): a full and a late subscriber of the AAC clip.
# Live input too: ffmpeg -re (H.264 + AAC in MPEG-TS) | moq-pub -, the same checks against what
# ffmpeg sent (tee), from whichever keyframe the subscriber started at.
# Also: Matroska and fragmented MP4 output, --tracks (audio only, video only, an unknown track), the reports' per-track
# counts, the dry run's audio lines (priority above P/B), and moq-sub's usage errors.
source "$(dirname "$0")/../interop/relay-lib.bash"
audio_media=.build/test-media-audio
media/make-test-media.sh --audio "$audio_media" >/dev/null

cat >"$work/check.py" <<'PY'
import functools, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

@functools.lru_cache(maxsize=None)
def run_cached(cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True, check=True).stdout

def run(cmd):
    return run_cached(tuple(cmd))

def packets(path, selector):
    """(pts seconds, duration seconds) of every packet of stream `selector`, in file order (ffprobe:
    the container's own timestamps)."""
    out = run(["ffprobe", "-v", "error", "-select_streams", selector, "-show_entries", "packet=pts_time,duration_time",
               "-of", "csv=p=0", path])
    rows = [line.split(",") for line in out.split() if line]
    return [(float(r[0]), float(r[1]) if len(r) > 1 and r[1] not in ("", "N/A") else 0.0) for r in rows if r[0] != "N/A"]

def hashes(path, mapping, copy=False):
    """The md5 column of ffmpeg -f framemd5 (decoded frames, or packets with `copy`)."""
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", mapping]
    if copy:
        codec = run(["ffprobe", "-v", "error", "-select_streams", mapping[2:], "-show_entries", "stream=codec_name",
                     "-of", "csv=p=0", path]).split()[0]
        # AAC in MPEG-TS carries ADTS headers: compare the raw frames.
        adts = codec == "aac" and path.endswith(".ts")
        cmd += ["-c", "copy"] + (["-bsf:a", "aac_adtstoasc"] if adts else [])
    out = run(cmd + ["-f", "framemd5", "-"])
    return [[x.strip() for x in line.split(",")][5] for line in out.splitlines() if line and not line.startswith("#")]

def find_run(needle, haystack):
    """Index where `needle` occurs in `haystack` as a contiguous run, or -1."""
    for i in range(len(haystack) - len(needle) + 1):
        if haystack[i:i + len(needle)] == needle:
            return i
    return -1

def compare(src, got, audio, label, mode):
    """One line for the audio track `audio` of `got` against the source's; False on a failure.
    mode: full (from the start), late (joined at a later keyframe), live (either)."""
    a = f"a:{audio}"
    notes = []
    late = mode == "late"
    # Where the received file starts on the source's timeline: its first decoded video frame.
    src_v, got_v = sorted(p[0] for p in packets(src, "v:0")), sorted(p[0] for p in packets(got, "v:0"))
    src_vh, got_vh = hashes(src, "0:v:0"), hashes(got, "0:v:0")
    if not got_vh or got_vh[0] not in src_vh:
        return False, f"FAIL {label}: the first video frame is not one of the source's"
    k = src_vh.index(got_vh[0])
    if mode == "live":
        late = k > 0
    shift = src_v[k] - got_v[0]
    # Audio packets: bit for bit the source's, from packet j on, to the end.
    src_ph, got_ph = hashes(src, "0:" + a, copy=True), hashes(got, "0:" + a, copy=True)
    src_ap, got_ap = packets(src, a), packets(got, a)
    j = find_run(got_ph, src_ph)
    if not got_ph or j < 0 or j + len(got_ph) != len(src_ph):
        notes.append(f"audio packets are not the source's tail ({len(got_ph)} received, {len(src_ph)} in the source)")
        j = max(j, 0)
    if mode == "late" and k == 0:
        notes.append("the late subscriber started at the first frame")
    if not late and (j != 0 or k != 0):
        notes.append(f"starts at source video frame {k}, audio packet {j} (expected 0, 0)")
    frame = src_ap[min(j + 1, len(src_ap) - 1)][1] or (src_ap[1][0] - src_ap[0][0])
    # A/V: the first audio packet against the first video frame, received vs source.
    got_av = got_ap[0][0] - got_v[0] if got_ap else float("nan")
    src_av = src_ap[j][0] - src_v[k]
    diff = got_av - src_av
    if not abs(diff) <= frame:
        notes.append(f"A/V start offset differs from the source's by {diff * 1000:+.2f} ms (more than one audio frame)")
    if late and not (-0.001 <= got_av < frame):
        notes.append(f"audio starts {got_av * 1000:+.2f} ms from the first keyframe (must be in [0, {frame * 1000:.2f}) ms)")
    # Decoded audio: after at most 50 warm-up frames (1 s) (AAC priming/overlap, Opus state after a late
    # start), the received samples are a contiguous run of the source's, up to the last frame (end
    # trimming is container metadata MPEG-TS does not carry).
    src_dh, got_dh = hashes(src, "0:" + a), hashes(got, "0:" + a)
    warm = next((i for i in range(0, 51) if len(got_dh) - i > 20 and find_run(got_dh[i:-1], src_dh) >= 0), None)
    if warm is None:
        notes.append("decoded audio is not the source's")
    elif not late and warm > 1:
        notes.append(f"{warm} decoded frames differ at the start")
    ok = not notes
    return ok, (f"{'ok  ' if ok else 'FAIL'} {label}: video from source frame {k}; {len(got_ph)}/{len(src_ph)} audio packets "
          f"bit-exact from source packet {j}; decoded audio equal to the source's after {warm} frame(s) "
          f"({len(got_dh)} frames); A/V start offset {got_av * 1000:+.2f} ms, source {src_av * 1000:+.2f} ms "
          f"(difference {diff * 1000:+.2f} ms, one audio frame {frame * 1000:.2f} ms)"
          + ("" if ok else " -- " + "; ".join(notes)))

if __name__ == "__main__":
    # Arguments: SOURCE RECEIVED AUDIO-INDEX LABEL full|late|live, repeated; the comparisons run in
    # parallel (ffmpeg and ffprobe answers are shared), their lines printed in order.
    args = sys.argv[1:]
    jobs = [args[i:i + 5] for i in range(0, len(args), 5)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda j: compare(j[0], j[1], int(j[2]), j[3], j[4]), jobs))
    for ok, line in results:
        print(line)
    sys.exit(0 if all(ok for ok, _ in results) else 1)
PY

# --- Usage errors and the dry run (no network).
for bad in "--tracks a,,b" "--tracks video,video" "--track video --tracks video" "--tracks catalog"; do
    # shellcheck disable=SC2086
    out=$("$bin/moq-sub" --relay moqt://127.0.0.1:9 $bad 2>&1) && { echo "FAIL: moq-sub $bad accepted"; exit 1; }
    rc=$("$bin/moq-sub" --relay moqt://127.0.0.1:9 $bad >/dev/null 2>&1; echo $?) || true
    [[ $rc == 2 ]] || { echo "FAIL: moq-sub $bad exited $rc, not 2: $out"; exit 1; }
done
echo "usage errors: bad --tracks lists exit 2"
dry=$("$bin/moq-pub" --dry-run --namespace dry "$audio_media/av-two-audio.mkv")
grep -q "audio track dry/audio: mp4a.40.2 44100 Hz, 1 channels, priority 1" <<<"$dry" || { echo "FAIL: dry run: no AAC track line"; echo "$dry" | head; exit 1; }
grep -q "audio track dry/audio2: opus 48000 Hz, 2 channels, priority 1" <<<"$dry" || { echo "FAIL: dry run: no Opus track line"; exit 1; }
grep -q "audio stream 3: mp3 not published" <<<"$dry" || { echo "FAIL: dry run: the MP3 stream is not named as skipped"; exit 1; }
grep -q "summary: 6 groups, 180 objects" <<<"$dry" || { echo "FAIL: dry run: video summary changed"; exit 1; }
p_priority=$(grep -m1 -o ' P     priority [0-9]*' <<<"$dry" | awk '{print $3}')
[[ $p_priority -gt 1 ]] || { echo "FAIL: P priority $p_priority is not below the audio's 1"; exit 1; }
echo "dry run: $(grep -c '^audio track' <<<"$dry") audio tracks at priority 1 (P frames at $p_priority), MP3 skipped; $(grep '^audio audio' <<<"$dry" | tr '\n' ';')"
grep -q "^audio" <<<"$("$bin/moq-pub" --dry-run --no-audio "$audio_media/av-aac.mp4")" && { echo "FAIL: --no-audio still lists audio"; exit 1; }

# --- Through moq-relay, in three rounds (few processes at a time: the debug binaries on a loaded
# machine otherwise delay objects by seconds): one namespace per clip.
start_relay
clips=(av-aac.mp4 av-opus.mkv av-two-audio.mkv)
pubs=() subs=()
subscribe() {  # NAME NAMESPACE OUT [flags...]
    timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --namespace "$2" --out "$work/$3" \
        --report "$work/$1.json" "${@:4}" 2>"$work/$1.err" &
    subs+=($!); pids+=($!)
}
publish() {  # INDEX: moq-pub of clips[INDEX] as namespace auINDEX, until it announced
    "$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --namespace "au$1" "$audio_media/${clips[$1]}" \
        >"$work/pub$1.out" 2>"$work/pub$1.err" &
    pubs+=($!); pids+=($!)
    for _ in $(seq 1 150); do grep -q "announced" "$work/pub$1.err" && return 0; sleep 0.1; done
    echo "FAIL: moq-pub ${clips[$1]} did not announce"; cat "$work/pub$1.err"; exit 1
}
wait_group1() {  # ERRFILE: until that publisher started group 1 (its second keyframe)
    for _ in $(seq 1 200); do grep -q "group 1," "$1" && return 0; sleep 0.05; done
    echo "FAIL: no group 1 in $1"; cat "$1"; exit 1
}
finish_round() {
    for pid in "${subs[@]}"; do wait "$pid" || { echo "FAIL: a moq-sub failed"; tail -n 3 "$work"/*.err; exit 1; }; done
    for pid in "${pubs[@]}"; do wait "$pid" || { echo "FAIL: a moq-pub failed"; tail -n 3 "$work"/pub*.err; exit 1; }; done
    subs=() pubs=()
}

# Round 1: AAC and Opus; from the start (MPEG-TS, Matroska, fragmented MP4, Opus alone), and late.
publish 0
publish 1
subscribe full0 au0 full0.ts
subscribe mkv0 au0 full0.mkv
subscribe mp40 au0 full0.mp4
subscribe full1 au1 full1.ts
subscribe audioonly1 au1 audioonly1.ts --tracks audio
wait_group1 "$work/pub0.err"
subscribe late0 au0 late0.ts
wait_group1 "$work/pub1.err"
subscribe late1 au1 late1.ts
finish_round

# Round 2: two audio tracks; from the start, late, video only; and an unknown track.
publish 2
subscribe full2 au2 full2.ts
subscribe videoonly2 au2 videoonly2.ts --tracks video
wait_group1 "$work/pub2.err"
subscribe late2 au2 late2.ts
rc=0
timeout 30 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --namespace au2 --tracks nosuch --out "$work/x.ts" \
    2>"$work/nosuch.err" || rc=$?
[[ $rc == 1 ]] && grep -q "no track 'nosuch'" "$work/nosuch.err" || { echo "FAIL: --tracks nosuch: exit $rc"; cat "$work/nosuch.err"; exit 1; }
echo "--tracks nosuch: exit 1, $(grep -o "no track 'nosuch'[^\"]*" "$work/nosuch.err" | head -n 1)"
finish_round

# Round 3: live input through the relay (ffmpeg -re | moq-pub -, a subscriber waiting for it), and
# moq-pub --listen without a relay (a subscriber from the start and a late one).
( ffmpeg -v error -nostdin -re -f lavfi -i "testsrc2=size=320x180:rate=30:duration=4" \
      -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" -c:v libx264 -preset veryfast -g 30 -keyint_min 30 \
      -sc_threshold 0 -pix_fmt yuv420p -c:a aac -aac_pns 0 -b:a 64k -f mpegts - \
    | tee "$work/live-src.ts" \
    | "$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure --namespace aulive - >"$work/publive.out" 2>"$work/publive.err" ) &
pubs+=($!); pids+=($!)
subscribe live aulive live.ts --wait
"$bin/moq-pub" --listen 127.0.0.1:0 "$audio_media/av-aac.mp4" >"$work/pubdirect.out" 2>"$work/pubdirect.err" &
pubs+=($!); pids+=($!)
direct_port=""
for _ in $(seq 1 150); do direct_port=$(awk '/READY/{print $2; exit}' "$work/pubdirect.out" || true); [[ -n $direct_port ]] && break; sleep 0.1; done
[[ -n $direct_port ]] || { echo "FAIL: moq-pub --listen did not start"; cat "$work/pubdirect.err"; exit 1; }
direct() {  # NAME
    timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$direct_port" --insecure --out "$work/$1.ts" \
        --report "$work/$1.json" 2>"$work/$1.err" &
    subs+=($!); pids+=($!)
}
direct direct-full
wait_group1 "$work/pubdirect.err"
direct direct-late
finish_round
stop_relay

grep -q "audio stream 3: mp3 not published" "$work/pub2.err" || { echo "FAIL: moq-pub did not name the skipped MP3 stream"; exit 1; }
failed=0
jobs=(
    "$audio_media/av-aac.mp4" "$work/full0.ts" 0 "av-aac.mp4       full  .ts  audio " full
    "$audio_media/av-aac.mp4" "$work/full0.mkv" 0 "av-aac.mp4       full  .mkv audio " full
    "$audio_media/av-aac.mp4" "$work/full0.mp4" 0 "av-aac.mp4       full  .mp4 audio " full
    "$audio_media/av-aac.mp4" "$work/late0.ts" 0 "av-aac.mp4       late  .ts  audio " late
    "$audio_media/av-opus.mkv" "$work/full1.ts" 0 "av-opus.mkv      full  .ts  audio " full
    "$audio_media/av-opus.mkv" "$work/late1.ts" 0 "av-opus.mkv      late  .ts  audio " late
    "$audio_media/av-two-audio.mkv" "$work/full2.ts" 0 "av-two-audio.mkv full  .ts  audio " full
    "$audio_media/av-two-audio.mkv" "$work/late2.ts" 0 "av-two-audio.mkv late  .ts  audio " late
    "$audio_media/av-two-audio.mkv" "$work/full2.ts" 1 "av-two-audio.mkv full  .ts  audio2" full
    "$audio_media/av-two-audio.mkv" "$work/late2.ts" 1 "av-two-audio.mkv late  .ts  audio2" late
    "$work/live-src.ts" "$work/live.ts" 0 "live input (TS)   stdin .ts  audio " live
    "$audio_media/av-aac.mp4" "$work/direct-full.ts" 0 "av-aac.mp4 direct full  .ts  audio " full
    "$audio_media/av-aac.mp4" "$work/direct-late.ts" 0 "av-aac.mp4 direct late  .ts  audio " late
)
python3 "$work/check.py" "${jobs[@]}" >"$work/check.out" 2>&1 &
check_pid=$!
pids+=("$check_pid")

# Video frames, streams of each output, and the reports' per-track counts.
python3 - "$work" "$audio_media" <<'PY' || failed=$((failed + 1))
import json, subprocess, sys
work, media = sys.argv[1], sys.argv[2]
def run(*cmd): return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
def streams(path):
    """codec_type of each stream, by index (MPEG-TS lists its streams under the program too)."""
    rows = run("ffprobe", "-v", "error", "-show_entries", "stream=index,codec_type", "-of", "csv=p=0", path).split()
    return [kind for _, kind in sorted({tuple(r.split(",")) for r in rows}, key=lambda r: int(r[0]))]
import functools
@functools.lru_cache(maxsize=None)
def video_md5(path):
    out = run("ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-")
    return [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]
def packets(path, sel):
    return len(run("ffprobe", "-v", "error", "-select_streams", sel, "-show_entries", "packet=pts", "-of", "csv=p=0", path).split())
ok = True
def expect(cond, what):
    global ok
    if not cond:
        ok = False
        print("FAIL", what)
clips = {0: "av-aac.mp4", 1: "av-opus.mkv", 2: "av-two-audio.mkv"}
audio_tracks = {0: 1, 1: 1, 2: 2}
for i, clip in clips.items():
    src = f"{media}/{clip}"
    want = video_md5(src)
    for kind in ("full", "late"):
        out = f"{work}/{kind}{i}.ts"
        got = video_md5(out)
        if kind == "full":
            expect(got == want, f"{clip} {kind}: video frames differ from the source's ({len(got)}/{len(want)})")
        else:
            expect(0 < len(got) < len(want) and want[len(want) - len(got):] == got,
                   f"{clip} {kind}: video is not the source's tail from a later keyframe ({len(got)}/{len(want)})")
        kinds = streams(out)
        expect(kinds.count("audio") == audio_tracks[i] and kinds.count("video") == 1, f"{clip} {kind}: streams {kinds}")
        r = json.load(open(f"{work}/{kind}{i}.json"))
        tracks = {t["name"]: t for t in r.get("tracks") or []}
        names = ["audio", "audio2"][:audio_tracks[i]]
        expect(set(tracks) == {"video", *names}, f"{clip} {kind}: report tracks {sorted(tracks)}")
        expect(r["gaps"] == [] and r["frames_skipped"] == 0, f"{clip} {kind}: gaps {r['gaps']} skipped {r['frames_skipped']}")
        for n, name in enumerate(names):
            t = tracks.get(name, {})
            src_packets = packets(src, f"a:{n}")
            if kind == "full":
                expect(t.get("objects") == src_packets and t.get("frames_written") == src_packets and t.get("frames_skipped") == 0
                       and t.get("gaps") == 0 and t.get("dropped_before_video") == 0,
                       f"{clip} {kind} {name}: report {t}, source has {src_packets} packets")
            else:
                expect(t.get("gaps") == 0 and t.get("frames_skipped") == 0 and 0 < t.get("frames_written", 0) < src_packets,
                       f"{clip} {kind} {name}: report {t}")
        line = ", ".join(f"{t['name']} {t['objects']} objects/{t['frames_written']} written" for t in tracks.values())
        print(f"{'ok  ' if ok else 'FAIL'} {clip:16} {kind}  report: {line}; video {len(got)}/{len(want)} frames equal")
# --tracks: one kind each.
expect(streams(f"{work}/videoonly2.ts") == ["video"], f"--tracks video: streams {streams(work + '/videoonly2.ts')}")
expect(video_md5(f"{work}/videoonly2.ts") == video_md5(f"{media}/av-two-audio.mkv"), "--tracks video: video differs")
kinds = streams(f"{work}/audioonly1.ts")
expect(kinds == ["audio"], f"--tracks audio: streams {kinds}")
expect(packets(f"{work}/audioonly1.ts", "a:0") == packets(f"{media}/av-opus.mkv", "a:0"), "--tracks audio: packet count differs")
print(f"{'ok  ' if ok else 'FAIL'} --tracks video: streams {streams(work + '/videoonly2.ts')}; --tracks audio: streams {kinds}, "
      f"{packets(work + '/audioonly1.ts', 'a:0')} audio packets")
sys.exit(0 if ok else 1)
PY
wait "$check_pid" || failed=$((failed + 1))
cat "$work/check.out"

[[ $failed == 0 ]] || { echo "FAIL: $failed audio checks failed"; exit 1; }
echo "audio-sync: OK"
