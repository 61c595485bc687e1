#!/usr/bin/env bash
# aiomoqt's moq-interop-runner client (python -m aiomoqt.tools.moq_interop_client, TAP output) against
# our moq-relay, started the runner's way: a PEM certificate and key on disk (like /certs), draft-18
# on raw QUIC. Runs every case the client lists, one at a time, and fails on any `not ok`.
# MOQ_INTEROP_CASES="a b" runs only those cases.
# Known gap, listed loudly and not counted as a pass: namespace-discovery needs the relay to answer
# SUBSCRIBE_TRACKS with a PUBLISH per matching track, which moq-relay does not do yet
# (docs/INTEROP-MOQT.md). MOQ_INTEROP_KNOWN_GAPS="" runs it too.
MOQ_INTEROP_NAME=moq-interop-aiomoqt-client
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

port=$(free_udp_port)
"$bin/moq-relay" --listen "127.0.0.1:$port" --cert "$cert" --key "$key" --stats "$work/relay.json" \
    >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
pids+=("$relay_pid")
for _ in $(seq 1 100); do grep -q READY "$work/relay.out" && break; sleep 0.1; done
grep -q READY "$work/relay.out" || { echo "moq-relay did not start"; cat "$work/relay.err"; exit 1; }

cases=${MOQ_INTEROP_CASES:-$("$py" -m aiomoqt.tools.moq_interop_client --list)}
known_gaps=${MOQ_INTEROP_KNOWN_GAPS-namespace-discovery}
passed=0 failed=0 failures=() gaps=()
for c in $cases; do
    if [[ " $known_gaps " == *" $c "* ]]; then
        gaps+=("$c")
        echo "KNOWN GAP (not run, not passed) - $c"
        continue
    fi
    out=$(RELAY_URL="moqt://127.0.0.1:$port" TLS_DISABLE_VERIFY=1 timeout 60 \
        "$py" -m aiomoqt.tools.moq_interop_client --draft 18 -t "$c" 2>&1) || true
    if grep -q "^ok " <<<"$out" && ! grep -q "^not ok " <<<"$out"; then
        passed=$((passed + 1))
        echo "ok - $c"
    else
        failed=$((failed + 1))
        failures+=("$c")
        echo "not ok - $c: $(grep -m1 '^  message:' <<<"$out" | sed 's/^  message: //')"
    fi
done
kill -0 "$relay_pid" 2>/dev/null || { echo "moq-relay died"; cat "$work/relay.err"; exit 1; }
echo "aiomoqt interop client vs moq-relay: $passed passed, $failed failed${failures:+ (${failures[*]})}, ${#gaps[@]} known gap(s)${gaps:+ (${gaps[*]})}"
[[ $failed -eq 0 ]]
