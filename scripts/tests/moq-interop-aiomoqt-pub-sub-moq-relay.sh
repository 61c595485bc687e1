#!/usr/bin/env bash
# Interop, draft-18 on raw QUIC: aiomoqt's pub_bench -> OUR moq-relay -> aiomoqt's sub_bench (both
# endpoints third-party; only the relay is ours). pub_bench sends 1000-byte objects with LOC timestamps
# at 30/s on subgroup streams (case 5: object datagrams). Cases:
#  1. Subscriber first, by name: sub_bench's SUBSCRIBE for a namespace nobody announced, without
#     RENDEZVOUS_TIMEOUT (sub_bench sends none), is refused with REQUEST_ERROR DOES_NOT_EXIST (0x10), as
#     aiomoqt's own relay does; the relay stays up and serves case 2 next.
#  2. Subscriber first, by discovery: sub_bench without a track name sends SUBSCRIBE_NAMESPACE; once the
#     relay accepted it, pub_bench PUBLISHes (groups of 60, 4 s); the relay sends sub_bench NAMESPACE, then
#     for its SUBSCRIBE_TRACKS a PUBLISH of the track, and delivers from the group's first object once
#     sub_bench accepts (PUBLISH_OK).
#  3. Publisher first, PUBLISH_NAMESPACE (pub_bench --pub-ns), then sub_bench by name: the relay forwards
#     the SUBSCRIBE upstream and pub_bench starts sending only then (groups of 30, 4 s).
#  4. Publisher first, PUBLISH (pub_bench's default), then sub_bench by name: the relay accepts with
#     FORWARD 1 and caches objects before anyone subscribes; sub_bench joins later and the relay serves the
#     current group from its first object out of the cache, then live. One group spans the whole 5 s run,
#     so a join at any time during it must still yield every object.
#  5. As 3, with object datagrams (pub_bench -D).
# Cases 2-5 pass when sub_bench counts every object pub_bench reports sent (its "Sent:" line; with -D its
# log's total) in the groups they fill (with datagrams sub_bench counts no groups), 0 lost, 0 out of order,
# LOC timestamps read, and our relay's --stats count that many objects in (from pub_bench) and out (to
# sub_bench); in case 4 with a cache hit (the join served from the cache).
MOQ_INTEROP_NAME=moq-interop-aiomoqt-pub-sub-moq-relay
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

# 1. Subscriber first, by name: refused, cleanly.
start_relay
url=moqt://127.0.0.1:$port
start_sub_bench "$url" -T video
if wait "$sub_bench_pid"; then echo "sub_bench subscribed before any publisher and succeeded"; show "$work/sub_bench.out"; exit 1; fi
grep -q "Request error: .*code=16" "$work/sub_bench.out" \
    || { echo "sub_bench before any publisher: expected REQUEST_ERROR DOES_NOT_EXIST"; show "$work/sub_bench.out"; show_logs; exit 1; }
kill -0 "$relay_pid" 2>/dev/null || { echo "moq-relay died"; show_logs; exit 1; }
echo "sub_bench (SUBSCRIBE) before any publisher: REQUEST_ERROR DOES_NOT_EXIST (0x10)"

# 2. Subscriber first, by discovery (-d: its log shows when the relay accepted SUBSCRIBE_NAMESPACE).
start_sub_bench "$url" -d
for _ in $(seq 1 100); do grep -q "parsed: RequestOk(request_id=0" "$work/sub_bench.out" && break; sleep 0.1; done
grep -q "parsed: RequestOk(request_id=0" "$work/sub_bench.out" \
    || { echo "the relay did not accept sub_bench's SUBSCRIBE_NAMESPACE"; grep -v "^20..-..-.. .*DEBUG" "$work/sub_bench.out" | tail -n 30; show_logs; exit 1; }
start_pub_bench "$url" -g 60
wait_sub_bench
wait "$pub_bench_pid" || { echo "pub_bench failed"; show "$work/pub_bench.out"; exit 1; }
sent=$(pub_bench_sent)
(( sent >= 60 )) || { echo "pub_bench sent only $sent objects"; show "$work/pub_bench.out"; exit 1; }
grep -q 'parsed: Publish(.*track_name="video"' "$work/sub_bench.out" \
    || { echo "sub_bench got no PUBLISH of demo/video from the relay"; show_logs; exit 1; }
stop_relay
check_sub_bench "$sent" $(( (sent + 59) / 60 )) "sub_bench (SUBSCRIBE_NAMESPACE, SUBSCRIBE_TRACKS) first, pub_bench PUBLISH -> moq-relay"
check_relay_objects "$sent"

# 3. Publisher first, PUBLISH_NAMESPACE; objects flow once the relay's SUBSCRIBE reaches pub_bench.
start_relay
url=moqt://127.0.0.1:$port
start_pub_bench "$url" --pub-ns
run_sub_bench "$url"
wait "$pub_bench_pid" || { echo "pub_bench failed"; show "$work/pub_bench.out"; exit 1; }
sent=$(pub_bench_sent)
(( sent >= 60 )) || { echo "pub_bench sent only $sent objects"; show "$work/pub_bench.out"; exit 1; }
stop_relay
check_sub_bench "$sent" $(( (sent + 29) / 30 )) "pub_bench --pub-ns first -> moq-relay -> sub_bench (SUBSCRIBE)"
check_relay_objects "$sent"

# 4. Publisher first, PUBLISH; the relay caches from the first object, sub_bench joins late.
start_relay
url=moqt://127.0.0.1:$port
start_pub_bench "$url" -g 100000 -t 5
run_sub_bench "$url"
wait "$pub_bench_pid" || { echo "pub_bench failed"; show "$work/pub_bench.out"; exit 1; }
sent=$(pub_bench_sent)
(( sent >= 60 )) || { echo "pub_bench sent only $sent objects"; show "$work/pub_bench.out"; exit 1; }
stop_relay
check_sub_bench "$sent" 1 "pub_bench PUBLISH first -> moq-relay -> sub_bench (SUBSCRIBE) joining late"
check_relay_objects "$sent" 1

# 5. Publisher first, PUBLISH_NAMESPACE, object datagrams (-d: pub_bench logs its datagram total).
start_relay
url=moqt://127.0.0.1:$port
start_pub_bench "$url" --pub-ns -D -d
run_sub_bench "$url"
wait "$pub_bench_pid" || { echo "pub_bench failed"; grep -v DEBUG "$work/pub_bench.out" | tail -n 30; exit 1; }
sent=$(pub_bench_sent)
(( sent >= 60 )) || { echo "pub_bench sent only $sent objects"; grep -v DEBUG "$work/pub_bench.out" | tail -n 30; exit 1; }
stop_relay
check_sub_bench "$sent" n/a "pub_bench --pub-ns -D (datagrams) first -> moq-relay -> sub_bench (SUBSCRIBE)"
check_relay_objects "$sent"
