# moq-fastrelay: build, test and demo entry points. `make test` and `make demo` work alone on a fresh
# Debian 12 machine (as root): each runs `deps` and `build` first.

SHELL := /bin/bash
SWIFT ?= swift
BUILD_DIR ?= .build
VENV_QUIC := $(BUILD_DIR)/venv-aioquic
VENV_MOQ := $(BUILD_DIR)/venv-aiomoqt
CLANG ?= $(shell command -v clang)
BPF_SOURCES := $(wildcard bpf/*.bpf.c)
BPF_OBJECTS := $(BPF_SOURCES:.bpf.c=.bpf.o)
APT_PACKAGES := libbpf-dev libelf-dev libavformat-dev libavcodec-dev libavutil-dev libgnutls28-dev \
	bpftool ffmpeg iproute2 pkg-config

.PHONY: all deps build bpf media test demo bench fuzz clean

all: build

## deps: install the Debian packages and the Python interop peers (idempotent).
deps:
	@scripts/deps.sh

## build: release build of every executable and the BPF objects.
build: bpf
	$(SWIFT) build -c release

## bpf: compile bpf/*.bpf.c with clang -target bpf.
bpf: $(BPF_OBJECTS)

bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	$(CLANG) -O2 -g -target bpf -I/usr/include/$$(gcc -dumpmachine) -Ibpf -c $< -o $@

## media: generate the deterministic test clips into media/.
media:
	@media/make-test-media.sh

## test: everything `make test` promises (unit, integration, interop, namespace tests).
test: deps build media
	@scripts/run-tests.sh

## demo: the main job, end to end.
demo: deps build media
	@scripts/demo.sh --ebpf --subs 3

## bench: benchmarks (figures, not pass/fail); fan-out CSV and plots into docs/bench/.
bench: deps build media
	@scripts/bench.sh --publish docs/bench

## fuzz: long libFuzzer runs of the network parsers.
fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf $(BUILD_DIR) .build-* demo-out bpf/*.bpf.o
