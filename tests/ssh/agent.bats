#!/usr/bin/env bats
# The remote agent (src/sshagent.c, src/agentscript.c): one exec channel
# per connection runs a perl program that starts the connection's jobs,
# each in a process group of its own. The same results and environment as
# one channel per job (--no-remote-agent); a host without perl falls back
# to that; the agent's jobs die with it however it goes (its channel
# closed, sshd killed or stopped, pfan killed, the agent itself killed);
# a timeout kills one job's group and nothing else. Every sshd here closes
# a channel silent for 12 s (ChannelTimeout; in a Match block OpenSSH 9.2
# does not apply it). node3's sshd stands
# for a host without perl: it runs every command but the agent's, which
# gets what sh says when there is no perl (ForceCommand), so only the
# greeting can tell.
bats_require_minimum_version 1.5.0
load harness
load paths

setup_file() {
	ssh_setup_file 3 "ChannelTimeout session:*=12" "Match LocalAddress 127.0.0.4" \
		"ForceCommand case \$SSH_ORIGINAL_COMMAND in 'exec perl -e '*) echo 'sh: 1: exec: perl: not found' >&2; exit 127;; esac; exec /bin/sh -c \"\$SSH_ORIGINAL_COMMAND\""
}
setup() {
	ssh_setup
	ssh_harness_revive
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# Jobs the agent ran, from --debug's lines.
on_agent() {
	grep -c 'channel: queued -> agent$' "$1" || true
}

@test "agent: {%}, {host}, the environment and the directory are the same through the agent and on a channel per job" {
	one_host 1 2
	one_host 3 2
	run --separate-stderr "$PFAN" --debug -k -H host1.yaml --joblog jl1.jsonl "$ENV_JOB" ::: $(seq 10)
	[ "$status" -eq 0 ]
	agent_out=$output
	echo "$stderr" >err1
	run --separate-stderr "$PFAN" --no-remote-agent -k -H host1.yaml --joblog jl2.jsonl "$ENV_JOB" ::: $(seq 10)
	[ "$status" -eq 0 ]
	chan_out=$output
	run --separate-stderr "$PFAN" --debug -k -H host3.yaml --joblog jl3.jsonl "$ENV_JOB" ::: $(seq 10)
	[ "$status" -eq 0 ]
	echo "$stderr" >err3
	echo "# through the agent: $(on_agent err1) jobs; on the host without perl: $(on_agent err3)"
	[ "$(on_agent err1)" -eq 10 ]
	[ "$(on_agent err3)" -eq 0 ]
	grep -q "node: pfan's remote agent failed (it said on stderr: sh: 1: exec: perl: not found)" err3
	! grep -q "remote agent failed" err1
	consistent "$agent_out"
	consistent "$chan_out"
	consistent "$output"
	diff <(no_slots "$agent_out") <(no_slots "$chan_out")
	diff <(no_slots "$agent_out") <(no_slots "$output")
	ssh_ok_once jl1.jsonl 10
	ssh_ok_once jl3.jsonl 10
	ssh_wait_no_user_procs 15
}

@test "agent: a host without perl falls back to a channel per job (said with -v): the same statuses and output" {
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
	local job='echo {}; echo e{} >&2; case {} in *3) exit 3;; *7) kill -TERM $$;; *9) kill -KILL $$;; esac; sleep 0.1'
	run --separate-stderr "$PFAN" -v -k --tag -H hosts.yaml --joblog jl.jsonl "$job" ::: $(seq 30)
	echo "$stderr" >err
	# 3, 13, 23 exit 3; 7, 17, 27 are killed (143); 9, 19, 29 (137)
	[ "$status" -eq 9 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 21 ]
	[ "$(jl_count jl.jsonl '.host == "node3"')" -ge 1 ]
	[ "$(jl_count jl.jsonl '.host == "node1"')" -ge 1 ]
	for h in node1 node3; do
		[ "$(jl_count jl.jsonl ".host == \"$h\" and ((.seq % 10 == 3) != (.exit == 3))")" -eq 0 ]
		[ "$(jl_count jl.jsonl ".host == \"$h\" and ((.seq % 10 == 7) != (.exit == 143))")" -eq 0 ]
		[ "$(jl_count jl.jsonl ".host == \"$h\" and ((.seq % 10 == 9) != (.exit == 137))")" -eq 0 ]
	done
	grep -q "^pfan: node3: pfan's remote agent failed" err
	! grep -q "node1: pfan's remote agent" err
	# (-v prints each command too)
	[ "$(sed 's/^[^ \t]*[ \t]//' <<<"$output" | grep -xE '[0-9]+' | tr '\n' ' ')" = "$(seq 30 | tr '\n' ' ')" ]
	# each job's stderr whole, tagged with its argument
	[ "$(grep -cP '^(\d+)\te\1$' err)" -eq 30 ]
	ssh_wait_no_user_procs 15
}

# The pid of node1's agent: the perl under sshd (its watcher is a perl
# under the agent).
agent_pid() {
	local i pid ppid
	for i in $(seq 300); do
		for pid in $(ssh_procs_pids node1); do
			[ "$(ps -o comm= -p "$pid")" = perl ] || continue
			# (ps pads a short pid with blanks, which -p refuses)
			ppid=$(ps -o ppid= -p "$pid" | tr -d ' ')
			[ -n "$ppid" ] && [ "$(ps -o comm= -p "$ppid")" = sshd ] || continue
			echo "$pid"
			return 0
		done
		sleep 0.1
	done
	return 1
}

@test "agent: an sshd killed with the agent's jobs running: nothing lost, nothing left on the host" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" -H hosts.yaml --joblog jl.jsonl "$(held_job)" ::: $(seq 20) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
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

@test "agent: an sshd stopped with the agent's jobs running: lost, its jobs done elsewhere once; woken, the agent kills what it ran" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" -H hosts.yaml --keepalive 1 --joblog jl.jsonl "$(held_job)" ::: $(seq 16) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
	local old
	old=$(ssh_procs_pids node1)
	ssh_sshd_signal 1 STOP
	ssh_wait_line 30 jl.jsonl '"host":"node1".*"status":"host_lost"'
	wait_pfan
	[ "$PFAN_RC" -eq 0 ]
	ssh_sshd_signal 1 CONT
	# the two held jobs never saw "short": only the agent's kill ends them
	ssh_wait_gone 15 $old
	ssh_ok_once jl.jsonl 16
	[ "$(sort -n out | tr '\n' ' ')" = "$(seq 16 | tr '\n' ' ')" ]
	[ "$(jl_count jl.jsonl '.status == "host_lost"')" -eq 2 ]
	ssh_wait_no_user_procs 15
}

