#!/usr/bin/env bash
# Makes the deterministic test clips of moq-fastrelay with ffmpeg (synthetic testsrc2 video, libx264).
#
#   media/make-test-media.sh [--force] [--duration SECONDS] [--bench] [OUTDIR]
#   media/make-test-media.sh [--force] --matrix DIR
#   media/make-test-media.sh [--force] --audio DIR
#
# OUTDIR defaults to this script's folder. Existing files are kept unless --force.
# MEDIA_DURATION (or --duration) shortens the clips (default 10 s) for fast tests.
# Files (640x360, 30 fps, H.264 High, one GOP = 30 frames, closed GOPs):
#   test.mp4          no B-frames: the default demo input
#   test-bframes.mp4  2 B-frames between references
#   test-audio.mp4    the video of test.mp4 plus an AAC audio track
#   test.mkv          the video of test.mp4 in Matroska
#   test-hevc.mp4     H.265 (libx265), 2 B-frames between references
# With --bench, only the benchmark clip instead (not made by `make media`/`make test`; ~6 s to encode):
#   bench-4mbit.mp4   1280x720, 30 fps, GOP 30, no B-frames, ~4.1 Mbit/s (x264 ABR -b:v 4M with
#                     -maxrate 4M -bufsize 4M: 3.9-4.6 Mbit/s in every second of the 10 s clip)
# With --matrix DIR, only the timestamp matrix instead (scripts/tests/media-matrix.sh):
#   3 s clips, 320x180 at 30 fps, GOP 1 s unless named otherwise, Matroska or MP4, for x264 and x265
#   (h264-*/h265-*): B-frames 0/2/3/5 without and with pyramid (bfN, bfN-pyr; b-adapt=0, so every
#   mini-GOP has N B-frames), open GOP with leading pictures (open-gop), variable frame rate (vfr),
#   one 10 s GOP (gop10s: keyint 300), 318x178 (odd-318x178), a GOP with B-frames between two
#   without (mixed-gops: three 1 s encodes joined as MPEG-TS, then remuxed), and the clip of the
#   issue that started it (bf3-pyr-aac.mkv: B-pyramid plus AAC audio). ~10 s to encode.
# With --audio DIR, only the audio clips instead (scripts/tests/audio-sync.sh, audio unit tests; ~2 s):
#   6 s (a late subscriber has time to join), 320x180 at 30 fps, H.264 with 2 B-frames, GOP 1 s, beside
#   sine tones (440 Hz left, 660 Hz right):
#   av-aac.mp4        AAC-LC 48 kHz stereo in MP4 (the usual camera/encoder file)
#   av-opus.mkv       Opus 48 kHz stereo in Matroska
#   av-two-audio.mkv  two audio streams: AAC-LC 44.1 kHz mono and Opus 48 kHz stereo, plus an MP3
#                     stream that is not published (unsupported codec)
# Each file is written to a temporary name and renamed, so concurrent runs never see half a file.
set -euo pipefail

force=0
bench=0
matrix=""
audio=""
duration="${MEDIA_DURATION:-10}"
outdir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        --duration) shift; duration="${1:?--duration needs a value}" ;;
        --bench) bench=1 ;;
        --matrix) shift; matrix="${1:?--matrix needs a directory}" ;;
        --audio) shift; audio="${1:?--audio needs a directory}" ;;
        -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "make-test-media.sh: unknown option $1" >&2; exit 2 ;;
        *) outdir="$1" ;;
    esac
    shift
done
[ -z "$matrix" ] || outdir="$matrix"
[ -z "$audio" ] || outdir="$audio"
[ -n "$outdir" ] || outdir="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$outdir"
command -v ffmpeg >/dev/null || { echo "make-test-media.sh: ffmpeg not found (run 'make deps')" >&2; exit 1; }

# Flags that make the output independent of the machine and of time.
global=(-hide_banner -loglevel error -nostdin -y)
output=(-threads 1 -fflags +bitexact -map_metadata -1)
video_src=(-f lavfi -i "testsrc2=size=640x360:rate=30:duration=${duration}")
x264=(-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 30 -keyint_min 30 -sc_threshold 0
      -flags:v +bitexact -x264-params "threads=1:lookahead-threads=1:open-gop=0:b-pyramid=none")

