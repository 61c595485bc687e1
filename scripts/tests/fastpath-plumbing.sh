#!/usr/bin/env bash
# moq-relay --ebpf plumbing: without CAP_BPF/CAP_NET_ADMIN it exits 1 naming the missing capability; a
# missing object or a verifier rejection exits 1 with the reason (the verifier log); programs attach to
# the interfaces facing the peers (auto-detected: fp_upstream_ingress toward the publisher,
# fp_subscriber_ingress toward a subscriber; or --ebpf-ifaces) and no filter survives SIGTERM or
# SIGINT; a filter left by a SIGKILLed relay is removed at the next start.
source "$(dirname "$0")/fastpath-lib.bash"
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null

expect_exit1() {  # NAME PATTERN CMD...
    local name=$1 pattern=$2 rc=0
    shift 2
    "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    [[ $rc -eq 1 ]] || { echo "FAIL: $name exited $rc, expected 1"; cat "$work/$name.err"; exit 1; }
    grep -q -- "$pattern" "$work/$name.err" || { echo "FAIL: $name: no '$pattern' in:"; cat "$work/$name.err"; exit 1; }
    echo "ok: $name exits 1: $(head -c 160 "$work/$name.err" | head -1)"
}

# 1. Privileges: an unprivileged user, and root with every capability dropped.
expect_exit1 unprivileged-user "CAP_BPF" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$bin/moq-relay" --ebpf --listen 127.0.0.1:0
expect_exit1 root-without-caps "CAP_NET_ADMIN" setpriv --inh-caps=-all --bounding-set=-all "$bin/moq-relay" --ebpf --listen 127.0.0.1:0
# 2. No object; an object the verifier rejects (its log is shown).
expect_exit1 missing-object "cannot read BPF object" "$bin/moq-relay" --ebpf --ebpf-object "$work/none.bpf.o" --listen 127.0.0.1:0
CLANG=${CLANG:-$(command -v clang)}
"$CLANG" -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" -Ibpf -DFP_TEST_VERIFIER_REJECT -c bpf/fastpath.bpf.c -o "$work/reject.bpf.o"
expect_exit1 verifier-reject "verifier log" "$bin/moq-relay" --ebpf --ebpf-object "$work/reject.bpf.o" --listen 127.0.0.1:0
grep -q "invalid access\|R[0-9].*invalid\|processed [0-9]* insns" "$work/verifier-reject.err" \
    || { echo "FAIL: no verifier log lines:"; cat "$work/verifier-reject.err"; exit 1; }
expect_exit1 unknown-iface "no network interface nope0" "$bin/moq-relay" --ebpf --ebpf-ifaces nope0 --listen 127.0.0.1:0

# 3. Auto-detected interfaces, then SIGTERM.
fp_topology 1
fp_relay relay1 --ebpf
[[ -z $(fp_filters "$ns_r" pub0) && -z $(fp_filters "$ns_r" sub1) ]] || { echo "FAIL: filters before any peer"; exit 1; }
fp_bg "$ns_p" pub "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --loop "$media/test.mp4"
for _ in $(seq 1 100); do grep -q announced "$work/pub.err" && break; sleep 0.1; done
sleep 0.3
[[ $(fp_filters "$ns_r" pub0) == fp_upstream_ing* ]] || { echo "FAIL: pub0 has '$(fp_filters "$ns_r" pub0)'"; cat "$work/relay1.err"; exit 1; }
echo "ok: a publisher behind pub0 attached fp_upstream_ingress there"
ip netns exec "$fp_tag-s1" timeout 20 "$bin/moq-sub" --relay moqt://10.77.1.1:4443 --insecure --duration 1 --out "$work/s1.ts" \
    >"$work/sub1.out" 2>"$work/sub1.err" || { echo "FAIL: moq-sub"; cat "$work/sub1.err"; exit 1; }
