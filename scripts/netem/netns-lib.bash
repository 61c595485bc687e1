# Network-namespace helpers for scripts/demo.sh, scripts/tests/netns-*.sh and scripts/bench/relay-*.sh
# (sourced; lives outside scripts/tests so it is not run as a test).
#
#   ns_new VAR ROLE        creates a namespace named "mq<pid><rand>-ROLE" (unique per run), brings lo up,
#                          stores its name in VAR; remembered for cleanup
#   ns_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN
#                          a veth pair created directly inside the two namespaces (no name ever exists in
#                          the root namespace, so concurrent runs cannot collide), addressed and up
#   ns_bg NS LOG CMD...    runs CMD in NS ("": the current one) in the background, stdout to LOG.out, stderr to LOG.err; sets
#                          bg_pid and remembers it for cleanup
#   ns_impair ARGS...      scripts/netem/impair.sh ARGS (output indented by $ns_impair_indent), remembered
#                          so cleanup clears it; never call it in a pipeline or a subshell (it would forget)
#   wait_pid PID S         waits for PID at most S seconds, then kills it (status 124)
#   ns_cleanup             kills every process started with ns_bg (TERM, then KILL), clears impairments,
#                          deletes the namespaces; installed by ns_trap for EXIT INT TERM
#
# Only traffic inside these namespaces is ever sent; nothing touches the root namespace's interfaces.
_ns_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
_ns_tag="mq$$$((RANDOM % 1000))"
_ns_list=()
_ns_pids=()
_ns_impairs=()

ns_require_root() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "FAIL: $(basename "$0") needs root (network namespaces, TC BPF); CI runs it as root" >&2
        exit 1
    fi
}

ns_new() {
    local name="$_ns_tag-$2"
    _ns_list+=("$name")
    ip netns add "$name"
    ip -n "$name" link set lo up
    printf -v "$1" '%s' "$name"
}

ns_link() {
    local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
    ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2"
    ip -n "$ns1" addr add "$a1" dev "$if1"
    ip -n "$ns2" addr add "$a2" dev "$if2"
    ip -n "$ns1" link set "$if1" up
    ip -n "$ns2" link set "$if2" up
}

ns_bg() {
    local ns=$1 log=$2
    shift 2
    if [[ -n $ns ]]; then
        ip netns exec "$ns" "$@" >"$log.out" 2>"$log.err" &
    else
        "$@" >"$log.out" 2>"$log.err" &
    fi
    bg_pid=$!
    _ns_pids+=("$bg_pid")
}

ns_impair() {
    _ns_impairs+=("$(printf '%q ' "$@")")
    "$_ns_root/scripts/netem/impair.sh" "$@" | sed "s/^/${ns_impair_indent:-}/"
    return "${PIPESTATUS[0]}"
}

ns_cleanup() {
    local p i ns args
    for p in "${_ns_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for i in $(seq 1 20); do
        local alive=0
        for p in "${_ns_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for p in "${_ns_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for args in "${_ns_impairs[@]}"; do
        # Clear by the same --dev/--netns/--ingress|--egress, whatever else was set.
        eval "set -- $args"
        local keep=()
        while (($#)); do
            case $1 in
                --dev|--netns) keep+=("$1" "$2"); shift 2 ;;
                --ingress|--egress) keep+=("$1"); shift ;;
                --loss|--rate|--burst|--port|--pref) shift 2 ;;
                *) shift ;;
            esac
        done
        "$_ns_root/scripts/netem/impair.sh" "${keep[@]}" --clear >/dev/null 2>&1 || true
    done
    for ns in "${_ns_list[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    # Anything impair.sh pinned for our namespaces and was not cleared above (the filters went with
    # the namespaces; the pins would keep the programs and maps loaded).
    rm -rf /sys/fs/bpf/moq-impair/"$_ns_tag"-* /run/moq-impair/"$_ns_tag"-* 2>/dev/null || true
    rmdir /sys/fs/bpf/moq-impair /run/moq-impair 2>/dev/null || true
    _ns_pids=() _ns_impairs=() _ns_list=()
}

ns_trap() {
    trap 'ns_cleanup' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# wait_pid PID SECONDS: waits for a background process; after SECONDS it is killed (TERM, then KILL)
# and the status is 124, like timeout(1).
wait_pid() {
    local pid=$1 limit=$2 i
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 124
    fi
    wait "$pid"
}
