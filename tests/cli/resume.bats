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
	jl_ok_seqs "$1"
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
	jl_ok_dups jl >dups
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
	c='test -e quick || sleep 30; echo {}'
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

@test "resume: -k SIGKILLed at random, resumed until done: every job's output reached the file exactly once" {
	# With -k a finished job waits for the slower ones before it. It is
	# recorded ok only once its output is printed: a SIGKILL before then
	# loses that output, and the resume must run the job again.
	cat >job <<-'SH'
	#!/bin/sh
	case $1 in *[05]) sleep 0.4 ;; *) sleep 0.02 ;; esac
	echo "out $1"
	touch "$MD/$1"
	SH
	chmod +x job
	seq 40 >in
	: >results
	last=12
	for round in $(seq "$last"); do
		MD=$T/m$round
		mkdir "$MD"
		export MD
		if [ "$round" = 1 ]; then log=--joblog; else log=--resume; fi
		"$PFAN" -j4 -k "$log" jl "./job {}; : $MARK" :::: in >>results 2>>err &
		pid=$!
		if [ "$round" -lt "$last" ]; then
			# Kill once some jobs (1 to 6) of this round have ended.
			want=$((RANDOM % 6 + 1))
			wait_for "[ \$(ls '$MD' | wc -l) -ge $want ] || ! kill -0 $pid 2>/dev/null" 60
			kill -KILL "$pid" 2>/dev/null || :
		fi
		wait "$pid" && rc=0 || rc=$?
		[ "$rc" = 0 ] && break
		[ "$rc" = 137 ] || { echo "round $round: pfan exited $rc" >&2; cat err >&2; false; }
	done
	[ "$rc" = 0 ]
	# Every job's line is in the file, exactly once.
	sed 's/^out //' results | sort -n >got
	seq 40 >want
	diff -u want got
	[ "$(jq -r 'select(has("seq") and .status == "ok") | .cmd' jl | sort | uniq -d)" = "" ]
}

# One writer per joblog: two resumes at once ran every job twice.
@test "resume: a second pfan on the same joblog stops at once (in use by pfan (pid N), 255); the jobs ran once" {
	# The first run's jobs wait for `go` (HOLD is set for it alone), so it
	# holds the joblog while the second starts; the second's jobs would not wait.
	c='echo {} >>ran; while [ -n "$HOLD" ] && [ ! -e go ]; do sleep 0.05; done'
	HOLD=1 pfan_bg -j2 --joblog jl "$c; : $MARK" ::: $(seq 8)
	wait_for '[ -s ran ]' 30
	run --separate-stderr "$PFAN" --resume jl
	assert_status 255
	assert_pfan_error "$stderr" "jl: in use by pfan \(pid $PFAN_PID\)$"
	# The same with the command given, and with --joblog.
	run --separate-stderr "$PFAN" --resume jl "$c; : $MARK" ::: $(seq 8)
	assert_status 255
	assert_pfan_error "$stderr" "jl: in use by pfan \(pid $PFAN_PID\)$"
	run --separate-stderr "$PFAN" --joblog jl "$c; : $MARK" ::: $(seq 8)
	assert_status 255
	touch go
	pfan_bg_wait 60
	[ "$BG_STATUS" = 0 ]
	[ "$(sort -n ran | tr '\n' ' ')" = "$(seq 8 | tr '\n' ' ')" ]
	[ "$(jl_count jl '.status == "ok"')" = 8 ]
	# The lock went with the process: the joblog is free again.
	run -0 --separate-stderr "$PFAN" --resume jl
	[ "$(sort -n ran | tr '\n' ' ')" = "$(seq 8 | tr '\n' ' ')" ]
}

@test "resume: --resume FILE alone refuses a joblog that its group or others can write" {
	"$PFAN" --joblog jl 'echo {} >>ran' ::: a b >/dev/null
	grep -v '"seq"' jl >jl2
	chmod 664 jl2
	run --separate-stderr "$PFAN" --resume jl2
	assert_status 255
	assert_pfan_error "$stderr" "jl2: writable by its group \(mode 0664\): not running"
	chmod 646 jl2
	run --separate-stderr "$PFAN" --resume jl2
	assert_status 255
	assert_pfan_error "$stderr" "jl2: writable by others"
	[ "$(wc -l <ran)" = 2 ]
	chmod 644 jl2
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ "$(wc -l <ran)" = 4 ]
}

