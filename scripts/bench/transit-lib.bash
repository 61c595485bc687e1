# The relay transit-delay probe (bpf/transit.bpf.c): attach, read, detach (sourced by
# scripts/bench/relay-fanout.sh and scripts/tests/transit-probe.sh; docs/BENCHMARKS.md).
#
#   transit_attach [--index NS2 DEV] NS IN_IF OUT_IF...
#                                      loads the object once (pinned under /sys/fs/bpf/moq-transit/),
#                                      attaches transit_ingress to TC ingress of IN_IF (the interface
#                                      facing the publisher) and transit_egress to TC egress of each OUT_IF
#                                      (facing subscribers), in namespace NS ("": the current one), at
#                                      tc pref 1 so they run before the relay's fast path (pref 0x4d51);
#                                      with --index, transit_index to TC egress of the publisher's own
#                                      interface DEV in NS2 (needed to match packets the user-space relay
#                                      cuts differently; see bpf/transit.bpf.c); sets transit_pin;
#                                      returns 1 with the reason on stderr
#   transit_read FILE                  the summary JSON (scripts/bench/transit.py read) into FILE
#   transit_detach                     removes the filters (if the namespace is still there), the clsact
#                                      qdiscs it created and the pins
#   transit_cleanup                    transit_detach for everything this shell attached (for traps)
# Needs root, tc, bpftool, nsenter, python3; clang if bpf/transit.bpf.o is missing or stale.
_transit_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
_transit_base=/sys/fs/bpf/moq-transit
_transit_tag="t$$-$((RANDOM % 10000))"
_transit_seq=0
_transit_attached=()  # "pin|ns|hook dev|created(0|1)" per filter
transit_pin=""

# Only the network stack of the namespace: nsenter keeps our mounts (so the bpffs where the programs
# are pinned stays visible; `ip netns exec` and `tc -n` remount /sys).
_transit_in_ns() {
    local ns=$1
    shift
    if [[ -n $ns ]]; then nsenter --net="/run/netns/$ns" "$@"; else "$@"; fi
}

_transit_object() {
    local obj=$_transit_root/bpf/transit.bpf.o src=$_transit_root/bpf/transit.bpf.c
    if [[ -n ${TRANSIT_BPF_OBJECT:-} ]]; then echo "$TRANSIT_BPF_OBJECT"; return 0; fi
    if [[ ! -s $obj || $src -nt $obj ]]; then
        local clang=${CLANG:-$(command -v clang || true)} dir
        [[ -n $clang ]] || { echo "transit: bpf/transit.bpf.o missing and no clang to build it (make bpf)" >&2; return 1; }
        dir=$(mktemp -d /tmp/transit-obj.XXXXXX)
        "$clang" -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" -I"$_transit_root/bpf" \
            -c "$src" -o "$dir/transit.bpf.o" >&2 || return 1
        obj=$dir/transit.bpf.o
    fi
    echo "$obj"
}

transit_attach() {
    local index_ns="" index_dev=""
    if [[ ${1:-} == --index ]]; then index_ns=$2 index_dev=$3; shift 3; fi
    local ns=$1 in_if=$2 obj log dev created spec t hns
    shift 2
    for t in tc bpftool nsenter python3; do
        command -v "$t" >/dev/null || { echo "transit: $t not found (scripts/deps.sh)" >&2; return 1; }
    done
    obj=$(_transit_object) || return 1
    [[ $(stat -f -c %T /sys/fs/bpf 2>/dev/null) == bpf_fs ]] || mount -t bpf bpf /sys/fs/bpf || {
        echo "transit: cannot mount the BPF file system on /sys/fs/bpf" >&2; return 1; }
    _transit_seq=$((_transit_seq + 1))
    transit_pin=$_transit_base/$_transit_tag-$_transit_seq
    mkdir -p "$transit_pin"
    if ! log=$(bpftool prog loadall "$obj" "$transit_pin/progs" pinmaps "$transit_pin/maps" 2>&1); then
        grep -v '^;' <<<"$log" | tail -n 20 >&2
        rm -rf "$transit_pin"
        echo "transit: loading $obj failed" >&2
        return 1
    fi
    # "namespace hook dev program"; "-" is the current namespace.
    local specs=("${ns:--} ingress $in_if ingress") d
    for d in "$@"; do specs+=("${ns:--} egress $d egress"); done
    [[ -n $index_dev ]] && specs+=("${index_ns:--} egress $index_dev index")
    for spec in "${specs[@]}"; do
        local hook prog
        read -r hns hook dev prog <<<"$spec"
        [[ $hns == - ]] && hns=""
        created=0
        if ! _transit_in_ns "$hns" tc qdisc show dev "$dev" 2>/dev/null | grep -q clsact; then
            _transit_in_ns "$hns" tc qdisc add dev "$dev" clsact || { echo "transit: clsact on $dev failed" >&2; return 1; }
            created=1
        fi
        _transit_attached+=("$transit_pin|$hns|$hook $dev|$created")
        if ! _transit_in_ns "$hns" tc filter add dev "$dev" "$hook" pref 1 handle 1 bpf direct-action \
            object-pinned "$transit_pin/progs/transit_$prog"; then
            echo "transit: attaching transit_$prog to $hook of $dev failed" >&2
            return 1
        fi
    done
}

transit_read() {
    [[ -n $transit_pin && -d $transit_pin ]] || { echo "transit: nothing attached" >&2; return 1; }
    python3 "$_transit_root/scripts/bench/transit.py" read "$transit_pin" >"$1"
}

# _transit_detach_pin PIN: removes the filters and qdiscs attached with PIN, then PIN.
_transit_detach_pin() {
    local pin=$1 e rest=()
    for e in "${_transit_attached[@]}"; do
        local p ns hd created
        IFS='|' read -r p ns hd created <<<"$e"
        if [[ $p != "$pin" ]]; then rest+=("$e"); continue; fi
        [[ -z $ns || -e /run/netns/$ns ]] || continue
        local hook=${hd%% *} dev=${hd#* }
        _transit_in_ns "$ns" tc filter del dev "$dev" "$hook" pref 1 2>/dev/null || true
        ((created)) && _transit_in_ns "$ns" tc qdisc del dev "$dev" clsact 2>/dev/null || true
    done
    _transit_attached=("${rest[@]}")
    rm -rf "$pin"
    rmdir "$_transit_base" 2>/dev/null || true
}

transit_detach() {
    [[ -n $transit_pin ]] && _transit_detach_pin "$transit_pin"
    transit_pin=""
}

transit_cleanup() {
    local e pins=()
    for e in "${_transit_attached[@]}"; do pins+=("${e%%|*}"); done
    for e in $(printf '%s\n' "${pins[@]}" | sort -u); do _transit_detach_pin "$e"; done
    rm -rf "$_transit_base/$_transit_tag"-* 2>/dev/null || true
    rmdir "$_transit_base" 2>/dev/null || true
    transit_pin=""
}
