#!/usr/bin/env bash
# Soak (not part of `make test`): one moq-relay, a looping moq-pub, and subscribers joining and
# leaving at random (scripts/soak.py: each stays 5-60 s, 15% of them SIGKILLed), in network namespaces
# P -- R -- S (all subscribers in S behind one veth). Per phase (user space, then --ebpf) the relay's
# RSS, open fds, --stats gauges and the fast path's BPF map entries are sampled; at the end of a phase
# every subscriber leaves and, after the idle timeout, a last "drained" sample shows what the relay
# still holds (only the publisher should remain).
#
#   scripts/soak.sh [--minutes N] [--subs N] [--modes "user ebpf"] [--interval S] [--out DIR]
#
#   --minutes N    minutes per phase (default 30)
#   --subs N       subscribers at a time (default 50)
#   --modes M      phases, in order (default "user ebpf")
#   --interval S   seconds between samples (default 60; 10 when --minutes is under 10)
#   --out DIR      soak.csv and soak.png go here (default docs/soak)
#   --clip FILE    the publisher's clip (default: a 10 s 320x180 H.264 clip at ~150 kbit/s made here
#                  with ffmpeg, so 50 subscribers of a debug build fit on 2 cores; with the 860 kbit/s
#                  test clip the debug relay saturates them and latency and gaps measure overload)
# Binaries: the debug build (BIN_DIR overrides, e.g. .build/release), copied first. Needs root.
# Exits 1 when a drained relay still holds a subscriber (sessions, fast-path slots or map entries).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=30 subs=50 modes="user ebpf" interval="" out=docs/soak clip=""
while (($#)); do
    case $1 in
        --minutes) minutes=${2:?}; shift 2 ;;
        --subs) subs=${2:?}; shift 2 ;;
        --modes) modes=${2:?}; shift 2 ;;
        --interval) interval=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --clip) clip=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ -n $interval ]] || interval=$(python3 -c "print(10 if $minutes < 10 else 60)")
[[ $(id -u) -eq 0 ]] || { echo "soak.sh: needs root (network namespaces, TC BPF)" >&2; exit 1; }
bpy=${BUILD_DIR:-.build}/venv-bench/bin/python
[[ -x $bpy ]] || { echo "soak.sh: $bpy missing (scripts/deps.sh creates it)" >&2; exit 1; }
idle=5

