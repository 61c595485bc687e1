#!/usr/bin/env bash
# With --ebpf, a subscriber that left is no longer forwarded to by the kernel (issue #18), in network
# namespaces: moq-pub --loop -> moq-relay --ebpf --idle-timeout 2 -> three cleartext subscribers.
#  - sub1 sends UNSUBSCRIBE for every track after 5 s and keeps its session open (moq-sub's test
#    option --unsubscribe-after): its fast-path slot stays (the connection is alive) but no fp_tracks
#    entry names it any more, the kernel's forwarded_packets for its slot (fp_shared) stop growing,
#    and the bytes reaching its address drop from the media rate to keep-alives (< 16 KB in 4 s).
#  - sub2 is SIGKILLed at 5 s: once the relay closed it (idle timeout, logged), its slot is inactive,
#    no fp_tracks entry names it, its forwarded_packets stop, and no packet reaches its address.
#  - sub3 keeps its subscriptions: forwarded to by the kernel throughout, its report gap-free.
# (moq-sub subscribes to the catalog track and the video track: sub1 leaves both.)
# Before the departures the kernel must have forwarded to sub1 and sub2 (else the test proves
# nothing). The maps are read with bpftool from the relay's pins (the relay runs under nsenter --net,
# so its bpffs pins are the host's). Needs root; fails loudly otherwise.
source "$(dirname "$0")/fastpath-lib.bash"
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || { echo "FAIL: cannot mount bpffs on /sys/fs/bpf"; exit 1; }
media=.build/test-media-16s
media/make-test-media.sh --duration 16 "$media" >/dev/null
fp_topology 3
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# in_bg NS NAME CMD...: CMD in NS's network stack only (nsenter --net: the host's mounts stay).
in_bg() {
    local ns=$1 name=$2
    shift 2
    nsenter --net="/run/netns/$ns" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    bg_pid=$!
    fp_pids+=("$bg_pid")
}
in_bg "$ns_r" relay "$bin/moq-relay" --listen 0.0.0.0:4443 --ebpf --idle-timeout 2 --stats "$work/relay.json"
relay_pid=$bg_pid
for _ in $(seq 1 100); do grep -q READY "$work/relay.out" 2>/dev/null && break; kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
grep -q READY "$work/relay.out" || { echo "FAIL: moq-relay --ebpf did not start"; cat "$work/relay.err"; exit 1; }
pin=/sys/fs/bpf/moq-fastrelay/$relay_pid
[[ -d $pin ]] || { echo "FAIL: no pins at $pin"; ls /sys/fs/bpf/moq-fastrelay 2>&1; exit 1; }
in_bg "$ns_p" pub "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --allow-cleartext --idle-timeout 2 --loop "$media/test.mp4"
for _ in $(seq 1 100); do grep -q announced "$work/pub.err" && break; sleep 0.1; done
grep -q announced "$work/pub.err" || { echo "FAIL: moq-pub did not announce"; cat "$work/pub.err"; exit 1; }
sub_common=(--insecure --allow-cleartext --idle-timeout 2)
in_bg "$fp_tag-s1" sub1 "$bin/moq-sub" --relay moqt://10.77.1.1:4443 "${sub_common[@]}" --unsubscribe-after 5 --duration 15 \
    --report "$work/sub1.json"
sub1=$bg_pid
in_bg "$fp_tag-s2" sub2 "$bin/moq-sub" --relay moqt://10.77.2.1:4443 "${sub_common[@]}" --report "$work/sub2.json"
sub2=$bg_pid
in_bg "$fp_tag-s3" sub3 "$bin/moq-sub" --relay moqt://10.77.3.1:4443 "${sub_common[@]}" --duration 22 --report "$work/sub3.json"
sub3=$bg_pid

