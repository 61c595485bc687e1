#!/usr/bin/env bash
# QUIC interop matrix on loopback: our quic-interop endpoint against aioquic, both directions.
# usage: scripts/interop/quic-matrix.sh [CASE...]
#   cases: handshake transfer chacha20 multiplexing retry keyupdate handshakeloss transferloss longrtt datagram
#   (default: all of them). Impaired cases run through scripts/peers/udp_impair.py (seeded; SEED=N to vary).
# Each case passes when the client exits 0, every download equals the served file byte for byte, and the
# case's own evidence is there (a Retry really happened, a key update was initiated, the proxy really
# dropped packets, the RTT really was long, every datagram came back unchanged).
# Prints one line per case x direction, a matrix table and "N passed, N failed"; exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-.build}
PY=${AIOQUIC_PYTHON:-$BUILD_DIR/venv-aioquic/bin/python}
OURS=${QUIC_INTEROP:-$(swift build --show-bin-path)/quic-interop}
PEER=scripts/peers/aioquic_hq.py
PROXY=scripts/peers/udp_impair.py
SEED=${SEED:-7}
KEEP=${QUIC_INTEROP_KEEP:-/tmp/quic-interop-failures}   # logs, qlogs and key logs of failed attempts
ALL_CASES=(handshake transfer chacha20 multiplexing retry keyupdate handshakeloss transferloss longrtt datagram)
cases=("$@")
((${#cases[@]})) || cases=("${ALL_CASES[@]}")
[[ -x $PY ]] || { echo "aioquic venv missing ($PY): run make deps" >&2; exit 1; }
[[ -x $OURS ]] || { echo "quic-interop not built ($OURS)" >&2; exit 1; }

work=$(mktemp -d /tmp/quic-interop.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/certs/priv.key" \
    -out "$work/certs/cert.pem" -days 30 -subj /CN=localhost 2>/dev/null

# Files to serve per case.
make_www() {
    local tc=$1 www=$2
    mkdir -p "$www"
    case $tc in
        transfer) head -c 10000000 /dev/urandom >"$www/big"; REQ=(big) ;;
        keyupdate|transferloss) head -c 2000000 /dev/urandom >"$www/big"; REQ=(big) ;;
        longrtt) head -c 200000 /dev/urandom >"$www/medium"; REQ=(medium) ;;
        multiplexing) for i in $(seq 1 1000); do head -c 32 /dev/urandom >"$www/f$i"; done; REQ=($(seq -f "f%g" 1 1000)) ;;
        *) head -c 1024 /dev/urandom >"$www/small"; REQ=(small) ;;
    esac
}

# Network impairment per case (udp_impair.py arguments); empty = direct.
impairment() {
    case $1 in
        handshakeloss) echo "--drop-first-n 1 --loss 30 --loss-first 12 --seed $SEED" ;;
        transferloss) echo "--loss 3 --seed $SEED" ;;
        longrtt) echo "--delay 200" ;;   # 400 ms RTT
        *) echo "" ;;
    esac
}

start_ready() { # $1 = log file, rest = command; sets port from its "READY <port>" line
    local log=$1; shift
    "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        port=$(awk '/READY/{print $2; exit}' "$log" 2>/dev/null)
        [[ -n $port ]] && return 0
        sleep 0.1
    done
    echo "  $1 did not become ready:"; cat "$log"; return 1
}

stop_last() { kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null; unset 'pids[-1]'; }

# The case's own evidence, beyond correct downloads. $1 = log of our endpoint; returns non-zero with a reason.
evidence() {
    local ours_log=$1
    case $tc in
        retry)
            if [[ $dir == "ours->aioquic" ]]; then
                grep -q 'STATS role=client retried=1' "$ours_log" || { echo "  our client saw no Retry"; return 1; }
            else
                grep -rqE '"packet_type": ?"retry"' "$work/qlog-client" || { echo "  the aioquic client's qlog has no Retry"; return 1; }
            fi ;;
        keyupdate)
            grep -q 'KEYUPDATE initiated' "$ours_log" || { echo "  our endpoint did not initiate a key update"; return 1; }
            grep -qE 'key_updates=[1-9]' "$ours_log" || { echo "  no key update counted"; return 1; } ;;
        handshakeloss|transferloss)
            python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["c2s"]["dropped"]+s["s2c"]["dropped"]>0 else 1)' \
                "$work/proxy.json" 2>/dev/null || { echo "  the proxy dropped nothing"; return 1; } ;;
        longrtt)
            local srtt; srtt=$(grep -o 'srtt_ms=[0-9]*' "$ours_log" | head -1 | cut -d= -f2)
            [[ -n $srtt && $srtt -ge 300 ]] || { echo "  smoothed RTT ${srtt:-?} ms, expected >= 300"; return 1; } ;;
        transfer)
            # Our server sends 10 MB: with GSO available, runs of full-size datagrams must have left in GSO writes.
            if [[ $dir == "aioquic->ours" ]] && grep -q 'gso=on' "$ours_log"; then
                grep -qE 'endpoint_gso_writes=[1-9]' "$ours_log" || { echo "  GSO on but no GSO write"; return 1; }
            fi ;;
        datagram)
            grep -q 'DATAGRAM echoed=20' "$work/client.log" || { echo "  datagrams were not all echoed"; return 1; } ;;
    esac
    return 0
}

