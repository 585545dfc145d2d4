#!/usr/bin/env bats
# The JSONL joblog: a header first, then one record per finished attempt
# with every field, retries as further attempts, timeouts that kill the
# job's whole process group.

load lib

setup() {
	pfan_setup
	need jq
	# A number unique to this test, for sleeps we must find again
	# (`sleep 30.<digits>` is our process, nobody else's).
	NUM=$((RANDOM * 32768 + RANDOM))$$
}

teardown() {
	pfan_teardown
	pids=$(pgrep -f "sleep 3[01]\.$NUM" || true)
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

@test "joblog: header first, then one record per job with every field" {
	run -2 "$PFAN" -j2 --joblog jl 'echo {}; echo e >&2; exit $(({} % 2))' ::: 1 2 3 4
	jsonl_valid jl
	[ "$(wc -l <jl)" -eq 5 ]
	head -1 jl | jq -e '
		(.pfan | type == "string") and (.argv | type == "array") and
		(.argv[-1] == "4") and (.cwd | type == "string") and
		(.start | type == "number") and (has("seq") | not)' >/dev/null
	tail -n +2 jl | jq -e --arg cwd "$PWD" '
		(.seq | type == "number") and .attempt == 1 and .host == "local" and
		(.slot == 1 or .slot == 2) and (.cmd | type == "string") and
		(.args | length == 1) and (.start | type == "number") and
		(.runtime | type == "number") and .runtime >= 0 and
		(.exit | type == "number") and .signal == null and
		(.status == "ok" or .status == "failed") and
		.stdout_bytes == (.args[0] | length) + 1 and .stderr_bytes == 2' >/dev/null
	[ "$(jl_records jl | jq -s 'map(.seq) | sort' -c)" = "[1,2,3,4]" ]
	[ "$(jl_count jl '.status == "failed" and .exit == 1')" = 2 ]
	[ "$(jl_count jl '.status == "ok" and .exit == 0')" = 2 ]
	[ "$(jl_count jl '.seq == 3 and .cmd == "echo 3; echo e >&2; exit $((3 % 2))"')" = 1 ]
}

@test "joblog: cmd is the canonical command, args the values" {
	run -0 "$PFAN" --joblog jl echo {1} {2} ::: 'a b' ::: "it's"
	[ "$(jl_records jl | jq -r .cmd)" = "echo 'a b' 'it'\\''s'" ]
	[ "$(jl_records jl | jq -c .args)" = '["a b","it'"'"'s"]' ]
}

@test "joblog: {%} and {host} stay as written in the canonical cmd" {
	run -0 "$PFAN" -j1 --joblog jl echo {%} {host} {#} ::: a
	[ "$output" = "1 local 1" ]
	[ "$(jl_records jl | jq -r .cmd)" = "echo {%} {host} 1" ]
}

@test "joblog: a job killed by a signal records the signal, exit null" {
	run -1 "$PFAN" --joblog jl 'kill -9 $$' ::: x
	[ "$(jl_count jl '.signal == 9 and .exit == null and .status == "failed"')" = 1 ]
}

@test "joblog: a second run appends a second header" {
	run -0 "$PFAN" --joblog jl true ::: a
	run -0 "$PFAN" --joblog jl true ::: b
	jsonl_valid jl
	[ "$(jq -c 'select(has("pfan"))' jl | wc -l)" -eq 2 ]
	[ "$(wc -l <jl)" -eq 4 ]
}

@test "joblog: --retries: a job that fails once has attempt 1 failed, attempt 2 ok" {
	run -0 "$PFAN" --joblog jl --retries 2 'test -e {}.flag || { touch {}.flag; exit 1; }' ::: f1 f2
	[ "$(jl_count jl '.attempt == 1 and .status == "failed"')" = 2 ]
	[ "$(jl_count jl '.attempt == 2 and .status == "ok"')" = 2 ]
	[ "$(jl_count jl '.attempt == 3')" = 0 ]
}

@test "joblog: --retries N gives up after N attempts in all, counts one failed job" {
	run --separate-stderr "$PFAN" --joblog jl --retries 3 'echo try; exit 3' ::: x
	assert_status 1
	# Only the final attempt's output is printed.
	[ "$output" = "try" ]
	[ "$(jl_records jl | jq -c '[.attempt, .status, .exit]' | tr '\n' ' ')" = \
	  '[1,"failed",3] [2,"failed",3] [3,"failed",3] ' ]
}

@test "joblog: --timeout records timeout and kills the whole process group" {
	run -1 "$PFAN" --joblog jl --timeout 1 "sh -c 'sleep 30.$NUM & sleep 31.$NUM'" ::: t
	[ "$(jl_count jl '.status == "timeout" and .exit == null and (.signal == 15 or .signal == 9)')" = 1 ]
	# Give the killed processes a moment to be reaped by init.
	wait_for "! pgrep -f 'sleep 3[01]\\.$NUM' >/dev/null" 30
}

@test "joblog: --timeout with a job that ignores SIGTERM: KILL follows" {
	run -1 "$PFAN" --joblog jl --timeout 0.5 "trap '' TERM; sleep 30.$NUM; :" ::: t
	[ "$(jl_count jl '.status == "timeout"')" = 1 ]
	wait_for "! pgrep -f 'sleep 30\\.$NUM' >/dev/null" 30
}

@test "joblog: --timeout and --retries: each attempt recorded" {
	run -1 "$PFAN" --joblog jl --retries 2 --timeout 0.3 "sleep 30.$NUM; : {}" ::: t
	[ "$(jl_count jl '.status == "timeout"')" = 2 ]
	[ "$(jl_records jl | jq -s -c 'map(.attempt)')" = "[1,2]" ]
}

@test "joblog: a job that could not start is a failed record with no exit" {
	head -c 300000 /dev/zero | tr '\0' a >in
	echo >>in
	run -1 "$PFAN" --joblog jl echo :::: in
	[ "$(jl_count jl '.status == "failed" and .exit == null and .signal == null')" = 1 ]
}

@test "joblog: --dry-run writes no joblog" {
	run -0 "$PFAN" --dry-run --joblog jl echo ::: a
	[ "$output" = "echo a" ]
	[ ! -s jl ]
}

@test "joblog: --halt now kills running jobs, recorded killed" {
	run "$PFAN" -j2 --joblog jl --halt now,fail=1 "{}" ::: "sleep 30.$NUM" 'sleep 0.3; exit 1'
	assert_no_crash "$status"
	[ "$status" -ge 1 ]
	[ "$(jl_count jl '.status == "killed"')" = 1 ]
	[ "$(jl_count jl '.status == "failed"')" = 1 ]
	wait_for "! pgrep -f 'sleep 30\\.$NUM' >/dev/null" 30
}
