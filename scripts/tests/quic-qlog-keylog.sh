#!/usr/bin/env bash
# qlog and key log of quic-interop, checked against aioquic:
#  1. aioquic client -> our server, 2 MB through udp_impair.py with 5% loss, our server with QLOGDIR and
#     SSLKEYLOGFILE: the qlog file is JSON-SEQ (every record 0x1E + one JSON text), starts with a qlog 0.3
#     header, and has connection_started, sent and received packets (with packet_type and packet_number),
#     lost packets and recovery metrics; our key log has the four TLS 1.3 secrets per connection, and
#     CLIENT_TRAFFIC_SECRET_0 equals the one aioquic logged for the same client random.
#  2. our client (flags --qlog-dir and --keylog instead of the environment) -> aioquic server: same checks
#     on the client side.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-.build}
PY=${AIOQUIC_PYTHON:-$BUILD_DIR/venv-aioquic/bin/python}
OURS=${QUIC_INTEROP:-$(swift build --show-bin-path)/quic-interop}
[[ -x $PY ]] || { echo "aioquic venv missing ($PY): run make deps" >&2; exit 1; }
[[ -x $OURS ]] || { echo "quic-interop not built ($OURS)" >&2; exit 1; }
work=$(mktemp -d /tmp/quic-qlog.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
mkdir -p "$work/certs" "$work/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/certs/priv.key" \
    -out "$work/certs/cert.pem" -days 30 -subj /CN=localhost 2>/dev/null
head -c 2000000 /dev/urandom >"$work/www/big"

ready() { # $1 = log; waits for READY, prints the port
    for _ in $(seq 1 100); do
        local p; p=$(awk '/READY/{print $2; exit}' "$1" 2>/dev/null)
        [[ -n $p ]] && { echo "$p"; return 0; }
        sleep 0.1
    done
    echo "not ready: $(cat "$1")" >&2; return 1
}

check() { # $1 = qlog dir, $2 = role, $3 = our key log, $4 = aioquic key log
    "$PY" - "$@" <<'EOF'
import glob, json, sys
qdir, role, ours, theirs = sys.argv[1:5]
files = glob.glob(f"{qdir}/*_{role}.sqlog")
assert len(files) == 1, f"expected one {role} qlog file in {qdir}, found {files}"
raw = open(files[0], "rb").read()
assert raw.startswith(b"\x1e"), "a JSON-SEQ file starts with the record separator 0x1E"
records = [json.loads(r) for r in raw.split(b"\x1e")[1:]]   # every record must be one JSON text
head = records[0]
assert head["qlog_format"] == "JSON-SEQ" and head["qlog_version"] == "0.3", head
assert head["trace"]["vantage_point"]["type"] == role
names = [r["name"] for r in records[1:]]
count = {n: names.count(n) for n in set(names)}
for needed in ("connectivity:connection_started", "transport:packet_sent", "transport:packet_received",
               "recovery:metrics_updated", "recovery:packet_lost", "connectivity:connection_state_updated"):
    assert count.get(needed, 0) > 0, f"no {needed} in {count}"
types = set()
for r in records[1:]:
    if r["name"] in ("transport:packet_sent", "transport:packet_received"):
        h = r["data"]["header"]
        assert isinstance(h["packet_number"], int) and r["data"]["frames"], r
        types.add(h["packet_type"])
assert types == {"initial", "handshake", "1RTT"}, types
times = [r["time"] for r in records[1:]]
assert times == sorted(times), "event times go forward"
assert any(f["frame_type"] == "stream" for r in records[1:] if "frames" in r.get("data", {}) for f in r["data"]["frames"])

def secrets(path):
    out = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 3:
            out.setdefault(parts[1], {})[parts[0]] = parts[2]
    return out
mine, peer = secrets(ours), secrets(theirs)
assert len(mine) == 1, f"one connection expected in our key log, got {len(mine)}"
(client_random, labels), = mine.items()
for label in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"):
    assert label in labels, f"{label} missing from our key log"
assert peer[client_random]["CLIENT_TRAFFIC_SECRET_0"] == labels["CLIENT_TRAFFIC_SECRET_0"], "our secret differs from aioquic's"
print(f"{role}: {len(records)} qlog records {count}; key log matches aioquic's")
EOF
}

# 1. aioquic client -> proxy (5% loss) -> our server (environment variables).
ROLE=server TESTCASE=transferloss WWW=$work/www CERTS=$work/certs PORT=0 QLOGDIR=$work/q1 SSLKEYLOGFILE=$work/ours1.keys \
    "$OURS" >"$work/server1.log" 2>&1 & pids+=($!)
port=$(ready "$work/server1.log")
"$PY" scripts/peers/udp_impair.py --target "127.0.0.1:$port" --loss 5 --seed 3 >"$work/proxy1.log" 2>&1 & pids+=($!)
pport=$(ready "$work/proxy1.log")
ROLE=client TESTCASE=transferloss REQUESTS="https://127.0.0.1:$pport/big" DOWNLOADS=$work/dl1 SSLKEYLOGFILE=$work/aioquic1.keys \
    timeout 60 "$PY" scripts/peers/aioquic_hq.py
cmp "$work/www/big" "$work/dl1/big"
for _ in $(seq 1 30); do grep -q '^STATS' "$work/server1.log" && break; sleep 0.1; done
check "$work/q1" server "$work/ours1.keys" "$work/aioquic1.keys"

# 2. our client (flags) -> proxy (5% loss) -> aioquic server.
ROLE=server TESTCASE=transferloss WWW=$work/www CERTS=$work/certs PORT=0 SSLKEYLOGFILE=$work/aioquic2.keys \
    "$PY" scripts/peers/aioquic_hq.py >"$work/server2.log" 2>&1 & pids+=($!)
port=$(ready "$work/server2.log")
"$PY" scripts/peers/udp_impair.py --target "127.0.0.1:$port" --loss 5 --seed 4 >"$work/proxy2.log" 2>&1 & pids+=($!)
pport=$(ready "$work/proxy2.log")
ROLE=client TESTCASE=transferloss REQUESTS="https://127.0.0.1:$pport/big" DOWNLOADS=$work/dl2 \
    timeout 60 "$OURS" --qlog-dir "$work/q2" --keylog "$work/ours2.keys"
cmp "$work/www/big" "$work/dl2/big"
check "$work/q2" client "$work/ours2.keys" "$work/aioquic2.keys"
echo "quic qlog + key log: pass"
