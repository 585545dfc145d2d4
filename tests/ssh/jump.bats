#!/usr/bin/env bats
# ProxyJump: hosts reached through a jump host (node1), whose one
# connection carries a direct-tcpip channel per connection behind it.
bats_require_minimum_version 1.5.0
load harness

setup_file() {
	ssh_setup_file 3
	[ -n "${SSH_SKIP:-}" ] && return 0
	# The jump host logs each direct-tcpip request (debug level): the
	# proof that a connection went through it. sshd takes the first value.
	sed -i '1i LogLevel DEBUG1' "$SSH_DIR/sshd1/sshd_config"
	ssh_sshd_signal 1 KILL
	ssh_harness_restart 1
}
setup() {
	ssh_setup
	ssh_harness_revive
	mkdir -p "$T/.ssh"
	# node2 only through the jump host, node3 directly
	{
		echo "Host jump"
		echo "  HostName ${SSH_ADDR[1]}"
		echo "  Port ${SSH_PORT[1]}"
		echo "  User $SSH_USER"
		echo "  IdentitiesOnly yes"
		echo "  IdentityFile $T/nosuchkey"
		echo "  IdentityFile $SSH_KEY"
		echo "  UserKnownHostsFile $SSH_KNOWN_HOSTS"
		echo "Host node2"
		echo "  ProxyJump jump"
	} >"$T/.ssh/config"
	{
		echo "defaults:"
		echo "  user: $SSH_USER"
		echo "  identity: $SSH_KEY"
		echo "  known_hosts: $SSH_KNOWN_HOSTS"
		echo "hosts:"
		echo "  - { name: node2, address: ${SSH_ADDR[2]}, port: ${SSH_PORT[2]}, slots: 2 }"
		echo "  - { name: node3, address: ${SSH_ADDR[3]}, port: ${SSH_PORT[3]}, slots: 2 }"
	} >hosts.yaml
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

@test "ProxyJump in ~/.ssh/config: jobs run through the jump host, its one connection shared" {
	local before after
	before=$(grep -c "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}" "$SSH_DIR/sshd1/sshd.log" || :)
	# The first 4 jobs meet at a barrier: all 4 slots, node2's too, must
	# run at once, so node3 cannot finish the run before node2 is up (a
	# slow sanitizer build did). The second IdentityFile is used after the
	# first is missing.
	ssh_share_dir
	HOME=$T run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		"$(ssh_barrier_job 4); echo {} \$PFAN_HOST" ::: $(seq 12)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 12 ]
	[ "$(jq -s '[.[] | select(.host == "node2" and .status == "ok")] | length' jl.jsonl)" -gt 0 ]
	after=$(grep -c "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}" "$SSH_DIR/sshd1/sshd.log")
	# node2 went through the jump host (once per connection of node2)...
	[ "$after" -gt "$before" ]
	# ...and nothing else of this run did
	! grep -q "direct_tcpip.*target ${SSH_ADDR[3]} " "$SSH_DIR/sshd1/sshd.log"
}

@test "a -J style list with user and port in ProxyJump works too" {
	sed -i "s|^  ProxyJump jump|  ProxyJump $SSH_USER@jump:${SSH_PORT[1]}|" "$T/.ssh/config"
	grep -v node3 hosts.yaml >node2.yaml
	local before after
	before=$(grep -c "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}" "$SSH_DIR/sshd1/sshd.log" || :)
	HOME=$T run --separate-stderr "$PFAN" -H node2.yaml --joblog jl.jsonl \
		'echo {}' ::: $(seq 4)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jq -s '[.[] | select(.host == "node2" and .status == "ok")] | length' jl.jsonl)" -eq 4 ]
	after=$(grep -c "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}" "$SSH_DIR/sshd1/sshd.log")
	[ "$after" -gt "$before" ]
}

@test "the jump host's key is checked like any other host's" {
	: >"$T/kh"
	sed -i "s|UserKnownHostsFile .*|UserKnownHostsFile $T/kh|" "$T/.ssh/config"
	HOME=$T run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'echo {}' ::: $(seq 4)
	echo "$stderr"
	[ "$status" -eq 0 ]
	grep -q "jump host jump: host key not in $T/kh" <<<"$stderr"
	[ "$(jq -s '[.[] | select(.host == "node2" and .status == "ok")] | length' jl.jsonl)" -eq 0 ]
}

@test "the jump host lost mid-run: the jobs behind it are host_lost and the run finishes on the others" {
	ssh_share_dir
	local job="echo {} begins; if [ \"\$PFAN_HOST\" = node2 ] && [ ! -e $SSH_SHARE/short ]; then sleep 30 || :; fi; sleep 0.2; echo {} ends"
	HOME=$T "$PFAN" -H hosts.yaml --joblog jl.jsonl "$job" ::: $(seq 12) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node2
	ssh_sshd_signal 1 KILL
	local rc=0
	wait "$PFAN_PID" || rc=$?
	PFAN_PID=
	touch "$SSH_SHARE/short"
	cat err
	[ "$rc" -eq 0 ]
	ssh_ok_once jl.jsonl 12
	[ "$(jq -s '[.[] | select(.host == "node2" and .status == "host_lost")] | length' jl.jsonl)" -eq 2 ]
	[ "$(jq -s '[.[] | select(.host == "node2" and .status == "ok")] | length' jl.jsonl)" -eq 0 ]
	grep -q "jump host jump: " err
	ssh_wait_no_user_procs 15
}
