#!/usr/bin/env bash
# Interop, draft-18 on raw QUIC: aiomoqt's pub_bench -> OUR moq-relay -> aiomoqt's sub_bench (both
# endpoints third-party; only the relay is ours). pub_bench sends 1000-byte objects with LOC timestamps
# at 30/s on subgroup streams (the relay forwards no datagrams yet). Cases:
#  1. Subscriber first: sub_bench's SUBSCRIBE for a namespace nobody announced, without RENDEZVOUS_TIMEOUT
#     (sub_bench sends none), is refused with REQUEST_ERROR DOES_NOT_EXIST (0x10), as aiomoqt's own relay
#     does; the relay stays up and serves case 2 next.
#  2. PUBLISH_NAMESPACE (pub_bench --pub-ns), then sub_bench: the relay forwards the SUBSCRIBE upstream and
#     pub_bench starts sending only then (groups of 30 objects for 4 s).
#  3. PUBLISH (pub_bench's default), then sub_bench: the relay accepts with FORWARD 1 and caches objects
#     before anyone subscribes; sub_bench joins later and the relay serves the current group from its first
#     object out of the cache, then live. One group spans the whole 5 s run, so a join at any time during
#     it must still yield every object.
# Cases 2 and 3 pass when sub_bench counts every object pub_bench reports sent (its "Sent:" line) in the
# groups they fill, 0 lost, 0 out of order, LOC timestamps read, and our relay's --stats count that many
# objects in (from pub_bench) and out (to sub_bench); in case 3 with a cache hit (the join was served from
# the cache).
MOQ_INTEROP_NAME=moq-interop-aiomoqt-pub-sub-moq-relay
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

# 1. Subscriber first: refused, cleanly.
start_relay
url=moqt://127.0.0.1:$port
if timeout 40 "$py" -m aiomoqt.tools.sub_bench -k --draft 18 -N demo -T video -t 15 -i 2 "$url" >"$work/sub_bench.out" 2>&1; then
    echo "sub_bench subscribed before any publisher and succeeded"; show "$work/sub_bench.out"; exit 1
fi
grep -q "Request error: .*code=16" "$work/sub_bench.out" \
    || { echo "sub_bench before any publisher: expected REQUEST_ERROR DOES_NOT_EXIST"; show "$work/sub_bench.out"; show_logs; exit 1; }
kill -0 "$relay_pid" 2>/dev/null || { echo "moq-relay died"; show_logs; exit 1; }
echo "sub_bench before any publisher: REQUEST_ERROR DOES_NOT_EXIST (0x10)"

# 2. PUBLISH_NAMESPACE; objects flow once the relay's SUBSCRIBE reaches pub_bench.
start_pub_bench "$url" --pub-ns
run_sub_bench "$url"
wait "$pub_bench_pid" || { echo "pub_bench failed"; show "$work/pub_bench.out"; exit 1; }
sent=$(pub_bench_sent)
(( sent >= 60 )) || { echo "pub_bench sent only $sent objects"; show "$work/pub_bench.out"; exit 1; }
stop_relay
check_sub_bench "$sent" $(( (sent + 29) / 30 )) "pub_bench --pub-ns -> moq-relay -> sub_bench"
check_relay_objects "$sent"

# 3. PUBLISH; the relay caches from the first object, sub_bench joins late.
start_relay
url=moqt://127.0.0.1:$port
start_pub_bench "$url" -g 100000 -t 5
run_sub_bench "$url"
wait "$pub_bench_pid" || { echo "pub_bench failed"; show "$work/pub_bench.out"; exit 1; }
sent=$(pub_bench_sent)
(( sent >= 60 )) || { echo "pub_bench sent only $sent objects"; show "$work/pub_bench.out"; exit 1; }
stop_relay
check_sub_bench "$sent" 1 "pub_bench (PUBLISH) -> moq-relay -> sub_bench joining late"
check_relay_objects "$sent" 1
