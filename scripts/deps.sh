#!/usr/bin/env bash
# Installs what the project needs on Debian 12 (idempotent): system packages and the Python peers
# used by the interop tests, in venvs under the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-.build}
packages=(libbpf-dev libelf-dev libavformat-dev libavcodec-dev libavutil-dev libgnutls28-dev
          bpftool ffmpeg iproute2 pkg-config chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "deps: missing packages ${missing[*]}; run as root or install them" >&2
        exit 1
    fi
    echo "deps: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$BUILD_DIR"
# aioquic (QUIC peer) on the default python3 (3.11 here).
if [[ ! -f $BUILD_DIR/venv-aioquic/.ok ]]; then
    echo "deps: creating $BUILD_DIR/venv-aioquic (aioquic)"
    rm -rf "$BUILD_DIR/venv-aioquic"
    python3 -m venv "$BUILD_DIR/venv-aioquic"
    "$BUILD_DIR/venv-aioquic/bin/pip" install -q aioquic==1.7.2
    touch "$BUILD_DIR/venv-aioquic/.ok"
fi
# moq-rs (Python bindings of the moq-dev Rust implementation; MoQ peer, draft-18 among others).
if [[ ! -f $BUILD_DIR/venv-moqrs/.ok ]]; then
    echo "deps: creating $BUILD_DIR/venv-moqrs (moq-rs)"
    rm -rf "$BUILD_DIR/venv-moqrs"
    python3 -m venv "$BUILD_DIR/venv-moqrs"
    "$BUILD_DIR/venv-moqrs/bin/pip" install -q moq-rs==0.5.1
    touch "$BUILD_DIR/venv-moqrs/.ok"
fi
# matplotlib for the benchmark's plots (`make bench`, scripts/bench/plot.py).
if [[ ! -f $BUILD_DIR/venv-bench/.ok ]]; then
    echo "deps: creating $BUILD_DIR/venv-bench (matplotlib)"
    rm -rf "$BUILD_DIR/venv-bench"
    python3 -m venv "$BUILD_DIR/venv-bench"
    "$BUILD_DIR/venv-bench/bin/pip" install -q matplotlib==3.10.3
    touch "$BUILD_DIR/venv-bench/.ok"
fi
# aiomoqt (MoQ peer) needs Python >= 3.12.
if [[ ! -f $BUILD_DIR/venv-aiomoqt/.ok ]]; then
    py312=""
    # A real interpreter, not a pyenv shim that fails when 3.12 is not the active version.
    for candidate in python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12; do
        if "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then
            py312=$candidate
            break
        fi
    done
    if [[ -z $py312 ]] && command -v pyenv >/dev/null 2>&1; then
        for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' || true); do
            py312="$(pyenv root)/versions/$v/bin/python3"
            break
        done
    fi
    if [[ -n $py312 ]]; then
        echo "deps: creating $BUILD_DIR/venv-aiomoqt (aiomoqt) with $py312"
        rm -rf "$BUILD_DIR/venv-aiomoqt"
        "$py312" -m venv "$BUILD_DIR/venv-aiomoqt"
        "$BUILD_DIR/venv-aiomoqt/bin/pip" install -q aiomoqt==0.13.3
        touch "$BUILD_DIR/venv-aiomoqt/.ok"
    else
        echo "deps: WARNING: no Python 3.12 found; the aiomoqt interop tests will fail loudly" >&2
    fi
fi