@test "agent: pfan SIGKILLed with the agent's jobs running: nothing left on the host; resumed, every job ok once" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2
	"$PFAN" -H hosts.yaml --joblog jl.jsonl "$(held_job)" ::: $(seq 6) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
	local old
	old=$(ssh_procs_pids node1)
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	PFAN_PID=
	ssh_wait_gone 15 $old
	ssh_wait_no_user_procs 15
	touch "$SSH_SHARE/short"
	run --separate-stderr "$PFAN" -H hosts.yaml --resume jl.jsonl "$(held_job)" ::: $(seq 6)
	echo "$stderr"
	[ "$status" -eq 0 ]
	ssh_ok_once jl.jsonl 6
	ssh_wait_no_user_procs 15
}

@test "agent: the agent SIGKILLed on the host: its watcher kills its jobs, which run again on channels, each ok once" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 2
	"$PFAN" --debug -H hosts.yaml --joblog jl.jsonl "$(held_job)" ::: $(seq 6) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node1
	local agent sleeps
	agent=$(agent_pid)
	[ -n "$agent" ]
	sleeps=$(ssh_user_procs | awk '$3 == "sleep" { print $1 }')
	echo "# agent $agent; held: $(echo $sleeps)"
	ssh_harness_procs -a node1 | sed 's/^/#   /'
	touch "$SSH_SHARE/short"
	kill -KILL "$agent"
	# the held jobs were killed (they would have run on to 30 s)
	ssh_wait_gone 15 $sleeps
	wait_pfan
	[ "$PFAN_RC" -eq 0 ]
	ssh_ok_once jl.jsonl 6
	[ "$(sort -n out | tr '\n' ' ')" = "$(seq 6 | tr '\n' ' ')" ]
	# the two it ran were lost and ran again, then every job on a channel
	jq -c '{seq, status, host}' jl.jsonl | sed 's/^/#   /'
	grep -e 'remote agent' -e 'channel: queued' err | sed 's/^/#   /'
	[ "$(jl_count jl.jsonl '.status == "host_lost"')" -eq 2 ]
	grep -q 'remote agent: it ended' err
	[ "$(grep -c -e 'channel: queued -> opening$' -e 'channel: queued -> exec$' err)" -ge 2 ]
	ssh_wait_no_user_procs 15
}

