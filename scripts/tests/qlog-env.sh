#!/usr/bin/env bash
# QLOGDIR in the environment makes every QUIC connection of our tools write a qlog file there (the
# variable other QUIC stacks read too): moq-pub --listen and moq-sub over loopback with a QLOGDIR each.
# Each directory gets one file per connection, JSON-SEQ (every record 0x1E + one JSON text) starting
# with a qlog header, with the connection's start and sent and received 1-RTT packets; without QLOGDIR
# nothing is written.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
media=.build/test-media-4s
media/make-test-media.sh --duration 4 "$media" >/dev/null
work=$(mktemp -d /tmp/qlog-env.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/pub" "$work/sub" "$work/cwd"

QLOGDIR=$work/pub "$bin/moq-pub" --listen 127.0.0.1:0 "$media/test.mp4" >"$work/pub.out" 2>"$work/pub.err" &
pids+=($!)
port=""
for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/pub.out" || true); [[ -n $port ]] && break; sleep 0.1; done
[[ -n $port ]] || { echo "FAIL: moq-pub did not start"; cat "$work/pub.err"; exit 1; }
QLOGDIR=$work/sub timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --out "$work/out.ts" \
    2>"$work/sub.err" || { echo "FAIL: moq-sub failed"; cat "$work/sub.err"; exit 1; }
wait "${pids[-1]}" || { echo "FAIL: moq-pub failed"; cat "$work/pub.err"; exit 1; }

# A run without QLOGDIR writes nothing (into its working directory or anywhere we look).
(cd "$work/cwd" && env -u QLOGDIR "$bin/moq-pub" --listen 127.0.0.1:0 "$OLDPWD/$media/test.mp4" >"$work/pub2.out" 2>"$work/pub2.err") &
pids+=($!)
port=""
for _ in $(seq 1 100); do port=$(awk '/READY/{print $2; exit}' "$work/pub2.out" || true); [[ -n $port ]] && break; sleep 0.1; done
[[ -n $port ]] || { echo "FAIL: second moq-pub did not start"; cat "$work/pub2.err"; exit 1; }
(cd "$work/cwd" && env -u QLOGDIR timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --out "$work/out2.ts" 2>"$work/sub2.err") \
    || { echo "FAIL: second moq-sub failed"; cat "$work/sub2.err"; exit 1; }
wait "${pids[-1]}" || true

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
for side in ("pub", "sub"):
    files = [f for f in os.listdir(os.path.join(work, side))]
    assert len(files) == 1, f"{side}: one qlog file per connection, got {files}"
    data = open(os.path.join(work, side, files[0]), "rb").read()
    assert data[:1] == b"\x1e", f"{side}: not JSON-SEQ"
    records = [json.loads(r) for r in data.split(b"\x1e") if r.strip()]
    assert "qlog_version" in records[0] or "qlog_format" in records[0], f"{side}: no qlog header: {records[0]}"
    names = [r.get("name", "") for r in records[1:]]
    assert any(n.endswith("connection_started") for n in names), f"{side}: no connection_started"
    sent = [r for r in records if r.get("name", "").endswith("packet_sent") and r["data"]["header"]["packet_type"] == "1RTT"]
    received = [r for r in records if r.get("name", "").endswith("packet_received") and r["data"]["header"]["packet_type"] == "1RTT"]
    assert sent and received, f"{side}: 1-RTT packets sent {len(sent)}, received {len(received)}"
    print(f"qlog-env: {side}: {files[0]}: {len(records)} records, 1-RTT sent {len(sent)}, received {len(received)}")
assert os.listdir(os.path.join(work, "cwd")) == [], f"without QLOGDIR files appeared: {os.listdir(os.path.join(work, 'cwd'))}"
print("qlog-env: ok")
PY