work=$(mktemp -d /tmp/soak.XXXXXX)
tag="soak$$$((RANDOM % 100))"
namespaces=()
pids=()
cleanup() {
    local p ns
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    for p in "${pids[@]}"; do [[ -d /sys/fs/bpf/moq-fastrelay/$p ]] && rm -rf "/sys/fs/bpf/moq-fastrelay/$p"; done
    rmdir /sys/fs/bpf/moq-fastrelay 2>/dev/null || true
    [[ -n ${KEEP_WORK:-} ]] && echo "logs kept in $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bin=$work/bin
mkdir -p "$bin" "$out"
src_bin=${BIN_DIR:-$(swift build --show-bin-path)}
for t in moq-pub moq-relay moq-sub; do
    [[ -x $src_bin/$t ]] || { echo "soak.sh: $src_bin/$t missing (swift build)" >&2; exit 1; }
    cp "$src_bin/$t" "$bin/"
done
[[ -f bpf/fastpath.bpf.o && bpf/fastpath.bpf.o -nt bpf/fastpath.bpf.c ]] || make -s bpf >/dev/null
cp bpf/fastpath.bpf.o "$work/"
if [[ -n $clip ]]; then
    cp "$clip" "$work/test.mp4"
else
    ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "testsrc2=size=320x180:rate=30:duration=10" \
        -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 30 -keyint_min 30 -sc_threshold 0 -bf 0 \
        -b:v 150k -maxrate 150k -bufsize 300k -an "$work/test.mp4"
fi

mkns() { ip netns add "$1"; namespaces+=("$1"); ip -n "$1" link set lo up; }
link() {  # NS1 IF1 ADDR1 NS2 IF2 ADDR2
    ip -n "$1" link add "$2" type veth peer name "$5" netns "$4"
    ip -n "$1" addr add "$3/24" dev "$2"; ip -n "$4" addr add "$6/24" dev "$5"
    ip -n "$1" link set "$2" up; ip -n "$4" link set "$5" up
}
mkns "$tag-r"; mkns "$tag-p"; mkns "$tag-s"
ip netns exec "$tag-r" sysctl -qw net.ipv4.ip_forward=1
link "$tag-r" pub0 10.77.0.1 "$tag-p" eth0 10.77.0.2
link "$tag-r" sub1 10.77.1.1 "$tag-s" eth0 10.77.1.2
ip -n "$tag-p" route add default via 10.77.0.1
ip -n "$tag-s" route add default via 10.77.1.1

csv=$work/soak.csv
rm -f "$csv"
status=0
started=$(date +%s)
for mode in $modes; do
    args=()
    [[ $mode == ebpf ]] && args=(--ebpf --ebpf-object "$work/fastpath.bpf.o")
    echo "== $mode: $minutes min, $subs subscribers at a time, a sample every $interval s"
    # nsenter --net keeps the host's mounts: the relay's pins are visible to bpftool here.
    nsenter --net="/run/netns/$tag-r" "$bin/moq-relay" --listen 0.0.0.0:4443 --idle-timeout "$idle" \
        --stats "$work/$mode-relay.json" "${args[@]}" >"$work/$mode-relay.out" 2>"$work/$mode-relay.err" &
    relay_pid=$!
    pids+=("$relay_pid")
    for _ in $(seq 1 150); do grep -q READY "$work/$mode-relay.out" && break; sleep 0.1; done
    grep -q READY "$work/$mode-relay.out" || { echo "moq-relay did not start"; tail "$work/$mode-relay.err"; exit 1; }
    nsenter --net="/run/netns/$tag-p" "$bin/moq-pub" --relay moqt://10.77.0.1:4443 --insecure --allow-cleartext \
        --idle-timeout "$idle" --loop "$work/test.mp4" >"$work/$mode-pub.out" 2>"$work/$mode-pub.err" &
    pub_pid=$!
    pids+=("$pub_pid")
    for _ in $(seq 1 150); do grep -q announced "$work/$mode-pub.err" && break; sleep 0.1; done
    grep -q announced "$work/$mode-pub.err" || { echo "moq-pub did not announce"; tail "$work/$mode-pub.err"; exit 1; }
    pin=""
    [[ $mode == ebpf ]] && pin=/sys/fs/bpf/moq-fastrelay/$relay_pid
    # The driver ends its subscribers on SIGTERM, and they die with it (PR_SET_PDEATHSIG) anyway.
    python3 scripts/soak.py run --mode "$mode" --seconds "$((minutes * 60))" --interval "$interval" --subs "$subs" \
        --relay-pid "$relay_pid" --pin "$pin" --stats "$work/$mode-relay.json" --ns "$tag-s" --bin "$bin" \
        --url moqt://10.77.1.1:4443 --idle "$idle" --work "$work" --csv "$csv" --seed "$RANDOM" > >(sed -u 's/^/  /') &
    driver=$!
    pids+=("$driver")
    wait "$driver" || { echo "  the soak driver failed"; status=1; }
    kill -0 "$pub_pid" 2>/dev/null || { echo "  moq-pub died during the soak:"; tail -n 5 "$work/$mode-pub.err" | sed 's/^/    /'; status=1; }
    kill -TERM "$pub_pid" 2>/dev/null || true
    wait "$pub_pid" 2>/dev/null || true
    rc=0
    kill -TERM "$relay_pid" 2>/dev/null || rc=$?
    wait "$relay_pid" || rc=$?
    ((rc == 0)) || { echo "  moq-relay exited $rc (or had died):"; tail -n 5 "$work/$mode-relay.err" | sed 's/^/    /'; status=1; }
done
cp "$csv" "$out/soak.csv"
"$bpy" scripts/soak.py plot "$csv" "$out/soak.png"
echo "== summary ($(($(date +%s) - started)) s; $out/soak.csv, $out/soak.png)"
python3 scripts/soak.py summary "$csv" || status=1
exit $status
