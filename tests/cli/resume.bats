#!/usr/bin/env bats
# --resume and --resume-failed: a run killed with SIGKILL continues where
# it stopped; jobs are matched by their command, not their seq alone.

load lib

setup() {
	pfan_setup
	need jq
}

teardown() {
	pfan_teardown
}

# The seqs that the joblog records ok, sorted, one a line.
ok_seqs() {
	jq -r 'select(has("seq") and .status == "ok") | .seq' "$1" | sort -n
}

# A joblog line for a job, for hand-made joblogs.
rec() { # seq cmd arg status
	printf '{"seq":%s,"attempt":1,"host":"local","slot":1,"cmd":"%s","args":["%s"],"start":1,"runtime":0,"exit":%s,"signal":null,"status":"%s","stdout_bytes":2,"stderr_bytes":0}\n' \
		"$1" "$2" "$3" "$([ "$4" = ok ] && echo 0 || echo 1)" "$4"
}
header() {
	printf '{"pfan":"0.1.0","argv":["pfan","echo","{}"],"cwd":"%s","start":1}\n' "$PWD"
}

@test "resume: SIGKILL mid-run, then --resume until done: every job ok exactly once" {
	seq 40 >in
	pfan_bg -j4 --joblog jl "sleep 0.2; echo {}; : $MARK" :::: in
	# Handshake, not timing: kill once some jobs are recorded.
	wait_for '[ "$(records jl)" -ge 6 ]' 30
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	before=$(ok_seqs jl | wc -l)
	[ "$before" -ge 6 ]
	[ "$before" -lt 40 ]
	ok_seqs jl >done.before

	run --separate-stderr "$PFAN" -j4 --resume jl "sleep 0.2; echo {}; : $MARK" :::: in
	assert_status 0
	# The resumed run printed exactly the jobs that had no ok record.
	printf '%s\n' "$output" | sort -n >printed
	seq 40 | grep -vxF -f done.before >missing
	diff -u missing printed
	# Every seq is ok exactly once across both runs.
	[ "$(ok_seqs jl | tr '\n' ' ')" = "$(seq 40 | tr '\n' ' ')" ]
	jq -r 'select(has("seq") and .status == "ok") | .seq' jl | sort -n | uniq -d >dups
	[ ! -s dups ]
	# A further resume has nothing to do.
	run --separate-stderr "$PFAN" -j4 --resume jl "sleep 0.2; echo {}; : $MARK" :::: in
	assert_status 0
	[ -z "$output" ]
}

@test "resume: pfan --resume FILE alone finishes a killed ::: run" {
	pfan_bg -j2 --joblog jl "sleep 0.1; echo {}; : $MARK" ::: $(seq 20)
	wait_for '[ "$(records jl)" -ge 4 ]' 30
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	ok_seqs jl >done.before
	run --separate-stderr "$PFAN" --resume jl
	assert_status 0
	printf '%s\n' "$output" | sort -n >printed
	seq 20 | grep -vxF -f done.before >missing
	diff -u missing printed
	[ "$(ok_seqs jl | tr '\n' ' ')" = "$(seq 20 | tr '\n' ' ')" ]
}

@test "resume: --resume FILE alone runs in the original directory" {
	mkdir work elsewhere
	(cd work && "$PFAN" --joblog ../jl 'pwd > {}.where' ::: a)
	rm work/a.where
	cd elsewhere
	run -0 --separate-stderr "$PFAN" --resume-failed ../jl
	# a is ok already: nothing reruns, nothing is written here.
	[ ! -e work/a.where ] && [ ! -e a.where ]
	cd ..
	# Edit the header's record away so a must run again, from work/.
	grep -v '"seq"' jl >jl2
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ -e work/a.where ]
	[ "$(cat work/a.where)" = "$T/work" ]
}

@test "resume: --resume FILE alone from another directory appends to FILE itself" {
	mkdir work
	(cd work && "$PFAN" --joblog ../jl echo {} ::: a b c >/dev/null)
	# Keep the header and a's record (records are in finishing order).
	{ head -n 1 jl; grep '"cmd":"echo a"' jl; } >jl2
	# Run from $T: jl2 is $T/jl2, whatever directory the jobs run in.
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "b c " ]
	[ ! -e work/jl2 ]
	[ "$(jl_count jl2 '.status == "ok"')" = 3 ]
	# So a second resume has nothing left to run.
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ -z "$output" ]
}

@test "resume: edited input reruns exactly the new lines" {
	printf 'a\nb\nc\n' >in
	run -0 --separate-stderr "$PFAN" --joblog jl echo {} :::: in
	printf 'a\nb\nX\nc\nd\n' >in
	run -0 --separate-stderr "$PFAN" -k --resume jl echo {} :::: in
	[ "$output" = "$(printf 'X\nd')" ]
	[ "$(jl_count jl '.status == "ok"')" = 5 ]
}

@test "resume: duplicates match by occurrence: the k-th job with a command is the k-th record" {
	printf 'a\na\na\nb\n' >in
	{ header; rec 1 "echo a" a ok; rec 2 "echo a" a ok; } >jl
	run -0 --separate-stderr "$PFAN" -k --resume jl echo {} :::: in
	[ "$output" = "$(printf 'a\nb')" ]
}

