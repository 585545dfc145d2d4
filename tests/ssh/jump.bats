#!/usr/bin/env bats
# ProxyJump: hosts reached through a jump host (node1), whose one
# connection carries a direct-tcpip channel per connection behind it; and
# through a chain of two (node1, then node2) to node3, with node4 direct.
bats_require_minimum_version 1.5.0
load harness

setup_file() {
	ssh_setup_file 4
	[ -n "${SSH_SKIP:-}" ] && return 0
	# The jump hosts log each direct-tcpip request (debug level): the
	# proof that a connection went through them. Each may open only the
	# next host of the chain: node1 node2, node2 node3 (on loopback every
	# connection comes from 127.0.0.1, so a target cannot tell a tunnelled
	# one by its address; the tests count its connections instead). sshd
	# takes the first value.
	sed -i "1i LogLevel DEBUG1\nPermitOpen ${SSH_ADDR[2]}:${SSH_PORT[2]}" "$SSH_DIR/sshd1/sshd_config"
	sed -i "1i LogLevel DEBUG1\nPermitOpen ${SSH_ADDR[3]}:${SSH_PORT[3]}" "$SSH_DIR/sshd2/sshd_config"
	ssh_sshd_signal 1 KILL
	ssh_sshd_signal 2 KILL
	ssh_harness_restart 1
	ssh_harness_restart 2
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

# ssh_config for the chain: node3 through jump1 (node1), then jump2 (node2).
chain_config() {
	local kh2=${1:-$SSH_KNOWN_HOSTS} i
	for i in 1 2; do
		echo "Host jump$i"
		echo "  HostName ${SSH_ADDR[$i]}"
		echo "  Port ${SSH_PORT[$i]}"
		echo "  User $SSH_USER"
		echo "  IdentityFile $SSH_KEY"
		if [ "$i" = 2 ]; then
			echo "  UserKnownHostsFile $kh2"
		else
			echo "  UserKnownHostsFile $SSH_KNOWN_HOSTS"
		fi
	done
	echo "Host node3"
	echo "  ProxyJump jump1,jump2"
} >"$T/.ssh/config"

chain_hosts() {
	{
		echo "defaults:"
		echo "  user: $SSH_USER"
		echo "  identity: $SSH_KEY"
		echo "  known_hosts: $SSH_KNOWN_HOSTS"
		echo "hosts:"
		echo "  - { name: node3, address: ${SSH_ADDR[3]}, port: ${SSH_PORT[3]}, slots: 2 }"
		echo "  - { name: node4, address: ${SSH_ADDR[4]}, port: ${SSH_PORT[4]}, slots: 2 }"
	} >chain.yaml
}

# log_count I REGEX: lines of node I's sshd log matching REGEX
log_count() {
	grep -cE -- "$2" "$SSH_DIR/sshd$1/sshd.log" || :
}

# Every connection node I received since its count was BEFORE came as a
# tunnel of node J (J logged a direct-tcpip request to it for each), and
# there was one at least.
came_through() {
	local i=$1 j=$2 before_conn=$3 before_fwd=$4 conn fwd
	conn=$(( $(log_count "$i" "^Connection from .* on ${SSH_ADDR[$i]} port ${SSH_PORT[$i]} ") - before_conn ))
	fwd=$(( $(log_count "$j" "direct_tcpip.*target ${SSH_ADDR[$i]} port ${SSH_PORT[$i]}") - before_fwd ))
	echo "# node$i: $conn connections, node$j forwarded $fwd to it"
	[ "$conn" -gt 0 ] && [ "$conn" -le "$fwd" ]
}

@test "a ProxyJump chain (jump1,jump2): node3 is reached through jump2, jump2 through jump1" {
	local c3 f23 c2 f12
	chain_config
	chain_hosts
	c3=$(log_count 3 "^Connection from .* on ${SSH_ADDR[3]} port ${SSH_PORT[3]} ")
	f23=$(log_count 2 "direct_tcpip.*target ${SSH_ADDR[3]} port ${SSH_PORT[3]}")
	c2=$(log_count 2 "^Connection from .* on ${SSH_ADDR[2]} port ${SSH_PORT[2]} ")
	f12=$(log_count 1 "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}")
	# the 4 slots meet at a barrier: node3 must run jobs
	ssh_share_dir
	HOME=$T run --separate-stderr "$PFAN" -H chain.yaml --joblog jl.jsonl \
		"$(ssh_barrier_job 4); echo {} \$PFAN_HOST" ::: $(seq 12)
	echo "$stderr"
	[ "$status" -eq 0 ]
	ssh_ok_once jl.jsonl 12
	[ "$(jl_count jl.jsonl '.host == "node3" and .status == "ok"')" -gt 0 ]
	came_through 3 2 "$c3" "$f23"
	came_through 2 1 "$c2" "$f12"
	# one connection to jump2 carries all of node3's: node3 has 2 slots,
	# and node1 forwarded to node2 once
	[ "$(( $(log_count 1 "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}") - f12 ))" -eq 1 ]
}

