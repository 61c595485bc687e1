# Shared by scripts/tests/fastpath-*.sh (sourced; not a test itself: run-tests.sh runs only *.sh).
# A minimal namespace topology for the fast path: publisher P, relay R, subscribers S1..Sn, one veth
# pair per peer (R: pub0 10.77.0.1 <-> P: eth0 10.77.0.2; R: subK 10.77.K.1 <-> SK: eth0 10.77.K.2).
# Unique namespace names per run; everything started and created is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -ne 0 ]]; then
    echo "FAIL: $(basename "$0") needs root (network namespaces, CAP_BPF, CAP_NET_ADMIN); CI runs it as root" >&2
    exit 1
fi
bin=${FASTPATH_BIN:-$(swift build --show-bin-path)}
# RELAY_BIN: another moq-relay executable to run instead of $bin's (scripts/bench/relay-ab.sh).
[[ -f bpf/fastpath.bpf.o && bpf/fastpath.bpf.o -nt bpf/fastpath.bpf.c ]] || make -s bpf >/dev/null
work=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
fp_tag="fp$$$((RANDOM % 100))"
fp_ns=()
fp_pids=()
fp_cleanup() {
    local p
    for p in "${fp_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${fp_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for n in "${fp_ns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap fp_cleanup EXIT

ns_r=$fp_tag-r
ns_p=$fp_tag-p
# fp_topology N: R, P and N subscriber namespaces.
fp_topology() {
    local n=$1 k
    for ns in "$ns_r" "$ns_p"; do ip netns add "$ns"; fp_ns+=("$ns"); ip -n "$ns" link set lo up; done
    ip -n "$ns_r" link add pub0 type veth peer name eth0 netns "$ns_p"
    ip -n "$ns_r" addr add 10.77.0.1/24 dev pub0; ip -n "$ns_p" addr add 10.77.0.2/24 dev eth0
    ip -n "$ns_r" link set pub0 up; ip -n "$ns_p" link set eth0 up
    ip netns exec "$ns_r" sysctl -qw net.ipv4.ip_forward=1
    for ((k = 1; k <= n; k++)); do
        local s=$fp_tag-s$k
        ip netns add "$s"; fp_ns+=("$s"); ip -n "$s" link set lo up
        ip -n "$ns_r" link add "sub$k" type veth peer name eth0 netns "$s"
        ip -n "$ns_r" addr add "10.77.$k.1/24" dev "sub$k"; ip -n "$s" addr add "10.77.$k.2/24" dev eth0
        ip -n "$ns_r" link set "sub$k" up; ip -n "$s" link set eth0 up
        ip -n "$s" route add default via "10.77.$k.1"
    done
    ip -n "$ns_p" route add default via 10.77.0.1
}

# fp_bg NS NAME CMD...: CMD in NS in the background (NAME.out/.err in $work); sets bg_pid.
fp_bg() {
    local ns=$1 name=$2
    shift 2
    ip netns exec "$ns" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    bg_pid=$!
    fp_pids+=("$bg_pid")
}

# fp_relay NAME ARGS...: moq-relay in R on 0.0.0.0:4443; waits for READY; sets relay_pid.
fp_relay() {
    local name=$1
    shift
    fp_bg "$ns_r" "$name" "${RELAY_BIN:-$bin/moq-relay}" --listen 0.0.0.0:4443 "$@"
    relay_pid=$bg_pid
    for _ in $(seq 1 100); do
        grep -q READY "$work/$name.out" 2>/dev/null && return 0
        kill -0 "$relay_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: moq-relay ($name) did not start"; cat "$work/$name.err"; exit 1
}

# fp_filters NS IF: the TC ingress filters' program names on IF in NS, one a line.
fp_filters() { ip netns exec "$1" tc filter show dev "$2" ingress 2>/dev/null | grep -o 'name [a-z_]*' | awk '{print $2}' || true; }

frames() { ffmpeg -v error -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
