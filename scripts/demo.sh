#!/usr/bin/env bash
# The demo: moq-pub -> moq-relay -> N x moq-sub over QUIC (MoQT draft-18), each in its own network
# namespace joined by veth links (scripts/netem/topology.bash draws the network; docs/DEMO.md).
#
#   scripts/demo.sh [--subs N] [--loss PCT] [--rate BITS] [--chain] [--ebpf [--cleartext]] [--media FILE]
#                   [--out-dir DIR] [--duration S] [--loopback]
#
#   --subs N       subscribers (default 3)
#   --loss PCT     random loss on subscriber 1's link, both directions (TC BPF, scripts/netem/impair.sh)
#   --rate BITS    rate cap (policer) on subscriber 1's downstream, e.g. 1M
#   --chain        pub -> relay A -> relay B -> subscribers (moq-relay --upstream)
#   --ebpf         moq-relay --ebpf (kernel fast path, encrypted: ChaCha20-Poly1305 opened and sealed in
#                  the kernel); moq-pub gets --fast-path-encoding, the subscribers nothing
#   --cleartext    with --ebpf: the cleartext fast path instead (pub and subs get --allow-cleartext)
#   --media FILE   the clip (default media/test.mp4, made by media/make-test-media.sh if missing)
#   --out-dir DIR  outputs (default demo-out/): subK.ts, subK.json (moq-sub --report), relay.json
#                  (moq-relay --stats; relay-b.json for relay B), and every tool's log (*.out, *.err)
#   --duration S   run S seconds with the clip looped (moq-pub --loop, moq-sub --duration S); default:
#                  the clip once
#   --loopback     no namespaces (no root needed): everything on 127.0.0.1; --loss/--rate impossible
#
# Prints each subscriber's summary and the relay's stats; checks each TS: it must decode, and when the
# clip played once (no --duration) and the subscriber's report shows no gap (always so without
# --loss/--rate) its frames must equal the source's (ffmpeg framemd5).
# Exits non-zero if any tool failed or a check failed; always removes its namespaces and processes.
# Binaries: the release build (`make build`); BIN_DIR=DIR to use another (e.g. .build/debug).
set -euo pipefail
cd "$(dirname "$0")/.."
subs=3 loss="" rate="" chain=0 ebpf=0 cleartext=0 media=media/test.mp4 out_dir=demo-out duration="" topo_loopback=0
usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; }
bad() { echo "demo.sh: $*" >&2; exit 2; }
while (($#)); do
    case $1 in
        --subs) subs=${2:?}; shift 2 ;;
        --loss) loss=${2:?}; shift 2 ;;
        --rate) rate=${2:?}; shift 2 ;;
        --chain) chain=1; shift ;;
        --ebpf) ebpf=1; shift ;;
        --cleartext) cleartext=1; shift ;;
        --media) media=${2:?}; shift 2 ;;
        --out-dir) out_dir=${2:?}; shift 2 ;;
        --duration) duration=${2:?}; shift 2 ;;
        --loopback) topo_loopback=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) bad "unknown option $1 (see --help)" ;;
    esac
done
[[ $subs =~ ^[0-9]+$ && $subs -ge 1 && $subs -le 1000 ]] || bad "--subs $subs: expected 1..1000"
[[ -z $duration || $duration =~ ^[0-9]+(\.[0-9]+)?$ ]] || bad "--duration $duration: expected seconds"
if ((topo_loopback)) && [[ -n $loss$rate ]]; then bad "--loss/--rate need the namespace topology (drop --loopback)"; fi
if [[ ! -f $media ]]; then
    [[ $media == media/test.mp4 ]] || bad "$media: no such file"
    media/make-test-media.sh
fi
bin=${BIN_DIR:-$(swift build -c release --show-bin-path)}
for t in moq-pub moq-relay moq-sub; do
    [[ -x $bin/$t ]] || { echo "demo.sh: $bin/$t missing: run 'make build' (or set BIN_DIR)" >&2; exit 1; }
done
if ((!topo_loopback)) && [[ $(id -u) -ne 0 ]]; then
    echo "demo.sh: the namespace topology needs root (or use --loopback)" >&2
    exit 1
