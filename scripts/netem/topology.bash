# The demo's network: publisher, relay(s) and subscribers, each in its own namespace, joined by veth
# pairs (sourced by scripts/demo.sh, scripts/tests/netns-*.sh and scripts/bench/relay-*.sh).
#
#   pub ns  eth0 10.0.1.2 ---- pub0 10.0.1.1  relay ns (relay A)
#                                       down0 10.0.2.1 ---- up0 10.0.2.2  relayb ns (--chain only)
#   subK ns eth0 10.S.K.2 ---- subK 10.S.K.1  edge relay ns (relay A, or relay B with --chain)
#
# The relay has one veth per peer, so the fast path can attach TC programs to the interface facing the
# publisher (pub0, or up0 on relay B) and to each interface facing a subscriber (subK). Subscriber K
# lives in 10.S.K.0/24 with S = 1 + (K-1)/250 (K up to 250 per /16). IPv4 forwarding is on in the
# relay namespaces (bpf_fib_lookup needs it). With topo_loopback=1 nothing is created: every process
# runs in the current namespace on 127.0.0.1 (no root needed).
#
# Needs: bin (directory of moq-pub, moq-relay, moq-sub), out (directory for logs and outputs).
#   topo_build SUBS CHAIN(0|1)   sets ns_pub, ns_relay, ns_relay_b, ns_edge, sub_ns[K], sub_relay[K]
#   start_relay NAME NS ARGS...  moq-relay --listen ... ARGS (logs out/NAME.out|err); waits for READY;
#                                sets started_pid, started_port; returns 1 with its stderr if it exited
#   start_pub NS URL ARGS...     moq-pub --relay URL --insecure ARGS; waits for "announced"; sets pub_pid
#   start_sub K URL ARGS...      timeout moq-sub --relay URL --insecure --out out/subK.ts
#                                --report out/subK.json ARGS in subscriber K's namespace; sets sub_pid[K]
#   stop_relay PID NAME          SIGTERM, waits (15 s at most, then kills: 124), returns its exit status
#   frames FILE                  the video frames' md5s (ffmpeg framemd5), one a line
#   count_frames FILE            the number of video packets ffprobe reads (0 if unreadable)
source "$(dirname "${BASH_SOURCE[0]}")/netns-lib.bash"

topo_loopback=${topo_loopback:-0}
topo_port=4443
sub_ns=()
sub_relay=()
sub_pid=()
sub_timeout=${sub_timeout:-90}

sub_net() { echo "10.$((1 + ($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"; }

topo_build() {
    local subs=$1 chain=$2 k
    ns_pub="" ns_relay="" ns_relay_b="" ns_edge=""
    if ((topo_loopback)); then
        for ((k = 1; k <= subs; k++)); do sub_ns[k]=""; sub_relay[k]=127.0.0.1; done
        return 0
    fi
    ns_new ns_pub pub
    ns_new ns_relay relay
    ns_link "$ns_pub" eth0 10.0.1.2/24 "$ns_relay" pub0 10.0.1.1/24
    ip netns exec "$ns_relay" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    ns_edge=$ns_relay
    if ((chain)); then
        ns_new ns_relay_b relayb
        ns_link "$ns_relay" down0 10.0.2.1/24 "$ns_relay_b" up0 10.0.2.2/24
        ip netns exec "$ns_relay_b" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
        ns_edge=$ns_relay_b
    fi
    for ((k = 1; k <= subs; k++)); do
        local net
        net=$(sub_net "$k")
        ns_new "sub_ns[$k]" "sub$k"
        ns_link "$ns_edge" "sub$k" "$net.1/24" "${sub_ns[k]}" eth0 "$net.2/24"
        sub_relay[k]=$net.1
    done
}

start_relay() {
    local name=$1 ns=$2
    shift 2
    local listen=0.0.0.0:$topo_port
    ((topo_loopback)) && listen=127.0.0.1:0
    ns_bg "$ns" "$out/$name" "$bin/moq-relay" --listen "$listen" "$@"
    local pid=$bg_pid port=""
    for _ in $(seq 1 150); do
        port=$(awk '/READY/{print $2; exit}' "$out/$name.out" 2>/dev/null || true)
        [[ -n $port ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $port ]]; then
        local rc=0
        if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || rc=$?
        echo "moq-relay ($name) did not start (exit status $rc):" >&2
        tail -n 20 "$out/$name.err" | sed 's/^/    /' >&2
        return 1
    fi
    started_pid=$pid
    started_port=$port
}

start_pub() {
    local ns=$1 url=$2
    shift 2
    ns_bg "$ns" "$out/pub" "$bin/moq-pub" --relay "$url" --insecure "$@"
    pub_pid=$bg_pid
    for _ in $(seq 1 150); do
        grep -q "announced" "$out/pub.err" 2>/dev/null && return 0
        kill -0 "$pub_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "moq-pub did not announce:" >&2
    tail -n 20 "$out/pub.err" | sed 's/^/    /' >&2
    return 1
}

start_sub() {
    local k=$1 url=$2
    shift 2
    ns_bg "${sub_ns[k]}" "$out/sub$k" timeout "$sub_timeout" "$bin/moq-sub" --relay "$url" --insecure \
        --out "$out/sub$k.ts" --report "$out/sub$k.json" "$@"
    sub_pid[k]=$bg_pid
}

stop_relay() {
    local pid=$1 name=$2 rc=0
    kill -TERM "$pid" 2>/dev/null || true
    wait_pid "$pid" 15 || rc=$?
    if ((rc != 0)); then
        echo "moq-relay ($name) exited with status $rc:" >&2
        tail -n 20 "$out/$name.err" | sed 's/^/    /' >&2
    fi
    return "$rc"
}

frames() { ffmpeg -v error -nostdin -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
# count_frames FILE: video packets ffprobe reads (0 when it cannot read the file).
count_frames() {
    local n
    n=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null | grep -m1 -E '^[0-9]+$' || true)
    echo "${n:-0}"
}
