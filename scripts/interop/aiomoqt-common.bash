# Shared helpers for the aiomoqt interop tests (sourced by scripts/tests/moq-interop-aiomoqt-*.sh).
# Sets: bin (our debug binaries), py (aiomoqt's venv python), media (4 s clip dir), work (unique temp dir),
# cert/key (self-signed P-256); registers every started process for the EXIT trap.
# MOQ_INTEROP_KEEP=1 keeps the temp dir (all logs) for diagnosis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=$(swift build --show-bin-path)
py=${BUILD_DIR:-.build}/venv-aiomoqt/bin/python
[[ -x $py ]] || { echo "aiomoqt venv missing ($py): run scripts/deps.sh"; exit 1; }
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null
work=$(mktemp -d "/tmp/${MOQ_INTEROP_NAME:-moq-interop}.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [[ ${MOQ_INTEROP_KEEP:-0} == 1 ]]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/priv.key" \
    -out "$work/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
cert=$work/cert.pem
key=$work/priv.key

# A free UDP port on loopback, chosen by the OS.
free_udp_port() {
    python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts aiomoqt's relay (raw QUIC, draft-18) on a free port; sets relay_port.
start_aiomoqt_relay() {
    relay_port=$(free_udp_port)
    "$py" -m aiomoqt.tools.moq_interop_relay --bind 127.0.0.1 --port "$relay_port" --cert "$cert" --key "$key" \
        --quic --draft 18 --debug >"$work/relay.log" 2>&1 &
    pids+=($!)
    # Ready when its UDP socket is bound.
    for _ in $(seq 1 100); do
        if ss -Hlun "sport = :$relay_port" 2>/dev/null | grep -q .; then return 0; fi
        sleep 0.1
    done
    echo "aiomoqt relay did not start"; tail -n 20 "$work/relay.log"; exit 1
}

# Prints a log's tail under a header (diagnostics on failure).
show() { echo "--- $1"; tail -n "${2:-25}" "$1" || true; }

frames() { ffmpeg -v error -i "$1" -map 0:v:0 -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}'; }
