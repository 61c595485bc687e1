#!/usr/bin/env bash
# scripts/netem/impair.sh (bpf/impair.bpf.c) between two namespaces, with python3 UDP sockets:
#   - --loss 20 at the receiver's ingress: ~20% of 4000 datagrams lost (within 4 standard deviations),
#     and the counters agree exactly with what the receiver got;
#   - --udp --port filter: traffic to another port is untouched;
#   - --rate 2M --burst 6000 at the sender's egress, offered 8 Mbit/s: the receiver's rate is the cap
#     (within 12%); offered 1 Mbit/s: nothing is policed;
#   - --clear: nothing is pinned or attached afterwards, and loss stops.
# Each check prints PASS/FAIL; exits non-zero on any FAIL.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/netem/netns-lib.bash
ns_require_root
ns_trap
probe=scripts/netem/udp-probe.py
impair=scripts/netem/impair.sh
work=$(mktemp -d /tmp/netns-impair.XXXXXX)
trap 'ns_cleanup; rm -rf "$work"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

ns_new A snd
ns_new B rcv
ns_link "$A" a0 10.77.0.1/24 "$B" b0 10.77.0.2/24

# run_flow PORT COUNT SIZE PPS: one receiver in B, one sender in A; sets rx_* and tx_*.
run_flow() {
    local port=$1 count=$2 size=$3 pps=$4
    rm -f "$work/ready"
    ns_bg "$B" "$work/rx" python3 "$probe" recv 10.77.0.2 "$port" --idle 1 --ready "$work/ready"
    local rx=$bg_pid
    for _ in $(seq 1 50); do [[ -e $work/ready ]] && break; sleep 0.1; done
    ip netns exec "$A" python3 "$probe" send 10.77.0.2 "$port" --count "$count" --size "$size" --pps "$pps" >"$work/tx.out"
    wait "$rx"
    read -r rx_packets rx_bytes rx_seconds < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["packets"], d["bytes"], d["seconds"])' "$work/rx.out")
    read -r tx_packets tx_seconds < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["packets"], d["seconds"])' "$work/tx.out")
}
counter() { "$impair" "$@" --stats --json; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# 0. Baseline: without impairment nothing is lost on this path.
run_flow 5000 2000 200 20000
if [[ $rx_packets -eq 2000 ]]; then pass "baseline: 2000/2000 datagrams"; else fail "baseline lost datagrams without impairment: $rx_packets/2000"; fi

# 1. Random loss at the receiver's ingress, UDP port 5000 only.
ns_impair --dev b0 --netns "$B" --ingress --loss 20 --udp --port 5000
n=4000
run_flow 5000 $n 200 20000
c=$(counter --dev b0 --netns "$B" --ingress)
lost=$(field "$c" lost) passed=$(field "$c" passed)
python3 - "$n" "$rx_packets" "$lost" "$passed" <<'PY' && pass "loss 20%: $lost of $n lost, receiver got $rx_packets" || fail "loss 20%"
import math, sys
n, rx, lost, passed = map(int, sys.argv[1:])
sd = math.sqrt(n * 0.2 * 0.8)
assert abs((n - rx) - 0.2 * n) <= 4 * sd, f"lost {n - rx} of {n}, expected {0.2 * n:.0f} +- {4 * sd:.0f}"
assert lost + passed == n, f"counters lost {lost} + passed {passed} != {n} sent"
assert passed == rx, f"program passed {passed} but the receiver got {rx}"
PY
run_flow 5001 1000 200 20000
c=$(counter --dev b0 --netns "$B" --ingress)
if [[ $rx_packets -eq 1000 && $(field "$c" unmatched) -ge 1000 ]]; then
    pass "port filter: port 5001 untouched (1000/1000, $(field "$c" unmatched) untouched by the program)"
else
    fail "port filter: port 5001 got $rx_packets/1000; counters $c"
fi
"$impair" --dev b0 --netns "$B" --ingress --clear | sed 's/^/  /'

# 2. Rate cap at the sender's egress: 2 Mbit/s = 250 000 B/s of L2 frames (1000 B payload = 1042 B frame).
ns_impair --dev a0 --netns "$A" --egress --rate 2M --burst 6000
run_flow 5000 3000 1000 1000   # 8 Mbit/s offered for 3 s
c=$(counter --dev a0 --netns "$A" --egress)
python3 - "$rx_packets" "$tx_seconds" "$(field "$c" policed)" <<'PY' && pass "rate cap 2 Mbit/s holds: $rx_packets of 3000 frames in $(printf %.1f "$tx_seconds") s" || fail "rate cap 2 Mbit/s"
import sys
rx, secs, policed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
rate = (rx * 1042 - 6000) / secs   # the bucket starts full: subtract the burst
assert abs(rate - 250000) <= 0.12 * 250000, f"delivered {rate:.0f} B/s of L2 frames, cap 250000"
assert policed == 3000 - rx, f"policed {policed} but {3000 - rx} missing"
print(f"  delivered {rate * 8 / 1e6:.2f} Mbit/s of L2 frames (cap 2.00), policed {policed}")
PY
before=$(field "$(counter --dev a0 --netns "$A" --egress)" policed)
run_flow 5000 480 1000 120     # 1 Mbit/s offered for 4 s, under the cap
after=$(field "$(counter --dev a0 --netns "$A" --egress)" policed)
if [[ $rx_packets -eq 480 && $after -eq $before ]]; then pass "under the cap: 480/480, nothing policed"; else fail "under the cap: got $rx_packets/480, policed $((after - before))"; fi

# 3. --clear detaches and unpins.
"$impair" --dev a0 --netns "$A" --egress --clear | sed 's/^/  /'
id="$A-a0-egress"
if [[ -e /sys/fs/bpf/moq-impair/$id || -n $(ip netns exec "$A" tc filter show dev a0 egress) ]]; then
    fail "--clear left a pin or a filter"
else
    run_flow 5000 2000 1000 5000
    if [[ $rx_packets -eq 2000 ]]; then pass "--clear: unpinned, detached, 2000/2000 at full speed"; else fail "after --clear: $rx_packets/2000"; fi
fi

if ((fails)); then echo "netns-impair: $fails check(s) failed"; exit 1; fi
echo "netns-impair: all checks passed"
