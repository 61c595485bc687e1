#!/usr/bin/env bash
# aiomoqt's moq-interop-runner client (python -m aiomoqt.tools.moq_interop_client, TAP output) against
# our moq-relay, started the runner's way: a PEM certificate and key on disk (like /certs), draft-18
# on raw QUIC. Runs every case the client lists, one at a time, and fails on any `not ok`.
# MOQ_INTEROP_CASES="a b" runs only those cases. Fails too when the client lists fewer cases than
# the canonical relay set plus namespace-discovery (a renamed case must not vanish silently).
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
if [[ -z ${MOQ_INTEROP_CASES:-} ]]; then
    for c in setup-only announce-only publish-namespace-done subscribe-error announce-subscribe \
             subscribe-before-announce publish-track-only publish-track-subscribe namespace-discovery; do
        [[ " $(tr '\n' ' ' <<<"$cases") " == *" $c "* ]] || { echo "the client does not list case $c"; exit 1; }
    done
fi
passed=0 failed=0 failures=()
for c in $cases; do
    out=$(RELAY_URL="moqt://127.0.0.1:$port" TLS_DISABLE_VERIFY=1 timeout 60 \
        "$py" -m aiomoqt.tools.moq_interop_client --draft "$aiomoqt_draft" -t "$c" 2>&1) || true
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
echo "aiomoqt interop client (draft-$aiomoqt_draft) vs moq-relay: $passed passed, $failed failed${failures:+ (${failures[*]})}"
[[ $failed -eq 0 ]]
