#!/usr/bin/env bash
# Relay chaining in network namespaces: pub -> relay A -> relay B (moq-relay --upstream A) -> subscriber,
# B-frame clip: every tool exits 0, the subscriber's TS decodes to exactly the source's frames
# (framemd5), its report has no gap, and each relay's --stats counts the clip's 121 objects once in.
source "$(dirname "$0")/../netem/test-lib.bash"
test_init 4
topo_build 1 1
clip=test-bframes.mp4
start_relay relay "$ns_relay" --stats "$out/relay.json" || { fail "relay A did not start"; test_finish netns-chain; }
relay_a=$started_pid
if ! start_relay relay-b "$ns_relay_b" --upstream "moqt://10.0.2.1:$started_port" --stats "$out/relay-b.json"; then
    fail "relay B (moq-relay --upstream) did not start: relay chaining is not available in this build"
    test_finish netns-chain
fi
relay_b=$started_pid
start_pub "$ns_pub" "moqt://10.0.1.1:4443" "$media/$clip" || { fail "moq-pub did not announce"; dump_logs relay; test_finish netns-chain; }
start_sub 1 "moqt://${sub_relay[1]}:$started_port"
wait_sub 1
rc=0; wait_pid "$pub_pid" 20 || rc=$?
((rc == 0)) && pass "moq-pub exited 0" || { fail "moq-pub exited $rc"; dump_logs pub; }
stop_relay "$relay_b" relay-b && pass "relay B exited 0" || { fail "relay B exit status"; dump_logs relay-b; }
stop_relay "$relay_a" relay && pass "relay A exited 0" || { fail "relay A exit status"; dump_logs relay; }
if [[ -s $out/sub1.ts && "$(frames "$out/sub1.ts")" == "$(frames "$media/$clip")" ]]; then
    pass "pub -> A -> B -> sub: framemd5 equal to the source's"
else
    fail "pub -> A -> B -> sub: received frames differ from the source's"
    dump_logs sub1 relay-b relay
fi
report_check "$out/sub1.json" 'r["gaps"] == [] and r["objects"] == 120' "subscriber report: 120 objects, no gaps"
report_check "$out/relay.json" 'r["objects_in"] == 121 and r["subscribers"] == 1' "relay A: 121 objects in, 1 subscriber (relay B)"
report_check "$out/relay-b.json" 'r["objects_in"] == 121 and r["objects_out"] == 121' "relay B: 121 objects in, 121 out"
test_finish netns-chain
