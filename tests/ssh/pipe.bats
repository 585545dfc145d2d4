#!/usr/bin/env bats
# --pipe to remote hosts: each block goes down its job's channel as stdin.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 2; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

gen_lines() {
	awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed)
		for (i = 0; i < n; i++) {
			len = int(rand() * rand() * 400); if (i % 997 == 5) len = 70000
			s = i ":"; for (j = 0; j < len; j++) s = s substr("abcdefgh", j % 8 + 1, 1)
			print s } }'
}

@test "pipe: --pipe -k cat to two hosts reproduces the input byte for byte" {
	ssh_write_hostfile hosts.yaml 2 2
	gen_lines 20000 3 >in
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --joblog jl --pipe -k --block 64k cat <in
	printf '%s\n' "$output" | cmp - in
	# both hosts took blocks (several blocks, each on some host)
	[ "$(jl_count jl '.host == "node1"')" -ge 1 ]
	[ "$(jl_count jl '.host == "node2"')" -ge 1 ]
	# --pipepart, and a block of 3 MB (many channel windows)
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --pipepart -a in -k --block 3M cat
	printf '%s\n' "$output" | cmp - in
}

@test "pipe: the blocks' wc -l on remote hosts add up to the input's lines" {
	ssh_write_hostfile hosts.yaml 2 2
	gen_lines 30000 8 >in
	want=$(wc -l <in)
	for b in 10k 200k; do
		run -0 --separate-stderr "$PFAN" -H hosts.yaml --pipe --block "$b" wc -l <in
		[ "$(printf '%s\n' "$output" | awk '{ s += $1 } END { print s }')" = "$want" ]
	done
	[ "${#lines[@]}" -gt 5 ]
}

@test "pipe: a remote job that reads only part of its block ends normally" {
	ssh_write_hostfile hosts.yaml 2
	seq 1 200000 >in
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --pipe --block 300k -k 'head -1' <in
	[ "${lines[0]}" = 1 ]
	[ "${#lines[@]}" -ge 3 ]
}

@test "pipe: six channels of one session writing blocks at once: output whole, no host lost" {
	# Many channels writing on one session: when the socket is full,
	# libssh2 holds one channel's part-sent packet and refuses every
	# other send on the session until it is finished.
	ssh_write_hostfile hosts.yaml 6
	gen_lines 150000 21 >in
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --joblog jl --pipe -k --block 1M cat <in
	printf '%s\n' "$output" | cmp - in
	[ -z "$stderr" ] || { echo "$stderr" >&2; return 1; }
	[ "$(jl_count jl '.status != "ok"')" = 0 ]
}
