#!/usr/bin/env bats
# Hosts given the other ways: -S sshlogins, ~/.ssh/config, and `local`
# mixed with remote hosts; {%} and {host} on remote slots.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 2; }
setup() {
	ssh_setup
	# A home of our own: -S and ~/.ssh/config use ~/.ssh's defaults.
	export HOME=$T/home
	mkdir -p "$HOME/.ssh"
	cp "$SSH_KEY" "$HOME/.ssh/id_ed25519"
	cp "$SSH_KNOWN_HOSTS" "$HOME/.ssh/known_hosts"
	chmod 700 "$HOME/.ssh"
	chmod 600 "$HOME/.ssh/id_ed25519"
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

@test "-S N/user@host:port runs on that host with N slots" {
	run --separate-stderr "$PFAN" --joblog jl.jsonl \
		-S "3/$SSH_USER@${SSH_ADDR[1]}:${SSH_PORT[1]}" \
		'sleep 0.3; echo {} $PFAN_HOST' ::: $(seq 9)
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 9 ]
	# The host's name is what -S said; at most 3 at once.
	[ "$(jq -r 'select(.seq != null) | .host' jl.jsonl | sort -u)" = "${SSH_ADDR[1]}" ]
	[ "$(ssh_peak jl.jsonl "${SSH_ADDR[1]}")" -le 3 ]
	[ "$(ssh_peak jl.jsonl "${SSH_ADDR[1]}")" -ge 2 ]
}

@test "~/.ssh/config gives HostName, Port and User to a host named in -S" {
	cat >"$HOME/.ssh/config" <<CFG
Host alias1
	HostName ${SSH_ADDR[2]}
	Port ${SSH_PORT[2]}
	User $SSH_USER
CFG
	run --separate-stderr "$PFAN" --joblog jl.jsonl -S 2/alias1 'echo {} $PFAN_HOST' ::: a b
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	grep -qx "a alias1" <<<"$output"
	grep -qx "b alias1" <<<"$output"
	[ "$(jq -r 'select(.seq != null) | .host' jl.jsonl | sort -u)" = alias1 ]
}

@test "local slots mixed with remote hosts: both take jobs" {
	ssh_write_hostfile hosts.yaml 2 2
	printf '  - name: local\n    slots: 2\n' >>hosts.yaml
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		'sleep 0.3; echo {} $PFAN_HOST' ::: $(seq 18)
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jl_count jl.jsonl '.status == "ok"')" -eq 18 ]
	local h
	for h in node1 node2 local; do
		[ "$(jl_count jl.jsonl ".host == \"$h\"")" -ge 1 ]
		[ "$(ssh_peak jl.jsonl "$h")" -le 2 ]
	done
}

@test "{%} is the slot on its host and {host} its name, on remote hosts" {
	ssh_write_hostfile hosts.yaml 3
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		'sleep 0.2; echo {} slot={%} host={host}' ::: $(seq 9)
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	# Every line names node1 and a slot 1..3, and it is the joblog's slot.
	local seq slot
	while read -r seq slot; do
		grep -qx "$seq slot=$slot host=node1" <<<"$output"
		[ "$slot" -ge 1 ] && [ "$slot" -le 3 ]
	done < <(jq -r 'select(.seq != null) | "\(.seq) \(.slot)"' jl.jsonl)
	# The joblog's cmd is the canonical form, as written.
	[ "$(jq -r 'select(.seq == 1) | .cmd' jl.jsonl)" = 'sleep 0.2; echo 1 slot={%} host={host}' ]
}

@test "the program missing on one host: every job ends ok on the other, the host is suspended" {
	ssh_write_hostfile hosts.yaml 4 2
	# On node1 the "program" is not there: the shell's own exit 127.
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		'if [ "$PFAN_HOST" = node1 ]; then exec /nonexistent/think {}; fi; sleep 0.1; echo {}' \
		::: $(seq 30)
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	# Every job ok exactly once, all of them on node2; no --retries needed.
	ssh_ok_once jl.jsonl 30
	[ "$(jl_count jl.jsonl '.status == "ok" and .host != "node2"')" -eq 0 ]
	# node1's attempts were 127s, recorded as not final, and few: its 4
	# slots' worth before any verdict, then it paused (schedhost.c).
	[ "$(jl_count jl.jsonl '.host == "node1" and (.exit != 127 or .final != false)')" -eq 0 ]
	[ "$(jl_count jl.jsonl '.host == "node1"')" -le 6 ]
	grep -q "node1: suspended for this run" <<<"$stderr"
}
