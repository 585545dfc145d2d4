#!/usr/bin/env bats
# Output: each job's output whole and never interleaved; -k order;
# --line-buffer never cuts a line; --tag; --results; big outputs intact.

load lib

setup() {
	pfan_setup
}

teardown() {
	pfan_teardown
	[ -z "${SMALL:-}" ] || umount "$SMALL"
}

# A 64 KiB tmpfs at $T/small (sets SMALL), or a loud skip where this
# machine does not let us mount one.
small_tmpfs() {
	mkdir small
	[ "$(id -u)" = 0 ] || skip "needs root to mount a 64k tmpfs"
	mount -t tmpfs -o size=64k tmpfs small 2>/dev/null ||
		skip "mount -t tmpfs is not allowed here"
	SMALL=$T/small
}

# A job that prints 1000 lines of its id in 4 chunks with sleeps between.
CHUNKY='for c in 1 2 3 4; do i=0; while [ $i -lt 250 ]; do echo {}; i=$((i+1)); done; sleep 0.0$(( {} % 7 )); done'

@test "output: 20 jobs of 1000 lines each: every job's lines are contiguous" {
	run -0 --separate-stderr "$PFAN" -j10 "$CHUNKY" ::: $(seq 20)
	printf '%s\n' "$output" >out
	[ "$(wc -l <out)" -eq 20000 ]
	# Contiguous: collapsing runs leaves one line per job.
	[ "$(uniq out | wc -l)" -eq 20 ]
	[ "$(uniq out | sort -n | tr '\n' ' ')" = "$(seq 20 | tr '\n' ' ')" ]
}

@test "output: stderr is grouped per job too" {
	run -0 --separate-stderr "$PFAN" -j10 "{ $CHUNKY; } >&2" ::: $(seq 20)
	[ -z "$output" ]
	printf '%s\n' "$stderr" >err
	[ "$(wc -l <err)" -eq 20000 ]
	[ "$(uniq err | wc -l)" -eq 20 ]
}

@test "output: -k prints in input order whatever the finishing order" {
	run -0 --separate-stderr "$PFAN" -j10 -k "$CHUNKY" ::: $(seq 20)
	printf '%s\n' "$output" | uniq >order
	[ "$(tr '\n' ' ' <order)" = "$(seq 20 | tr '\n' ' ')" ]
}

@test "output: --line-buffer never cuts a line, even written in pieces" {
	job='for k in 1 2 3; do printf "{}-start-"; sleep 0.0{}; printf "{}-mid-"; sleep 0.01; printf "{}-end\n"; done'
	run -0 --separate-stderr "$PFAN" -j5 --line-buffer "$job" ::: 1 2 3 4 5
	printf '%s\n' "$output" >out
	[ "$(wc -l <out)" -eq 15 ]
	! grep -vxE '([1-5])-start-\1-mid-\1-end' out
}

@test "output: --line-buffer prints a line before the job ends" {
	# The job waits (at most 60 s) for its first line to reach pfan's
	# stdout before it ends; grouped output would make it give up.
	job='echo first; i=0; while ! grep -q first out 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; grep -q first out && echo seen || echo unseen'
	"$PFAN" --line-buffer "$job" ::: x >out 2>err
	[ "$(cat out)" = "$(printf 'first\nseen')" ]
}

@test "output: output without a final newline is printed as is (as GNU parallel)" {
	pfan_vs_parallel --exact -j1 -k "printf 'no-newline-{}'" ::: a b
}

@test "output: --tag prefixes every line, stdout and stderr" {
	run -0 --separate-stderr "$PFAN" -k --tag 'echo o1; echo o2; echo e1 >&2; : {}' ::: a 'b c'
	[ "$output" = "$(printf 'a\to1\na\to2\nb c\to1\nb c\to2')" ]
	[ "$stderr" = "$(printf 'a\te1\nb c\te1')" ]
}

@test "output: --results DIR writes DIR/SEQ/stdout and stderr" {
	run -0 --separate-stderr "$PFAN" -k --results res 'echo out {}; echo err {} >&2' ::: a b
	[ "$output" = "$(printf 'out a\nout b')" ]
	[ "$(cat res/1/stdout)" = "out a" ]
	[ "$(cat res/1/stderr)" = "err a" ]
	[ "$(cat res/2/stdout)" = "out b" ]
	[ "$(cat res/2/stderr)" = "err b" ]
}

@test "output: a 5 MB output behind a slow job with -k arrives intact" {
	# Past the in-memory limit the output spills to $TMPDIR.
	mkdir tmp
	job='if [ {} = 1 ]; then sleep 0.5; echo slow; else head -c 5000000 /dev/zero | tr "\0" x; echo; fi'
	TMPDIR=$T/tmp run -0 --separate-stderr "$PFAN" -j2 -k "$job" ::: 1 2
	printf '%s\n' "$output" >out
	[ "$(head -1 out)" = slow ]
	[ "$(tail -n +2 out | wc -c)" -eq 5000001 ]
	[ "$(tail -n +2 out | tr -d x | wc -c)" -eq 1 ]
	# The spill files are unlinked: nothing is left behind.
	[ -z "$(ls -A tmp)" ]
}

