#!/usr/bin/env bash
# QUIC interop with aioquic over loopback UDP, both directions (scripts/interop/quic-matrix.sh):
# handshake, transfer (10 MB), chacha20, multiplexing (1000 streams), retry, keyupdate, handshakeloss,
# transferloss, longrtt (impaired by scripts/peers/udp_impair.py) and datagram. Needs `make deps`.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/interop/quic-matrix.sh