# state ADDR|slot:N: "slot=N active=0|1 tracks=N forwarded=N" for the fast-path slot whose path
# leads to ADDR (slot=- when none does), or for slot N, from the pinned maps (BTF field names: robust to layout changes).
state() {
    python3 - "$pin" "$1" <<'PY'
import ipaddress, json, subprocess, sys
pin, which = sys.argv[1], sys.argv[2]
addr = None if which.startswith("slot:") else ipaddress.ip_address(which).packed
def dump(name):
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", f"{pin}/{name}"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bpftool map dump {name}: {out.stderr.strip()}")
    rows = json.loads(out.stdout)
    if rows and "formatted" not in rows[0]:
        sys.exit(f"{name}: no BTF-formatted values from bpftool")
    return [r["formatted"] for r in rows if "formatted" in r]
slot = None
for r in dump("fp_subscribers"):
    v = r["value"]
    if (addr is None and r["key"] == int(which[5:])) or \
       (addr is not None and bytes(v["path"]["dst_addr"][:len(addr)]) == addr and v["path"]["family"] != 0):
        slot = r["key"]
        active = v["active"]
if slot is None:
    print("slot=- active=0 tracks=0 forwarded=0")
    sys.exit(0)
tracks = 0
for r in dump("fp_tracks"):
    v = r["value"]
    tracks += sum(1 for s in v["subscribers"][:v["subscriber_count"]] if s["subscriber_id"] == slot)
shared = next(r["value"] for r in dump("fp_shared") if r["key"] == slot)
print(f"slot={slot} active={active} tracks={tracks} forwarded={shared['forwarded_packets']}")
PY
}
field() { sed -nE "s/.*$1=([^ ]*).*/\1/p" <<<"$2"; }
# rx K: bytes and packets received on subscriber K's interface.
rx() { ip -n "$fp_tag-s$1" -s -j link show eth0 | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]["rx"]; print(s["bytes"], s["packets"])'; }
# UDP datagrams that reached subscriber namespace $1 for a port nobody listens on (Udp NoPorts in its
# /proc/net/snmp): after its moq-sub died, every datagram sent to it. The link's packet counter also
# counts ARP (the relay's neighbour entry for it is probed once it goes stale), which is not media.
udp_noports() { ip netns exec "$fp_tag-s$1" awk '/^Udp:/ {n++; if (n == 2) print $3}' /proc/net/snmp; }

sleep 4
s1=$(state 10.77.1.2) s2=$(state 10.77.2.2) s3=$(state 10.77.3.2)
echo "  before: sub1 $s1; sub2 $s2; sub3 $s3"
for k in 1 2 3; do
    v=$(eval echo "\$s$k")
    if [[ $(field active "$v") == 1 && $(field tracks "$v") -ge 1 && $(field forwarded "$v") -gt 0 ]]; then
        pass "sub$k is on the fast path and the kernel forwards to it ($(field forwarded "$v") packets)"
    else
        fail "sub$k is not forwarded to by the kernel before the test: $v"; tail -n 20 "$work/relay.err"
    fi
done

# sub2 dies; sub1 unsubscribes (its own timer, 5 s after its session began).
kill -KILL "$sub2"
for _ in $(seq 1 50); do grep -q "unsubscribing" "$work/sub1.err" && break; sleep 0.1; done
grep -q "unsubscribing" "$work/sub1.err" || fail "sub1 never unsubscribed"
sleep 1
a=$(state 10.77.1.2); read -r b0 _ < <(rx 1)
sleep 4
b=$(state 10.77.1.2); read -r b1 _ < <(rx 1)
echo "  sub1 after UNSUBSCRIBE: $a, 4 s later $b; $((b1 - b0)) bytes reached it in those 4 s"
if [[ $(field active "$b") == 1 ]]; then pass "sub1's connection is still on the fast path (session open)"; else fail "sub1's slot is gone: $b"; fi
if [[ $(field tracks "$a") == 0 && $(field tracks "$b") == 0 ]]; then pass "no fp_tracks entry names sub1 after UNSUBSCRIBE"; else fail "fp_tracks still names sub1: $a / $b"; fi
if [[ $(field forwarded "$a") == "$(field forwarded "$b")" ]]; then
    pass "the kernel forwarded nothing to sub1 after UNSUBSCRIBE (forwarded_packets stays $(field forwarded "$b"))"
