#!/usr/bin/env bats
# Bad input: each case gives a one-line "pfan: ..." message and a defined
# exit status (255 for pfan's own errors, the failed-job count for bad
# records), and never a crash.

load lib

setup() {
	pfan_setup
}

teardown() {
	pfan_teardown
}

# run_pfan WANT-STATUS ARGS...: runs pfan with stdin from /dev/null unless
# IN is set, separates stderr, checks the status and that it did not crash.
run_pfan() {
	local want=$1
	shift
	run --separate-stderr "$PFAN" "$@" <"${IN:-/dev/null}"
	assert_no_crash "$status"
	assert_status "$want"
}

# Exactly one line on stderr, and it is pfan's.
one_error_line() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c .)
	if [ "$n" -ne 1 ]; then
		echo "want one line on stderr, got $n:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	assert_pfan_error "$stderr" "$1"
}

@test "error: unknown long option" {
	run_pfan 255 --frobnicate echo ::: a
	one_error_line "unknown option --frobnicate"
	[ -z "$output" ]
}

@test "error: unknown short option" {
	run_pfan 255 -Z echo ::: a
	one_error_line "unknown option -Z"
}

@test "error: a GNU parallel option pfan lacks says so, never 'unknown option'" {
	run_pfan 255 --transfer echo ::: a
	one_error_line "--transfer is a GNU parallel option that pfan does not have"
	[ -z "$output" ]
	run_pfan 255 --xapply echo ::: a
	one_error_line "--xapply is a GNU parallel option that pfan does not have; use --link"
	run_pfan 255 --total-jobs=1 echo ::: a
	one_error_line "--total-jobs is a GNU parallel option that pfan does not have"
	run_pfan 255 -t echo ::: a
	one_error_line "-t is a GNU parallel option that pfan does not have"
}

@test "error: long options match whole names only: --ssh is GNU's, not a prefix of --sshlogin" {
	run_pfan 255 --ssh 'ssh -p 2222' echo ::: a
	one_error_line "--ssh is a GNU parallel option that pfan does not have"
	run_pfan 255 --sshl localhost echo ::: a
	one_error_line "unknown option --sshl "
	run_pfan 255 --resume-f
	one_error_line "unknown option --resume-f "
	run_pfan 255 --dry echo ::: a
	one_error_line "unknown option --dry "
}

@test "options: GNU parallel's other names (-P, -C, --lb, --dryrun, --halt-on-error, --will-cite)" {
	run -0 --separate-stderr "$PFAN" -P 1 --will-cite --no-notice -k echo ::: a b
	[ "$output" = "$(printf 'a\nb')" ]
	run -0 --separate-stderr "$PFAN" --dryrun --max-procs 1 echo ::: a
	[ "$output" = "echo a" ]
	run -0 --separate-stderr "$PFAN" -C , --lb echo {2} ::: x,y
	[ "$output" = "y" ]
	run -0 --separate-stderr "$PFAN" --linebuffer --halt-on-error now,fail=1 echo ::: z
	[ "$output" = "z" ]
}

@test "error: option without its value" {
	run_pfan 255 -j
	one_error_line "option -j needs a value"
}

@test "error: --jobs not N, +N, -N or N%" {
	run_pfan 255 --jobs x true ::: a
	one_error_line "--jobs: 'x' is not N, [+]N, -N or N%"
	run_pfan 255 -j +x true ::: a
	one_error_line "--jobs: '[+]x' is not N, [+]N, -N or N%"
}

@test "error: --halt and --timeout values" {
	run_pfan 255 --halt bogus true ::: a
	one_error_line "--halt: 'bogus'"
	run_pfan 255 --timeout -1 true ::: a
	one_error_line "--timeout: '-1' is not a duration"
}