make() { # make NAME ffmpeg-arguments...
    local name="$1"; shift
    local target="$outdir/$name"
    if [ -s "$target" ] && [ "$force" = 0 ]; then return 0; fi
    local ext="${name##*.}"
    local tmp="$outdir/.tmp.$$.${name%.*}.$ext"
    ffmpeg "${global[@]}" "$@" "${output[@]}" "$tmp"
    mv -f "$tmp" "$target"
    echo "made $target"
}

if [ -n "$matrix" ]; then
    src=(-f lavfi -i "testsrc2=size=320x180:rate=30:duration=3")
    src_aac=("${src[@]}" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3")
    aac=(-c:a aac -b:a 32k -flags:a +bitexact -shortest)
    # Variable frame rate: two of every seven frames dropped, timestamps kept.
    vfr=(-vf "select='not(eq(mod(n\,7)\,2))*not(eq(mod(n\,7)\,5))'" -fps_mode vfr)
    odd=(-f lavfi -i "testsrc2=size=318x178:rate=30:duration=3")
    one=(-f lavfi -i "testsrc2=size=320x180:rate=30:duration=1")
    h264() { # h264 NAME SOURCE-ARGS-VAR BFRAMES PYRAMID EXTRA-X264-PARAMS [ffmpeg-args...]
        local name=$1 srcvar="$2[@]" bf=$3 pyr=$4 extra=$5
        shift 5
        make "$name" "${!srcvar}" -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 30 -keyint_min 30 \
            -sc_threshold 0 -flags:v +bitexact -bf "$bf" \
            -x264-params "threads=1:lookahead-threads=1:open-gop=0:b-pyramid=$pyr$extra" "$@"
    }
    h265() { # h265 NAME SOURCE-ARGS-VAR BFRAMES PYRAMID EXTRA-X265-PARAMS [ffmpeg-args...]
        local name=$1 srcvar="$2[@]" bf=$3 pyr=$4 extra=$5
        shift 5
        make "$name" "${!srcvar}" -c:v libx265 -preset ultrafast -pix_fmt yuv420p -flags:v +bitexact \
            -x265-params "pools=1:frame-threads=1:keyint=30:min-keyint=30:scenecut=0:open-gop=0:rc-lookahead=10:bframes=$bf:b-pyramid=$pyr$extra:log-level=error" "$@"
    }
    mixed() { # mixed NAME h264|h265: 1 s without B-frames, 1 s of 3 B-frames with pyramid, 1 s without
        local name=$1 codec=$2 i bf offset parts=()
        [ ! -s "$outdir/$name" ] || [ "$force" = 1 ] || return 0
        for i in 0 1 2; do
            bf=0; [ "$i" = 1 ] && bf=3
            offset=$i; [ "$i" = 0 ] || offset="$i.1"  # room for the B-frames' earlier decode times
            "$codec" ".mixed.$$.$i.ts" one "$bf" "$([ "$codec" = h264 ] && echo normal || echo 1)" ":b-adapt=0" \
                -output_ts_offset "$offset" >/dev/null
            parts+=("$outdir/.mixed.$$.$i.ts")
        done
        cat "${parts[@]}" >"$outdir/.mixed.$$.ts"  # MPEG-TS concatenates byte by byte
        make "$name" -i "$outdir/.mixed.$$.ts" -c copy
        rm -f "${parts[@]}" "$outdir/.mixed.$$.ts"
    }
    h264 h264-bf0.mkv src 0 none ""
    h264 h264-bf2.mp4 src 2 none ":b-adapt=0"
    h264 h264-bf2-pyr.mkv src 2 normal ":b-adapt=0"
    h264 h264-bf3.mkv src 3 none ":b-adapt=0"
    h264 h264-bf3-pyr.mp4 src 3 normal ":b-adapt=0"
    h264 h264-bf3-pyr-aac.mkv src_aac 3 normal "" "${aac[@]}"
    h264 h264-bf5.mp4 src 5 none ":b-adapt=0"
    h264 h264-bf5-pyr.mkv src 5 normal ":b-adapt=0"
    h264 h264-open-gop.mkv src 3 normal ":open-gop=1:b-adapt=0:keyint=32:min-keyint=32"
    h264 h264-vfr.mkv src 3 normal "" "${vfr[@]}"
    h264 h264-vfr.mp4 src 2 normal "" "${vfr[@]}"
    h264 h264-gop10s.mkv src 3 normal ":keyint=300:min-keyint=300"
    h264 h264-odd-318x178.mkv odd 3 normal ""
    mixed h264-mixed-gops.mkv h264
    h265 h265-bf0.mkv src 0 0 ""
    h265 h265-bf2.mp4 src 2 0 ":b-adapt=0" -tag:v hvc1
    h265 h265-bf2-pyr.mkv src 2 1 ":b-adapt=0"
    h265 h265-bf3.mkv src 3 0 ":b-adapt=0"
    h265 h265-bf3-pyr.mp4 src 3 1 ":b-adapt=0" -tag:v hvc1
    h265 h265-bf3-pyr-aac.mkv src_aac 3 1 "" "${aac[@]}"
    h265 h265-bf5.mp4 src 5 0 ":b-adapt=0" -tag:v hvc1
    h265 h265-bf5-pyr.mkv src 5 1 ":b-adapt=0"
    h265 h265-open-gop.mkv src 3 1 ":open-gop=1:keyint=32:min-keyint=32"
    h265 h265-open-gop.mp4 src 4 1 ":open-gop=1" -tag:v hvc1
    h265 h265-vfr.mkv src 3 1 "" "${vfr[@]}"
    h265 h265-gop10s.mkv src 3 1 ":keyint=300:min-keyint=300"
    h265 h265-odd-318x178.mp4 odd 3 1 "" -tag:v hvc1
    mixed h265-mixed-gops.mkv h265
    exit 0
fi
if [ -n "$audio" ]; then
    src=(-f lavfi -i "testsrc2=size=320x180:rate=30:duration=6")
    tones=(-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=6" -f lavfi -i "sine=frequency=660:sample_rate=48000:duration=6")
    stereo=(-filter_complex "[1:a][2:a]join=inputs=2:channel_layout=stereo[st]")
    video=(-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 30 -keyint_min 30 -sc_threshold 0
           -flags:v +bitexact -bf 2 -x264-params "threads=1:lookahead-threads=1:open-gop=0:b-pyramid=none:b-adapt=0")
    make av-aac.mp4 "${src[@]}" "${tones[@]}" "${stereo[@]}" -map 0:v -map "[st]" "${video[@]}" \
        -c:a aac -aac_pns 0 -b:a 64k -flags:a +bitexact -movflags +faststart
    make av-opus.mkv "${src[@]}" "${tones[@]}" "${stereo[@]}" -map 0:v -map "[st]" "${video[@]}" \
        -c:a libopus -b:a 48k -flags:a +bitexact
    make av-two-audio.mkv "${src[@]}" "${tones[@]}" \
        -filter_complex "[1:a]aresample=44100[mono];[1:a][2:a]join=inputs=2:channel_layout=stereo[st];[2:a]asplit=1[mp3]" \
        -map 0:v -map "[mono]" -map "[st]" -map "[mp3]" "${video[@]}" \
        -c:a:0 aac -aac_pns 0 -b:a:0 48k -c:a:1 libopus -b:a:1 48k -c:a:2 libmp3lame -b:a:2 32k -flags:a +bitexact
    exit 0
fi
if [ "$bench" = 1 ]; then
    make bench-4mbit.mp4 -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=${duration}" "${x264[@]}" -bf 0 \
        -b:v 4M -maxrate 4M -bufsize 4M -movflags +faststart
    exit 0
fi
make test.mp4 "${video_src[@]}" "${x264[@]}" -bf 0 -movflags +faststart
make test-bframes.mp4 "${video_src[@]}" "${x264[@]}" -bf 2 -b_strategy 0 -movflags +faststart
make test-audio.mp4 "${video_src[@]}" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=${duration}" \
    "${x264[@]}" -bf 0 -c:a aac -b:a 64k -flags:a +bitexact -shortest -movflags +faststart
make test.mkv "${video_src[@]}" "${x264[@]}" -bf 0
make test-hevc.mp4 "${video_src[@]}" -c:v libx265 -preset ultrafast -pix_fmt yuv420p -tag:v hvc1 -flags:v +bitexact \
    -x265-params "pools=1:frame-threads=1:keyint=30:min-keyint=30:scenecut=0:open-gop=0:bframes=2:b-pyramid=0:log-level=error"
