#!/usr/bin/env bash
# The kernel verifier accepts bpf/fastpath.bpf.c as `make bpf` compiles it, with the maps at their
# compiled-in sizes (bpftool, no Swift involved). Needs root: fails loudly otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -ne 0 ]]; then
    echo "FAIL: fastpath-verifier.sh must run as root (CAP_BPF + CAP_NET_ADMIN); CI runs it as root" >&2
    exit 1
fi
CLANG=${CLANG:-$(command -v clang)}
work=$(mktemp -d)
pin=/sys/fs/bpf/moq-fastpath-verifier-$$-$RANDOM
cleanup() { rm -rf "$pin" "$work"; }
trap cleanup EXIT
"$CLANG" -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" -Ibpf -c bpf/fastpath.bpf.c -o "$work/fastpath.bpf.o"
if ! bpftool prog loadall "$work/fastpath.bpf.o" "$pin" type tc >"$work/load.log" 2>&1; then
    grep -v '^;' "$work/load.log" | tail -n 40
    echo "FAIL: the verifier rejected fastpath.bpf.o" >&2
    exit 1
fi
for prog in fp_upstream_ingress fp_subscriber_ingress; do
    [[ -e $pin/$prog ]] || { echo "FAIL: $prog missing after load" >&2; exit 1; }
done
echo "ok: both fast-path programs pass the verifier"
