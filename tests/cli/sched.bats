#!/usr/bin/env bats
# Scheduling options with GNU parallel's names whose effect is not in the
# output alone: --delay, --nice, --memfree, --load, --shuf, --sshloginfile,
# -j forms, the jobs' PARALLEL_* variables. (Deterministic cases are
# diffed against GNU parallel in parallel_diff.bats.)

load lib

setup() {
	pfan_setup
}

teardown() {
	pfan_teardown
}

@test "sched: --delay: consecutive starts in the joblog are at least the delay apart" {
	run -0 "$PFAN" -j4 --delay 0.4 --joblog jl true ::: 1 2 3 4
	# A lower bound only: a busy machine may start them later, never sooner.
	jl_records jl | jq -s -e '[.[].start] | sort | [range(1; length) as $i |
	    .[$i] - .[$i - 1]] | all(. >= 0.36)'
}

@test "sched: --delay takes GNU parallel's units" {
	run -0 "$PFAN" --delay 0.01s true ::: 1
	run -255 --separate-stderr "$PFAN" --delay 1x true ::: 1
	assert_pfan_error "$stderr" "--delay: '1x' is not a duration"
}

@test "sched: --nice N: the job and what it starts run at niceness N" {
	run -0 "$PFAN" --nice 7 'sh -c "ps -o ni= -p \$\$"; ps -o ni= -p $$; : {}' ::: a
	[ "$(echo $output)" = "7 7" ]
}

@test "sched: --memfree above the memory there is: no job starts" {
	run -124 timeout 3 "$PFAN" --memfree 1P 'echo ran {}' ::: a
	[ -z "$output" ]
}

@test "sched: --memfree below the memory there is: jobs run" {
	run -0 "$PFAN" --memfree 1k 'echo ran {}' ::: a
	[ "$output" = "ran a" ]
}

@test "sched: --load: no local job while the load is above MAX" {
	awk '$1 > 0.001 { exit 0 } { exit 1 }' /proc/loadavg || skip "load average is 0"
	run -124 timeout 3 "$PFAN" --load 0.0001 'echo ran {}' ::: a
	[ -z "$output" ]
}

@test "sched: --shuf runs every job once, {#} in run order" {
	run -0 "$PFAN" -j1 --shuf 'echo {#} {}' ::: $(seq 50)
	[ "$(echo "$output" | cut -d' ' -f1 | tr '\n' ' ')" = "$(seq 50 | tr '\n' ' ')" ]
	[ "$(echo "$output" | cut -d' ' -f2 | sort -n | tr '\n' ' ')" = "$(seq 50 | tr '\n' ' ')" ]
	# 50! orders: the input order is not what a shuffle gives.
	[ "$(echo "$output" | cut -d' ' -f2 | tr '\n' ' ')" != "$(seq 50 | tr '\n' ' ')" ]
}

@test "sched: --shuf reads stdin to its end before the first job" {
	run -0 bash -c "seq 20 | '$PFAN' -j1 --shuf echo | sort -n | tr '\n' ' '"
	[ "$output" = "$(seq 20 | tr '\n' ' ')" ]
}

@test "sched: jobs see PARALLEL_SEQ and PARALLEL_JOBSLOT as PFAN_SEQ and PFAN_SLOT" {
	run -0 env PARALLEL_SEQ=stale "$PFAN" -j2 -k 'echo $PARALLEL_SEQ=$PFAN_SEQ $PARALLEL_JOBSLOT=$PFAN_SLOT; : {}' ::: a b c
	[ "$(echo "$output" | cut -d' ' -f1 | tr '\n' ' ')" = "1=1 2=2 3=3 " ]
	echo "$output" | cut -d' ' -f2 | grep -qxE '([12])=\1'
}

@test "sched: -j forms: +N -N N% 0, and bad ones" {
	cores=$(nproc)
	run -0 "$PFAN" -j +2 --dry-run 'echo {%}' ::: $(seq $((cores + 4)))
	[ "$(echo "$output" | sort -n | tail -1)" = "echo $((cores + 2))" ]
	run -0 "$PFAN" -j -100 --dry-run 'echo {%}' ::: 1 2 3
	[ "$(echo "$output" | sort -u)" = "echo 1" ]
	run -0 "$PFAN" -j 0 'echo {}' ::: a b c
	run -255 --separate-stderr "$PFAN" -j 1.5 echo ::: a
	assert_pfan_error "$stderr" "--jobs: '1.5' is not N, \+N, -N or N%"
}

@test "sched: --sshloginfile: comments and blank lines skipped, : is this machine" {
	printf '# hosts\n\n  2/:\n' >slf
	run -0 "$PFAN" --slf slf -k 'echo {} $PFAN_SLOT' ::: a
	[ "$output" = "a 1" ]
}

@test "sched: --sshloginfile: a bad line is reported as FILE:LINE" {
	printf '# hosts\nbad@@host\n' >slf
	run -255 --separate-stderr "$PFAN" --sshloginfile slf echo ::: a
	assert_pfan_error "$stderr" "slf:2: "
}

@test "sched: --sshloginfile ..: ~/.parallel/sshloginfile" {
	mkdir -p home/.parallel
	printf '3/:\n' >home/.parallel/sshloginfile
	run -0 env HOME="$PWD/home" PARALLEL_HOME= "$PFAN" --slf .. --dry-run 'echo {%}' ::: 1 2 3 4
	[ "$(echo "$output" | sort -u | wc -l)" = 3 ]
}

@test "sched: --timeout N%: a job far slower than the median is killed" {
	# 1 s jobs: a busy machine's start-up cost stays far below the 200%
	# margin (0.1 s jobs were timed out when a fork took 0.3 s)
	run -1 "$PFAN" -j1 --joblog jl --timeout 300% 'sleep {}' ::: 1 1 1 30
	[ "$(jl_count jl '.status == "timeout"')" = 1 ]
	[ "$(jl_count jl '.status == "ok"')" = 3 ]
}
