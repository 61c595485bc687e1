#!/usr/bin/env bash
# Impairs one interface hook with bpf/impair.bpf.o (TC, clsact): random loss and a token-bucket rate
# cap. This kernel has no netem and no fq qdisc, so the rate cap is a POLICER (over-rate packets are
# dropped), not a shaper (nothing can delay packets without a queue).
#
#   scripts/netem/impair.sh --dev IF [--netns NS] [--ingress|--egress] [--loss PCT] [--rate BITS]
#                           [--burst BYTES] [--udp] [--port N] [--pref N]
#   scripts/netem/impair.sh --dev IF [--netns NS] [--ingress|--egress] --stats [--json]
#   scripts/netem/impair.sh --dev IF [--netns NS] [--ingress|--egress] --clear
#
#   --ingress (default) / --egress   which TC hook of IF
#   --loss PCT      drop this percentage of matching packets at random (0-100, decimals allowed)
#   --rate BITS     cap matching traffic at BITS bit/s (suffixes k, M, G: 4M = 4 000 000); counted on
#                   the L2 frame length; 0 = no cap
#   --burst BYTES   bucket depth (default: 100 ms of the rate, at least 16384 bytes: a video keyframe)
#   --udp           impair UDP only;  --port N: only UDP packets with source or destination port N
#   --pref N        TC filter preference (default 10); a pass returns TC_ACT_UNSPEC, so filters with a
#                   higher preference number on the same hook still run
#   --stats         print the counters;  --json: as one JSON object
#   --clear         print the final counters, detach, remove the clsact qdisc if this tool created it
#                   and unpin everything (works after the namespace is gone, too)
#
# Calling it again on an attached hook only changes the parameters (the bucket restarts full).
# Pinned program and maps: /sys/fs/bpf/moq-impair/<netns>-<dev>-<hook>/; state: /run/moq-impair/.
# Needs root, tc and bpftool (scripts/deps.sh). The object is bpf/impair.bpf.o (`make bpf`); it is
# compiled here with the Makefile's command when missing or older than its source.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

dev="" netns="" hook=ingress loss="" rate="" burst="" udp=0 port=0 pref=10 action=set json=0
usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "impair.sh: $*" >&2; exit 1; }
while (($#)); do
    case $1 in
        --dev) dev=${2:?--dev needs a value}; shift 2 ;;
        --netns) netns=${2:?--netns needs a value}; shift 2 ;;
        --ingress) hook=ingress; shift ;;
        --egress) hook=egress; shift ;;
        --loss) loss=${2:?--loss needs a value}; shift 2 ;;
        --rate) rate=${2:?--rate needs a value}; shift 2 ;;
        --burst) burst=${2:?--burst needs a value}; shift 2 ;;
        --udp) udp=1; shift ;;
        --port) port=${2:?--port needs a value}; shift 2 ;;
        --pref) pref=${2:?--pref needs a value}; shift 2 ;;
        --stats) action=stats; shift ;;
        --json) json=1; shift ;;
        --clear) action=clear; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "impair.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ -n $dev ]] || { echo "impair.sh: --dev is required (see --help)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || die "needs root (CAP_BPF, CAP_NET_ADMIN)"
for tool in tc bpftool nsenter python3; do command -v "$tool" >/dev/null || die "$tool not found (run 'make deps')"; done

id=$(printf '%s-%s-%s' "${netns:-init}" "$dev" "$hook" | tr -c 'A-Za-z0-9_.\n-' '_')
pin=/sys/fs/bpf/moq-impair/$id
state=/run/moq-impair/$id

# Runs a command in the namespace's network stack only (nsenter keeps our mounts, so /sys/fs/bpf is the
# bpffs where the program is pinned; `ip netns exec` / `tc -n` would remount /sys and lose it).
in_ns() {
    if [[ -n $netns ]]; then nsenter --net="/run/netns/$netns" "$@"; else "$@"; fi
}

counters() { # counters [json|text]: reads the pinned counter map
    [[ -e $pin/maps/impair_counters ]] || die "nothing attached on $hook of $dev${netns:+ in $netns}"
    bpftool -j map lookup pinned "$pin/maps/impair_counters" key 0 0 0 0 | python3 -c '
import json, struct, sys
v = json.load(sys.stdin)["value"]
names = ["seen", "unmatched", "passed", "passed_bytes", "lost", "lost_bytes", "policed", "policed_bytes"]
c = dict(zip(names, struct.unpack("<8Q", bytes(int(b, 16) for b in v))))
if sys.argv[1] == "json":
    print(json.dumps(c))
else:
    print("impair %s: seen %d, passed %d (%d B), lost %d (%d B), policed %d (%d B), untouched %d" % (
        sys.argv[2], c["seen"], c["passed"], c["passed_bytes"], c["lost"], c["lost_bytes"],
        c["policed"], c["policed_bytes"], c["unmatched"]))
' "$1" "$id"
}