# GNU parallel runs each value as a command when none is given; with no
# input either there is nothing to run (parallel_diff.bats compares).
@test "error: no command and no input is no error" {
	run_pfan 0
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "error: no command: values that are not commands are failed jobs" {
	run_pfan 2 ::: no-such-command-pfan-a no-such-command-pfan-b
}

@test "error: bad values for the input options" {
	run_pfan 255 --trim x true ::: a
	one_error_line "--trim: 'x': expected n, l, r, lr or rl"
	run_pfan 255 -N x true ::: a
	one_error_line "--max-replace-args: 'x' is not a whole number"
	run_pfan 255 -d '' true ::: a
	one_error_line "--delimiter: must not be empty"
	run_pfan 255 -I '' true ::: a
	one_error_line "-I: the replacement string must not be empty"
	run_pfan 255 echo :::+
	one_error_line "no values after :::[+]$"
}

@test "error: ::: with no values" {
	run_pfan 255 echo :::
	one_error_line "no values after :::$"
	# It names the operator the user wrote, not "::::" (a file list).
	if printf '%s\n' "$stderr" | grep -q '::::'; then
		echo "message reads as if :::: had been written: $stderr" >&2
		return 1
	fi
}

@test "error: :::: with no files" {
	run_pfan 255 echo ::::
	one_error_line "no values after ::::$"
}

@test "error: bad regex in {= =}: PCRE2's message and offset" {
	run_pfan 255 echo '{= s/(/x/ =}' ::: a
	one_error_line "template: .*offset [0-9]+.*missing closing parenthesis"
	[ -z "$output" ]
}

@test "error: bad regex in --colsep: PCRE2's message and offset" {
	run_pfan 255 --colsep '[a' echo {1} ::: a
	one_error_line "--colsep: .*offset [0-9]+.*(missing terminating \]|\])"
}

@test "error: unterminated {= and an unknown {= =} expression" {
	run_pfan 255 echo '{= s/a/b/ ' ::: a
	one_error_line "template: .*missing =}"
	run_pfan 255 echo '{= foo =}' ::: a
	one_error_line "template: \{= foo =\}"
}

@test "error: {0} is not a value" {
	run_pfan 255 echo {0} ::: a
	one_error_line "template: \{0\}"
}

@test "error: :::: file that does not exist" {
	run_pfan 255 echo :::: does-not-exist
	one_error_line "does-not-exist: No such file or directory"
	[ -z "$output" ]
}

@test "error: :::: a directory" {
	mkdir d
	run_pfan 255 echo :::: d
	one_error_line "d: Is a directory"
}

@test "error: stdin a directory is pfan's own error: exit 255" {
	mkdir d
	IN=d run_pfan 255 echo
	one_error_line "stdin: Is a directory"
}

@test "error: :::: file without read permission" {
	[ "$(id -u)" != 0 ] || skip "root reads any file"
	echo a >secret
	chmod 000 secret
	run_pfan 255 echo :::: secret
	one_error_line "secret: Permission denied"
}

@test "error: -a file that does not exist" {
	run_pfan 255 -a nope echo
	one_error_line "nope: No such file or directory"
}

@test "error: malformed joblog on resume names the line, runs nothing" {
	{
		echo '{"pfan":"0.1.0","argv":["pfan","echo","{}"],"cwd":"/","start":1}'
		echo 'this is not json'
		echo '{"seq":1,"attempt":1,"host":"local","slot":1,"cmd":"echo a","args":["a"],"start":1,"runtime":0,"exit":0,"signal":null,"status":"ok","stdout_bytes":2,"stderr_bytes":0}'
	} >jl
	cp jl jl.before
	run_pfan 255 --resume jl echo {} ::: a b
	one_error_line "jl:2: "
	[ -z "$output" ]
	cmp jl jl.before
}

@test "error: joblog record with a missing field names the line" {
	{
		echo '{"pfan":"0.1.0","argv":["pfan","echo","{}"],"cwd":"/","start":1}'
		echo '{"seq":1,"attempt":1,"status":"ok"}'
	} >jl
	run_pfan 255 --resume jl echo {} ::: a
	one_error_line "jl:2: "
}

@test "error: joblog record with an unknown status" {
	{
		echo '{"pfan":"0.1.0","argv":["pfan","echo","{}"],"cwd":"/","start":1}'
		echo '{"seq":1,"attempt":1,"host":"local","slot":1,"cmd":"echo a","args":["a"],"start":1,"runtime":0,"exit":0,"signal":null,"status":"done","stdout_bytes":2,"stderr_bytes":0}'
	} >jl
	run_pfan 255 --resume jl echo {} ::: a
	one_error_line "jl:2: .*status"
}

@test "error: joblog in a directory that does not exist" {
	run_pfan 255 --joblog no/such/dir/jl echo ::: a
	one_error_line "no/such/dir/jl"
	[ -z "$output" ]
}

@test "input: invalid UTF-8 is passed through intact" {
	printf 'a\377\376b\n\300\n' >in
	IN=in run_pfan 0 -k "printf '%s\n'" {}
	printf '%s\n' "$output" >got
	cmp in got
}

@test "input: a NUL byte without -0 skips that record with a message, the rest run" {
	printf 'a\0b\nc\nd\n' >in
	IN=in run_pfan 1 -k echo {}
	[ "$output" = "$(printf 'c\nd')" ]
	one_error_line "stdin:1: NUL byte in input line \(use -0"
}

@test "input: NUL bytes in a :::: file name the file and line" {
	printf 'ok\nx\0y\n' >in
	run_pfan 1 -k echo {} :::: in
	[ "$output" = "ok" ]
	one_error_line "in:2: NUL byte"
}

@test "input: a 1 MB line fails that job with one clear line, no crash" {
	head -c 1000000 /dev/zero | tr '\0' a >in
	echo >>in
	echo short >>in
	IN=in run_pfan 1 -k --joblog jl 'printf %s {} | wc -c'
	# The short line still ran; the long one is a failed job.
	[ "$output" = "5" ]
	one_error_line "the command is [0-9]+ bytes.*limit"
	[ "$(jl_count jl '.status == "failed"')" = 1 ]
	[ "$(jl_count jl '.status == "ok"')" = 1 ]
}

@test "input: a 1 MB line under the limit when split with --colsep" {
	# Long input is not by itself a problem: only the command's length is.
	head -c 1000000 /dev/zero | tr '\0' a >in
	echo ',x' >>in
	IN=in run_pfan 0 --colsep , echo {2}
	[ "$output" = "x" ]
}

@test "no crash: a template of many replacement strings on a long value" {
	v=$(head -c 20000 /dev/zero | tr '\0' b)
	run_pfan 0 'echo {} {} {} {} {} | wc -c' ::: "$v"
	[ "$output" -eq 100005 ]
}

@test "no crash: help and version" {
	run_pfan 0 --help
	assert_match "$output" "^Usage: pfan"
	run_pfan 0 --version
	assert_match "$output" "^pfan [0-9]+\.[0-9]+"
}

@test "error: a joblog that cannot be written stops the run before any job" {
	[ -w /dev/full ] || skip "needs /dev/full"
	run_pfan 255 --joblog /dev/full 'touch {}' ::: a b
	one_error_line "/dev/full: No space left on device"
	[ ! -e a ] && [ ! -e b ]
}

@test "error: --results on a file, not a directory" {
	touch res
	run_pfan 255 --results res echo ::: a
	one_error_line "results directory 'res': Not a directory"
}

@test "error: a bad hostfile names file:line:column and runs nothing" {
	printf 'hosts:\n  - name: x\n    slots: -1\n' >hosts.yaml
	run_pfan 255 -H hosts.yaml 'touch {}' ::: a
	one_error_line "hosts.yaml:3:[0-9]+: .*slots"
	[ ! -e a ]
}

@test "error: an unknown key in the hostfile" {
	printf 'hosts:\n  - name: x\n    slot: 2\n' >hosts.yaml
	run_pfan 255 -H hosts.yaml true ::: a
	one_error_line "hosts.yaml:3:[0-9]+: .*slot"
}

@test "error: a tab in the hostfile" {
	printf 'hosts:\n\t- name: x\n' >hosts.yaml
	run_pfan 255 -H hosts.yaml true ::: a
	one_error_line "hosts.yaml:2:[0-9]+: "
}

@test "error: a missing hostfile" {
	run_pfan 255 -H nope.yaml true ::: a
	one_error_line "nope.yaml: No such file or directory"
}

@test "error: -H slurm outside a SLURM allocation" {
	SLURM_JOB_NODELIST= SLURM_JOB_CPUS_PER_NODE= run --separate-stderr "$PFAN" -H slurm true ::: a </dev/null
	assert_status 255
	one_error_line "slurm"
}

@test "error: -H slurm with only one of its variables set names the one missing" {
	run --separate-stderr env -u SLURM_JOB_CPUS_PER_NODE SLURM_JOB_NODELIST='n[1-2]' "$PFAN" -H slurm true ::: a </dev/null
	assert_status 255
	one_error_line "-H slurm: SLURM_JOB_CPUS_PER_NODE is not set \\(SLURM_JOB_NODELIST is\\)"
	run --separate-stderr env -u SLURM_JOB_NODELIST SLURM_JOB_CPUS_PER_NODE='4(x2)' "$PFAN" -H slurm true ::: a </dev/null
	assert_status 255
	one_error_line "-H slurm: SLURM_JOB_NODELIST is not set \\(SLURM_JOB_CPUS_PER_NODE is\\)"
}

@test "hosts: n[1-100000] (the most a range gives) loads in a dry run, every host counted" {
	# --dry-run deals the jobs to every host's slots in turn: with -j1 the
	# job after the 100,000th host is back on the first.
	printf 'hosts:\n  - "n[1-100000]"\n' >hosts.yaml
	seq 100001 >in
	IN=in run_pfan 0 --dry-run -j1 -H hosts.yaml echo {host} {%}
	[ "$(printf '%s\n' "$output" | sed -n '100000p;100001p' | tr '\n' ' ')" = "echo n100000 1 echo n1 1 " ]
	IN=in run_pfan 0 --dry-run -j1 -S 'n[1-100000]' echo {host} {%}
	[ "$(printf '%s\n' "$output" | tail -n 2 | tr '\n' ' ')" = "echo n100000 1 echo n1 1 " ]
}

@test "error: a hostfile nested too deep is refused at the level past the limit" {
	{
		printf 'hosts: '
		head -c 1000 /dev/zero | tr '\0' '['
		head -c 1000 /dev/zero | tr '\0' ']'
		echo
	} >hosts.yaml
	run_pfan 255 -H hosts.yaml true ::: a
	one_error_line "hosts.yaml:1:107: nesting deeper than 100 levels"
}

@test "-j: memory follows the jobs running, not -j 4294967295" {
	skip_if_sanitized
	# Each slot had a flag: 4 GB of address space for one job.
	run --separate-stderr bash -c 'ulimit -v 200000 && exec "$PFAN" -j 4294967295 "echo {%}" ::: a b' </dev/null
	assert_no_crash "$status"
	assert_status 0
	# Both at once, in slots 1 and 2, finishing in either order.
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "1 2 " ]
}

