#!/usr/bin/env bash
# Benchmarks arrive with the QUIC hardening and relay issues.
echo "bench: not implemented yet: benchmarks" >&2
exit 1