else
    fail "the kernel kept forwarding to sub1: $(field forwarded "$a") -> $(field forwarded "$b")"
fi
if ((b1 - b0 < 16384)); then pass "only keep-alives reach sub1's address: $((b1 - b0)) bytes in 4 s"; else fail "$((b1 - b0)) bytes reached sub1 in 4 s after UNSUBSCRIBE"; fi
s3b=$(state 10.77.3.2)
if (($(field forwarded "$s3b") > $(field forwarded "$s3"))); then pass "sub3 still forwarded to by the kernel ($(field forwarded "$s3") -> $(field forwarded "$s3b"))"; else fail "sub3 no longer forwarded to: $s3 -> $s3b"; fi

# sub2: the relay notices the death within its idle timeout.
for _ in $(seq 1 60); do grep -q "10.77.2.2:.*closed" "$work/relay.err" && break; sleep 0.1; done
if grep -q "10.77.2.2:.*closed" "$work/relay.err"; then pass "the relay closed the killed sub2: $(grep "10.77.2.2:.*closed" "$work/relay.err" | head -n 1 | cut -c1-140)"; else fail "the relay never closed sub2"; fi
sleep 1
slot2=$(field slot "$s2")
c=$(state "slot:$slot2"); read -r _ p0 < <(rx 2); u0=$(udp_noports 2)
sleep 3
d=$(state "slot:$slot2"); read -r _ p1 < <(rx 2); u1=$(udp_noports 2)
echo "  sub2 after its close: $c, 3 s later $d; $((u1 - u0)) UDP datagrams ($((p1 - p0)) link packets, ARP included) reached it"
if [[ $(field active "$d") == 0 && $(field tracks "$d") == 0 && $(field forwarded "$c") == "$(field forwarded "$d")" ]]; then
    pass "sub2's slot $slot2 is inactive, no fp_tracks entry names it, the kernel forwards nothing more to it"
else
    fail "sub2's slot $slot2 still in use: $c / $d"
fi
if ((u1 - u0 == 0)); then pass "no UDP datagram reached the killed sub2's address after its close"; else fail "$((u1 - u0)) UDP datagrams reached sub2 after its close"; fi

rc=0; wait "$sub1" || rc=$?
((rc == 0)) && pass "moq-sub 1 ran to its --duration with its session open (exit 0)" || { fail "moq-sub 1 exited $rc"; tail -n 5 "$work/sub1.err"; }
rc=0; wait "$sub3" || rc=$?
((rc == 0)) && pass "moq-sub 3 exited 0" || { fail "moq-sub 3 exited $rc"; tail -n 5 "$work/sub3.err"; }
if python3 - "$work/sub3.json" <<'PY'; then pass "sub3: no gap but 'skipped at join', >= 20 objects/s"; else fail "sub3's report"; fi
import json, sys
r = json.load(open(sys.argv[1]))
bad = [g for g in r["gaps"] if g["reason"] != "skipped at join"]
print(f"  sub3: {r['objects']} objects, gaps {r['gaps'][:3]}")
sys.exit(1 if bad or r["duplicates"] or r["objects"] < 20 * 21 else 0)
PY
kill -TERM "$relay_pid"
rc=0; wait "$relay_pid" || rc=$?
((rc == 0)) && pass "moq-relay exited 0" || fail "moq-relay exited $rc"
if ((fails)); then echo "fastpath-unsubscribe: $fails check(s) failed"; tail -n 15 "$work/relay.err"; exit 1; fi
echo "fastpath-unsubscribe: all checks passed"
