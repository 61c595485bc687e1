#!/usr/bin/env bash
# Makes the deterministic test clips of moq-fastrelay with ffmpeg (synthetic testsrc2 video, libx264).
#
#   media/make-test-media.sh [--force] [--duration SECONDS] [--bench] [OUTDIR]
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
# Each file is written to a temporary name and renamed, so concurrent runs never see half a file.
set -euo pipefail

force=0
bench=0
duration="${MEDIA_DURATION:-10}"
outdir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        --duration) shift; duration="${1:?--duration needs a value}" ;;
        --bench) bench=1 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "make-test-media.sh: unknown option $1" >&2; exit 2 ;;
        *) outdir="$1" ;;
    esac
    shift
done
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
