#!/usr/bin/env bats
# The rest of the command line: <>, the empty-stdin warning, the jobs'
# environment, slots, --dry-run, options belonging to the command.

load lib

setup() {
	pfan_setup
}

teardown() {
	pfan_teardown
}

@test "misc: <> is an alias of {}" {
	run -0 --separate-stderr "$PFAN" -k echo '<>' '[<>]' ::: a 'b c'
	[ "$output" = "$(printf 'a [a]\nb c [b c]')" ]
}

@test "misc: unquoted <> (a redirection) leaves stdin empty: pfan warns" {
	# The shell opens file f read-write on pfan's stdin: an empty file.
	run -0 --separate-stderr bash -c "'$PFAN' echo <>f"
	[ -z "$output" ]
	assert_pfan_error "$stderr" "warning: no input: stdin is an empty file.*<>"
}

@test "misc: an empty stdin that is a pipe is not warned about" {
	run -0 --separate-stderr bash -c "printf '' | '$PFAN' echo"
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "misc: --quiet silences the empty-stdin warning" {
	: >empty
	run -0 --separate-stderr "$PFAN" --quiet echo <empty
	[ -z "$stderr" ]
}

@test "misc: jobs see PFAN_SEQ, PFAN_SLOT and PFAN_HOST" {
	run -0 --separate-stderr "$PFAN" -j1 -k 'echo $PFAN_SEQ $PFAN_SLOT $PFAN_HOST {}' ::: a b
	[ "$output" = "$(printf '1 1 local a\n2 1 local b')" ]
}

@test "misc: PFAN_* from pfan's own environment do not leak into jobs" {
	PFAN_SEQ=99 PFAN_SLOT=99 PFAN_HOST=elsewhere run -0 --separate-stderr \
		"$PFAN" -j1 'echo $PFAN_SEQ $PFAN_SLOT $PFAN_HOST; : {}' ::: a
	[ "$output" = "1 1 local" ]
}

@test "misc: {%} is unique among running jobs and within 1..-j" {
	# Each job holds its slot for a moment; a slot file must never be
	# taken twice at once (mkdir is atomic).
	job='mkdir slot.{%} || { echo clash {%}; exit 1; }; sleep 0.05; rmdir slot.{%}; echo {%}'
	run -0 --separate-stderr "$PFAN" -j3 "$job" ::: $(seq 30)
	[ "$(printf '%s\n' "$output" | sort -u | tr '\n' ' ')" = "1 2 3 " ]
}

@test "misc: {#} counts from 1 in input order, also with -j" {
	run -0 --separate-stderr "$PFAN" -j4 echo {#}:{} ::: a b c d e f
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "1:a 2:b 3:c 4:d 5:e 6:f " ]
}

@test "misc: --dry-run prints the commands with values quoted, runs nothing" {
	run -0 --separate-stderr "$PFAN" --dry-run 'touch {}' ::: 'a b' "it's" plain
	[ "$output" = "$(printf "touch 'a b'\ntouch 'it'\\\\''s'\ntouch plain")" ]
	[ ! -e plain ]
}

@test "misc: --dry-run with hosts gives each job a host and a slot that host has, and says they are an example" {
	# n1 has 2 slots, n2 3: job 3 was shown on n1 slot 3, a slot n1 lacks.
	run -0 --separate-stderr "$PFAN" --dry-run -S 2/n1,3/n2 'echo {host} {%}' ::: a b c d e f
	[ "$output" = "$(printf 'echo n1 1\necho n1 2\necho n2 1\necho n2 2\necho n2 3\necho n1 1')" ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" = 1 ]
	assert_match "$stderr" "^pfan: dry run: \\{host\\} and \\{%\\} are an example: job 1 shown on host n1, slot 1"
	# Nothing to say when the command has neither.
	run -0 --separate-stderr "$PFAN" --dry-run -S 2/n1,3/n2 'echo {}' ::: a
	[ "$output" = "echo a" ]
	[ -z "$stderr" ]
}

@test "misc: -j with hosts of fixed slots says once that it does not change them" {
	run -0 --separate-stderr "$PFAN" --dry-run -j4 -S '2/n[1-5],m' echo ::: a
	[ "$stderr" = "pfan: warning: -j 4 does not change hosts with fixed slots (n1, n2, n3 and 2 more); it sets the slots of hosts with slots: auto" ]
	# What it does: m (auto) gets 4 slots, n1 keeps its 2.
	run -0 --separate-stderr "$PFAN" --dry-run -j4 -S 2/n1,m 'echo {host} {%}' ::: 1 2 3 4 5 6 7
	[ "$(printf '%s\n' "$output" | tr '\n' ' ')" = "echo n1 1 echo n1 2 echo m 1 echo m 2 echo m 3 echo m 4 echo n1 1 " ]
	grep -q 'warning: -j 4 does not change hosts with fixed slots (n1);' <<<"$stderr"
	# Nothing to say when every host takes its slots from -j, or without -j.
	run -0 --separate-stderr "$PFAN" --dry-run -j4 -S 'n[1-5]' echo ::: a
	[ -z "$stderr" ]
	run -0 --separate-stderr "$PFAN" --dry-run -S '2/n[1-5]' echo ::: a
	[ -z "$stderr" ]
}

@test "misc: options after the command word belong to the command" {
	printf 'x\ny\ny\n' >f
	run -0 --separate-stderr "$PFAN" -k grep -c -v x ::: f
	[ "$output" = 2 ]
}

@test "misc: -j default runs jobs at once (at least one per core, here >= 1)" {
	run -0 --separate-stderr "$PFAN" 'echo {}' ::: a
	[ "$output" = a ]
}

@test "misc: --version prints the version from configure" {
	run -0 --separate-stderr "$PFAN" --version
	assert_match "$output" '^pfan [0-9]+\.[0-9]+\.[0-9]+'
}

@test "misc: stdin with -a - is read like stdin" {
	run -0 --separate-stderr bash -c "printf 'x\ny\n' | '$PFAN' -k -a - echo {}"
	[ "$output" = "$(printf 'x\ny')" ]
}

@test "misc: --halt success=1 stops after the first success" {
	run --separate-stderr "$PFAN" -j1 --halt now,success=1 'echo {}; test {} = 2' ::: 1 2 3 4
	assert_no_crash "$status"
	[ "$output" = "$(printf '1\n2')" ]
}

@test "misc: -S 2/: runs on two local slots, {host} is local" {
	run -0 --separate-stderr "$PFAN" -S 2/: -k 'echo {host} $PFAN_HOST; mkdir s{%} && sleep 0.2; rmdir s{%}' ::: a b c d
	[ "$output" = "$(printf 'local local\nlocal local\nlocal local\nlocal local')" ]
}

@test "misc: a hostfile with only local slots needs no ssh" {
	printf 'hosts:\n  - name: local\n    slots: 3\n' >hosts.yaml
	run -0 --separate-stderr "$PFAN" -H hosts.yaml -k echo {host} {} ::: a b
	[ "$output" = "$(printf 'local a\nlocal b')" ]
}
