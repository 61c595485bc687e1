#!/usr/bin/env bash
# ChaCha20-Poly1305 QUIC packet protection in BPF (bpf/fp_crypto.h) against swift-crypto, same process,
# same run: ns per sealed and per opened QUIC packet of PAYLOAD UDP-payload bytes (default 1200: 1-byte
# first byte, 8-byte DCID, 4-byte packet number, payload, 16-byte tag).
#   bpf_seal_ns   BPF_PROG_TEST_RUN of bpf/crypto_test.bpf.o, repeated: load header+payload from the skb,
#                 AEAD seal, header protection, two bpf_skb_store_bytes (best of ROUNDS averages of REPEAT)
#   bpf_open_ns   header-protection removal, packet-number decoding, tag check, decryption (no write-back)
#   bpf_harness_ns the same harness doing nothing (map lookups + test-run overhead), included above
#   bpf_fanout1_ns / bpf_fanout16_ns  one open, then 1 or 16 copies (renumber, seal, store; a bpf_loop
#                 calling a global function per copy), the original written back at the end
#   bpf_per_copy_ns (fanout16 - fanout1) / 15: what each further subscriber costs
#   swift_*_ns    swift-crypto ChaChaPoly + ChaCha20 header-protection mask, same packet, same process
# The Swift side is the debug build (`swift build --build-tests`; this project benchmarks debug builds
# only here): swift-crypto's assembly is the same in both, its C glue and our Swift loop are not.
# Runs FastPathCryptoBenchmarkTests (needs root: CAP_BPF + CAP_NET_ADMIN).
# usage: scripts/bench/crypto-bpf.sh [--repeat N] [--rounds N] [--payload BYTES] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=2000
ROUNDS=5
PAYLOAD=1200
BUILD=1
while (($#)); do
    case $1 in
        --repeat) REPEAT=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --payload) PAYLOAD=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
if ((PAYLOAD < 30 || PAYLOAD > 1565)); then
    echo "--payload must be 30..1565 (13-byte header + payload <= 1536 + 16-byte tag)" >&2
    exit 2
fi
if ((BUILD)); then
    make -s bpf/crypto_test.bpf.o
    swift build --build-tests 2>&1 | tail -n 1
fi
log=$(mktemp /tmp/crypto-bpf.XXXXXX)
trap 'rm -f "$log"' EXIT
if ! FPC_BENCH_REPEAT=$REPEAT FPC_BENCH_ROUNDS=$ROUNDS FPC_BENCH_PAYLOAD=$PAYLOAD \
    swift test --skip-build --filter FastPathCryptoBenchmarkTests >"$log" 2>&1; then
    cat "$log" >&2
    echo "crypto-bpf: benchmark test failed" >&2
    exit 1
fi
line=$(grep -m1 '^crypto-bpf:' "$log") || { cat "$log" >&2; echo "crypto-bpf: no result line" >&2; exit 1; }
echo "$line"
# key=value pairs -> a small table
declare -A v
for kv in ${line#crypto-bpf: }; do v[${kv%%=*}]=${kv#*=}; done
printf '\n| %-28s | %10s |\n|%s|%s|\n' "per ${v[udp_payload]}-byte packet" "ns" "------------------------------" "------------"
printf '| %-28s | %10s |\n' "BPF seal (+HP, stores)" "${v[bpf_seal_ns]}" "BPF open (HP, tag, decrypt)" "${v[bpf_open_ns]}" \
    "BPF harness alone" "${v[bpf_harness_ns]}" "BPF open + 1 copy" "${v[bpf_fanout1_ns]}" \
    "BPF open + 16 copies" "${v[bpf_fanout16_ns]}" "BPF per further copy" "${v[bpf_per_copy_ns]}" \
    "swift-crypto seal (+HP)" "${v[swift_seal_ns]}" \
    "swift-crypto open (HP, tag)" "${v[swift_open_ns]}"
printf '\nverifier: %s instructions processed; swift build: %s; repeat %s, best of %s; load average: %s\n' \
    "${v[verifier_insns]}" "${v[swift_build]}" "${v[repeat]}" "${v[rounds]}" "$(cut -d' ' -f1-3 /proc/loadavg)"
