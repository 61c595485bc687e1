# Shared helpers for the aiomoqt interop tests (sourced by scripts/tests/moq-interop-aiomoqt-*.sh).
# Sets: bin (our debug binaries), py (aiomoqt's venv python), media (4 s clip dir), work (unique temp dir),
# cert/key (self-signed P-256); registers every started process for the EXIT trap. Also defines
# scripts/interop/relay-lib.bash's functions (start_relay, stop_relay, start_pub, check_relay_objects, frames)
# for tests that put our moq-relay or moq-pub --relay between aiomoqt peers.
# MOQ_INTEROP_KEEP=1 keeps the temp dir (all logs) for diagnosis. AIOMOQT_DRAFT (default 18) is the draft
# aiomoqt's relay, pub_bench and sub_bench are pinned to (--draft).
set -euo pipefail
aiomoqt_draft=${AIOMOQT_DRAFT:-18}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=$(swift build --show-bin-path)
py=${BUILD_DIR:-.build}/venv-aiomoqt/bin/python
[[ -x $py ]] || { echo "aiomoqt venv missing ($py): run scripts/deps.sh"; exit 1; }
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null
work=$(mktemp -d "/tmp/${MOQ_INTEROP_NAME:-moq-interop}.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [[ ${MOQ_INTEROP_KEEP:-0} == 1 ]]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/priv.key" \
    -out "$work/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
cert=$work/cert.pem
key=$work/priv.key

# A free UDP port on loopback, chosen by the OS.
free_udp_port() {
    python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts aiomoqt's relay (raw QUIC, draft $aiomoqt_draft) on a free port; sets relay_port.
start_aiomoqt_relay() {
    relay_port=$(free_udp_port)
    "$py" -m aiomoqt.tools.moq_interop_relay --bind 127.0.0.1 --port "$relay_port" --cert "$cert" --key "$key" \
        --quic --draft "$aiomoqt_draft" --debug >"$work/relay.log" 2>&1 &
    pids+=($!)
    # Ready when its UDP socket is bound.
    for _ in $(seq 1 100); do
        if ss -Hlun "sport = :$relay_port" 2>/dev/null | grep -q .; then return 0; fi
        sleep 0.1
    done
    echo "aiomoqt relay did not start"; tail -n 20 "$work/relay.log"; exit 1
}

# Prints a log's tail under a header (diagnostics on failure).
show() { echo "--- $1"; tail -n "${2:-25}" "$1" || true; }

# Prints the tails of the publisher and relay logs present in $work (diagnostics on failure).
show_logs() {
    local f
    for f in pub.err pub_bench.out relay.err relay.log; do [[ -s $work/$f ]] && show "$work/$f" 40; done
    return 0
}

RELAY_LIB_FUNCTIONS_ONLY=1 source scripts/interop/relay-lib.bash

# start_pub_bench URL [pub_bench flags...]: aiomoqt's pub_bench publishing demo/video, 1000-byte objects
# with LOC timestamps at 30/s in groups of 30 for 4 s (later flags override), output in $work/pub_bench.out.
# Waits until it has published (by default a bare PUBLISH; --pub-ns: PUBLISH_NAMESPACE, then objects only
# once a SUBSCRIBE arrives); sets pub_bench_pid.
start_pub_bench() {
    local url=$1; shift
    : >"$work/pub_bench.out"  # a previous pub_bench's lines must not count
    "$py" -m aiomoqt.tools.pub_bench -k --draft "$aiomoqt_draft" -N demo -T video -s 1000 -r 30 -g 30 -t 4 --timestamps loc "$@" "$url" \
        >"$work/pub_bench.out" 2>&1 &
    pub_bench_pid=$!
    pids+=("$pub_bench_pid")
    for _ in $(seq 1 100); do grep -q "waiting for subscriber" "$work/pub_bench.out" && return 0; sleep 0.1; done
    echo "pub_bench did not publish"; show_logs; exit 1
}

# pub_bench_sent: the object count of pub_bench's final "Sent: N objects, G groups" line (once it exited).
# With -D it prints none; run it with -d as well, and its log's "datagram generation ended: N objects" counts.
pub_bench_sent() {
    local n
    n=$(sed -nE -e 's/^[[:space:]]*Sent:[[:space:]]+([0-9,]+) objects.*/\1/p' \
        -e 's/.*datagram generation ended: ([0-9,]+) objects.*/\1/p' "$work/pub_bench.out" | tr -d , | tail -n 1)
    [[ -n $n ]] || { echo "pub_bench printed no object total" >&2; show "$work/pub_bench.out" >&2; return 1; }
    echo "$n"
}

# start_sub_bench URL [sub_bench flags...]: aiomoqt's sub_bench in the background on namespace demo (at most
# 15 s; it ends at PUBLISH_DONE), output in $work/sub_bench.out; sets sub_bench_pid. With -T TRACK it
# subscribes to demo/TRACK by name (SUBSCRIBE); without, it discovers the track the draft-18 way
# (SUBSCRIBE_NAMESPACE, on NAMESPACE a SUBSCRIBE_TRACKS, then PUBLISH_OK to the PUBLISH it is offered).
start_sub_bench() {
    local url=$1; shift
    : >"$work/sub_bench.out"
    timeout 40 "$py" -m aiomoqt.tools.sub_bench -k --draft "$aiomoqt_draft" -N demo -t 15 -i 2 "$@" "$url" >"$work/sub_bench.out" 2>&1 &
    sub_bench_pid=$!
    pids+=("$sub_bench_pid")
}

# wait_sub_bench: waits for the sub_bench start_sub_bench started and prints its summary; ends the test if
# it failed (sub_bench also fails when it received nothing).
wait_sub_bench() {
    if ! wait "$sub_bench_pid"; then
        echo "sub_bench failed"; grep -v "^20..-..-.. " "$work/sub_bench.out" | tail -n 40; show_logs; exit 1
    fi
    sed -n '/results/,$p' "$work/sub_bench.out"
}

# run_sub_bench URL: sub_bench subscribed to demo/video by name, to its end (see start_sub_bench).
run_sub_bench() {
    start_sub_bench "$1" -T video
    wait_sub_bench
}

# check_sub_bench OBJECTS GROUPS LABEL: sub_bench's summary counts exactly OBJECTS objects in GROUPS
# groups, 0 lost, 0 out of order, and it read LOC timestamps. GROUPS "n/a": sub_bench got datagrams and
# reports no group count (it cannot see a group lost whole); the Object ID gaps it counts as lost remain.
check_sub_bench() {
    python3 - "$work/sub_bench.out" "$@" <<'PY'
import re, sys
text, objects_wanted, groups_wanted, label = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def field(name, na=False):
    m = re.search(rf"^\s*{name}:\s+([\d,]+|n/a)", text, re.M)
    assert m, f"sub_bench printed no '{name}:' line"
    if na and m.group(1) == "n/a":
        return "n/a"
    assert m.group(1) != "n/a", f"sub_bench printed '{name}: n/a'"
    return int(m.group(1).replace(",", ""))
objects, groups, lost, ooo = field("Objects"), field("Groups", na=True), field("Lost"), field("Out-of-order")
assert objects == objects_wanted, f"sub_bench counted {objects} objects, expected {objects_wanted}"
assert str(groups) == groups_wanted, f"sub_bench counted {groups} groups, expected {groups_wanted}"
assert lost == 0, f"lost: {lost}"
assert ooo == 0, f"out of order: {ooo}"
assert re.search(r"^\s*Timestamps:\s+loc", text, re.M), "sub_bench read no LOC timestamps"
p50 = re.search(r"p50=([\d.]+)", text)
print(f"{label}: {objects} objects, {groups} groups, 0 lost, 0 out of order, latency p50 {p50.group(1) if p50 else '?'} ms")
PY
}