@test "-j: two hosts of 2147483648 slots each still run the job" {
	# The free slots were summed in an unsigned: 2^32 wrapped to 0 and
	# pfan waited for a free slot forever.
	pfan_bg --dry-run -j 2147483648 -S a,b echo ::: 1
	pfan_bg_wait 30
	[ "$BG_STATUS" = 0 ]
	[ "$(cat bg.out)" = "echo 1" ]
}

@test "error: numbers are decimal digits: no hex, blanks, signs, inf or exponents" {
	run_pfan 255 --timeout 0x10 true ::: a
	one_error_line "--timeout: '0x10' is not a duration"
	run_pfan 255 --timeout inf true ::: a
	one_error_line "--timeout: 'inf' is not a duration"
	run_pfan 255 --host-wait 1e3 true ::: a
	one_error_line "--host-wait: '1e3' is not a number of seconds"
	run_pfan 255 -j ' 3' true ::: a
	one_error_line "--jobs: ' 3' is not N, \\+N, -N or N%"
	run_pfan 255 --retries +1 true ::: a
	one_error_line "--retries: '\\+1' is not a whole number"
	run_pfan 255 --halt now,fail=0x1 true ::: a
	one_error_line "--halt: 'now,fail=0x1': expected"
	run_pfan 0 --timeout 2.5 echo ::: a
	[ "$output" = a ]
}