@test "resume: every job not recorded ok runs again, until it is ok" {
	c='echo {}; test -e ok || test {} != 2'
	run -1 --separate-stderr "$PFAN" --joblog jl "$c" ::: 1 2 3
	run -1 --separate-stderr "$PFAN" --resume jl "$c" ::: 1 2 3
	[ "$output" = 2 ]
	# It now succeeds: a resume runs it once more, then never again.
	touch ok
	run -0 --separate-stderr "$PFAN" --resume jl "$c" ::: 1 2 3
	[ "$output" = 2 ]
	run -0 --separate-stderr "$PFAN" --resume jl "$c" ::: 1 2 3
	[ -z "$output" ]
	[ "$(jl_count jl '.status == "ok"')" = 3 ]
	[ "$(jl_count jl '.status == "failed"')" = 2 ]
}

@test "resume: --resume-failed is --resume under GNU parallel's name" {
	c='echo {}; test -e ok || test {} != 2'
	run -1 --separate-stderr "$PFAN" --joblog jl "$c" ::: 1 2 3
	run -1 --separate-stderr "$PFAN" --resume-failed jl "$c" ::: 1 2 3
	[ "$output" = 2 ]
	touch ok
	run -0 --separate-stderr "$PFAN" --resume-failed jl "$c" ::: 1 2 3
	[ "$output" = 2 ]
	run -0 --separate-stderr "$PFAN" --resume-failed jl "$c" ::: 1 2 3
	[ -z "$output" ]
}

@test "resume: a timed-out job runs again" {
	c='test -e quick || sleep 5; echo {}'
	run -1 --separate-stderr "$PFAN" --joblog jl --timeout 0.3 "$c" ::: a
	[ "$(jl_count jl '.status == "timeout"')" = 1 ]
	touch quick
	run -0 --separate-stderr "$PFAN" --resume jl "$c" ::: a
	[ "$output" = a ]
	run -0 --separate-stderr "$PFAN" --resume jl "$c" ::: a
	[ -z "$output" ]
}

@test "resume: --resume-failed FILE alone replays the header and reruns the failed job" {
	run -1 --separate-stderr "$PFAN" --joblog jl 'echo {}; test -e ok || test {} != 2' ::: 1 2 3
	touch ok
	run -0 --separate-stderr "$PFAN" --resume-failed jl
	[ "$output" = 2 ]
	[ "$(jl_count jl '.seq == 2 and .status == "ok"')" = 1 ]
}

@test "resume: killed and host_lost records run again" {
	{ header; rec 1 "echo a" a killed; rec 2 "echo b" b host_lost; rec 3 "echo c" c ok; } >jl
	run -0 --separate-stderr "$PFAN" -k --resume jl echo {} ::: a b c
	[ "$output" = "$(printf 'a\nb')" ]
}

@test "resume: a torn last line is ignored with a warning and that job reruns" {
	run -0 --separate-stderr "$PFAN" -j1 --joblog jl echo {} ::: a b c
	head -c -30 jl >torn && mv torn jl
	run -0 --separate-stderr "$PFAN" -j1 --resume jl echo {} ::: a b c
	[ "$output" = c ]
	assert_pfan_error "$stderr" "warning: jl:4: .*torn"
	# The joblog stays readable: the next resume has nothing to do.
	run -0 --separate-stderr "$PFAN" -j1 --resume jl echo {} ::: a b c
	[ -z "$output" ]
}

@test "resume: a missing joblog is an empty one" {
	run -0 --separate-stderr "$PFAN" -k --resume new.jl echo {} ::: a b
	[ "$output" = "$(printf 'a\nb')" ]
	[ "$(jl_count new.jl '.status == "ok"')" = 2 ]
}

@test "resume: a run that read stdin is replayed from the same stdin" {
	printf 'x\ny\n' >in
	run -0 --separate-stderr "$PFAN" --joblog jl echo {} <in
	printf 'x\ny\nz\n' >in
	run -0 --separate-stderr "$PFAN" --resume jl <in
	[ "$output" = z ]
}

@test "resume: --resume FILE alone with no header is an error" {
	rec 1 "echo a" a ok >jl
	run -255 --separate-stderr "$PFAN" --resume jl
	assert_pfan_error "$stderr" "jl: no command given"
}

@test "resume: -k with skipped jobs prints the rest in order" {
	c='sleep 0.$((RANDOM % 3)); echo'
	{ header; rec 2 "$c b" b ok; rec 4 "$c d" d ok; } >jl
	run -0 --separate-stderr "$PFAN" -j3 -k --resume jl 'sleep 0.$((RANDOM % 3)); echo {}' ::: a b c d e
	[ "$output" = "$(printf 'a\nc\ne')" ]
}

@test "resume: a run without a command resumes with its values as commands" {
	run -1 --separate-stderr "$PFAN" --joblog jl ::: 'echo a' false
	[ "$output" = a ]
	run -1 --separate-stderr "$PFAN" --resume jl ::: 'echo a' false 'echo c'
	[ "$output" = c ]
	printf 'echo x\necho y\n' >in
	run -0 --separate-stderr "$PFAN" --joblog jl2 <in
	printf 'echo x\necho y\necho z\n' >in
	run -0 --separate-stderr "$PFAN" --resume jl2 <in
	[ "$output" = z ]
}
