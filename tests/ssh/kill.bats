#!/usr/bin/env bats
# No process left behind on a host: pfan killed, a job timed out, a host
# that stops answering.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

@test "pfan killed with SIGKILL: the remote job's whole process group dies" {
	ssh_write_hostfile hosts.yaml 2
	"$PFAN" -H hosts.yaml 'echo started; sleep 30 & sleep 31' ::: 1 2 >out 2>err &
	PFAN_PID=$!
	# both jobs' sleeps are running on the host
	wait_for '[ "$(ssh_user_procs | grep -c "sleep 3[01]")" -eq 4 ]' 30
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
	[ "$(jl_statuses jl.jsonl 1)" = "timeout " ]
	ssh_wait_no_user_procs 15
}

@test "a stopped sshd is found out by keepalives; the job reruns when it is back" {
	ssh_write_hostfile hosts.yaml 1
	"$PFAN" -H hosts.yaml --keepalive 1 --host-wait 60 --joblog jl.jsonl \
		'sleep 3; echo done {}' ::: 1 >out 2>err &
	PFAN_PID=$!
	wait_for "ssh_user_procs | grep -q 'sleep 3'" 30
	ssh_sshd_signal 1 STOP
	# 3 keepalive intervals without an answer; the bound is for a busy machine
	wait_for "grep -q '\"status\":\"host_lost\"' jl.jsonl" 30
	ssh_sshd_signal 1 CONT
	wait "$PFAN_PID"
	local rc=$?
	PFAN_PID=
	cat err
	[ "$rc" -eq 0 ]
	[ "$(cat out)" = "done 1" ]
	[ "$(jl_statuses jl.jsonl 1)" = "host_lost ok " ]
	ssh_wait_no_user_procs 15
}
