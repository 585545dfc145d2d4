#!/usr/bin/env bats
# Fault injection on pfan itself, with jobs on remote hosts: SIGKILL at
# random moments then --resume, Ctrl-C twice, SIGTERM, --timeout,
# --halt now, and jobs with children of their own. Each test checks the
# joblog's statuses, pfan's exit status, and that no job process is left
# on any host.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 3; }
setup() {
	ssh_setup
	ssh_harness_revive
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

wait_pfan() {
	PFAN_RC=0
	wait "$PFAN_PID" || PFAN_RC=$?
	PFAN_PID=
	echo "# pfan exited $PFAN_RC; its stderr:"
	sed 's/^/#   /' err
}

# statuses JOBLOG: "SEQ STATUS" per attempt, by seq
statuses() {
	jl_seq_statuses "$1"
}

now() {
	date +%s.%N
}

@test "pfan SIGKILLed at random moments, resumed each time: every job ok exactly once, no process left after a kill" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2 2
	# jobs 5 and 65 run long until the last run (two slots of six): once
	# reached, a kill always hits running jobs, and one left would show
	local cmd=(-H hosts.yaml --resume jl.jsonl
		"case {} in 5|65) [ -e $SSH_SHARE/short ] || sleep 30 ;; esac; sleep 0.3; echo {}"
		::: $(seq 120))
	local round delay t0 t1 rc
	for round in $(seq 10); do
		"$PFAN" "${cmd[@]}" >"out.$round" 2>"err.$round" &
		PFAN_PID=$!
		delay=0.$((RANDOM % 9 + 1))
		sleep "$delay"
		kill -KILL "$PFAN_PID" 2>/dev/null || true
		rc=0
		wait "$PFAN_PID" || rc=$?
		PFAN_PID=
		# killed, or done before the kill (then it must have succeeded)
		[ "$rc" -eq 137 ] || [ "$rc" -eq 0 ]
		t0=$(now)
		ssh_wait_no_user_procs 15
		t1=$(now)
		echo "# round $round: SIGKILL after ${delay}s; $(jl_count jl.jsonl '.status == "ok"') ok so far; hosts clean $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s after"
		# nothing recorded ok twice, even before the end
		[ -z "$(jl_ok_dups jl.jsonl)" ]
	done
	touch "$SSH_SHARE/short"
	run --separate-stderr "$PFAN" "${cmd[@]}"
	echo "$stderr"
	[ "$status" -eq 0 ]
	ssh_ok_once jl.jsonl 120
	ssh_wait_no_user_procs 15
}

@test "Ctrl-C twice: the remote jobs are killed, recorded killed, exit 130" {
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 30; echo {}' ::: $(seq 6) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 4 'sleep 30'
	kill -INT "$PFAN_PID"
	ssh_wait_line 20 err 'interrupted'
	kill -INT "$PFAN_PID"
	ssh_wait_no_user_procs 15
	wait_pfan
	[ "$PFAN_RC" -eq 130 ]
	[ "$(statuses jl.jsonl)" = "1 killed 2 killed 3 killed 4 killed " ]
	[ "$(jl_count jl.jsonl '.final != true')" -eq 0 ]
}

@test "SIGTERM: the remote jobs are killed, recorded killed, exit 143" {
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 30; echo {}' ::: $(seq 6) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 4 'sleep 30'
	kill -TERM "$PFAN_PID"
	ssh_wait_no_user_procs 15
	wait_pfan
	[ "$PFAN_RC" -eq 143 ]
	[ "$(statuses jl.jsonl)" = "1 killed 2 killed 3 killed 4 killed " ]
}

