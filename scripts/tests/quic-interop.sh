#!/usr/bin/env bash
# QUIC interop with aioquic over loopback UDP, both directions: handshake, transfer (10 MB, compared
# byte for byte), chacha20, multiplexing (1000 streams). Needs `make deps` (the aioquic venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/interop/quic-matrix.sh handshake transfer chacha20 multiplexing