@test "resume: --resume FILE alone refuses a joblog owned by another user" {
	[ "$(id -u)" = 0 ] || skip "needs root to give a file to another user"
	"$PFAN" --joblog jl 'echo {} >>ran' ::: a >/dev/null
	grep -v '"seq"' jl >jl2
	chown 65534 jl2
	run --separate-stderr "$PFAN" --resume jl2
	assert_status 255
	assert_pfan_error "$stderr" "jl2: owned by another user \(uid 65534\)"
	[ "$(wc -l <ran)" = 1 ]
}

@test "resume: --resume FILE alone says the command line it runs, shell-quoted, and where" {
	mkdir work
	(cd work && "$PFAN" --joblog ../jl 'echo {}; : x' ::: a b >/dev/null)
	grep -v '"cmd":"echo a' jl >jl2
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ "$output" = a ]
	printf '%s\n' "$stderr" | grep -Fx -- "pfan: resuming: $PFAN --joblog ../jl 'echo {}; : x' ::: a b (in $T/work)"
}

@test "resume: --resume FILE alone stops when the run's directory is gone, never runs elsewhere" {
	mkdir work
	(cd work && "$PFAN" --joblog ../jl 'pwd >>../where; echo {}' ::: a >/dev/null)
	grep -v '"seq"' jl >jl2
	rm -r work
	run --separate-stderr "$PFAN" --resume jl2
	assert_status 255
	assert_pfan_error "$stderr" "jl2: can't go back to the run's directory $T/work: No such file or directory: not running it elsewhere"
	[ "$(wc -l <where)" = 1 ]
}

@test "resume: --dry-run with --resume FILE alone prints the jobs and runs nothing" {
	"$PFAN" --joblog jl 'echo {} >>ran' ::: a b c >/dev/null
	grep -v '"cmd":"echo b' jl >jl2
	cp jl2 before
	run -0 --separate-stderr "$PFAN" --resume jl2 --dry-run
	[ "$output" = "echo b >>ran" ]
	[ "$(wc -l <ran)" = 3 ]
	cmp jl2 before
}

@test "resume: output options, -j and -H given with --resume FILE alone apply" {
	"$PFAN" --joblog jl echo {} ::: a b c >/dev/null
	grep -v '"seq"' jl >jl2
	printf 'hosts:\n  - name: local\n    slots: 1\n' >hosts.yaml
	run -0 --separate-stderr "$PFAN" --resume jl2 --tag -k -j1 -H hosts.yaml
	[ "$output" = "$(printf 'a\ta\nb\tb\nc\tc')" ]
	# The new header records the command line that ran.
	[ "$(jq -c 'select(has("pfan")) | .argv[1:]' jl2 | tail -n 1)" = \
	  '["--joblog","jl","--tag","-k","-j1","-H","hosts.yaml","echo","{}",":::","a","b","c"]' ]
}

@test "resume: options that would change the jobs are refused with --resume FILE alone, by name" {
	"$PFAN" --joblog jl 'echo {} >>ran' ::: a >/dev/null
	grep -v '"seq"' jl >jl2
	# (-a, ::: and :::: are not on the list: with them, no command is a run
	# of its own whose values are the commands, as in GNU parallel.)
	for o in "--colsep ," "--link" "-n 2" "--joblog other" "-0"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$PFAN" --resume jl2 $o
		assert_status 255
		assert_match "$stderr" "^pfan: ${o%% *}: cannot be given with --resume FILE alone"
	done
	[ "$(wc -l <ran)" = 1 ]
	[ ! -e other ]
}

@test "resume: says how many jobs are done and that it runs the rest" {
	"$PFAN" --joblog jl echo {} ::: a b c d >/dev/null
	grep -v '"cmd":"echo [bd]' jl >jl2
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ "$(printf '%s\n' "$stderr" | grep -c '^pfan: resume: ')" = 1 ]
	assert_match "$stderr" "^pfan: resume: 2 of 4 jobs already done; running the rest$"
	# From stdin the total is not known up front.
	printf 'a\nb\nc\n' >in
	"$PFAN" --joblog jl3 echo {} <in >/dev/null
	printf 'a\nb\nc\nd\n' >in
	run -0 --separate-stderr "$PFAN" --resume jl3 echo {} <in
	[ "$output" = d ]
	assert_match "$stderr" "^pfan: resume: 3 jobs already done; running the rest of the input$"
}

