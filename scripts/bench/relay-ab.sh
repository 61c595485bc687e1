#!/usr/bin/env bash
# A/B of two moq-relay builds at one fan-out point, in the same run: scripts/bench/relay-scale.sh with the
# baseline relay and with this tree's release relay, alternating, ROUNDS times each (default 3), same
# publisher, subscribers and namespaces. Prints each run's relay CPU per packet sent and the medians.
#
#   scripts/bench/relay-ab.sh BASELINE_RELAY N MODE DURATION [ROUNDS]
#
#   BASELINE_RELAY  path of the other moq-relay (e.g. a release build of an older commit in a worktree:
#                   git worktree add /tmp/base REV && swift build -c release --package-path /tmp/base)
set -uo pipefail
base=${1:?baseline moq-relay}; N=${2:?N}; MODE=${3:?MODE}; DUR=${4:?DURATION}; ROUNDS=${5:-3}
[[ -x $base ]] || { echo "relay-ab.sh: $base is not an executable" >&2; exit 2; }
cd "$(dirname "$0")/../.."
new=$(swift build -c release --show-bin-path)/moq-relay
declare -A us
for r in $(seq 1 "$ROUNDS"); do
    for which in baseline new; do
        relay=$base; [[ $which == new ]] && relay=$new
        line=$(RELAY_BIN=$relay scripts/bench/relay-scale.sh "$N" "$MODE" "$DUR" 2>&1 | grep -E "^relay CPU|^N=" | tr '\n' ' ')
        v=$(sed -nE 's/.* ([0-9.]+) us per packet sent.*/\1/p' <<<"$line")
        echo "round $r $which: $line"
        us[$which]+="${v:-nan} "
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }
echo "relay-ab: N=$N $MODE us_per_packet_median baseline=$(median <<<"${us[baseline]}") new=$(median <<<"${us[new]}")"
