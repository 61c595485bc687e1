# Shared by scripts/tests/netns-*.sh (sourced; outside scripts/tests so it is not run as a test):
# root check, the debug binaries (like the other script tests), short test clips, a private output
# directory, the namespace topology (topology.bash) with cleanup on EXIT/INT/TERM, PASS/FAIL lines.
#
#   test_init SECONDS    clips of SECONDS in .build/test-media-<SECONDS>s (media/make-test-media.sh);
#                        sets bin, media, out (removed at exit unless KEEP_LOGS=1); subscribers
#                        time out after SUB_TIMEOUT seconds (default 40)
#   pass MSG / fail MSG  print PASS:/FAIL: lines (fail counts)
#   test_finish NAME     exits 1 if anything failed
#   report_check FILE PYTHON-EXPR MSG
#                        PASS if the expression holds for r = the JSON in FILE, else FAIL with r shown
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/netem/topology.bash
ns_require_root
sub_timeout=${SUB_TIMEOUT:-40}
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

test_init() {
    bin=${BIN_DIR:-$(swift build --show-bin-path)}
    for t in moq-pub moq-relay moq-sub; do
        [[ -x $bin/$t ]] || { echo "FAIL: $bin/$t missing (swift build)"; exit 1; }
    done
    media=.build/test-media-${1}s
    media/make-test-media.sh --duration "$1" "$media" >/dev/null
    out=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
    if [[ -n ${KEEP_LOGS:-} ]]; then
        trap 'ns_cleanup; echo "logs kept in $out"' EXIT
    else
        trap 'ns_cleanup; rm -rf "$out"' EXIT
    fi
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

test_finish() {
    if ((fails)); then
        echo "$1: $fails check(s) failed"
        exit 1
    fi
    echo "$1: all checks passed"
}

# dump_logs NAME...: the tail of each tool's stderr, for a failure's diagnosis.
dump_logs() {
    local n
    for n in "$@"; do
        [[ -s $out/$n.err ]] || continue
        echo "--- $n.err (last 15 lines)"
        tail -n 15 "$out/$n.err"
    done
}

report_check() {
    local file=$1 expr=$2 msg=$3
    if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$file" "$expr" 2>/dev/null; then
        pass "$msg"
    else
        fail "$msg: $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])))[:600])' "$file" 2>/dev/null || echo "no report $file")"
    fi
}

# wait_sub K: waits for subscriber K; PASS/FAIL on its exit status.
wait_sub() {
    local rc=0
    wait "${sub_pid[$1]}" || rc=$?
    if ((rc == 0)); then pass "moq-sub $1 exited 0"; else fail "moq-sub $1 exited $rc$( ((rc == 124)) && echo " (timed out)")"; dump_logs "sub$1"; fi
    return 0
}