@test "error: --keepalive 0 is refused (keepalives are how a lost host is found)" {
	run_pfan 255 --keepalive 0 true ::: a
	one_error_line "--keepalive: must be more than 0 seconds"
}

@test "error: --retries past a million, or past any integer, names the range" {
	run_pfan 255 --retries 1000001 true ::: a
	one_error_line "--retries: '1000001' is out of range \\(0 to 1000000\\)"
	run_pfan 255 --retries 99999999999999999999999 true ::: a
	one_error_line "--retries: '99999999999999999999999' is out of range \\(0 to 1000000\\)"
	run_pfan 255 -j 4294967296 true ::: a
	one_error_line "--jobs: '4294967296' is out of range \\(0 to 4294967295\\)"
}

@test "error: an empty command is refused, not the values run as commands" {
	run_pfan 255 '' ::: 'touch x'
	one_error_line "the command is empty"
	run_pfan 255 ' ' '' ::: 'touch x'
	one_error_line "the command is empty"
	[ ! -e x ]
}

@test "error: -S '[::1' says the bracket is not closed" {
	run_pfan 255 -S '[::1' true ::: a
	one_error_line '-S: "\[::1": "\[" without "\]"'
}

# Counting what is left must not run the jobs' expansion: the records a
# give-up never tried are counted, not expanded, so they report no
# template errors (the count used to expand each one, and skip the bad).
@test "error: no host left counts the unread input without expanding it" {
	run_pfan 255 -S pfan-no-such-host.invalid --host-wait 0.1 \
	    'echo {= s/a/\x00/ =}' ::: b a a b
	assert_pfan_error "$stderr" "no host left to run jobs on \\(every host failed or was given up\\); 4 jobs unfinished \\(with --joblog FILE"
	if printf '%s\n' "$stderr" | grep -q 'NUL byte'; then
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	run_pfan 255 -S pfan-no-such-host.invalid --host-wait 0.1 --joblog jl.jsonl \
	    echo ::: b a
	assert_pfan_error "$stderr" "; 2 jobs unfinished; run the same command with --resume jl.jsonl"
	# unread records are not matched against the joblog: some may be done
	run_pfan 255 -S pfan-no-such-host.invalid --host-wait 0.1 --resume jl.jsonl \
	    echo ::: b a
	assert_pfan_error "$stderr" "; up to 2 jobs unfinished; run the same command with --resume jl.jsonl"
}
