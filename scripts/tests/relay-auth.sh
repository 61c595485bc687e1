#!/usr/bin/env bash
# Authorisation over loopback (issue #18): moq-relay --publish-token FILE / --subscribe-token FILE
# require the draft-18 AUTHORIZATION TOKEN (moq-pub / moq-sub --token or --token-file).
# - A missing or token-less token file is a startup error (exit != 0, message names the flag).
# - Relay A with both flags (token files of several lines with comments): a publisher with no token,
#   a wrong one or the subscribe token is refused (UNAUTHORIZED, moq-pub exits 1 naming it); so is
#   a subscriber with no token or the publish token (moq-sub exits 1 naming UNAUTHORIZED, writes
#   nothing). With the right tokens the clip flows (framemd5 equal to the source, no gap).
# - Relay B (no flags) chained to A with --upstream-token: an unauthenticated subscriber at B gets the
#   clip through A; relay C chained to A without a token: its subscriber is refused with UNAUTHORIZED.
# - A relay without flags accepts anyone, tokens or not.
source "$(dirname "$0")/../interop/relay-lib.bash"

clip=test.mp4
src=$(frames "$media/$clip")
printf '# publishers\n\nold-publisher-token\npub-secret\n' >"$work/pub.tokens"
printf 'sub-secret\n# rotated out: sub-old\n' >"$work/sub.tokens"
printf '# moq-pub token\n\npub-secret\n' >"$work/pub-client.token"
printf 'sub-secret\n' >"$work/sub-client.token"
: >"$work/empty.tokens"

# expect_fail NAME EXPECTED_TEXT CMD...: CMD exits non-zero within 20 s and its stderr names EXPECTED_TEXT.
expect_fail() {
    local name=$1 text=$2 rc=0
    shift 2
    timeout 20 "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    [[ $rc -ne 0 && $rc -ne 124 ]] || { echo "$name: exit $rc, expected a failure"; cat "$work/$name.err"; exit 1; }
    grep -q -- "$text" "$work/$name.err" || { echo "$name: stderr does not name '$text'"; cat "$work/$name.err"; exit 1; }
    echo "$name: refused, exit $rc: $(grep -- "$text" "$work/$name.err" | head -1 | cut -c1-160)"
}

# start_relay_with NAME [flags...]: moq-relay on a free port; sets rpid and rport.
start_relay_with() {
    local name=$1
    shift
    "$bin/moq-relay" --listen 127.0.0.1:0 --stats "$work/$name.json" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    rpid=$!
    pids+=("$rpid")
    rport=""
    for _ in $(seq 1 100); do rport=$(awk '/READY/{print $2; exit}' "$work/$name.out" || true); [[ -n $rport ]] && break; sleep 0.1; done
    [[ -n $rport ]] || { echo "moq-relay $name did not start"; cat "$work/$name.err"; exit 1; }
}

# check_sub NAME: $work/NAME.ts decodes to the source's frames; the report has 120 objects, no gap.
check_sub() {
    [[ "$(frames "$work/$1.ts")" == "$src" ]] || { echo "$1: received frames differ from the source"; exit 1; }
    python3 - "$work/$1.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["gaps"] == [] and r["objects"] == 120 and r["duplicates"] == 0, f"{sys.argv[2]}: {r}"
print(f"{sys.argv[2]}: {r['objects']} objects, no gaps, framemd5 equal")
PY
}

# sub NAME PORT [flags...]: moq-sub --out NAME.ts --report NAME.json (60 s at most).
sub() {
    local name=$1 p=$2
    shift 2
    timeout 60 "$bin/moq-sub" --relay "moqt://127.0.0.1:$p" --insecure --out "$work/$name.ts" --report "$work/$name.json" "$@"
}
# sub_cmd NAME PORT: the same command line in $cmd (for expect_fail).
sub_cmd() { cmd=("$bin/moq-sub" --relay "moqt://127.0.0.1:$2" --insecure --out "$work/$1.ts" --report "$work/$1.json"); }

