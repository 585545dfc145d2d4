#!/usr/bin/env bats
# Input is read lazily: jobs start before the input ends, and a huge input
# runs in bounded memory.

load lib

setup() {
	pfan_setup
}

teardown() {
	[ -z "${PFAN_PID:-}" ] || kill -KILL "$PFAN_PID" 2>/dev/null || true
	pfan_teardown
}

@test "lazy: the first job runs before the producer writes the second line" {
	# The producer writes line 1, then waits (at most 60 s, a guard against
	# hanging, not a timing assert) for job 1 to create its file before it
	# writes line 2. A pfan that waited for the end of input would make
	# the producer give up and write "late".
	producer() {
		echo 1
		i=0
		while [ ! -e started.1 ] && [ $i -lt 1200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		if [ -e started.1 ]; then echo 2; else echo late; fi
	}
	producer | "$PFAN" -j2 -k 'touch started.{}; echo {}' >out 2>err
	[ "$(cat out)" = "$(printf '1\n2')" ]
}

@test "lazy: with -k, job 1's output is printed before the input ends" {
	# The producer waits for job 1's line to reach pfan's stdout (a file)
	# before it writes line 2.
	producer() {
		echo 1
		i=0
		while ! grep -qx 1 out 2>/dev/null && [ $i -lt 1200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		if grep -qx 1 out; then echo 2; else echo late; fi
	}
	producer | "$PFAN" -j2 -k echo {} >out 2>err
	[ "$(cat out)" = "$(printf '1\n2')" ]
}

@test "lazy: seq 2000000 | pfan -j2 true runs in bounded memory" {
	[ -r /proc/self/status ] || skip "needs /proc to read the peak RSS"
	skip_if_sanitized
	# Run until some thousands of jobs are recorded, then Ctrl-C and read
	# pfan's peak RSS (VmHWM). A pfan that read the 15 MB of input ahead
	# would be far above the bound by then.
	seq 2000000 | "$PFAN" -j2 --joblog jl true >out 2>err &
	# $! is the last process of the pipeline: pfan.
	PFAN_PID=$!
	wait_for '[ "$(records jl)" -ge 3000 ]' 60
	hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/"$PFAN_PID"/status)
	kill -INT "$PFAN_PID"
	wait "$PFAN_PID" && st=0 || st=$?
	PFAN_PID=
	echo "# peak RSS ${hwm} kB" >&3
	[ "$st" -eq 130 ]
	[ "$hwm" -lt $((32 * 1024)) ]
}

@test "lazy: a full run of 20000 jobs stays under 32 MB (time -v)" {
	[ -x /usr/bin/time ] || skip "needs /usr/bin/time (GNU time)"
	skip_if_sanitized
	seq 20000 | /usr/bin/time -v "$PFAN" -j2 true 2>time.err
	rss=$(awk -F': *' '/Maximum resident set size/ { print $2 }' time.err)
	echo "# max RSS ${rss} kB" >&3
	[ -n "$rss" ]
	[ "$rss" -lt $((32 * 1024)) ]
}

@test "lazy: stdin that never ends does not stop jobs from running" {
	# A producer that writes 3 lines and then stays open until the jobs
	# have run (or 60 s pass): pfan must run all three while stdin is open.
	producer() {
		printf 'a\nb\nc\n'
		i=0
		while [ ! -e done.c ] || [ ! -e done.b ] || [ ! -e done.a ]; do
			[ $i -lt 1200 ] || { echo timeout; return; }
			sleep 0.05
			i=$((i + 1))
		done
	}
	producer | "$PFAN" -j2 'touch done.{}; echo {}' >out 2>err
	[ "$(sort out | tr '\n' ' ')" = "a b c " ]
}