detach() {
    if [[ -z $netns || -e /run/netns/$netns ]]; then
        local p=$pref
        [[ -f $state/pref ]] && p=$(<"$state/pref")
        in_ns tc filter del dev "$dev" "$hook" pref "$p" 2>/dev/null || true
        if [[ -f $state/qdisc-created ]]; then in_ns tc qdisc del dev "$dev" clsact 2>/dev/null || true; fi
    fi
    rm -rf "$pin" "$state"
    rmdir /sys/fs/bpf/moq-impair /run/moq-impair 2>/dev/null || true
}

case $action in
    stats)
        if ((json)); then counters json; else counters text; fi
        exit 0 ;;
    clear)
        if [[ -e $pin/maps/impair_counters ]]; then counters text || true; fi
        detach
        exit 0 ;;
esac

# --- set: parse parameters ---------------------------------------------------------------------
params=$(python3 - "${loss:-0}" "${rate:-0}" "${burst:-}" "$udp" "$port" <<'PY'
import re, struct, sys, time
loss_s, rate_s, burst_s, udp, port = sys.argv[1:]
def bad(msg):
    print(f"ERR {msg}"); sys.exit(0)
try:
    loss = float(loss_s)
except ValueError:
    bad(f"--loss {loss_s}: not a number")
if not 0 <= loss <= 100: bad(f"--loss {loss_s}: not in 0..100")
m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]?)(?:bit|bps|b)?", rate_s)
if not m: bad(f"--rate {rate_s}: expected bits/s, e.g. 800k, 4M")
bits = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2).lower()]
rate_bytes = int(bits / 8)
if bits and rate_bytes == 0: bad(f"--rate {rate_s}: below 8 bit/s")
if burst_s:
    if not burst_s.isdigit() or int(burst_s) == 0: bad(f"--burst {burst_s}: expected a positive byte count")
    burst = int(burst_s)
else:
    burst = max(rate_bytes // 10, 16384)
if not port.isdigit() or int(port) > 65535: bad(f"--port {port}: not a UDP port")
threshold = min(round(loss / 100 * 2**32), 2**32 - 1)
generation = int(time.monotonic_ns()) & 0xffffffff
value = struct.pack("<IIQQHHI", threshold, 1 if udp == "1" else 0, rate_bytes, burst, int(port), 0, generation)
print(" ".join(f"{b:02x}" for b in value))
print(f"loss {loss:g}%, rate " + (f"{bits:g} bit/s ({rate_bytes} B/s), burst {burst} B" if rate_bytes else "uncapped")
      + (", UDP only" if udp == "1" else "") + (f", port {port}" if port != "0" else ""))
PY
)
[[ $params != ERR* ]] || { echo "impair.sh: ${params#ERR }" >&2; exit 2; }
cfg_hex=$(sed -n 1p <<<"$params")
summary=$(sed -n 2p <<<"$params")
[[ -z $netns || -e /run/netns/$netns ]] || die "no network namespace $netns"
in_ns ip link show dev "$dev" >/dev/null 2>&1 || die "no interface $dev${netns:+ in $netns}"

if [[ ! -e $pin/prog ]]; then
    obj=$root/bpf/impair.bpf.o
    if [[ ! -s $obj || $root/bpf/impair.bpf.c -nt $obj ]]; then
        clang=${CLANG:-$(command -v clang || true)}
        [[ -n $clang ]] || die "bpf/impair.bpf.o missing and no clang to build it (make bpf)"
        obj=$(mktemp -d)/impair.bpf.o
        "$clang" -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" -I"$root/bpf" \
            -c "$root/bpf/impair.bpf.c" -o "$obj"
    fi
    # The pins live on the bpffs at /sys/fs/bpf; a fresh boot may not have it mounted yet.
    if ! mountpoint -q /sys/fs/bpf; then
        mount -t bpf bpf /sys/fs/bpf || die "/sys/fs/bpf is not a bpffs and cannot be mounted (mount -t bpf bpf /sys/fs/bpf)"
    fi
    mkdir -p "$pin" "$state"
    if ! log=$(bpftool prog load "$obj" "$pin/prog" type classifier pinmaps "$pin/maps" 2>&1); then
        grep -v '^;' <<<"$log" | tail -n 30 >&2
        rm -rf "$pin" "$state"
        die "loading $obj failed"
    fi
    bpftool map update pinned "$pin/maps/impair_cfg" key 0 0 0 0 value hex $cfg_hex
    if ! in_ns tc qdisc show dev "$dev" | grep -q clsact; then
        in_ns tc qdisc add dev "$dev" clsact
        : >"$state/qdisc-created"
    fi
    echo "$pref" >"$state/pref"
    if ! in_ns tc filter add dev "$dev" "$hook" pref "$pref" bpf direct-action object-pinned "$pin/prog"; then
        detach
        die "attaching to $hook of $dev failed"
    fi
    echo "impair $id: attached; $summary"
else
    bpftool map update pinned "$pin/maps/impair_cfg" key 0 0 0 0 value hex $cfg_hex
    echo "impair $id: updated; $summary"
fi
