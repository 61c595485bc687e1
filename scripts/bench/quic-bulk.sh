#!/usr/bin/env bash
# QUIC bulk throughput on loopback: one connection, one stream, BYTES (default 1 GB) of generated data
# (`GET /bytes/N`, test case "bulk" of quic-interop and scripts/peers/aioquic_hq.py), in four pairings:
# ours->ours, aioquic->aioquic, ours->aioquic, aioquic->ours (client -> server; data flows server -> client),
# plus ours->ours with UDP GSO off (QUIC_GSO=0; pairing name "ours-ours-nogso").
# Prints throughput (Mbit/s, measured by the client from request to last byte) and CPU seconds per GB of
# each process (user+sys from wait4, whole process lifetime incl. start-up), plus a markdown table.
# Our endpoint is the release build (built here unless QUIC_INTEROP is given).
# usage: scripts/bench/quic-bulk.sh [PAIRING...]   env: BYTES, RUNS (default 1)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-.build}
PY=${AIOQUIC_PYTHON:-$BUILD_DIR/venv-aioquic/bin/python}
BYTES=${BYTES:-1000000000}
RUNS=${RUNS:-1}
if [[ -z ${QUIC_INTEROP:-} ]]; then
    swift build -c release --product quic-interop 2>&1 | tail -n 1
    QUIC_INTEROP=$(swift build -c release --show-bin-path)/quic-interop
fi
OURS=$QUIC_INTEROP
PEER=scripts/peers/aioquic_hq.py
RUSAGE=scripts/bench/rusage.py
[[ -x $PY ]] || { echo "aioquic venv missing ($PY): run make deps" >&2; exit 1; }
[[ -x $OURS ]] || { echo "quic-interop not built ($OURS)" >&2; exit 1; }
pairings=("$@")
((${#pairings[@]})) || pairings=(ours-ours ours-ours-nogso aioquic-aioquic ours-aioquic aioquic-ours)

work=$(mktemp -d /tmp/quic-bench.XXXXXX)
spid=""
trap '[[ -n $spid ]] && kill $spid 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/certs" "$work/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/certs/priv.key" \
    -out "$work/certs/cert.pem" -days 30 -subj /CN=localhost 2>/dev/null

cmd_for() { [[ $1 == ours ]] && echo "$OURS" || echo "$PY $PEER"; }
cpu_per_gb() { awk -v b="$BYTES" '{printf "%.2f", ($1+$2) / (b/1e9)}' "$1"; }

rows=()
echo "QUIC bulk: $BYTES bytes per run, $RUNS run(s) per pairing, $(nproc) cores, $(uname -r)"
for pairing in "${pairings[@]}"; do
    gso=1; p=$pairing
    [[ $p == *-nogso ]] && { gso=0; p=${p%-nogso}; }
    c=${p%-*}; s=${p#*-}
    label="$c -> $s"; ((gso)) || label="$label (no GSO)"
    for run in $(seq 1 "$RUNS"); do
        # shellcheck disable=SC2046
        QUIC_GSO=$gso ROLE=server TESTCASE=bulk CERTS=$work/certs WWW=$work/www PORT=0 HOST=127.0.0.1 \
            "$PY" "$RUSAGE" "$work/server.ru" $(cmd_for "$s") >"$work/server.log" 2>&1 &
        spid=$!
        port=""
        for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/server.log" 2>/dev/null); [[ -n $port ]] && break; sleep 0.1; done
        [[ -n $port ]] || { echo "$pairing: server not ready"; cat "$work/server.log"; exit 1; }
        # shellcheck disable=SC2046
        QUIC_GSO=$gso ROLE=client TESTCASE=bulk REQUESTS="https://127.0.0.1:$port/bytes/$BYTES" DOWNLOADS=$work/dl \
            timeout 1200 "$PY" "$RUSAGE" "$work/client.ru" $(cmd_for "$c") >"$work/client.log" 2>&1
        rc=$?
        sleep 0.3
        kill -TERM $spid 2>/dev/null; wait $spid 2>/dev/null; spid=""
        line=$(grep -o 'BULK bytes=[0-9]* seconds=[0-9.]* mbps=[0-9.]*' "$work/client.log" | head -1)
        got=$(sed -E 's/.*bytes=([0-9]+).*/\1/' <<<"$line")
        if [[ $rc -ne 0 || $got != "$BYTES" ]]; then
            echo "$pairing run $run: FAILED (exit $rc, got ${got:-nothing})"; tail -n 5 "$work/client.log"
            rows+=("| $label | failed | | |")
            continue
        fi
        mbps=$(sed -E 's/.*mbps=([0-9.]+).*/\1/' <<<"$line")
        secs=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$line")
        ccpu=$(cpu_per_gb "$work/client.ru"); scpu=$(cpu_per_gb "$work/server.ru")
        printf '%-26s run %d: %8s Mbit/s  %7ss  client %6s CPU-s/GB  server %6s CPU-s/GB  (client %s, server %s user/sys/maxrss)\n' \
            "$label" "$run" "$mbps" "$secs" "$ccpu" "$scpu" "$(cut -d' ' -f1-3 "$work/client.ru")" "$(cut -d' ' -f1-3 "$work/server.ru")"
        rows+=("| $label | $mbps | $ccpu | $scpu |")
    done
done
echo
echo "| client -> server | Mbit/s | client CPU s/GB | server (sender) CPU s/GB |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
