#!/usr/bin/env bash
# Long-lived sessions (loopback, every tool with --idle-timeout 1 so it runs fast):
#  1. a publisher that waits 4 s (4x the idle timeout) for its first subscriber is still served, and
#     a subscriber started before any publisher waits for it with --wait;
#  2. a killed relay (SIGKILL: it says nothing) makes moq-pub and moq-sub exit 1 within the idle
#     timeout, naming the reason, and moq-sub still writes its report;
#  3. with --reconnect, both reconnect to a relay restarted on the same port and media flows again
#     (the objects missed while away are reported as "disconnected" gaps);
#  4. the relay's log names the reason for every session it closed.
source "$(dirname "$0")/../interop/relay-lib.bash"
idle=(--idle-timeout 1)

relay_on() {  # PORT (0 = any): starts moq-relay, sets relay_pid and port
    : >"$work/relay.out"
    "$bin/moq-relay" --listen "127.0.0.1:$1" "${idle[@]}" >"$work/relay.out" 2>>"$work/relay.err" &
    relay_pid=$!
    pids+=("$relay_pid")
    port=""
    for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/relay.out" || true); [[ -n $port ]] && break; sleep 0.1; done
    [[ -n $port ]] || { echo "moq-relay did not start"; cat "$work/relay.err"; exit 1; }
}
fail() { echo "FAIL: $*"; for f in "$work"/*.err; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }
# exit_within SECONDS PID: waits for PID to exit; sets rc to its exit code, or "timeout".
exit_within() {
    local deadline=$((SECONDS + $1))
    while kill -0 "$2" 2>/dev/null; do ((SECONDS < deadline)) || { rc=timeout; return; }; sleep 0.1; done
    rc=0; wait "$2" || rc=$?
}

echo "== 1. an idle publisher (4x the idle timeout) is still served; a subscriber waits for a publisher"
: >"$work/relay.err"
relay_on 0
timeout 30 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure "${idle[@]}" --wait --duration 5 \
    --report "$work/early.json" 2>"$work/early.err" &
early_pid=$!; pids+=("$early_pid")
sleep 1.5
grep -q "no publisher yet" "$work/early.err" || fail "moq-sub --wait did not say it waits"
"$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure "${idle[@]}" --loop "$media/test.mp4" >/dev/null 2>"$work/pub.err" &
pub_pid=$!; pids+=("$pub_pid")
exit_within 30 "$early_pid"; [[ $rc == 0 ]] || fail "moq-sub --wait exited $rc"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["objects"] > 30, r; print("waiting subscriber:", r["objects"], "objects")' "$work/early.json"
# Now nobody subscribes for 4 s: the publisher's session must survive on keep-alives.
sleep 4
kill -0 "$pub_pid" 2>/dev/null || fail "moq-pub exited while idle"
timeout 30 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure "${idle[@]}" --duration 3 --out "$work/late.ts" \
    --report "$work/late.json" 2>"$work/late.err" || fail "late subscriber failed"
python3 - "$work/late.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["objects"] > 30, r
assert all(g["reason"] == "skipped at join" for g in r["gaps"]), r["gaps"]
print(f"subscriber after 4 s of publisher idleness: {r['objects']} objects, no gap")
PY
grep -q "idle timeout" "$work/relay.err" && fail "the relay timed a live session out"

echo "== 2. a killed relay: moq-pub and moq-sub exit 1 within the idle timeout, with the reason"
timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure "${idle[@]}" --report "$work/cut.json" \
    --out "$work/cut.ts" 2>"$work/cut.err" &
cut_pid=$!; pids+=("$cut_pid")
sleep 2
kill -KILL "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
start=$(date +%s.%N)
exit_within 4 "$cut_pid"; rc_sub=$rc
exit_within 4 "$pub_pid"; rc_pub=$rc
elapsed=$(python3 -c "import sys,time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$start")
[[ $rc_sub == 1 ]] || fail "moq-sub after the relay died: exit $rc_sub (expected 1)"
[[ $rc_pub == 1 ]] || fail "moq-pub after the relay died: exit $rc_pub (expected 1)"
grep -q "session lost: idle timeout" "$work/cut.err" || fail "moq-sub did not name the reason"
grep -q "lost: idle timeout" "$work/pub.err" || fail "moq-pub did not name the reason"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["objects"] > 30, r; print("cut subscriber report:", r["objects"], "objects")' "$work/cut.json"
echo "moq-pub and moq-sub exited 1 within ${elapsed} s of the relay's death: $(tail -n 1 "$work/cut.err")"

echo "== 3. --reconnect: both come back to a relay restarted on the same port"
relay_on "$port"
"$bin/moq-pub" --relay "moqt://127.0.0.1:$port" --insecure "${idle[@]}" --reconnect --loop "$media/test.mp4" \
    >/dev/null 2>"$work/pub2.err" &
pub_pid=$!; pids+=("$pub_pid")
for _ in $(seq 1 50); do grep -q announced "$work/pub2.err" && break; sleep 0.1; done
timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure "${idle[@]}" --reconnect --duration 10 \
    --out "$work/re.ts" --report "$work/re.json" 2>"$work/re.err" &
re_pid=$!; pids+=("$re_pid")
sleep 2.5
kill -KILL "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
sleep 2
relay_on "$port"
exit_within 30 "$re_pid"; [[ $rc == 0 ]] || fail "moq-sub --reconnect exited $rc"
kill -0 "$pub_pid" 2>/dev/null || fail "moq-pub --reconnect exited"
grep -q "reconnected" "$work/re.err" || fail "moq-sub did not reconnect"
[[ $(grep -c announced "$work/pub2.err") -ge 2 ]] || fail "moq-pub did not announce again"
python3 - "$work/re.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
reasons = {g["reason"] for g in r["gaps"]}
assert "disconnected" in reasons, r["gaps"]
assert reasons <= {"disconnected", "skipped at join"}, r["gaps"]
# 10 s at 30 frames/s, minus about 2-4 s away: the session after the restart delivered too.
assert r["objects"] > 150, r
print(f"reconnecting subscriber: {r['objects']} objects, gaps {r['gaps']}")
PY
ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/re.ts" >/dev/null \
    || fail "the reconnecting subscriber's TS does not decode"
kill -TERM "$pub_pid"; wait "$pub_pid" 2>/dev/null || true
sleep 1.5  # the relay times the publisher's session out (SIGTERM leaves without a close)

echo "== 4. the relay's log names the reason of every session it closed"
kill -TERM "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
grep "closed:" "$work/relay.err" | sed 's/^/  /'
python3 - "$work/relay.err" <<'PY'
import re, sys
lines = [l for l in open(sys.argv[1]) if " closed: " in l]
assert len(lines) >= 4, f"only {len(lines)} session closes logged"
for l in lines:
    why = l.split(" closed: ", 1)[1].strip()
    assert why and why != "closed", l
assert any("idle timeout" in l and "publisher" in l for l in lines), "the vanished publisher's idle timeout is not logged"
assert any("closed by the peer with NO_ERROR" in l and "subscriber" in l for l in lines), "a subscriber's clean close is not logged"
print(f"{len(lines)} session closes logged, each with its reason")
PY
echo "session lifetime: ok"