@test "--timeout on remote hosts: timed-out jobs killed and recorded timeout, the exit status counts them" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	# Each job writes its PID: the test knows it started without having to
	# catch it alive (a busy machine may not show a 1 s process to ps).
	"$PFAN" -H hosts.yaml --timeout 1 --joblog jl.jsonl \
		"echo \$\$ >>$SSH_SHARE/pids; sleep {}" ::: 0.1 30 30 0.2 30 >out 2>err &
	PFAN_PID=$!
	wait_pfan
	[ "$PFAN_RC" -eq 3 ]
	[ "$(statuses jl.jsonl)" = "1 ok 2 timeout 3 timeout 4 ok 5 timeout " ]
	[ "$(wc -w <"$SSH_SHARE/pids")" -eq 5 ]
	# shellcheck disable=SC2046
	ssh_wait_gone 15 $(cat "$SSH_SHARE/pids")
	ssh_wait_no_user_procs 15
}

@test "--halt now,fail=1 on remote hosts: the running jobs are killed, the exit status is the failed job's" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	# job 1 fails once the three others are running (the go file)
	"$PFAN" -H hosts.yaml --halt now,fail=1 --joblog jl.jsonl \
		"if [ {} = 1 ]; then while [ ! -e $SSH_SHARE/go ]; do sleep 0.05; done; exit 3; fi; sleep 30" \
		::: $(seq 8) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 3 'sleep 30'
	touch "$SSH_SHARE/go"
	ssh_wait_no_user_procs 15
	wait_pfan
	# 1 failed + 3 killed; GNU parallel's status for fail=1: the job's exit
	[ "$PFAN_RC" -eq 3 ]
	[ "$(statuses jl.jsonl)" = "1 failed 2 killed 3 killed 4 killed " ]
	[ "$(jq -r 'select(.seq == 1) | .exit' jl.jsonl)" -eq 3 ]
	grep -q 'halt' err
}

@test "a job's own children die with it: --timeout" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	# Each job writes its shell's and its background child's PIDs, so the
	# test knows they started without having to see them alive (each
	# lives 1 s: a busy machine may never show them to ps).
	"$PFAN" -H hosts.yaml --timeout 1 --joblog jl.jsonl \
		"sleep 30 & echo \$! \$\$ >>$SSH_SHARE/pids; sleep 31; : {}" ::: 1 2 3 4 >out 2>err &
	PFAN_PID=$!
	wait_pfan
	[ "$PFAN_RC" -eq 4 ]
	[ "$(statuses jl.jsonl)" = "1 timeout 2 timeout 3 timeout 4 timeout " ]
	[ "$(wc -w <"$SSH_SHARE/pids")" -eq 8 ]
	# shellcheck disable=SC2046
	ssh_wait_gone 15 $(cat "$SSH_SHARE/pids")
	ssh_wait_no_user_procs 15
}

@test "a job's own children die with it: Ctrl-C twice" {
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" -H hosts.yaml --joblog jl.jsonl 'sleep 30 & sleep 31; : {}' ::: 1 2 3 4 >out 2>err &
	PFAN_PID=$!
	# each job: its two sleeps
	ssh_wait_procs 30 8 'sleep 3[01]'
	kill -INT "$PFAN_PID"
	ssh_wait_line 20 err 'interrupted'
	kill -INT "$PFAN_PID"
	ssh_wait_no_user_procs 15
	wait_pfan
	[ "$PFAN_RC" -eq 130 ]
	[ "$(statuses jl.jsonl)" = "1 killed 2 killed 3 killed 4 killed " ]
}

@test "children that ignore SIGTERM get SIGKILL after the grace" {
	ssh_write_hostfile hosts.yaml 2 2
	ssh_share_dir
	"$PFAN" -H hosts.yaml --timeout 1 --joblog jl.jsonl \
		"trap '' TERM; sleep 30 & echo \$! \$\$ >>$SSH_SHARE/pids; sleep 31; : {}" ::: 1 2 >out 2>err &
	PFAN_PID=$!
	wait_pfan
	[ "$PFAN_RC" -eq 2 ]
	[ "$(statuses jl.jsonl)" = "1 timeout 2 timeout " ]
	[ "$(wc -w <"$SSH_SHARE/pids")" -eq 4 ]
	# shellcheck disable=SC2046
	ssh_wait_gone 15 $(cat "$SSH_SHARE/pids")
	ssh_wait_no_user_procs 15
}
