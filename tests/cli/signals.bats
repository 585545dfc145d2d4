#!/usr/bin/env bats
# Ctrl-C once: no new jobs, running ones finish, joblog complete, exit 130.
# Twice (or SIGTERM): running jobs' process groups are killed, recorded
# killed, no process left.

load lib

setup() {
	pfan_setup
	need jq
	# Each job says it started, then waits for the file "go" (or 30 s).
	JOB="touch started.{}; i=0; while [ ! -e go ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i+1)); done; echo done {}; : $MARK"
}

teardown() {
	[ -z "${PFAN_PID:-}" ] || kill -KILL "$PFAN_PID" 2>/dev/null || true
	pfan_teardown
}

@test "signals: Ctrl-C once: running jobs finish, nothing new starts, exit 130" {
	pfan_bg -j2 --joblog jl "$JOB" ::: 1 2 3 4 5 6
	wait_for '[ -e started.1 ] && [ -e started.2 ]'
	kill -INT "$PFAN_PID"
	wait_for 'grep -q "interrupted" bg.err'
	touch go
	pfan_bg_wait 30
	[ "$BG_STATUS" -eq 130 ]
	[ "$(sort bg.out | tr '\n' ' ')" = "done 1 done 2 " ]
	[ ! -e started.3 ]
	jsonl_valid jl
	[ "$(jl_count jl '.status == "ok"')" = 2 ]
	[ "$(jl_count jl 'true')" = 2 ]
	# The interrupted run resumes: the other four run now.
	run -0 --separate-stderr "$PFAN" -j2 --resume jl "$JOB" ::: 1 2 3 4 5 6
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "done 3 done 4 done 5 done 6 " ]
}

@test "signals: a terminal's Ctrl-C (SIGINT to pfan's whole process group) spares the jobs" {
	need setsid
	# A terminal sends SIGINT to the foreground process group: the jobs,
	# each in its own group, must not get it, and so finish ok.
	setsid "$PFAN" -j2 --joblog jl "$JOB" ::: 1 2 3 >bg.out 2>bg.err &
	PFAN_PID=$!
	wait_for '[ -e started.1 ] && [ -e started.2 ]'
	[ "$(ps -o pgid= -p "$PFAN_PID" | tr -d ' ')" = "$PFAN_PID" ]
	kill -INT -- -"$PFAN_PID"
	wait_for 'grep -q "interrupted" bg.err'
	touch go
	pfan_bg_wait 30
	[ "$BG_STATUS" -eq 130 ]
	[ "$(jl_count jl '.status == "ok"')" = 2 ]
	[ ! -e started.3 ]
}

@test "signals: Ctrl-C twice: running jobs are killed and recorded killed" {
	pfan_bg -j2 --joblog jl "$JOB" ::: 1 2 3 4
	wait_for '[ -e started.1 ] && [ -e started.2 ]'
	kill -INT "$PFAN_PID"
	wait_for 'grep -q "interrupted" bg.err'
	kill -INT "$PFAN_PID"
	pfan_bg_wait 30
	[ "$BG_STATUS" -eq 130 ]
	[ ! -e started.3 ]
	[ "$(jl_count jl '.status == "killed"')" = 2 ]
	[ "$(jl_count jl '.status == "killed" and (.signal == 15 or .signal == 9)')" = 2 ]
	# No job process is left, not even the sleeps' shells.
	wait_for '! pgrep -f "$MARK" >/dev/null' 30
}

@test "signals: SIGTERM kills running jobs at once, exit 143" {
	pfan_bg -j2 --joblog jl "$JOB" ::: 1 2 3
	wait_for '[ -e started.1 ] && [ -e started.2 ]'
	kill -TERM "$PFAN_PID"
	pfan_bg_wait 30
	[ "$BG_STATUS" -eq 143 ]
	[ "$(jl_count jl '.status == "killed"')" = 2 ]
	wait_for '! pgrep -f "$MARK" >/dev/null' 30
}

@test "signals: a job that ignores SIGTERM is killed with SIGKILL" {
	pfan_bg -j1 --joblog jl "trap '' TERM; $JOB" ::: 1
	wait_for '[ -e started.1 ]'
	kill -TERM "$PFAN_PID"
	pfan_bg_wait 30
	[ "$BG_STATUS" -eq 143 ]
	[ "$(jl_count jl '.status == "killed" and .signal == 9')" = 1 ]
	wait_for '! pgrep -f "$MARK" >/dev/null' 30
}

@test "signals: the job's whole process group is killed, background children too" {
	pfan_bg -j1 --joblog jl "sh -c '$JOB' & $JOB" ::: 1
	wait_for '[ "$(pgrep -f "$MARK" | wc -l)" -ge 2 ]'
	kill -INT "$PFAN_PID"
	wait_for 'grep -q "interrupted" bg.err'
	kill -INT "$PFAN_PID"
	pfan_bg_wait 30
	[ "$BG_STATUS" -eq 130 ]
	wait_for '! pgrep -f "$MARK" >/dev/null' 30
}

@test "signals: Ctrl-C with no job running exits at once with 130" {
	# Input that never comes: pfan waits on stdin with nothing running.
	mkfifo fifo
	exec 7<>fifo
	# (Not pfan_bg: a background command's stdin must be redirected
	# on the command itself, or it is /dev/null.)
	"$PFAN" -j2 echo {} <fifo >bg.out 2>bg.err &
	PFAN_PID=$!
	# pfan is polling the fifo; give it a line so we know it is running.
	echo first >&7
	wait_for 'grep -q first bg.out'
	kill -INT "$PFAN_PID"
	pfan_bg_wait 30
	exec 7>&-
	[ "$BG_STATUS" -eq 130 ]
}

@test "signals: pfan SIGKILLed: its local jobs' whole groups die too, and a resume finishes the run" {
	pfan_bg -j2 --joblog jl "sh -c '$JOB' & $JOB" ::: 1 2 3
	wait_for '[ -e started.1 ] && [ -e started.2 ] && [ "$(pgrep -f "$MARK" | wc -l)" -ge 4 ]'
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" 2>/dev/null || true
	PFAN_PID=
	# No one reaps the jobs' groups but pfan's guard process.
	wait_for '! pgrep -f "$MARK" >/dev/null' 30
	[ ! -e started.3 ]
	[ "$(jl_count jl '.seq != null')" = 0 ]
	touch go
	run -0 --separate-stderr "$PFAN" -j2 --resume jl "$JOB" ::: 1 2 3
	[ "$(jl_count jl '.status == "ok"')" = 3 ]
}

@test "signals: a normal run leaves no guard process behind, not even a zombie" {
	# pfan runs under a subreaper that reaps only pfan: a guard that pfan
	# left behind, alive or unreaped, becomes its child and is counted
	# (where init reaps orphans, it would vanish unseen).
	command -v cc >/dev/null || skip "no C compiler for tests/helpers/subreaper.c"
	cc -o subreaper "$BATS_TEST_DIRNAME/../helpers/subreaper.c" || skip "subreaper.c does not build here"
	run -0 --separate-stderr ./subreaper "$PFAN" -j2 'echo {}; : '"$MARK" ::: 1 2 3
	[ "${lines[-1]}" = "left: 0" ]
	[ "$(printf '%s\n' "${lines[@]:0:3}" | sort | tr '\n' ' ')" = "1 2 3 " ]
	run pgrep -af -- "$MARK"
	[ "$status" -eq 1 ]
}
