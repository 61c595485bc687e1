#!/usr/bin/env bash
# Runs the whole test suite (what `make test` and CI run) and ends with one plain
# "N passed, N failed" line summarising everything it ran.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
log_dir=${BUILD_DIR:-.build}/test-logs
mkdir -p "$log_dir"
passed=0
failed=0
status=0

started=$(date +%s)
echo "== building tests"
$SWIFT build --build-tests >"$log_dir/build.log" 2>&1
build_rc=$?
tail -n 5 "$log_dir/build.log"
if [[ $build_rc -ne 0 ]]; then
    grep -E "error:" "$log_dir/build.log" | head -n 30
    echo "test build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

echo "== swift test"
$SWIFT test --skip-build 2>&1 | tee "$log_dir/swift-test.log" | grep -E "error:|failed|Executed|passed after|failed after|Test Case .* (started|passed|failed)" | grep -vE "Test Case .* started" | grep -vE "^Test Case .* passed" || true
rc=${PIPESTATUS[0]}
# XCTest: the final "Executed N tests, with M failures" line covers all suites.
xc=$(grep -E "^\s*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log_dir/swift-test.log" | tail -n 1)
if [[ -n $xc ]]; then
    n=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$xc")
    f=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$xc")
    passed=$((passed + n - f))
    failed=$((failed + f))
else
    echo "XCTest printed no summary (crash?): see $log_dir/swift-test.log"
    failed=$((failed + 1))
fi
# Swift Testing (if any suites use it): "Test run with N tests ... passed|failed".
st=$(grep -E "Test run with [0-9]+ tests?" "$log_dir/swift-test.log" | tail -n 1)
if [[ -n $st ]]; then
    n=$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$st")
    if grep -q "failed after" <<<"$st"; then
        i=$(sed -nE 's/.*with ([0-9]+) issues?.*/\1/p' <<<"$st")
        failed=$((failed + ${i:-1}))
        passed=$((passed + n - ${i:-1}))
    else
        passed=$((passed + n))
    fi
fi
if [[ $rc -ne 0 ]]; then
    status=1
    [[ $failed -eq 0 ]] && failed=1
fi

# Script-level tests (root, namespaces, interop) live in scripts/tests/*.sh; each exits 0 on pass.
for t in scripts/tests/*.sh; do
    [[ -e $t ]] || continue
    echo "== $t"
    if bash "$t" >"$log_dir/$(basename "$t").log" 2>&1; then
        echo "ok - $t"
        passed=$((passed + 1))
    else
        echo "not ok - $t (log: $log_dir/$(basename "$t").log)"
        tail -n 30 "$log_dir/$(basename "$t").log"
        failed=$((failed + 1))
        status=1
    fi
done

echo "== test wall time: $(( $(date +%s) - started )) s"
[[ $failed -gt 0 ]] && status=1
echo "$passed passed, $failed failed"
exit $status
