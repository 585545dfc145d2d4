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

@test "a host with 30 slots and short jobs uses three connections: a refusal sshd sends while it frees a closed session is not its limit" {
	ssh_write_hostfile hosts.yaml 30
	run --separate-stderr "$PFAN" -v -v -H hosts.yaml --joblog jl.jsonl 'sleep 0.2; : {}' ::: $(seq 300)
	[ "$status" -eq 0 ]
	[ "$(ssh_peak jl.jsonl node1)" -eq 30 ]
	conns=$(grep -o 'node1: conn [0-9]*: down -> connecting' <<<"$stderr" | sort -u | wc -l)
	echo "connections: $conns"
	[ "$conns" -eq 3 ]
}
