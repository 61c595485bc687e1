#!/usr/bin/env bash
# The relay's cache bound is relay-wide (issue #18), on loopback: moq-relay --cache-bytes 2 MiB
# (--cache-seconds 60, so age evicts nothing) and a client publishing 50 tracks of 64 KiB objects
# (scripts/peers/many_tracks.py: 4 groups of 4 objects per track, 50 MiB in all, 1 MiB per track,
# each track alone well under the bound), with subscribers reading every track.
#  - `cache_bytes` in --stats (SIGUSR1 every 0.2 s while the data flows) never exceeds 2 MiB (a
#    per-track bound let the relay hold all 50 MiB: tracks x bound), and is 0 once the clients left
#    (the relay forgets a track with its last subscriber);
#  - the relay counted all 800 objects in, evicted by bytes, and served every byte to the
#    subscribers (the bound trims the cache, never the live flow);
#  - the relay's RSS, sampled with the stats, stays within 40 MiB of its level before the run.
source "$(dirname "$0")/../interop/relay-lib.bash"
py=.build/venv-aioquic/bin/python
[[ -x $py ]] || { echo "FAIL: $py missing (run make deps)"; exit 1; }
fail() { echo "FAIL: $*"; tail -n 20 "$work/relay.err"; exit 1; }
bound=$((2 << 20))

: >"$work/relay.out"
"$bin/moq-relay" --listen 127.0.0.1:0 --cache-bytes "$bound" --cache-seconds 60 --stats "$work/relay.json" \
    >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
pids+=("$relay_pid")
port=""
for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/relay.out" || true); [[ -n $port ]] && break; sleep 0.1; done
[[ -n $port ]] || fail "moq-relay did not start"
rss() { awk '/VmRSS/{print int($2/1024)}' "/proc/$relay_pid/status"; }
# cache_bytes of a fresh --stats (SIGUSR1); empty when the relay did not rewrite it within 2 s.
cache_bytes() {
    rm -f "$work/relay.json"
    kill -USR1 "$relay_pid"
    for _ in $(seq 1 40); do
        [[ -s $work/relay.json ]] && python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cache_bytes"])' "$work/relay.json" 2>/dev/null && return 0
        sleep 0.05
    done
}

sleep 0.5
base=$(rss)
timeout 180 "$py" scripts/peers/many_tracks.py --port "$port" --tracks 50 --groups 4 --objects 4 --object-bytes 65536 \
    >"$work/pub.out" 2>"$work/pub.err" &
pub=$!
pids+=("$pub")
peak_cache=0 peak_rss=$base samples=0
while kill -0 "$pub" 2>/dev/null; do
    c=$(cache_bytes)
    [[ -n $c ]] || { grep -q "published" "$work/pub.out" && break; fail "no --stats after SIGUSR1"; }
    samples=$((samples + 1))
    ((c > peak_cache)) && peak_cache=$c
    r=$(rss); ((r > peak_rss)) && peak_rss=$r
    ((c <= bound)) || fail "cache_bytes $c over the bound $bound (sample $samples)"
    sleep 0.2
done
rc=0
wait "$pub" || rc=$?
cat "$work/pub.out"
((rc == 0)) || { cat "$work/pub.err"; fail "many_tracks.py exited $rc"; }
kill -USR1 "$relay_pid"
sleep 0.5
final=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["cache_bytes"], r["objects_in"], r["cache_evictions"], r["bytes_out"], r["bytes_in"])' "$work/relay.json")
read -r fcache objects_in evictions bytes_out bytes_in <<<"$final"
echo "cache_bytes: peak $peak_cache over $samples samples while publishing (bound $bound), $fcache once the clients left"
echo "relay: objects_in $objects_in, bytes_in $bytes_in, bytes_out $bytes_out, cache_evictions $evictions"
echo "relay RSS: $base MB before, peak $peak_rss MB"
((samples >= 5)) || fail "only $samples stats samples while publishing"
((fcache == 0)) || fail "cache_bytes $fcache once every track was forgotten"
((peak_cache > bound / 2)) || fail "the cache held at most $peak_cache bytes: the bound was never reached"
((objects_in == 800)) || fail "objects_in $objects_in, expected 800"
((evictions > 0)) || fail "no group evicted"
((bytes_in == 800 * 65536)) || fail "bytes_in $bytes_in"
((bytes_out == bytes_in)) || fail "the subscribers were sent $bytes_out of $bytes_in bytes"
((peak_rss - base <= 40)) || fail "relay RSS grew $((peak_rss - base)) MB"
kill -0 "$relay_pid" || fail "relay died"
echo "relay-cache-bound: OK"
