#!/usr/bin/env bats
# Warm channels (src/sshwarm.c), used when the remote agent is not
# (--no-remote-agent here): while a slot's job runs, its next channel
# is opened and its shell waits for the job's wrapper text on stdin. The
# same results and environment as one channel per job; a host whose
# shell cannot run the warm start falls back to that; a waiting shell
# runs nothing and dies with its channel (host sshd killed or stopped,
# pfan killed). node3's sshd stands for a login shell that cannot run the
# warm start: it runs every command but that one (ForceCommand), so only
# the handshake can tell.
bats_require_minimum_version 1.5.0
load harness
load paths

setup_file() {
	ssh_setup_file 3 "Match LocalAddress 127.0.0.4" \
		"ForceCommand case \$SSH_ORIGINAL_COMMAND in *__pfan_go*) echo 'no warm start here' >&2; exit 1;; esac; exec /bin/sh -c \"\$SSH_ORIGINAL_COMMAND\""
}
setup() {
	ssh_setup
	ssh_harness_revive
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# Jobs that took a warm channel, from --debug's lines.
adopted() {
	grep -c 'channel: queued -> exec$' "$1" || true
}

@test "{%}, {host} and the environment are the same on a warm channel and on one of its own (the fallback)" {
	one_host 1 2
	one_host 3 2
	run --separate-stderr "$PFAN" --no-remote-agent --debug -k -H host1.yaml --joblog jl1.jsonl "$ENV_JOB" ::: $(seq 10)
	[ "$status" -eq 0 ]
	warm_out=$output
	echo "$stderr" >err1
	run --separate-stderr "$PFAN" --no-remote-agent --debug -k -H host3.yaml --joblog jl3.jsonl "$ENV_JOB" ::: $(seq 10)
	[ "$status" -eq 0 ]
	echo "$stderr" >err3
	echo "# warm: $(adopted err1) jobs took a warm channel; fallback: $(adopted err3)"
	# node1 ran jobs on warm channels, node3 none (and said why)
	[ "$(adopted err1)" -ge 1 ]
	[ "$(adopted err3)" -eq 0 ]
	grep -q "node: the login shell cannot run pfan's warm start (the shell said on stderr: no warm start here" err3
	! grep -q "warm start" err1
	# which slot a job gets depends on which job ended first: each line
	# must agree with itself, and then all but the slot must match
	consistent "$warm_out"
	consistent "$output"
	diff <(no_slots "$warm_out") <(no_slots "$output")
	[ "$(wc -l <<<"$output")" -eq 20 ]
	ssh_ok_once jl1.jsonl 10
	ssh_ok_once jl3.jsonl 10
	ssh_wait_no_user_procs 15
}

@test "a host whose shell cannot run the warm start falls back to one channel per job: the same results as a warm host" {
	{
		echo "defaults:"
		echo "  user: $SSH_USER"
		echo "  identity: $SSH_KEY"
		echo "  known_hosts: $SSH_KNOWN_HOSTS"
		echo "hosts:"
		for i in 1 3; do
			echo "  - name: node$i"
			echo "    address: ${SSH_ADDR[$i]}"
			echo "    port: ${SSH_PORT[$i]}"
			echo "    slots: 3"
		done
	} >hosts.yaml
	local job='echo {}; case {} in *3) exit 3;; *7) kill -TERM $$;; esac; sleep 0.1'
	run --separate-stderr "$PFAN" --no-remote-agent --debug -k --tag -H hosts.yaml --joblog jl.jsonl "$job" ::: $(seq 30)
	echo "$stderr" >err
	# 3, 13, 23 exit 3; 7, 17, 27 are killed
	[ "$status" -eq 6 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 24 ]
	[ "$(jl_count jl.jsonl '.exit == 3')" -eq 3 ]
	[ "$(jl_count jl.jsonl '.host == "node3"')" -ge 1 ]
	[ "$(jl_count jl.jsonl '.host == "node1"')" -ge 1 ]
	# the same status for the same job, whichever host ran it
	for h in node1 node3; do
		[ "$(jl_count jl.jsonl ".host == \"$h\" and ((.seq % 10 == 3) != (.exit == 3))")" -eq 0 ]
		[ "$(jl_count jl.jsonl ".host == \"$h\" and ((.seq % 10 == 7) != (.exit == 143))")" -eq 0 ]
	done
	grep -q "node3: the login shell cannot run pfan's warm start" err
	! grep -q "node1: the login shell cannot run" err
	[ "$(sed 's/^[^ \t]*[ \t]//' <<<"$output" | tr '\n' ' ')" = "$(seq 30 | tr '\n' ' ')" ]
	ssh_wait_no_user_procs 15
}

# Waits until node1 has $1 warm shells waiting: their text, and no child.
wait_warm() {
	local i n
	for i in $(seq 300); do
		n=0
		for pid in $(ssh_procs_pids node1); do
			grep -q __pfan_go "/proc/$pid/cmdline" 2>/dev/null || continue
			[ -z "$(ps --ppid "$pid" -o pid= 2>/dev/null)" ] && n=$((n + 1))
		done
		[ "$n" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "# only $n warm shells waiting on node1"
	return 1
}

@test "an sshd killed with warm channels open: nothing lost, nothing left on the host" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" --no-remote-agent -H hosts.yaml --joblog jl.jsonl "$(held_job)" ::: $(seq 20) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
	wait_warm 1
	local old
	old=$(ssh_procs_pids node1)
	ssh_sshd_signal 1 KILL
	ssh_wait_gone 15 $old
	wait_pfan
	[ "$PFAN_RC" -eq 0 ]
	ssh_ok_once jl.jsonl 20
	[ "$(sort -n out | tr '\n' ' ')" = "$(seq 20 | tr '\n' ' ')" ]
	[ "$(jl_count jl.jsonl '.host == "node1" and .status == "ok"')" -eq 0 ]
	ssh_wait_no_user_procs 15
}

@test "an sshd stopped with warm channels open: lost, its jobs done elsewhere once; woken, its waiting shells exit having run nothing" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" --no-remote-agent -H hosts.yaml --keepalive 1 --joblog jl.jsonl "$(held_job)" ::: $(seq 16) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
	wait_warm 1
	local old
	old=$(ssh_procs_pids node1)
	ssh_sshd_signal 1 STOP
	ssh_wait_line 30 jl.jsonl '"host":"node1".*"status":"host_lost"'
	touch "$SSH_SHARE/short"
	ssh_sshd_signal 1 CONT
	ssh_wait_gone 15 $old
	wait_pfan
	[ "$PFAN_RC" -eq 0 ]
	ssh_ok_once jl.jsonl 16
	[ "$(sort -n out | tr '\n' ' ')" = "$(seq 16 | tr '\n' ' ')" ]
	[ "$(jl_count jl.jsonl '.status == "host_lost"')" -eq 2 ]
	ssh_wait_no_user_procs 15
}