fi
mkdir -p "$out_dir"
out=$(cd "$out_dir" && pwd)
rm -f "$out"/sub*.ts "$out"/sub*.json "$out"/relay*.json "$out"/*.out "$out"/*.err
source scripts/netem/topology.bash
ns_trap
ns_impair_indent='   '

relay_args=() client_args=() pub_args=() sub_args=() pub_loops=0
if ((cleartext && !ebpf)); then bad "--cleartext needs --ebpf"; fi
if ((ebpf)); then
    relay_args+=(--ebpf)
    if ((cleartext)); then client_args+=(--allow-cleartext); else pub_args+=(--fast-path-encoding); fi
fi
if [[ -n $duration ]]; then pub_args+=(--loop); pub_loops=1; sub_args+=(--duration "$duration"); sub_timeout=$(( ${duration%.*} + 60 )); fi

desc="$subs subscriber(s)"
((chain)) && desc="$desc, chain pub -> relay A -> relay B"
((ebpf)) && desc="$desc, --ebpf$( ((cleartext)) && echo " (cleartext)" || echo " (encrypted)")"
[[ -n $loss ]] && desc="$desc, ${loss}% loss on sub1's link"
[[ -n $rate ]] && desc="$desc, sub1 capped at $rate bit/s"
if ((topo_loopback)); then desc="$desc, loopback"; else desc="$desc, network namespaces"; fi
echo "== demo: $(basename "$media"), $desc; outputs in $out_dir/"
echo "== what moq-pub publishes"
"$bin/moq-pub" --dry-run "$media" | tail -n 1

topo_build "$subs" "$chain"
if ((!topo_loopback)); then
    echo "== topology: pub [$ns_pub] -- relay A [$ns_relay]$( ((chain)) && echo " -- relay B [$ns_relay_b]") -- $subs subscriber namespace(s) [${sub_ns[1]} ...]"
fi

failed=0
relay_a_pid="" relay_b_pid=""
if ! start_relay relay "$ns_relay" --stats "$out/relay.json" "${relay_args[@]}"; then
    ((ebpf)) && echo "demo.sh: moq-relay --ebpf failed (the kernel fast path needs root, BPF and a build that has it)" >&2
    exit 1
fi
relay_a_pid=$started_pid
relay_a_port=$started_port
pub_url=moqt://10.0.1.1:$relay_a_port
((topo_loopback)) && pub_url=moqt://127.0.0.1:$relay_a_port
edge_port=$relay_a_port
if ((chain)); then
    up_url=moqt://10.0.2.1:$relay_a_port
    ((topo_loopback)) && up_url=moqt://127.0.0.1:$relay_a_port
    if ! start_relay relay-b "$ns_relay_b" --upstream "$up_url" --stats "$out/relay-b.json" "${relay_args[@]}"; then
        echo "demo.sh: relay B (moq-relay --upstream $up_url) failed: relay chaining needs --upstream in moq-relay" >&2
        exit 1
    fi
    relay_b_pid=$started_pid
    edge_port=$started_port
fi

if [[ -n $loss$rate ]]; then
    ingress=(--udp)
    [[ -n $loss ]] && ingress+=(--loss "$loss")
    [[ -n $rate ]] && ingress+=(--rate "$rate")
    ns_impair --dev eth0 --netns "${sub_ns[1]}" --ingress "${ingress[@]}"
    if [[ -n $loss ]]; then ns_impair --dev eth0 --netns "${sub_ns[1]}" --egress --loss "$loss" --udp ; fi
fi

echo "== moq-pub --relay $pub_url $media"
start_pub "$ns_pub" "$pub_url" "${client_args[@]}" "${pub_args[@]}" "$media" || exit 1
echo "== $subs x moq-sub"
for ((k = 1; k <= subs; k++)); do
    start_sub "$k" "moqt://${sub_relay[k]}:$edge_port" "${client_args[@]}" "${sub_args[@]}"
done
for ((k = 1; k <= subs; k++)); do
    rc=0
    wait "${sub_pid[k]}" || rc=$?
    if ((rc != 0)); then
        echo "!! moq-sub $k failed (exit status $rc$( ((rc == 124)) && echo ", timed out")):"
        tail -n 5 "$out/sub$k.err" | sed 's/^/    /'
        failed=1
    fi
done
rc=0
if ((pub_loops)); then kill -TERM "$pub_pid" 2>/dev/null || true; wait "$pub_pid" || true
else
    wait_pid "$pub_pid" 20 || rc=$?
    ((rc == 0)) || { echo "!! moq-pub failed (exit status $rc):"; tail -n 5 "$out/pub.err" | sed 's/^/    /'; failed=1; }
fi
if [[ -n $loss$rate ]]; then
    echo "== impairment on sub1's link"
    for hook in --ingress --egress; do
        scripts/netem/impair.sh --dev eth0 --netns "${sub_ns[1]}" $hook --stats 2>/dev/null | sed 's/^/   /' || true
    done
fi
if ((chain)); then stop_relay "$relay_b_pid" relay-b || failed=1; fi
stop_relay "$relay_a_pid" relay || failed=1

echo "== subscribers"
for ((k = 1; k <= subs; k++)); do
    line=$(grep -E "^moq-sub: [0-9]+ objects, [0-9]+ groups, [0-9]+ bytes" "$out/sub$k.err" | tail -n 1 || true)
    echo "sub$k: ${line#moq-sub: }"
    [[ -n $line ]] || { echo "    (no summary; see $out_dir/sub$k.err)"; failed=1; }
done
echo "== relay stats"
for f in relay relay-b; do
    [[ -s $out/$f.json ]] || continue
    python3 - "$out/$f.json" "$f" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
keys = ["subscribers", "objects_in", "objects_out", "packets_fast_path", "packets_fast_path_encrypted", "packets_user_space",
        "dropped_by_priority", "retransmitted_fast_path", "cache_hits"]
print(f"{sys.argv[2]}: " + ", ".join(f"{k} {s.get(k, '-')}" for k in keys)
      + (f", drops by reason {s['drops_by_reason']}" if s.get("drops_by_reason") else ""))
fp, us = s.get("packets_fast_path", 0), s.get("packets_user_space", 0)
if fp + us:
    print(f"{sys.argv[2]}: {100 * fp / (fp + us):.1f}% of media packets on the kernel fast path")
PY
done

echo "== checking the received streams"
# Without --duration the clip is played once: a subscriber whose report shows no gap (always so without
# --loss/--rate) must have exactly the source's frames; one with gaps must still decode.
[[ -z $duration ]] && src=$(frames "$media")
for ((k = 1; k <= subs; k++)); do
    ts=$out/sub$k.ts
    if [[ ! -s $ts ]]; then echo "sub$k.ts: missing or empty"; failed=1; continue; fi
    n=$(count_frames "$ts")
    gapless=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["gaps"] == []))' "$out/sub$k.json" 2>/dev/null || echo 0)
    if [[ -z $duration && ( $gapless == 1 || -z $loss$rate ) ]]; then
        if [[ "$(frames "$ts")" == "$src" ]]; then echo "sub$k.ts: $n frames, framemd5 equal to the source's"
        else echo "sub$k.ts: $n frames, framemd5 DIFFERS from the source's"; failed=1; fi
        continue
    fi
    errs=$(ffmpeg -v error -nostdin -i "$ts" -map 0:v:0 -f null - 2>&1 | wc -l)
    if ((errs == 0 && n > 0)); then echo "sub$k.ts: $n frames, decodes without errors$( ((gapless)) || echo " (its report lists gaps)")"
    else echo "sub$k.ts: $n frames, $errs decoder error line(s)"; failed=1; fi
done
if ((failed)); then echo "== demo FAILED (logs in $out_dir/)"; exit 1; fi
echo "== demo OK"
# The browser player is served by the relay in user space (WebTransport is off with --ebpf: the kernel
# fast path forwards raw MoQT only). What to run to watch the same clip in a local browser:
rel=$(cd "$bin" && pwd)
echo "== watch it in a browser (docs/WEBTRANSPORT.md):"
echo "   $rel/moq-relay --listen 127.0.0.1:4443 --http 127.0.0.1:8080 &"
echo "   $rel/moq-pub --relay moqt://127.0.0.1:4443 --insecure --loop $media &"
echo "   then open http://127.0.0.1:8080/?namespace=demo  (e.g. chromium http://127.0.0.1:8080/?namespace=demo; as root add --no-sandbox)"
