#!/usr/bin/env bats
# sshd allows 10 channels per connection (MaxSessions): a host with more
# slots must get more connections, not failed jobs (a channel per job:
# --no-remote-agent). Through the remote agent a job takes no session: one
# connection carries a host's jobs, up to SSHAGENT_MAX_JOBS (128) each.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# Jobs wait at a barrier until N of them have started (ssh_barrier_job):
# every job ok proves N ran at once, with no clock in the assertion. The
# peak read from the joblog's times must never exceed the slots (it may
# read lower: on a busy machine pfan can note a job's end before another's
# start that happened first).

@test "a host with 14 slots runs 14 jobs at once on a stock sshd" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 14
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl "$(ssh_barrier_job 14); echo {}" ::: $(seq 28)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 28 ]
	[ "$(ssh_peak jl.jsonl node1)" -le 14 ]
	[ "$(wc -l <<<"$output")" -eq 28 ]
}

@test "a host with 25 slots runs 25 jobs at once (three connections)" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 25
	before=$(ssh_logins 1)
	run --separate-stderr "$PFAN" --no-remote-agent -H hosts.yaml --joblog jl.jsonl "$(ssh_barrier_job 25)" ::: $(seq 25)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(ssh_peak jl.jsonl node1)" -le 25 ]
	[ $(( $(ssh_logins 1) - before )) -eq 3 ]
}

@test "a host with 30 slots and short jobs uses three connections: a refusal sshd sends while it frees a closed session is not its limit" {
	# The first 30 jobs meet at a barrier (so 30 channels are open at once
	# on 3 connections); the other 270 are short, so sessions close and
	# reopen all the time, which is when sshd sends those refusals.
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 30
	before=$(ssh_logins 1)
	run --separate-stderr "$PFAN" --no-remote-agent -H hosts.yaml --joblog jl.jsonl "$(ssh_barrier_job 30)" ::: $(seq 300)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(ssh_peak jl.jsonl node1)" -le 30 ]
	conns=$(( $(ssh_logins 1) - before ))
	echo "connections: $conns"
	[ "$conns" -eq 3 ]
}

@test "through the remote agent, a host with 25 slots runs 25 jobs at once on one connection" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 25
	before=$(ssh_logins 1)
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl "$(ssh_barrier_job 25)" ::: $(seq 25)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 25 ]
	[ $(( $(ssh_logins 1) - before )) -eq 1 ]
}

@test "through the remote agent, a host with 140 slots runs 140 jobs at once on two connections (128 jobs at most per agent)" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 140
	before=$(ssh_logins 1)
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl "$(ssh_barrier_job 140)" ::: $(seq 140)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 140 ]
	[ $(( $(ssh_logins 1) - before )) -eq 2 ]
}
