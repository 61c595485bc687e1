#!/usr/bin/env bash
# Interop, draft-18 on raw QUIC: aiomoqt's sub_bench subscribes straight to our moq-pub --listen.
# Passes when it reports every object of the 4 s clip (120 objects, 4 groups), none lost or out of
# order: the plain clip with one stream per frame class, and the B-frame clip with --stream-per-frame.
# (sub_bench infers loss from a constant Object ID stride inside each subgroup; the B-frame clip's
# I/P/B class subgroups have irregular strides, which draft-18 allows, so it would count false losses:
# see docs/INTEROP-MOQT.md.)
MOQ_INTEROP_NAME=moq-interop-sub
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

run_case() {  # clip, extra moq-pub flags...
    local clip=$1; shift
    : >"$work/pub.out"
    "$bin/moq-pub" --listen 127.0.0.1:0 --cert "$cert" --key "$key" --log-level debug "$@" "$media/$clip" \
        >"$work/pub.out" 2>"$work/pub.err" &
    local pub=$!
    pids+=($pub)
    local port=""
    for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/pub.out" || true); [[ -n $port ]] && break; sleep 0.1; done
    [[ -n $port ]] || { echo "moq-pub did not start"; show "$work/pub.err"; exit 1; }

    run_sub_bench "moqt://127.0.0.1:$port"
    wait "$pub" || { echo "moq-pub failed"; show "$work/pub.err"; exit 1; }
    local flags=${*:+ $*}
    check_sub_bench 120 4 "aiomoqt sub_bench <- moq-pub --listen ($clip$flags)"
}

run_case test.mp4
run_case test-bframes.mp4 --stream-per-frame