[[ $(fp_filters "$ns_r" sub1) == fp_subscriber_i* ]] || { echo "FAIL: sub1 has '$(fp_filters "$ns_r" sub1)'"; cat "$work/relay1.err"; exit 1; }
echo "ok: a subscriber behind sub1 attached fp_subscriber_ingress there"
# A subscriber behind the publisher's interface: pub0 keeps fp_upstream_ingress (it learns subscribers too).
ip netns exec "$ns_p" timeout 20 "$bin/moq-sub" --relay moqt://10.77.0.1:4443 --insecure --duration 1 --out "$work/p.ts" \
    >"$work/subp.out" 2>"$work/subp.err" || { echo "FAIL: moq-sub behind pub0"; cat "$work/subp.err"; exit 1; }
[[ $(fp_filters "$ns_r" pub0) == fp_upstream_ing* && $(fp_filters "$ns_r" pub0 | wc -l) -eq 1 ]] \
    || { echo "FAIL: pub0 has '$(fp_filters "$ns_r" pub0)' after a subscriber behind it"; exit 1; }
echo "ok: an interface facing both publisher and subscriber runs only fp_upstream_ingress"
kill -TERM "$relay_pid"; rc=0; wait "$relay_pid" || rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: relay exited $rc after SIGTERM"; cat "$work/relay1.err"; exit 1; }
[[ -z $(fp_filters "$ns_r" pub0)$(fp_filters "$ns_r" sub1) ]] || { echo "FAIL: filters left after SIGTERM"; exit 1; }
echo "ok: SIGTERM detached everything (tc filter show is empty on pub0 and sub1)"

# 4. --ebpf-ifaces, SIGINT.
fp_relay relay2 --ebpf --ebpf-ifaces pub0,sub1
[[ $(fp_filters "$ns_r" pub0) == fp_subscriber_i* && $(fp_filters "$ns_r" sub1) == fp_subscriber_i* ]] || { echo "FAIL: --ebpf-ifaces did not attach"; exit 1; }
fp_bg "$ns_p" pub2 "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --loop "$media/test.mp4"
for _ in $(seq 1 100); do grep -q announced "$work/pub2.err" && break; sleep 0.1; done
sleep 0.3
[[ $(fp_filters "$ns_r" pub0) == fp_upstream_ing* ]] || { echo "FAIL: pub0 was not switched to fp_upstream_ingress"; cat "$work/relay2.err"; exit 1; }
echo "ok: --ebpf-ifaces: pub0 switched atomically to fp_upstream_ingress when a publisher appeared behind it"
kill -INT "$relay_pid"; rc=0; wait "$relay_pid" || rc=$?
[[ $rc -eq 0 && -z $(fp_filters "$ns_r" pub0)$(fp_filters "$ns_r" sub1) ]] || { echo "FAIL: SIGINT left filters or exit $rc"; exit 1; }
echo "ok: --ebpf-ifaces attached both, SIGINT detached them"

# 5. A crashed relay (SIGKILL) leaves its filter; the next start removes it.
fp_relay relay3 --ebpf --ebpf-ifaces sub1
kill -KILL "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
[[ -n $(fp_filters "$ns_r" sub1) ]] || { echo "FAIL: expected the killed relay's filter to remain"; exit 1; }
fp_relay relay4 --ebpf --ebpf-ifaces sub1
grep -q "removed a stale fast-path filter from sub1" "$work/relay4.err" || { echo "FAIL: stale filter not reported"; cat "$work/relay4.err"; exit 1; }
[[ $(fp_filters "$ns_r" sub1 | wc -l) -eq 1 ]] || { echo "FAIL: expected exactly one filter on sub1"; exit 1; }
kill -TERM "$relay_pid"; wait "$relay_pid" || true
[[ -z $(fp_filters "$ns_r" sub1) ]] || { echo "FAIL: filter left"; exit 1; }
echo "ok: the SIGKILLed relay's filter was removed at the next start, and that one detached cleanly"
echo "fastpath plumbing: all checks passed"
