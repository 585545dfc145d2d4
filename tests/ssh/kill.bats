#!/usr/bin/env bats
# No process left behind on a host: pfan killed, a job timed out, a host
# that stops answering.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# Waits up to $1 s for file $2 to have a line matching $3.
wait_for_line() {
	local i
	for i in $(seq $(($1 * 10))); do
		grep -q "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

@test "pfan killed with SIGKILL: the remote job's whole process group dies" {
	ssh_write_hostfile hosts.yaml 2
	"$PFAN" -H hosts.yaml 'echo started; sleep 30 & sleep 31' ::: 1 2 >out 2>err &
	PFAN_PID=$!
	# both jobs' sleeps are running on the host
	local i
	for i in $(seq 50); do
		[ "$(ssh_user_procs | grep -c 'sleep 3[01]')" -eq 4 ] && break
		sleep 0.1
	done
	ssh_user_procs
	[ "$(ssh_user_procs | grep -c 'sleep 3[01]')" -eq 4 ]
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	ssh_wait_no_user_procs 15
}

@test "--timeout kills the remote job's process group" {
	ssh_write_hostfile hosts.yaml 2
	run --separate-stderr "$PFAN" -H hosts.yaml --timeout 1 --joblog jl.jsonl \
		'sleep 30 & sleep 31' ::: 1
	echo "$stderr"
	[ "$(jq -r 'select(.seq == 1) | .status' jl.jsonl)" = timeout ]
	ssh_wait_no_user_procs 15
}

@test "a stopped sshd is found out by keepalives; the job reruns when it is back" {
	ssh_write_hostfile hosts.yaml 1
	"$PFAN" -H hosts.yaml --keepalive 1 --host-wait 60 --joblog jl.jsonl \
		'sleep 3; echo done {}' ::: 1 >out 2>err &
	PFAN_PID=$!
	local i
	for i in $(seq 50); do
		ssh_user_procs | grep -q 'sleep 3' && break
		sleep 0.1
	done
	ssh_sshd_signal 1 STOP
	# 3 keepalive intervals without an answer, and a little more
	wait_for_line 8 jl.jsonl '"status":"host_lost"'
	ssh_sshd_signal 1 CONT
	wait "$PFAN_PID"
	local rc=$?
	PFAN_PID=
	cat err
	[ "$rc" -eq 0 ]
	[ "$(cat out)" = "done 1" ]
	[ "$(jq -r 'select(.seq == 1) | .status' jl.jsonl | tr '\n' ' ')" = "host_lost ok " ]
	ssh_wait_no_user_procs 15
}
