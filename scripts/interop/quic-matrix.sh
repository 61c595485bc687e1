#!/usr/bin/env bash
# QUIC interop matrix on loopback: our quic-interop endpoint against aioquic, both directions.
# usage: scripts/interop/quic-matrix.sh [CASE...]   (default: handshake transfer chacha20 multiplexing)
# Prints one line per case x direction and "N passed, N failed"; exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-.build}
PY=${AIOQUIC_PYTHON:-$BUILD_DIR/venv-aioquic/bin/python}
OURS=${QUIC_INTEROP:-$(swift build --show-bin-path)/quic-interop}
PEER=scripts/peers/aioquic_hq.py
cases=("$@")
((${#cases[@]})) || cases=(handshake transfer chacha20 multiplexing)
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
    REQ=()
    case $tc in
        handshake|chacha20) head -c 1024 /dev/urandom >"$www/small"; REQ=(small) ;;
        transfer) head -c 10000000 /dev/urandom >"$www/big"; REQ=(big) ;;
        multiplexing) for i in $(seq 1 1000); do head -c 32 /dev/urandom >"$www/f$i"; done; REQ=($(seq -f "f%g" 1 1000)) ;;
        *) head -c 1024 /dev/urandom >"$www/small"; REQ=(small) ;;
    esac
}

start_server() { # $1 = command..., prints port
    local log=$work/server.log
    ROLE=server TESTCASE=$tc WWW=$www CERTS=$work/certs PORT=0 "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        port=$(awk '/READY/{print $2; exit}' "$log")
        [[ -n $port ]] && return 0
        sleep 0.1
    done
    echo "server did not become ready:"; cat "$log"; return 1
}

# One attempt of case $tc in direction $dir; sets result=pass|fail.
attempt() {
    www=$work/www-$tc; dl=$work/dl-$tc-$RANDOM; mkdir -p "$dl"
    [[ -d $www ]] || make_www "$tc" "$www"
    [[ -n ${REQ+x} && ${#REQ[@]} -gt 0 ]] || make_www "$tc" "$www"
    if [[ $dir == "ours->aioquic" ]]; then server=("$PY" "$PEER"); client=("$OURS"); else server=("$OURS"); client=("$PY" "$PEER"); fi
    result=fail
    if start_server "${server[@]}"; then
        urls=""; for r in "${REQ[@]}"; do urls+="https://127.0.0.1:$port/$r "; done
        if ROLE=client TESTCASE=$tc REQUESTS="$urls" DOWNLOADS=$dl timeout 120 "${client[@]}" >"$work/client.log" 2>&1; then
            ok=1
            for r in "${REQ[@]}"; do cmp -s "$www/$r" "$dl/$r" || { ok=0; echo "  $r differs or missing"; break; }; done
            ((ok)) && result=pass
        else
            echo "  client exit $?"; tail -n 5 "$work/client.log"
        fi
    fi
    kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null
    [[ $result == pass ]] || tail -n 5 "$work/server.log"
    rm -rf "$dl"
}

passed=0; failed=0; retried=0
for tc in "${cases[@]}"; do
    for dir in "ours->aioquic" "aioquic->ours"; do
        start_t=$(date +%s.%N)
        attempt
        note=""
        if [[ $result != pass ]]; then
            # A known intermittent handshake stall under heavy CPU load is being investigated:
            # retry once, and say so loudly, rather than hide or ignore it.
            echo "  RETRYING $tc $dir once (intermittent failure)"
            retried=$((retried+1))
            attempt
            note=" (after a retry)"
        fi
        secs=$(echo "$(date +%s.%N) - $start_t" | bc 2>/dev/null || echo "?")
        printf '%-14s %-16s %s%s (%ss)\n' "$tc" "$dir" "$result" "$note" "$secs"
        if [[ $result == pass ]]; then passed=$((passed+1)); else failed=$((failed+1)); fi
    done
done
((retried == 0)) || echo "WARNING: $retried case(s) needed a retry"
echo "$passed passed, $failed failed"
((failed == 0))