@test "pfan SIGKILLed with warm channels open: no shell left waiting on the host; resumed, every job ok once" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2
	"$PFAN" --no-remote-agent -H hosts.yaml --joblog jl.jsonl "$(held_job)" ::: $(seq 6) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
	wait_warm 1
	local old
	old=$(ssh_procs_pids node1)
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	PFAN_PID=
	ssh_wait_gone 15 $old
	ssh_wait_no_user_procs 15
	touch "$SSH_SHARE/short"
	run --separate-stderr "$PFAN" --no-remote-agent -H hosts.yaml --resume jl.jsonl "$(held_job)" ::: $(seq 6)
	echo "$stderr"
	[ "$status" -eq 0 ]
	ssh_ok_once jl.jsonl 6
	ssh_wait_no_user_procs 15
}

@test "warm channels not used when the run ends are closed: their shells exit having run nothing" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 4
	run --separate-stderr "$PFAN" --no-remote-agent --debug -H hosts.yaml --joblog jl.jsonl \
		"echo {} >>$SSH_SHARE/ran; sleep 0.3" ::: $(seq 4)
	[ "$status" -eq 0 ]
	echo "$stderr" >err
	# the 4 jobs ran cold and opened warm channels none of them took
	[ "$(grep -c 'warm channel: greeting -> ready' err)" -ge 1 ]
	ssh_wait_no_user_procs 15
	[ "$(sort -n "$SSH_SHARE/ran" | tr '\n' ' ')" = "1 2 3 4 " ]
}

@test "--pipe on warm channels: every block whole, once, in order" {
	ssh_write_hostfile hosts.yaml 2
	seq 20000 >in
	run --separate-stderr "$PFAN" --no-remote-agent --debug -k --pipe --block 10k -H hosts.yaml --joblog jl.jsonl \
		'sleep 0.1; md5sum' <in
	echo "$stderr" >err
	[ "$status" -eq 0 ]
	[ "$(adopted err)" -ge 1 ]
	expected=$("$PFAN" --no-remote-agent -k --pipe --block 10k -j2 md5sum <in)
	[ "$output" = "$expected" ]
}
