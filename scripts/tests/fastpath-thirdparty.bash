#!/usr/bin/env bash
# NOT YET IN `make test` (named .bash so scripts/run-tests.sh does not run it; run it with bash): it fails
# now and then. In 9 runs at 01:07-01:13 UTC on 2026-12-08: 6 passed; once sub_bench counted 334 of 360
# objects; twice the moq-rs subscriber stopped with MoqProtocolError; in every run moq-rs got only the first
# object of group 0 (the XFAIL below). Both need looking into before it becomes fastpath-thirdparty.sh.
#
# Third-party subscribers on the encrypted kernel fast path (issue 14): our moq-pub --fast-path-encoding
# -> moq-relay --ebpf (encrypted by default) -> a subscriber in its own network namespace, one relay run
# each: aiomoqt's sub_bench (aioquic) and a moq-rs 0.5.1 subscriber (quinn/rustls; moq-pub then sends one
# stream per group, moq-rs's model). Both offer ChaCha20-Poly1305, which the relay prefers. sub_bench must
# count every object of the 12 s clip (0 lost, 0 out of order), moq-rs every frame of every group it
# subscribed to; for each, >= 90% of the media packets the relay sent it must have been sealed by the
# kernel. Known gap (prints XFAIL and passes unless THIRDPARTY_STRICT=1): moq-rs receives only the first
# object of the first group (the one in progress when it joins; served from the relay's copy) through the
# fast path, every later group whole; through the user-space path (--no-ebpf-encrypted) it gets all 12
# groups, and our moq-sub gets all 360 objects with --stream-per-group in both modes. Last line:
#   thirdparty: aiomoqt objects=N lost=L kernel_share=X moqrs objects=N kernel_share=Y
source "$(dirname "$0")/fastpath-lib.bash"
py=${BUILD_DIR:-.build}/venv-aiomoqt/bin/python
[[ -x $py ]] || { echo "FAIL: aiomoqt venv missing ($py): run scripts/deps.sh"; exit 1; }
media=.build/test-media-12s
media/make-test-media.sh --duration 12 "$media" >/dev/null
fp_topology 1
mpy=${BUILD_DIR:-.build}/venv-moqrs/bin/python
[[ -x $mpy ]] || { echo "FAIL: moq-rs venv missing ($mpy): run scripts/deps.sh"; exit 1; }

# relay_share NAME: "packets_fast_path sealed user_media" from the relay's stats.
relay_numbers() {
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); f=s.get("fast_path", {}); print(s["packets_fast_path"], s["packets_fast_path_encrypted"], f.get("user_space_media_packets_fast_path_subscribers", 0), f.get("open_failed", 0))' "$work/$1.json"
}

# run_relay_and_pub NAME MOQ_PUB_FLAGS...
run_relay_and_pub() {
    local name=$1; shift
    fp_relay "$name" --ebpf --stats "$work/$name.json"
    fp_bg "$ns_p" "$name-pub" "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --fast-path-encoding "$@" "$media/test.mp4"
    pub_pid=$bg_pid
    for _ in $(seq 1 100); do grep -q announced "$work/$name-pub.err" && break; sleep 0.1; done
}
finish() {  # NAME
    wait "$pub_pid" || { echo "FAIL: moq-pub ($1) failed"; tail -5 "$work/$1-pub.err"; exit 1; }
    kill -TERM "$relay_pid"
    wait "$relay_pid" || { echo "FAIL: relay ($1) exit status $?"; tail -20 "$work/$1.err"; exit 1; }
}

# 1. aiomoqt sub_bench
run_relay_and_pub aio
ip netns exec "$fp_tag-s1" timeout 60 "$py" -m aiomoqt.tools.sub_bench -k --draft 18 -N demo -T video -t 20 -i 2 \
    moqt://10.77.1.1:4443 >"$work/sub_bench.out" 2>&1 || { echo "FAIL: sub_bench failed"; tail -20 "$work/sub_bench.out"; tail -20 "$work/aio.err"; exit 1; }
finish aio
aio_numbers=$(relay_numbers aio)

# 2. moq-rs subscriber (one stream per group)
run_relay_and_pub rs --stream-per-group
ip netns exec "$fp_tag-s1" timeout 60 "$mpy" scripts/peers/moqrs_sub.py moqt://10.77.1.1:4443 demo video 16 \
    >"$work/moqrs.out" 2>"$work/moqrs.err" || { echo "FAIL: moq-rs subscriber failed"; tail -20 "$work/moqrs.err"; tail -20 "$work/rs.err"; exit 1; }
finish rs
rs_numbers=$(relay_numbers rs)

python3 - "$work" "$aio_numbers" "$rs_numbers" <<'PY'
import re, sys
work, aio, rs = sys.argv[1], list(map(int, sys.argv[2].split())), list(map(int, sys.argv[3].split()))
text = open(f"{work}/sub_bench.out").read()
def field(name):
    m = re.search(rf"^\s*{name}:\s+([\d,]+)", text, re.M)
    assert m, f"sub_bench printed no '{name}:' line:\n{text[-2000:]}"
    return int(m.group(1).replace(",", ""))
objects, lost, ooo = field("Objects"), field("Lost"), field("Out-of-order")
def share(n):
    fast, sealed, user_media, open_failed = n
    return fast / (fast + user_media) if fast + user_media else 0.0
groups = [tuple(map(int, m.groups())) for l in open(f"{work}/moqrs.out").read().splitlines()
          if (m := re.match(r"group (\d+) frames (\d+) bytes (\d+)", l))]
rs_objects = sum(n for _, n, _ in groups)
for name, n in (("aiomoqt", aio), ("moq-rs", rs)):
    print(f"{name}: packets_fast_path {n[0]} (sealed {n[1]}), user-space media packets {n[2]}, open_failed {n[3]}")
print(f"moq-rs groups: {groups}")
summary = f"thirdparty: aiomoqt objects={objects} lost={lost} kernel_share={share(aio):.3f} moqrs objects={rs_objects} kernel_share={share(rs):.3f}"
assert objects == 360, f"sub_bench counted {objects} objects, expected 360"
assert lost == 0 and ooo == 0, f"sub_bench: lost {lost}, out of order {ooo}"
assert [g for g, _, _ in groups] == list(range(12)), f"moq-rs: groups {[g for g, _, _ in groups]}, expected 0..11 in order"
assert all(n == 30 for _, n, _ in groups[1:]), f"moq-rs groups after the first: {groups[1:]}"
for name, n in (("aiomoqt", aio), ("moq-rs", rs)):
    assert n[1] == n[0] > 0, f"{name}: kernel copies {n[0]}, sealed {n[1]}"
    assert share(n) >= 0.9, f"{name}: kernel share {share(n):.3f} < 0.9"
if groups[0][1] != 30:
    import os
    msg = f"XFAIL: moq-rs got {groups[0][1]} of the first group's 30 objects through the fast path (known gap)"
    print(msg)
    assert not os.environ.get("THIRDPARTY_STRICT"), msg
print(summary)
PY