@test "a -J style chain with users and ports works too; each hop's host key is checked" {
	chain_config
	sed -i "s|^  ProxyJump .*|  ProxyJump $SSH_USER@jump1:${SSH_PORT[1]},$SSH_USER@jump2:${SSH_PORT[2]}|" "$T/.ssh/config"
	chain_hosts
	grep -v node4 chain.yaml >node3.yaml
	local c3 f23 c2 f12
	c3=$(log_count 3 "^Connection from .* on ${SSH_ADDR[3]} port ${SSH_PORT[3]} ")
	f23=$(log_count 2 "direct_tcpip.*target ${SSH_ADDR[3]} port ${SSH_PORT[3]}")
	c2=$(log_count 2 "^Connection from .* on ${SSH_ADDR[2]} port ${SSH_PORT[2]} ")
	f12=$(log_count 1 "direct_tcpip.*target ${SSH_ADDR[2]} port ${SSH_PORT[2]}")
	HOME=$T run --separate-stderr "$PFAN" -H node3.yaml --joblog jl.jsonl 'echo {}' ::: $(seq 4)
	echo "$stderr"
	[ "$status" -eq 0 ]
	ssh_ok_once jl.jsonl 4
	[ "$(jl_count jl.jsonl '.host == "node3" and .status == "ok"')" -eq 4 ]
	came_through 3 2 "$c3" "$f23"
	came_through 2 1 "$c2" "$f12"
	# the second hop's key unknown: said, and node3 runs nothing. The
	# jobs (on node4) wait for the message, so the run cannot end first.
	: >"$T/kh"
	chain_config "$T/kh"
	chain_hosts
	ssh_share_dir
	local rc=0 wait="i=0; until grep -q 'host key not in' $SSH_SHARE/err; do [ \$i -lt 1200 ] || exit 9; sleep 0.05; i=\$((i + 1)); done"
	HOME=$T "$PFAN" -H chain.yaml --joblog jl2.jsonl "$wait; echo {}" ::: $(seq 4) \
		>out 2>"$SSH_SHARE/err" || rc=$?
	cat "$SSH_SHARE/err"
	[ "$rc" -eq 0 ]
	grep -q "jump host jump2: host key not in $T/kh" "$SSH_SHARE/err"
	ssh_ok_once jl2.jsonl 4
	[ "$(jl_count jl2.jsonl '.host == "node3" and .status == "ok"')" -eq 0 ]
}

# chain_hop_lost I: node I (jump I) killed while node3 runs 2 long jobs
chain_hop_lost() {
	chain_config
	chain_hosts
	ssh_share_dir
	local job="echo {} begins; if [ \"\$PFAN_HOST\" = node3 ] && [ ! -e $SSH_SHARE/short ]; then sleep 30 || :; fi; sleep 0.2; echo {} ends"
	HOME=$T "$PFAN" -H chain.yaml --joblog jl.jsonl "$job" ::: $(seq 12) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 2 'sleep 30' node3
	ssh_sshd_signal "$1" KILL
	local rc=0
	wait "$PFAN_PID" || rc=$?
	PFAN_PID=
	touch "$SSH_SHARE/short"
	cat err
	[ "$rc" -eq 0 ]
	ssh_ok_once jl.jsonl 12
	[ "$(jl_count jl.jsonl '.host == "node3" and .status == "host_lost"')" -eq 2 ]
	[ "$(jl_count jl.jsonl '.host == "node3" and .status == "ok"')" -eq 0 ]
	grep -q "jump host jump$1: " err
	ssh_wait_no_user_procs 15
}

@test "the second hop of a chain lost mid-run: node3's jobs run again on node4, each ok once" {
	chain_hop_lost 2
}

@test "the first hop of a chain lost mid-run: node3's jobs run again on node4, each ok once" {
	chain_hop_lost 1
}
