#!/usr/bin/env bash
# Interop at draft-22 (ALPN moqt-22) with aiomoqt 0.13.3: the draft-18 aiomoqt tests repeated with
# aiomoqt pinned to --draft 22 (AIOMOQT_DRAFT=22), plus one relay serving both drafts on one track.
#  relay               our moq-pub -> aiomoqt's relay -> our moq-sub (framemd5 equal, both clips)
#  sub                 aiomoqt sub_bench <- our moq-pub --listen
#  pub                 aiomoqt pub_bench -> aiomoqt's relay -> our moq-sub (streams, datagrams)
#  pub-sub-moq-relay   aiomoqt pub_bench -> our moq-relay -> aiomoqt sub_bench (5 orders/modes)
#  sub-moq-relay       our moq-pub -> our moq-relay -> aiomoqt sub_bench
#  client              aiomoqt's moq-interop-runner client, every case it lists, against our moq-relay
#  mixed               our moq-pub --draft 22 -> our moq-relay -> our moq-sub --draft 18 and aiomoqt
#                      sub_bench --draft 22 on the same track at once
# aiomoqt pinned to one draft offers or accepts only moqt-22, so every session with it is draft-22;
# our tools offer both drafts by default, so the first five also exercise the negotiation. Where our
# moq-pub/moq-sub talk to aiomoqt directly (relay, sub, pub), each of their logs must report a draft-22
# session; in pub-sub-moq-relay, sub-moq-relay and client every session with aiomoqt is draft-22 by
# construction (moq-pub and our relay, both offering both drafts, speak draft-18 to each other there).
# In "mixed" the logs must say draft-22 for moq-pub and draft-18 for moq-sub.
# Ends with one summary table row.
MOQ_INTEROP_NAME=moq-interop-aiomoqt-draft22
export AIOMOQT_DRAFT=22
source "$(dirname "$0")/../interop/aiomoqt-common.bash"

declare -A result
failed=0

# run_script CASE [check]: scripts/tests/moq-interop-aiomoqt-CASE.sh at draft-22, its logs kept in
# $work/CASE; with "check", every moq-pub/moq-sub log must report a draft-22 session.
run_script() {
    local c=$1 out=$work/$1.log kept
    if MOQ_INTEROP_KEEP=1 timeout 400 bash "scripts/tests/moq-interop-aiomoqt-$c.sh" >"$out" 2>&1; then
        result[$c]=pass
    else
        result[$c]=FAIL
    fi
    kept=$(sed -n 's/^logs kept in //p' "$out" | tail -n 1)
    if [[ -n $kept && -d $kept ]]; then
        mv "$kept" "$work/$c"
    fi
    if [[ ${2:-} == check ]]; then
        local f n=0
        for f in "$work/$c"/pub*.err "$work/$c"/sub*.err; do
            [[ -e $f ]] || continue
            n=$((n + 1))
            if ! grep -q "MoQT session ready: draft-22 (moqt-22)" "$f" || grep -q "MoQT session ready: draft-18" "$f"; then
                echo "$c: $(basename "$f") does not report a draft-22 session"; result[$c]=FAIL
            fi
        done
        [[ $n -gt 0 ]] || { echo "$c: no moq-pub/moq-sub log to check"; result[$c]=FAIL; }
    fi
    [[ ${result[$c]} == pass ]] || { failed=$((failed + 1)); echo "--- $c failed:"; tail -n 30 "$out"; }
    echo "$c: ${result[$c]}  $(grep -E '^(moq-pub|pub_bench|moq-rs|aiomoqt|test|sub_bench).*(objects|passed|equal)' "$out" | tail -n 1)"
}

for c in relay sub pub; do run_script "$c" check; done
for c in pub-sub-moq-relay sub-moq-relay client; do run_script "$c"; done
client_summary=$(grep -m1 "^aiomoqt interop client" "$work/client.log" | sed 's/.*moq-relay: //' || true)

# mixed: one track, a draft-22 publisher, a draft-18 and a draft-22 subscriber on one relay.
mixed() {
    start_relay
    start_pub test.mp4 --draft 22 --log-level info
    timeout 40 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --draft 18 --out "$work/mixed.ts" \
        --report "$work/mixed.json" --duration 30 >"$work/mixed-sub.out" 2>"$work/mixed-sub.err" &
    local sub=$!
    pids+=("$sub")
    start_sub_bench "moqt://127.0.0.1:$port" -T video
    wait "$sub" || { echo "moq-sub failed"; show "$work/mixed-sub.err"; show_logs; return 1; }
    wait_sub_bench >/dev/null
    wait "$pub_pid" || { echo "moq-pub failed"; show_logs; return 1; }
    stop_relay
    grep -q "MoQT session ready: draft-22 (moqt-22)" "$work/pub.err" || { echo "moq-pub did not run draft-22"; return 1; }
    grep -q "MoQT session ready: draft-18 (moqt-18)" "$work/mixed-sub.err" || { echo "moq-sub did not run draft-18"; return 1; }
    check_sub_bench 120 4 "mixed: sub_bench (draft-22)" || return 1
    diff <(frames "$media/test.mp4") <(frames "$work/mixed.ts") >/dev/null || { echo "mixed: moq-sub's frames differ"; return 1; }
    python3 - "$work/mixed.json" "$work/relay.json" <<'PY' || return 1
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["gaps"] == [] and r["objects"] == 120 and r["groups"] == 4, f"moq-sub (draft-18): {r['objects']} objects, gaps {r['gaps']}"
# 120 video objects to each subscriber, and the catalog object to moq-sub (sub_bench takes video only).
assert s["objects_in"] == 121 and s["objects_out"] == 241, f"relay: {s['objects_in']} in, {s['objects_out']} out"
print("mixed: moq-sub (draft-18) 120 objects, 4 groups, no gaps, framemd5 equal; relay 121 objects in (draft-22), 241 out")
PY
}
if mixed; then result[mixed]=pass; else result[mixed]=FAIL; failed=$((failed + 1)); fi
echo "mixed: ${result[mixed]}"

echo "| aiomoqt 0.13.3 | draft-22 | aiomoqt relay: ${result[relay]} | sub_bench <- moq-pub: ${result[sub]} | pub_bench -> aiomoqt relay -> moq-sub: ${result[pub]} | pub_bench -> moq-relay -> sub_bench: ${result[pub-sub-moq-relay]} | moq-pub -> moq-relay -> sub_bench: ${result[sub-moq-relay]} | interop client: ${client_summary:-${result[client]}} | draft-18 + draft-22 on one relay: ${result[mixed]} |"
[[ $failed -eq 0 ]]
