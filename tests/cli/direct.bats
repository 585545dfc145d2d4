#!/usr/bin/env bats
# No shell where none is needed: a job that is a simple command runs
# without /bin/sh -c (src/shsimple.c, src/local.c), and nothing it shows
# may differ from what `sh -c` gives: stdout, stderr, exit status, its
# environment, {%} and {host}.

load lib

setup() {
	pfan_setup
	mkdir adir
	printf 'echo noshebang "$@"\n' >noshebang
	printf '#!/bin/sh\necho shebang "$@"\n' >shebang
	: >empty
	printf 'echo x\n' >noexec
	chmod 755 noshebang shebang empty
	chmod 644 noexec
}

teardown() {
	pfan_teardown
}

# The exit value in the joblog's only record (a killed job: 128+N).
jl_exit() {
	sed -n 's/.*"exit":\([0-9]*\).*/\1/p' "$1"
}

@test "direct: a simple command runs with pfan as its parent, no sh between" {
	run "$PFAN" ::: "awk '{ getline c < (\"/proc/\" \$4 \"/comm\"); print c }' /proc/self/stat"
	assert_status 0
	[ "$output" = pfan ]
	# shell syntax keeps the shell
	run "$PFAN" ::: "awk '{ getline c < (\"/proc/\" \$4 \"/comm\"); print c }' /proc/self/stat; true"
	assert_status 0
	[ "$output" = sh ]
}

@test "direct: every case of tests/data/direct_vs_sh.txt gives what sh -c gives" {
	local cmd n=0 bad=0 want_rc got_rc
	while IFS= read -r cmd; do
		case $cmd in '#'* | '') continue ;; esac
		n=$((n + 1))
		rm -f jl
		"$PFAN" -j1 --joblog jl ::: "$cmd" >p.out 2>p.all || true
		grep -v '^pfan: ' p.all >p.err || true
		got_rc=$(jl_exit jl)
		want_rc=0
		# A job gets the default action of the signals pfan catches or
		# ignores (local.c), whatever pfan was given: so does sh here,
		# also when this suite runs under nohup or in the background.
		PFAN_SEQ=1 PFAN_SLOT=1 PFAN_HOST=local PARALLEL_SEQ=1 PARALLEL_JOBSLOT=1 \
			env --default-signal=INT,TERM,CHLD,PIPE,HUP \
			sh -c "$cmd" >s.out 2>s.err </dev/null || want_rc=$?
		if ! cmp -s p.out s.out || ! cmp -s p.err s.err || [ "$got_rc" != "$want_rc" ]; then
			bad=$((bad + 1))
			echo "case: $cmd" >&2
			echo "  status: pfan $got_rc, sh $want_rc" >&2
			diff p.out s.out | sed 's/^/  stdout: /' >&2 || true
			diff p.err s.err | sed 's/^/  stderr: /' >&2 || true
		fi
	done <"$PFAN_SRCDIR/tests/data/direct_vs_sh.txt"
	[ "$n" -gt 25 ]
	[ "$bad" -eq 0 ]
}

@test "direct: the environment, {%}, {#} and {host} are the same with and without sh" {
	# `env` runs directly, `env;` through sh: the same variables (sh's
	# order differs: sorted), on every slot.
	# A simple command (quoted words: it runs directly) that checks its
	# environment against {%}, {#} and {host}.
	local prog='BEGIN { e = ENVIRON["PARALLEL_JOBSLOT"] == slot && ENVIRON["PFAN_SLOT"] == slot;'
	prog+=' e = e && ENVIRON["PARALLEL_SEQ"] == seq && ENVIRON["PFAN_SEQ"] == seq;'
	prog+=' exit !(e && ENVIRON["PFAN_HOST"] == host) }'
	run "$PFAN" -k -j2 "awk -v slot={%} -v seq={#} -v host={host} '$prog'" ::: 1 2 3 4 5 6
	assert_status 0
	local i
	for i in 1 2 3; do
		"$PFAN" -j1 ::: env | sort >direct.$i
		"$PFAN" -j1 ::: 'env;' | sort >sh.$i
		diff direct.$i sh.$i
	done
	grep -qx 'PFAN_SEQ=1' direct.1
	grep -qx "PWD=$T" direct.1
}

@test "direct: a wrong \$PWD is set right for the job, as sh does, both ways" {
	PWD=/ run "$PFAN" ::: 'printenv PWD' 'printenv PWD;'
	assert_status 0
	[ "$output" = "$T
$T" ]
}
