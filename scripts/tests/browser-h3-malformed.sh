#!/usr/bin/env bash
# The relay's HTTP/3 / WebTransport side against a second QUIC stack (aioquic, scripts/deps.sh's
# .build/venv-aioquic) over real UDP, while a raw-QUIC moq-sub plays a track from the same relay:
# a well-formed WebTransport session runs the MoQT SETUP exchange and ends with
# CLOSE_WEBTRANSPORT_SESSION; a MoQT SETUP with a PATH option over WebTransport closes the session
# with INVALID_PATH; malformed inputs (repeated SETTINGS, no SETTINGS first, CONNECT without
# :protocol, a WebTransport stream for a request that is no session, a non-request session ID, a
# GREASE stream type) get HTTP/3's answer (scripts/browser/h3_probe.py). The raw-QUIC subscriber is
# unaffected: it exits 0 and its MPEG-TS decodes. About 15 s.
source "$(dirname "$0")/../interop/relay-lib.bash"
py=.build/venv-aioquic/bin/python
[[ -x $py ]] || { echo "browser-h3-malformed: FAIL: no $py (run scripts/deps.sh)"; exit 1; }
start_relay
start_pub test.mp4 --loop
timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$port" --insecure --duration 6 --out "$work/sub.ts" --report "$work/sub.json" \
    2>"$work/sub.err" &
sub_pid=$!
pids+=($sub_pid)
"$py" scripts/browser/h3_probe.py 127.0.0.1 "$port" || { echo "--- relay"; tail -n 30 "$work/relay.err"; exit 1; }
rc=0; wait "$sub_pid" || rc=$?
[[ $rc -eq 0 ]] || { echo "moq-sub beside the probes exited $rc"; cat "$work/sub.err"; exit 1; }
n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/sub.ts" | awk -F, 'NR == 1 {print $1}')
[[ ${n:-0} -ge 100 ]] || { echo "moq-sub's TS decodes to ${n:-0} frames"; exit 1; }
grep -q "H3_SETTINGS_ERROR" "$work/relay.err" || { echo "the relay did not log the HTTP/3 error"; exit 1; }
echo "raw-QUIC moq-sub on the same relay meanwhile: exit 0, $n frames decoded"