# 1. Startup errors.
expect_fail relay-missing-file "--publish-token" "$bin/moq-relay" --listen 127.0.0.1:0 --publish-token "$work/nonexistent"
expect_fail relay-empty-file "no token" "$bin/moq-relay" --listen 127.0.0.1:0 --subscribe-token "$work/empty.tokens"
expect_fail sub-missing-file "--token-file" "$bin/moq-sub" --token-file "$work/nonexistent"

# 2. Relay A with both flags.
start_relay_with a --publish-token "$work/pub.tokens" --subscribe-token "$work/sub.tokens"
port_a=$rport pid_a=$rpid
pub_a=("$bin/moq-pub" --relay "moqt://127.0.0.1:$port_a" --insecure "$media/$clip")
expect_fail pub-no-token UNAUTHORIZED "${pub_a[@]}"
expect_fail pub-wrong-token UNAUTHORIZED "${pub_a[@]}" --token wrong-secret
expect_fail pub-sub-token UNAUTHORIZED "${pub_a[@]}" --token sub-secret
port=$port_a start_pub "$clip" --token-file "$work/pub-client.token"

sub_cmd sub-none "$port_a"
expect_fail sub-no-token UNAUTHORIZED "${cmd[@]}"
sub_cmd sub-crossed "$port_a"
expect_fail sub-pub-token UNAUTHORIZED "${cmd[@]}" --token pub-secret
for n in sub-none sub-crossed; do [[ ! -s "$work/$n.ts" ]] || { echo "$n: wrote media although refused"; exit 1; }; done

# Chained relays: B presents the subscribe token upstream, C presents none.
printf '%s\n' "# upstream" sub-secret >"$work/upstream.token"
start_relay_with b --upstream "moqt://127.0.0.1:$port_a" --upstream-token "$work/upstream.token"
port_b=$rport pid_b=$rpid
start_relay_with c --upstream "moqt://127.0.0.1:$port_a"
port_c=$rport pid_c=$rpid
sub_cmd sub-c "$port_c"
expect_fail sub-via-c UNAUTHORIZED "${cmd[@]}"

# The right token at A and no token at B (open, authorised upstream): the clip flows to both.
sub sub-a "$port_a" --token-file "$work/sub-client.token" 2>"$work/sub-a.err" &
sub_a=$!
pids+=("$sub_a")
sub sub-b "$port_b" 2>"$work/sub-b.err" &
sub_b=$!
pids+=("$sub_b")
wait "$sub_a" || { echo "sub-a failed"; cat "$work/sub-a.err" "$work/a.err"; exit 1; }
wait "$sub_b" || { echo "sub-b failed"; cat "$work/sub-b.err" "$work/b.err"; exit 1; }
wait "$pub_pid" || { echo "moq-pub failed"; cat "$work/pub.err"; exit 1; }
check_sub sub-a
check_sub sub-b
stop_pid b "$pid_b"
stop_pid c "$pid_c"
stop_pid a "$pid_a"
grep -q "refused: UNAUTHORIZED" "$work/a.err" || { echo "relay A logged no refusal"; cat "$work/a.err"; exit 1; }
python3 - "$work/a.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
# Only sub-a and relay B were served; every refused subscriber got nothing.
assert a["subscribers"] == 2 and a["objects_in"] == 121 and a["objects_out"] == 2 * 121, f"relay A: {a}"
print(f"relay A: {a['subscribers']} subscriber sessions served, {a['objects_out']} objects out")
PY

# 3. A relay without flags accepts anyone, with or without a token.
start_relay
start_pub "$clip"
sub sub-open "$port" --token anything 2>"$work/sub-open.err" || { echo "sub-open failed"; cat "$work/sub-open.err"; exit 1; }
wait "$pub_pid" || { echo "moq-pub (open relay) failed"; cat "$work/pub.err"; exit 1; }
check_sub sub-open
stop_relay

echo "relay auth: wrong/missing tokens refused with UNAUTHORIZED for publishers and subscribers (exit 1, nothing delivered), right tokens and --upstream-token deliver the clip, no flags = open"
