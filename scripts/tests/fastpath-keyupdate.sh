#!/usr/bin/env bash
# The encrypted kernel fast path under forced key updates (issue 14): fastpath-encrypted-e2e.sh with the
# relay starting a 1-RTT key update on the publisher's and every subscriber's connection each second
# (moq-relay --ebpf-key-update-ms 1000, tests only). Every subscriber must still receive every frame
# (framemd5, no gap) with >= 90% of the media packets from the kernel, and the new key phases must
# reach the kernel on both sides (each subscriber's about once a second; the publisher's at least once:
# a further update waits for the publisher to acknowledge a packet of the current phase, and the relay
# sends it mostly ACKs).
FASTPATH_KEY_UPDATE_MS=${FASTPATH_KEY_UPDATE_MS:-1000} exec bash "$(dirname "$0")/fastpath-encrypted-e2e.sh"
