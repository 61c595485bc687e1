#!/usr/bin/env bash
# The demo. Until the network pipeline lands (issues 5-7), it shows what moq-pub would publish from
# the test clip: groups (one per GOP), objects (one per frame), frame classes and priorities.
set -euo pipefail
cd "$(dirname "$0")/.."
media=media/test.mp4
while (($#)); do
    case $1 in
        --media) media=$2; shift 2 ;;
        -h|--help) echo "usage: scripts/demo.sh [--media FILE]"; exit 0 ;;
        *) echo "demo.sh: the network options ($1) arrive with the relay; not implemented yet" >&2; exit 1 ;;
    esac
done
[[ -f $media ]] || media/make-test-media.sh
bin=$(swift build -c release --show-bin-path)
echo "== moq-pub --dry-run $media"
"$bin/moq-pub" --dry-run "$media"
