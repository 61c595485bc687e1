#!/usr/bin/env bash
# Relay memory stays bounded under connection churn and handshake floods (loopback, moq-relay with
# --idle-timeout 2 so abandoned state times out fast). After a warm-up of 300 handshakes:
#  1. 1,000 more connections opened and closed: RSS returns to within 8 MB of the plateau (each
#     connection used to stay behind, ~44 kB apiece: +43 MB);
#  2. 3,000 Initials no key opens: they create no state (RSS within 8 MB);
#  3. 1,000 half-open handshakes: past 128 the relay answers with Retry, so they take at most 24 MB,
#     and a second wave after they timed out adds at most 4 MB (their state was released);
#  4. the relay still serves a handshake, and closed every session it opened.
source "$(dirname "$0")/../interop/relay-lib.bash"
py=.build/venv-aioquic/bin/python
[[ -x $py ]] || { echo "FAIL: $py missing (run make deps)"; exit 1; }
churn() { timeout 300 "$py" scripts/peers/conn_churn.py "$port" "$@"; }
fail() { echo "FAIL: $*"; tail -n 20 "$work/relay.err"; exit 1; }

: >"$work/relay.out"
"$bin/moq-relay" --listen 127.0.0.1:0 --idle-timeout 2 >"$work/relay.out" 2>"$work/relay.err" &
relay_pid=$!
pids+=("$relay_pid")
port=""
for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/relay.out" || true); [[ -n $port ]] && break; sleep 0.1; done
[[ -n $port ]] || fail "moq-relay did not start"
rss() { awk '/VmRSS/{print int($2/1024)}' "/proc/$relay_pid/status"; }

start=$(rss)
churn handshake 300 | grep -q "ok=300" || fail "warm-up handshakes failed"
sleep 3
plateau=$(rss)
echo "RSS: start $start MB, after 300 handshakes $plateau MB"

churn handshake 1000 | tee "$work/h.txt"
grep -q "ok=1000" "$work/h.txt" || fail "not every handshake succeeded"
sleep 4
after=$(rss)
echo "1. after 1,000 more connections: $after MB (plateau $plateau MB)"
((after - plateau <= 8)) || fail "RSS grew by $((after - plateau)) MB over 1,000 closed connections"

churn junk 3000 >/dev/null
sleep 1
junk_rss=$(rss)
echo "2. after 3,000 undecryptable Initials: $junk_rss MB"
((junk_rss - plateau <= 8)) || fail "RSS grew by $((junk_rss - plateau)) MB from undecryptable Initials"

churn halfopen 1000 >/dev/null
sleep 0.5
half_rss=$(rss)
sleep 5
settled=$(rss)
churn halfopen 1000 >/dev/null
sleep 5.5
again=$(rss)
echo "3. 1,000 half-open handshakes: $half_rss MB right after, $settled MB once timed out; a second wave: $again MB"
((half_rss - plateau <= 24)) || fail "half-open handshakes took $((half_rss - plateau)) MB"
((again - settled <= 4)) || fail "half-open state not released: a second wave added $((again - settled)) MB"

churn handshake 10 | grep -q "ok=10" || fail "the relay no longer completes handshakes"
sleep 3
opened=$(grep -c "closed" "$work/relay.err" || true)
echo "4. relay still serves; $opened sessions logged as closed"
((opened >= 1310)) || fail "only $opened of 1,310 sessions logged as closed"
kill -0 "$relay_pid" || fail "relay died"
echo "relay-memory: OK"
