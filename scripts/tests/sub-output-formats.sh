#!/usr/bin/env bash
# moq-sub writes MPEG-TS, fragmented MP4 or Matroska by the extension of --out: through moq-relay, a
# B-frame clip and an H.265 clip each decode to exactly the source's frames in every container; an
# unknown extension is refused before connecting (exit 2, naming the extensions understood).
source "$(dirname "$0")/../interop/relay-lib.bash"

out=$("$bin/moq-sub" --relay moqt://127.0.0.1:9 --out "$work/x.avi" 2>&1) && { echo "FAIL: .avi accepted"; exit 1; }
grep -q "\.mkv" <<<"$out" || { echo "FAIL: the refusal does not name the extensions: $out"; exit 1; }
echo "unknown extension refused: ${out%%$'\n'*}"

start_relay
for clip in test-bframes.mp4 test-hevc.mp4; do
    start_pub "$clip"
    subs=()
    for ext in ts mp4 mkv; do
        timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --out "$work/$clip.$ext" \
            --report "$work/$clip.$ext.json" 2>"$work/$clip.$ext.err" &
        subs+=($!)
    done
    for i in "${!subs[@]}"; do
        wait "${subs[$i]}" || { echo "FAIL: moq-sub #$i for $clip failed"; cat "$work"/"$clip".*.err; exit 1; }
    done
    wait "$pub_pid" || { echo "FAIL: moq-pub failed"; cat "$work/pub.err"; exit 1; }
    frames "$media/$clip" >"$work/src.md5"
    for ext in ts mp4 mkv; do
        frames "$work/$clip.$ext" >"$work/got.md5"
        cmp -s "$work/src.md5" "$work/got.md5" || { echo "FAIL: $clip -> .$ext: $(wc -l <"$work/got.md5") frames, differing from the source's $(wc -l <"$work/src.md5")"; exit 1; }
        echo "$clip -> .$ext: $(wc -l <"$work/got.md5") frames, equal to the source's"
    done
done
stop_relay
echo "sub-output-formats: OK"