@test "agent: --timeout kills one job's process group (its children too) and nothing else" {
	ssh_share_dir
	ssh_write_hostfile hosts.yaml 3
	run --separate-stderr "$PFAN" -H hosts.yaml --timeout 3 --joblog jl.jsonl \
		"case {} in 1) (sleep 60; echo child >>$SSH_SHARE/late) & sleep 60;; *) sleep 1; echo {};; esac" ::: 1 2 3
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(jl_count jl.jsonl '.status == "timeout"')" -eq 1 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 2 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "2 3 " ]
	ssh_wait_no_user_procs 15
	[ ! -e "$SSH_SHARE/late" ]
}

@test "agent: output of any size and any bytes, whole and per job; a job's background child holds its end as on a channel" {
	ssh_write_hostfile hosts.yaml 4
	# each job's output: its size in bytes, then early, then late (from
	# the background child, after the job itself exited)
	run --separate-stderr "$PFAN" -k -H hosts.yaml 'seq {} | wc -c; (sleep 1; echo late{}) & echo early{}' ::: 1 100000 700000 7
	echo "$stderr"
	[ "$status" -eq 0 ]
	local want=
	for n in 1 100000 700000 7; do want="$want$(seq $n | wc -c) early$n late$n "; done
	[ "$(tr '\n' ' ' <<<"$output")" = "$want" ]
	# and the bytes themselves, a whole MiB and more, unchanged
	"$PFAN" -H hosts.yaml 'seq 200000; printf "a\\0b\\377\\n"' ::: 1 >got
	{ seq 200000; printf 'a\0b\377\n'; } >want
	cmp got want
	ssh_wait_no_user_procs 15
}

@test "agent: unused at the end of a run, it exits; a run of no remote job starts none" {
	ssh_write_hostfile hosts.yaml 2
	run -0 --separate-stderr "$PFAN" --debug -H hosts.yaml echo ::: a b
	echo "$stderr" >err
	[ "$(grep -c 'remote agent: greeting -> ready' err)" -eq 1 ]
	ssh_wait_no_user_procs 15
	# a --pipe job runs on a channel of its own
	seq 100 >in
	run -0 --separate-stderr "$PFAN" --debug --pipe -N 50 -H hosts.yaml wc -l <in
	[ "$(grep -c 'remote agent' <<<"$stderr")" -eq 0 ]
	[ "$output" = "$(printf '50\n50')" ]
	ssh_wait_no_user_procs 15
}

@test "agent: sshd's ChannelTimeout does not close the agent under jobs that print nothing for longer (its heartbeat)" {
	one_host 2 2
	run --separate-stderr "$PFAN" -H host2.yaml --joblog jl.jsonl 'sleep 20; echo {}' ::: 1 2
	echo "$stderr"
	[ "$status" -eq 0 ]
	ssh_ok_once jl.jsonl 2
	[ "$(jl_count jl.jsonl '.status == "host_lost"')" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "1 2 " ]
	ssh_wait_no_user_procs 15
}
