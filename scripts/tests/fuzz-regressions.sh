#!/usr/bin/env bash
# Replays every input that once was a fuzzing finding through its harness (normal build, no
# sanitizer): each must now run without a finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(swift build --show-bin-path)
status=0
for dir in Tests/Fuzz/regressions/*/; do
    harness=$(basename "$dir")
    "$bin/$harness" "$dir" || { echo "regression in $harness"; status=1; }
done
exit $status
