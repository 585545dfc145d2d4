#!/usr/bin/env bats
# --onall, --nonall and --fold over three real sshd "hosts": every job on
# every host, output grouped and tagged per host, identical outputs
# folded, the exit status counting hosts, a host that cannot be reached
# named at the end and its jobs never run elsewhere.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 3; }
setup() {
	ssh_setup
	# the last test kills an sshd
	ssh_harness_revive
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# A hostfile of node1..node3 (4 slots each) and "refusing", a host whose
# port nothing listens on.
write_hosts_with_refusing() {
	local refused
	refused=$(ssh_harness_free_port)
	while { exec 9<>"/dev/tcp/127.0.0.3/$refused"; } 2>/dev/null; do
		exec 9<&- 9>&-
		refused=$(ssh_harness_free_port)
	done
	ssh_write_hostfile "$1" 4 4 4
	cat >>"$1" <<-EOT
	  - name: refusing
	    address: 127.0.0.3
	    port: $refused
	    slots: 4
	EOT
}

@test "--nonall runs the command once on each of 3 hosts, its output tagged with the host's name" {
	ssh_write_hostfile hosts.yaml 4 4 4
	run --separate-stderr "$PFAN" -H hosts.yaml --nonall --joblog jl.jsonl \
		'echo ran on $PFAN_HOST; echo to stderr >&2'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	# the hosts in their order, each with its own line
	[ "$output" = "$(printf 'node%s\tran on node%s\n' 1 1 2 2 3 3)" ]
	[ "$stderr" = "$(printf 'node%s\tto stderr\n' 1 2 3)" ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 3 ]
	[ "$(jq -r 'select(has("seq")) | .host' jl.jsonl | sort | tr '\n' ' ')" = "node1 node2 node3 " ]
}

@test "--onall runs each argument on every host, in order, one at a time per host, each host's output together" {
	ssh_write_hostfile hosts.yaml 4 4 4
	# (a job of a few ms, as through the remote agent, is shorter than
	# ssh_peak's 3 ms margin: it would read 0)
	run --separate-stderr "$PFAN" -H hosts.yaml --onall --joblog jl.jsonl \
		'sleep 0.05; echo {} $PFAN_HOST' ::: a b c
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	local want h
	want=$(for h in node1 node2 node3; do printf '%s\t%s %s\n' "$h" a "$h" "$h" b "$h" "$h" c "$h"; done)
	[ "$output" = "$want" ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 9 ]
	for h in node1 node2 node3; do
		# every argument once on each host, started in order, one at a time
		[ "$(jq -r "select(.host == \"$h\") | .args[0]" jl.jsonl | tr '\n' ' ')" = "a b c " ]
		[ "$(jq -r "select(.host == \"$h\") | .args[0]" jl.jsonl | sort -u | wc -l)" -eq 3 ]
		[ "$(ssh_peak jl.jsonl "$h")" -eq 1 ]
	done	# {#} is the record's number on every host, also with {host} in the
	# command (expanded again per host); $PFAN_SEQ is the joblog's seq
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --onall --joblog jl2.jsonl \
		'echo {#} {host} $PFAN_SEQ' ::: a b
	[ "$output" = "$(printf 'node1\t1 node1 1\nnode1\t2 node1 2\nnode2\t1 node2 3\nnode2\t2 node2 4\nnode3\t1 node3 5\nnode3\t2 node3 6')" ]
	[ "$(jq -r 'select(has("seq")) | "\(.seq) \(.host) \(.cmd)"' jl2.jsonl | sort -n | tr '\n' ,)" = \
		"1 node1 echo 1 {host} \$PFAN_SEQ,2 node1 echo 2 {host} \$PFAN_SEQ,3 node2 echo 1 {host} \$PFAN_SEQ,4 node2 echo 2 {host} \$PFAN_SEQ,5 node3 echo 1 {host} \$PFAN_SEQ,6 node3 echo 2 {host} \$PFAN_SEQ," ]
}

@test "--onall -j 2: two jobs at a time on each host" {
	ssh_write_hostfile hosts.yaml 1 1 1
	run --separate-stderr "$PFAN" -H hosts.yaml --onall -j 2 --joblog jl.jsonl \
		'sleep 0.5; echo {}' ::: 1 2 3 4
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 12 ]
	[ "$(jl_count jl.jsonl '.slot > 2')" -eq 0 ]
	[ "$(jl_count jl.jsonl '.slot == 2')" -ge 1 ]
}

@test "--fold: identical outputs printed once under the folded host names, the others per host" {
	ssh_write_hostfile hosts.yaml 4 4 4
	run --separate-stderr "$PFAN" -H hosts.yaml --nonall --fold \
		'case $PFAN_HOST in node2) echo other ;; *) echo same; echo line2 ;; esac'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	local rule=---------------
	[ "$output" = "$(printf '%s\n' "$rule" 'node[1,3] (2)' "$rule" same line2 "$rule" node2 "$rule" other)" ]

	run --separate-stderr "$PFAN" -H hosts.yaml --onall --fold 'echo {}; echo {} >&2' ::: x y
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "$rule" 'node[1-3] (3)' "$rule" x y)" ]
	[ "$stderr" = "$(printf '%s\n' x y)" ]
}

@test "exit status: the number of hosts where the command failed, not of jobs" {
	ssh_write_hostfile hosts.yaml 4 4 4
	run --separate-stderr "$PFAN" -H hosts.yaml --onall --joblog jl.jsonl \
		'test $PFAN_HOST = node2 && echo {}' ::: a b c
	echo "$output"
	echo "$stderr"
	# 6 jobs failed, on 2 hosts
	[ "$status" -eq 2 ]
	[ "$(jl_count jl.jsonl '.status == "failed"')" -eq 6 ]
	[ "$(jl_count jl.jsonl '.status == "failed" and .host == "node2"')" -eq 0 ]
	[ "$output" = "$(printf 'node2\t%s\n' a b c)" ]
	# a failure is not blamed on the host (as exit 127 would be in a normal
	# run): never run on another host
	run --separate-stderr "$PFAN" -H hosts.yaml --nonall --joblog jl2.jsonl \
		'test $PFAN_HOST = node3 || no-such-command-pfan'
	echo "$stderr"
	[ "$status" -eq 2 ]
	[ "$(jl_count jl2.jsonl 'true')" -eq 3 ]
	[ "$(jl_count jl2.jsonl '.status == "ok" and .host == "node3"')" -eq 1 ]
}

@test "a host that cannot be reached is named in one line at the end; its jobs run nowhere else" {
	write_hosts_with_refusing hosts.yaml
	run --separate-stderr "$PFAN" -H hosts.yaml --onall --joblog jl.jsonl \
		'echo {} $PFAN_HOST' ::: a b
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(tail -n 1 <<<"$stderr")" = "pfan: unreachable: refusing" ]
	local h
	for h in node1 node2 node3; do
		[ "$(jq -r "select(.host == \"$h\" and .status == \"ok\") | .args[0]" jl.jsonl | tr '\n' ' ')" = "a b " ]
	done
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 6 ]
	# its two jobs: recorded skipped there, final
	[ "$(jl_count jl.jsonl '.host == "refusing" and .status == "skipped" and .final')" -eq 2 ]
	[ "$(jl_count jl.jsonl '.host == "refusing" and .status != "skipped"')" -eq 0 ]
	[ "$(grep -c refusing <<<"$output")" -eq 0 ]

	# --fold leaves it out of the folded output, and names it the same way
	run --separate-stderr "$PFAN" -H hosts.yaml --nonall --fold 'echo same'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '%s\n' --------------- 'node[1-3] (3)' --------------- same)" ]
	[ "$(tail -n 1 <<<"$stderr")" = "pfan: unreachable: refusing" ]
}

