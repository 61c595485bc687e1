#!/usr/bin/env bash
# pub -> relay -> 3 subscribers, each in its own network namespace over veth links
# (scripts/netem/topology.bash), for the plain and the B-frame clip: every tool exits 0, every
# subscriber's TS decodes to exactly the source's frames (ffmpeg framemd5), no report shows a gap, and
# the relay's --stats counts 3 subscribers, 121 objects in (120 frames + catalog) and 3 x 121 out.
# EBPF=1: the same with moq-relay --ebpf (pub and subs --allow-cleartext), and the relay's stats must
# show at least 90% of the media packets on the kernel fast path.
source "$(dirname "$0")/../netem/test-lib.bash"
test_init 4
topo_build 3 0
relay_args=() client=()
if [[ -n ${EBPF:-} ]]; then relay_args=(--ebpf); client=(--allow-cleartext); echo "mode: --ebpf"; fi
for clip in test.mp4 test-bframes.mp4; do
    rm -f "$out"/sub*.ts "$out"/sub*.json "$out/relay.json"
    start_relay relay "$ns_relay" --stats "$out/relay.json" "${relay_args[@]}" || { fail "$clip: moq-relay did not start"; break; }
    relay_pid=$started_pid
    if ! start_pub "$ns_pub" "moqt://10.0.1.1:$started_port" "${client[@]}" "$media/$clip"; then
        fail "$clip: moq-pub did not announce"; dump_logs relay; kill "$relay_pid"; wait "$relay_pid" || true; continue
    fi
    for k in 1 2 3; do start_sub "$k" "moqt://${sub_relay[k]}:$started_port" "${client[@]}"; done
    for k in 1 2 3; do wait_sub "$k"; done
    rc=0; wait_pid "$pub_pid" 20 || rc=$?
    ((rc == 0)) && pass "$clip: moq-pub exited 0" || { fail "$clip: moq-pub exited $rc"; dump_logs pub; }
    if stop_relay "$relay_pid" relay; then pass "$clip: moq-relay exited 0 on SIGTERM"; else fail "$clip: moq-relay exit status"; fi

    src=$(frames "$media/$clip")
    for k in 1 2 3; do
        if [[ -s $out/sub$k.ts && "$(frames "$out/sub$k.ts")" == "$src" ]]; then
            pass "$clip sub$k: framemd5 equal to the source's ($(wc -l <<<"$src") frames)"
        else
            fail "$clip sub$k: received frames differ from the source's"
        fi
        report_check "$out/sub$k.json" 'r["gaps"] == [] and r["objects"] == 120 and r["duplicates"] == 0' \
            "$clip sub$k report: 120 objects, no gaps, no duplicates"
    done
    report_check "$out/relay.json" 'r["subscribers"] == 3 and r["objects_in"] == 121 and r["objects_out"] == 3 * 121' \
        "$clip relay stats: 3 subscribers, 121 objects in, 363 out"
    if [[ -n ${EBPF:-} ]]; then
        report_check "$out/relay.json" 'r["packets_fast_path"] >= 0.9 * (r["packets_fast_path"] + r["packets_user_space"]) > 0' \
            "$clip relay stats: at least 90% of media packets on the fast path"
    fi
done
test_finish netns-relay-fanout