@test "resume: an empty input (stdin /dev/null, an empty pipe) is an error, not a silent 0" {
	printf 'a\nb\n' | "$PFAN" --joblog jl echo {} >/dev/null
	grep -v '"cmd":"echo b' jl >jl2
	run --separate-stderr "$PFAN" --resume jl2 </dev/null
	assert_status 255
	assert_pfan_error "$stderr" "resume: the input is empty, but jl2 records 1 job: nothing was checked or run \(that run read stdin"
	run --separate-stderr bash -c ': | "$PFAN" --resume jl2'
	assert_status 255
	assert_pfan_error "$stderr" "resume: the input is empty"
	printf 'a\nb\n' >in
	run -0 --separate-stderr "$PFAN" --resume jl2 <in
	[ "$output" = b ]
}

@test "resume: a run stopped by a signal or --halt says how to continue" {
	pfan_bg --joblog jl "touch started.{}; sleep 30; : $MARK" ::: a
	wait_for '[ -e started.a ]' 30
	kill -TERM "$PFAN_PID"
	pfan_bg_wait 30
	[ "$BG_STATUS" = 143 ]
	assert_match "$(cat bg.err)" "^pfan: interrupted; continue with: pfan --resume jl$"
	run -1 --separate-stderr "$PFAN" -j1 --joblog jl2 --halt now,fail=1 'exit {}' ::: 0 1 0
	assert_match "$stderr" "^pfan: halted \(--halt\); continue with: pfan --resume jl2$"
	# A joblog that held another run's header first: --resume FILE alone
	# would replay that one.
	run -1 --separate-stderr "$PFAN" -j1 --joblog jl2 --halt now,fail=1 'exit {}; :' ::: 0 1 0
	assert_match "$stderr" "^pfan: halted \(--halt\); continue with the same command line and --resume jl2$"
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

@test "resume: GNU parallel's form --joblog FILE --resume (and --resume-failed first) resumes FILE, as GNU does" {
	need_parallel
	cmd='echo {}; [ {} != b ]'
	for tool in pfan gnu; do
		if [ $tool = pfan ]; then p=("$PFAN"); else p=(parallel --will-cite); fi
		"${p[@]}" -k --joblog $tool.jl "$cmd" ::: a b >$tool.1 || :
		"${p[@]}" -k --resume-failed --joblog $tool.jl "$cmd" ::: a b c >$tool.2 2>/dev/null || :
	done
	diff -u gnu.1 pfan.1
	diff -u gnu.2 pfan.2
	[ "$(cat pfan.2)" = "$(printf 'b\nc')" ]
	# --resume as a flag after --joblog: pfan reruns what is not ok (its
	# documented difference: GNU's --resume counts a failed job as done)
	"$PFAN" -k --joblog pfan.jl --resume "$cmd" ::: a b c d >pfan.3 2>/dev/null || :
	[ "$(cat pfan.3)" = "$(printf 'b\nd')" ]
	# no file was made from the word after --resume
	[ ! -e "$cmd" ] && [ ! -e --joblog ]
	run --separate-stderr "$PFAN" --resume -k echo ::: a
	assert_status 255
	assert_pfan_error "$stderr" "--resume without a FILE needs --joblog FILE"
}

@test "resume: a -q run resumes with its words quoted the same; -q is no extra for --resume FILE alone" {
	"$PFAN" -q --joblog jl printf '<%s>\n' 'a  b' {} ::: x 'y z' >/dev/null
	grep -v '"args":\["x"\]' jl >jl2
	run -0 --separate-stderr "$PFAN" --resume jl2
	[ "$output" = "$(printf '<a  b>\n<x>')" ]
	run -0 --separate-stderr "$PFAN" -q --resume jl2 printf '<%s>\n' 'a  b' {} ::: x 'y z'
	[ -z "$output" ]
	run -255 --separate-stderr "$PFAN" --resume jl2 -q
	assert_pfan_error "$stderr" '-q: cannot be given with --resume FILE alone'
}
