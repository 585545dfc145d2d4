#!/usr/bin/env bats
# Jobs over three real sshd "hosts": spread, slots, exit statuses, a host
# that is down, slots: auto.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 3; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

@test "jobs spread over three hosts, none above its slots" {
	ssh_write_hostfile hosts.yaml 2 3 4
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		'sleep 0.3; echo {} $PFAN_HOST' ::: $(seq 27)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 27 ]
	local i peak
	for i in 1 2 3; do
		peak=$(ssh_peak jl.jsonl node$i)
		echo "node$i: peak $peak"
		[ "$peak" -ge 1 ]
	done
	[ "$(ssh_peak jl.jsonl node1)" -le 2 ]
	[ "$(ssh_peak jl.jsonl node2)" -le 3 ]
	[ "$(ssh_peak jl.jsonl node3)" -le 4 ]
	# Each job printed the host the joblog says it ran on.
	local seq host
	while read -r seq host; do
		grep -qx "$seq $host" <<<"$output"
	done < <(jq -r 'select(.seq != null) | "\(.seq) \(.host)"' jl.jsonl)
}

@test "exit statuses and signals come back exactly (jobs in a subshell)" {
	ssh_write_hostfile hosts.yaml 4
	# `eval` makes the wrapper run each job in a child shell (sshwrap.c)
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'eval {}' ::: \
		'exit 0' 'exit 3' 'exit 255' true false 'exec true' \
		'trap "echo bye" EXIT; exit 0' 'sleep 0.2 & wait' 'kill -KILL $$'
	echo "$output"
	echo "$stderr"
	local want='1 0 ok
2 3 failed
3 255 failed
4 0 ok
5 1 failed
6 0 ok
7 0 ok
8 0 ok'
	[ "$(jq -r 'select(.seq != null and .seq != 9) | "\(.seq) \(.exit) \(.status)"' jl.jsonl | sort -n)" = "$want" ]
	# the job's own shell killed, as a local one: exit 128+9, failed
	[ "$(jq -r 'select(.seq == 9) | "\(.exit) \(.status)"' jl.jsonl)" = "137 failed" ]
	grep -qx bye <<<"$output"
}

@test "exit statuses, signals and the job's environment (jobs inline)" {
	ssh_write_hostfile hosts.yaml 4
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		'test {} = ok && echo $PFAN_SEQ/$PFAN_SLOT/$PFAN_HOST' ::: ok no ok
	echo "$output"
	echo "$stderr"
	[ "$(jq -r 'select(.seq != null) | "\(.seq) \(.exit) \(.status)"' jl.jsonl | sort -n)" = "$(printf '1 0 ok\n2 1 failed\n3 0 ok')" ]
	local seq slot
	for seq in 1 3; do
		slot=$(jq -r "select(.seq == $seq) | .slot" jl.jsonl)
		grep -qx "$seq/$slot/node1" <<<"$output"
	done
	# $$ is the job's own shell (a child of the wrapper): 128+N
	run "$PFAN" -H hosts.yaml --joblog jl2.jsonl 'kill -{} $$' ::: KILL TERM
	[ "$(jq -r 'select(.seq != null) | "\(.seq) \(.exit)"' jl2.jsonl | sort -n)" = "$(printf '1 137\n2 143')" ]
}

@test "a host whose port is closed is given up; the others finish the jobs" {
	ssh_write_hostfile hosts.yaml 2 2
	cat >>hosts.yaml <<-EOT
	  - name: deadnode
	    address: 127.0.0.2
	    port: 1
	    slots: 2
	EOT
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 0.2; echo {}' ::: $(seq 12)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 12 ]
	[ "$(jl_count jl.jsonl '.host == "deadnode"')" -eq 0 ]
	grep -q 'deadnode.*127.0.0.2 port 1: Connection refused' <<<"$stderr"
}

@test "slots: auto asks the host for its core count" {
	ssh_write_hostfile hosts.yaml auto
	local ncpu
	ncpu=$(getconf _NPROCESSORS_ONLN)
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 0.4; echo $PFAN_SLOT; : {}' ::: $(seq $((ncpu * 3)))
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(ssh_peak jl.jsonl node1)" -eq "$ncpu" ]
	[ "$(sort -n <<<"$output" | tail -1)" -le "$ncpu" ]
}
