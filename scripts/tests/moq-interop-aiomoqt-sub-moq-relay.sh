#!/usr/bin/env bash
# Interop, draft-18 on raw QUIC: our moq-pub --relay -> OUR moq-relay -> aiomoqt's sub_bench.
# moq-pub announces its namespace (PUBLISH_NAMESPACE) and starts the clip at the first SUBSCRIBE, which the
# relay sends upstream when sub_bench subscribes. For the plain clip, and the B-frame clip with
# --stream-per-frame (sub_bench's loss count assumes a constant Object ID stride per subgroup: see
# moq-interop-aiomoqt-sub.sh), a fresh relay each: passes when sub_bench counts all 120 objects of the 4 s
# clip in 4 groups, 0 lost, 0 out of order, with our LOC timestamps read, moq-pub exits 0 after its clip,
# and the relay's --stats count 120 objects in (from moq-pub) and 120 out (to sub_bench).
MOQ_INTEROP_NAME=moq-interop-aiomoqt-sub-moq-relay
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

run_case() {  # clip, extra moq-pub flags...
    local clip=$1
    start_relay
    start_pub "$@"
    run_sub_bench "moqt://127.0.0.1:$port"
    wait "$pub_pid" || { echo "moq-pub failed"; show_logs; exit 1; }
    stop_relay
    local flags=${*:2}
    check_sub_bench 120 4 "moq-pub ($clip${flags:+ $flags}) -> moq-relay -> sub_bench"
    check_relay_objects 120
}

run_case test.mp4
run_case test-bframes.mp4 --stream-per-frame
