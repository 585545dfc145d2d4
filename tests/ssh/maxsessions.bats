#!/usr/bin/env bats
# sshd allows 10 channels per connection (MaxSessions): a host with more
# slots must get more connections, not failed jobs.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

@test "a host with 14 slots runs 14 jobs at once on a stock sshd" {
	ssh_write_hostfile hosts.yaml 14
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 2; echo {}' ::: $(seq 28)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jq -s '[.[] | select(.seq != null and .status == "ok")] | length' jl.jsonl)" -eq 28 ]
	[ "$(ssh_peak jl.jsonl node1)" -eq 14 ]
	[ "$(wc -l <<<"$output")" -eq 28 ]
}

@test "a host with 25 slots runs 25 jobs at once (three connections)" {
	ssh_write_hostfile hosts.yaml 25
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 2; : {}' ::: $(seq 25)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(ssh_peak jl.jsonl node1)" -eq 25 ]
}
