# Shared by scripts/tests/relay-*.sh (sourced; kept outside scripts/tests so it is not run as a test): builds nothing, starts moq-relay and moq-pub on
# free loopback ports in a private temp dir, and kills everything it started on exit.
# With RELAY_LIB_FUNCTIONS_ONLY=1 it defines the functions only: scripts/interop/aiomoqt-common.bash does
# the setup itself (same variables: bin, media, work, pids) and sources this file for them.
if [[ ${RELAY_LIB_FUNCTIONS_ONLY:-0} != 1 ]]; then
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null
work=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fi

frames() { ffmpeg -v error -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }

# start_relay: moq-relay on a free port with --stats $work/relay.json; sets relay_pid and port.
start_relay() {
    # Emptied here, not only by the redirection (the child's, which may come after the first look below):
    # a previous relay's READY line or stats must never be taken for this one's.
    rm -f "$work/relay.json"
    : >"$work/relay.out"
    "$bin/moq-relay" --listen 127.0.0.1:0 --stats "$work/relay.json" >"$work/relay.out" 2>"$work/relay.err" &
    relay_pid=$!
    pids+=("$relay_pid")
    port=""
    for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/relay.out" || true); [[ -n $port ]] && break; sleep 0.1; done
    [[ -n $port ]] || { echo "moq-relay did not start"; cat "$work/relay.err"; exit 1; }
}

# start_pub CLIP [moq-pub flags...]: moq-pub --relay, waits until the namespace is announced; sets pub_pid.
start_pub() {
    : >"$work/pub.err"  # a previous moq-pub's "announced" must not count
    "$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure "${@:2}" "$media/$1" >"$work/pub.out" 2>"$work/pub.err" &
    pub_pid=$!
    pids+=("$pub_pid")
    for _ in $(seq 1 100); do grep -q "announced" "$work/pub.err" && return 0; sleep 0.1; done
    echo "moq-pub did not announce"; cat "$work/pub.err"; cat "$work/relay.err"; exit 1
}

# start_sub N: moq-sub writing $work/subN.ts and $work/subN.json; appends to sub_pids.
sub_pids=()
start_sub() {
    timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --out "$work/sub$1.ts" --report "$work/sub$1.json" \
        2>"$work/sub$1.err" &
    sub_pids+=($!)
    pids+=($!)
}

# stop_relay: SIGTERM, expects exit 0 and the stats file.
stop_relay() {
    kill -TERM "$relay_pid"
    local rc=0
    wait "$relay_pid" || rc=$?
    [[ $rc -eq 0 ]] || { echo "moq-relay exited $rc"; cat "$work/relay.err"; exit 1; }
    [[ -s "$work/relay.json" ]] || { echo "no relay stats"; exit 1; }
}

# check_relay_objects N [MIN_CACHE_HITS]: the stats of the relay stop_relay stopped count N objects
# received from publishers and N sent to subscribers (one subscriber: every object went through it once),
# and at least MIN_CACHE_HITS cache hits (default 0).
check_relay_objects() {
    python3 - "$work/relay.json" "$1" "${2:-0}" <<'PY'
import json, sys
s, n, hits = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert s["objects_in"] == n, f"moq-relay received {s['objects_in']} objects, expected {n}"
assert s["objects_out"] == n, f"moq-relay sent {s['objects_out']} objects, expected {n}"
assert s["cache_hits"] >= hits, f"moq-relay counted {s['cache_hits']} cache hits, expected at least {hits}"
print(f"moq-relay stats: {s['objects_in']} objects in, {s['objects_out']} out, {s['cache_hits']} cache hits")
PY
}

# start_chained_relay NAME UPSTREAM_PORT: another moq-relay with --upstream moqt://127.0.0.1:UPSTREAM_PORT and
# --stats $work/NAME.json; sets chained_pid and chained_port.
start_chained_relay() {
    "$bin/moq-relay" --listen 127.0.0.1:0 --upstream "moqt://127.0.0.1:$2" --stats "$work/$1.json" \
        >"$work/$1.out" 2>"$work/$1.err" &
    chained_pid=$!
    pids+=("$chained_pid")
    chained_port=""
    for _ in $(seq 1 100); do chained_port=$(awk '/READY/{print $2; exit}' "$work/$1.out" || true); [[ -n $chained_port ]] && break; sleep 0.1; done
    [[ -n $chained_port ]] || { echo "moq-relay $1 did not start"; cat "$work/$1.err"; exit 1; }
}

# stop_pid NAME PID: SIGTERM, expects exit 0 and $work/NAME.json.
stop_pid() {
    kill -TERM "$2"
    local rc=0
    wait "$2" || rc=$?
    [[ $rc -eq 0 ]] || { echo "moq-relay $1 exited $rc"; cat "$work/$1.err"; exit 1; }
    [[ -s "$work/$1.json" ]] || { echo "no stats from relay $1"; exit 1; }
}

# Checks subscribers 1..3 of a clip: each TS decodes to the source's frames and each report has all
# 120 objects, no gap and no duplicate. Label prefix for the printed lines as $2 (may be empty).
check_three_subs() {  # clip, label prefix
    local clip=$1 label=${2:+$2 } src i
    src=$(frames "$media/$clip")
    for i in 1 2 3; do
        if [[ "$(frames "$work/sub$i.ts")" != "$src" ]]; then echo "${label}sub $i: received frames differ from the source"; exit 1; fi
        python3 - "$work/sub$i.json" "${label}sub $i" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["gaps"] == [], f"gaps: {r['gaps']}"
assert r["objects"] == 120, f"objects: {r['objects']}"
assert r["duplicates"] == 0, f"duplicates: {r['duplicates']}"
print(f"{sys.argv[2]}: {r['objects']} objects, {r['groups']} groups, no gaps, latency p50 {r['latency_us']['p50']} us")
PY
    done
}