@test "output: binary output with NUL bytes is passed intact" {
	printf 'a\0b\0\377\n' >expect
	"$PFAN" "cat expect; : {}" ::: 1 >got
	cmp expect got
}

@test "output: a closed stdout (| head -1) ends pfan quietly with 141, as GNU parallel; no job whose output was cut is ok" {
	need jq
	# GNU parallel dies of SIGPIPE here (the shell shows 141) and says
	# nothing. Each job prints far more than a pipe holds.
	run --separate-stderr bash -c "'$PFAN' -j2 --joblog jl 'seq 100000; : {}' ::: 1 2 3 4 5 6 | head -1; exit \${PIPESTATUS[0]}"
	[ "$output" = 1 ]
	[ -z "$stderr" ]
	assert_status 141
	# The jobs whose output was cut are not done: output_lost, or killed
	# while running; none started after the reader left.
	[ "$(jl_count jl '.status == "ok"')" = 0 ]
	[ "$(jl_count jl '.status == "output_lost"')" -ge 1 ]
	[ "$(jl_count jl '.status != "output_lost" and .status != "killed"')" = 0 ]
	[ "$(jl_count jl '.seq > 3')" = 0 ]
}

@test "output: a closed stdout kills the running jobs and starts no more (-u, live output)" {
	need jq
	# Job 2 would run for 20 s: pfan must not wait for it.
	run --separate-stderr bash -c "'$PFAN' -u -j2 --joblog jl ::: 'seq 100000' 'sleep 20' 'echo 3' | head -1; exit \${PIPESTATUS[0]}"
	[ "$output" = 1 ]
	[ -z "$stderr" ]
	assert_status 141
	[ "$(jl_count jl '.seq == 2 and .status == "killed"')" = 1 ]
	[ "$(jl_count jl '.seq == 3')" = 0 ]
}

@test "output: stdout on a full disk is pfan's error (255), not success" {
	[ -w /dev/full ] || skip "needs /dev/full"
	run --separate-stderr bash -c "'$PFAN' echo {} ::: a b >/dev/full"
	assert_pfan_error "$stderr" "cannot write job output.*No space left"
	assert_status 255
}

@test "output: output lost to a full \$TMPDIR: the job is output_lost, pfan exits 255, --resume runs it again" {
	need jq
	small_tmpfs
	job='yes 123456789 | head -c 1000000; : {}'
	# Past 64 KiB a job's output spills to $TMPDIR, which is full here.
	TMPDIR=$SMALL "$PFAN" --joblog jl "$job" ::: 1 >out 2>err && rc=0 || rc=$?
	cat err
	[ "$rc" = 255 ]
	assert_pfan_error "$(cat err)" "job 1: stdout: .*No space left on device; output lost"
	[ "$(jl_count jl '.status == "output_lost" and .exit == 0 and .stdout_bytes == 1000000')" = 1 ]
	[ "$(jl_count jl '.status == "ok"')" = 0 ]
	# With room to spill, the resume runs it again, whole this time.
	mkdir tmp
	TMPDIR=$T/tmp "$PFAN" --resume jl "$job" ::: 1 >out 2>err
	[ "$(wc -c <out)" = 1000000 ]
	[ "$(jl_count jl '.status == "ok"')" = 1 ]
}

@test "output: a --results file on a full disk: the job is output_lost, pfan exits 255" {
	need jq
	small_tmpfs
	"$PFAN" -j1 --joblog jl --results small/res 'yes 123456789 | head -c {}' ::: 10 1000000 \
		>out 2>err && rc=0 || rc=$?
	cat err
	[ "$rc" = 255 ]
	assert_pfan_error "$(cat err)" "job 2: stdout: cannot write small/res/2/stdout: No space left on device"
	[ "$(wc -c <out)" = 1000010 ]
	[ "$(jl_count jl '.seq == 1 and .status == "ok"')" = 1 ]
	[ "$(jl_count jl '.seq == 2 and .status == "output_lost"')" = 1 ]
}

@test "output: -v prints the command, not pfan's debug messages; --debug prints those" {
	run -0 --separate-stderr "$PFAN" -v echo ::: a
	[ "$output" = "echo a
a" ]
	! grep -q 'debug:' <<<"$stderr"
	run -0 --separate-stderr "$PFAN" --debug echo ::: a
	[ "$output" = a ]
	grep -q 'debug: job 1: running -> done' <<<"$stderr"
}

@test "output: --files keeps stderr on stderr; a retried attempt's file is removed (one file left)" {
	mkdir td
	run -0 --separate-stderr "$PFAN" --files --tmpdir td --retries 2 \
	    'echo out {}; echo err >&2; [ -e tried ] || { touch tried; exit 1; }' ::: a
	[ "$stderr" = err ]
	[ "$(ls td | wc -l)" -eq 1 ]
	[ "$(cat "$output")" = "out a" ]
}

@test "output: --results x.csv on an unwritable path is pfan's error before any job" {
	run -255 --separate-stderr "$PFAN" --results nodir/x.csv echo ::: a
	grep -q "cannot create results file 'nodir/x.csv'" <<<"$stderr"
	[ -z "$output" ]
}