# One attempt of case $tc in direction $dir; sets result=pass|fail.
attempt() {
    www=$work/www-$tc; dl=$work/dl-$tc-$RANDOM; mkdir -p "$dl"
    REQ=()
    rm -rf "$www"; make_www "$tc" "$www"
    rm -rf "$work/qlog-client" "$work/qlog-server" "$work/proxy.json" "$work"/*.log "$work/keys"
    if [[ $dir == "ours->aioquic" ]]; then
        server=("$PY" "$PEER"); client=("$OURS"); ours_log=$work/client.log
    else
        server=("$OURS"); client=("$PY" "$PEER"); ours_log=$work/server.log
    fi
    result=fail
    local nstarted=0
    if start_ready "$work/server.log" env ROLE=server TESTCASE=$tc WWW=$www CERTS=$work/certs PORT=0 \
            QLOGDIR=$work/qlog-server SSLKEYLOGFILE=$work/keys "${server[@]}"; then
        nstarted=1
        local target=$port imp; imp=$(impairment "$tc")
        if [[ -n $imp ]]; then
            # shellcheck disable=SC2086
            if start_ready "$work/proxy.log" "$PY" "$PROXY" --target "127.0.0.1:$target" --stats "$work/proxy.json" $imp; then
                nstarted=2
            else
                port=""
            fi
        fi
        if [[ -n $port ]]; then
            urls=""; for r in "${REQ[@]}"; do urls+="https://127.0.0.1:$port/$r "; done
            if ROLE=client TESTCASE=$tc REQUESTS="$urls" DOWNLOADS=$dl QLOGDIR=$work/qlog-client SSLKEYLOGFILE=$work/keys \
                timeout 120 "${client[@]}" >"$work/client.log" 2>&1; then
                ok=1
                for r in "${REQ[@]}"; do cmp -s "$www/$r" "$dl/$r" || { ok=0; echo "  $r differs or missing"; break; }; done
                if ((ok)) && [[ $ours_log == "$work/server.log" ]]; then
                    # Our server prints its STATS line once the client's close arrives.
                    for _ in $(seq 1 30); do grep -q '^STATS' "$ours_log" && break; sleep 0.1; done
                fi
                ((nstarted == 2)) && stop_last && nstarted=1
                ((ok)) && evidence "$ours_log" && result=pass
            else
                echo "  client exit $?"; tail -n 5 "$work/client.log"
            fi
        fi
    fi
    ((nstarted == 2)) && stop_last
    ((nstarted >= 1)) && stop_last
    if [[ $result != pass ]]; then
        echo "  server log:"; tail -n 5 "$work/server.log"
        local keep; keep=$KEEP/$tc-${dir/->/-to-}-$(date +%H%M%S)
        mkdir -p "$keep" && cp -r "$work"/*.log "$work"/qlog-* "$work"/keys "$work"/proxy.json "$keep"/ 2>/dev/null
        echo "  kept logs, qlogs and keys in $keep"
    fi
    rm -rf "$dl"
}

declare -A cell
passed=0; failed=0; retried=0
for tc in "${cases[@]}"; do
    for dir in "ours->aioquic" "aioquic->ours"; do
        start_t=$(date +%s.%N)
        attempt
        note=""
        if [[ $result != pass ]]; then
            # A once-seen intermittent handshake stall under heavy CPU load could not be reproduced
            # (docs/INTEROP-QUIC.md): retry once, and say so loudly, rather than hide or ignore it.
            echo "  RETRYING $tc $dir once (intermittent failure)"
            retried=$((retried+1))
            attempt
            note=" (after a retry)"
        fi
        secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start_t" | bc 2>/dev/null || echo 0)")
        printf '%-14s %-16s %s%s (%ss)\n' "$tc" "$dir" "$result" "$note" "$secs"
        cell[$tc,$dir]="$result${note:+*} ${secs}s"
        if [[ $result == pass ]]; then passed=$((passed+1)); else failed=$((failed+1)); fi
    done
done
echo
printf '| %-13s | %-18s | %-18s |\n' "case" "ours -> aioquic" "aioquic -> ours"
printf '|%s|%s|%s|\n' "---------------" "--------------------" "--------------------"
for tc in "${cases[@]}"; do
    printf '| %-13s | %-18s | %-18s |\n' "$tc" "${cell[$tc,ours->aioquic]}" "${cell[$tc,aioquic->ours]}"
done
echo "(client -> server; * = passed or failed after one retry)"
((retried == 0)) || echo "WARNING: $retried case(s) needed a retry"
echo "$passed passed, $failed failed"
((failed == 0))