@test "a host lost for good while its job runs: its jobs are not run elsewhere, it is named unreachable" {
	ssh_write_hostfile hosts.yaml 4 4 4
	"$PFAN" -H hosts.yaml --onall --joblog jl.jsonl \
		'case $PFAN_HOST in node3) sleep 30 ;; esac; echo {}' ::: a b >out 2>err &
	local pid=$! rc=0
	ssh_wait_procs 30 1 'sleep 30' node3
	ssh_sshd_signal 3 KILL
	wait "$pid" || rc=$?
	cat out
	cat err
	[ "$rc" -eq 1 ]
	[ "$(tail -n 1 err)" = "pfan: unreachable: node3" ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 4 ]
	[ "$(jl_count jl.jsonl '.status == "ok" and .host == "node3"')" -eq 0 ]
	# the attempt that was running: host_lost, to run again there only;
	# then both jobs given up with the host
	[ "$(jl_count jl.jsonl '.host == "node3" and .status == "host_lost" and .final == false')" -eq 1 ]
	[ "$(jl_count jl.jsonl '.host == "node3" and .status == "skipped" and .final')" -eq 2 ]
	[ "$(cut -f1 out | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')" = "node1:2 node2:2 " ]
	ssh_wait_no_user_procs 15
}

@test "no host reachable: each is named, the exit status counts them, no 'no host left' error" {
	write_hosts_with_refusing hosts.yaml
	# only the refusing host, twice over (another name, the same port)
	awk '/name: refusing/ { keep = 1 } keep' hosts.yaml >only.yaml
	sed 's/name: refusing/name: refusing2/' only.yaml >two.yaml
	{ sed -n '1,/^hosts:/p' hosts.yaml; cat only.yaml two.yaml; } >unreach.yaml
	cat unreach.yaml
	run --separate-stderr "$PFAN" -H unreach.yaml --onall --joblog jl.jsonl 'echo {}' ::: a b
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$(tail -n 1 <<<"$stderr")" = "pfan: unreachable: refusing,refusing2 (2)" ]
	[[ $stderr != *"no host left"* ]]
	[ "$(jl_count jl.jsonl '.status == "skipped"')" -eq 4 ]
}
