#!/usr/bin/env bats
# --json-jobs FILE: jobs as JSON objects, one a line (cmd, cd, out, err,
# host, tags, env, timeout, retries, id), checked whole before any job
# starts; --json-results FILE writes each job back with its result.

load lib

setup() {
	pfan_setup
	need jq
}

teardown() {
	pfan_teardown
}

@test "json-jobs: 100 x {\"cmd\": ...}: each run once, its object in its joblog record" {
	for i in $(seq 100); do printf '{"cmd": "true %s"}\n' "$i"; done >jobs.jsonl
	run --separate-stderr "$PFAN" -j8 --json-jobs jobs.jsonl --joblog jl
	assert_status 0
	[ -z "$output" ]
	jl_ok_once jl 100
	# seq is the line: job N's object is line N's
	[ "$(jl_count jl '.job.cmd == "true \(.seq)" and .cmd == .job.cmd')" -eq 100 ]
	# --report reads such a joblog
	run --separate-stderr "$PFAN" --report jl
	assert_status 0
}

@test "json-jobs: cd, out and err: the job runs there, its output in those files" {
	mkdir -p 'd 1'
	cat >jobs.jsonl <<-'JOBS'
	{"cmd": "pwd; echo to-err >&2; exit 4", "cd": "d 1", "out": "o.txt", "err": "e's.txt"}
	{"cmd": "echo plain"}
	JOBS
	run --separate-stderr "$PFAN" -k --json-jobs jobs.jsonl --joblog jl
	assert_status 1
	[ "$output" = plain ]
	[ "$(cat 'd 1/o.txt')" = "$T/d 1" ]
	[ "$(cat "d 1/e's.txt")" = to-err ]
	[ "$(jl_count jl '.seq == 1 and .exit == 4 and .status == "failed"')" -eq 1 ]
	# A directory that is not there: the job fails, nothing else runs it
	printf '{"cmd": "echo never", "cd": "nowhere"}\n' >bad.jsonl
	run --separate-stderr "$PFAN" --json-jobs bad.jsonl
	assert_status 1
	[ -z "$output" ]
}

@test "json-jobs: env: each value exported to the job as it is" {
	cat >jobs.jsonl <<-'JOBS'
	{"cmd": "printf '%s|%s\\n' \"$A\" \"$B\"; sh -c 'echo \"$A\"'", "env": {"A": "x 'y' $HOME `z`", "B": ""}}
	JOBS
	run --separate-stderr "$PFAN" --json-jobs jobs.jsonl
	assert_status 0
	[ "${lines[0]}" = "x 'y' \$HOME \`z\`|" ]
	[ "${lines[1]}" = "x 'y' \$HOME \`z\`" ]
}

@test "json-jobs: timeout and retries per job, over --timeout and --retries" {
	cat >jobs.jsonl <<-'JOBS'
	{"cmd": "sleep 30", "timeout": 0.5, "retries": 1}
	{"cmd": "sleep 1; echo slow", "timeout": 0}
	{"cmd": "exit 1", "retries": 3}
	{"cmd": "exit 2", "retries": 1}
	{"cmd": "exit 3"}
	JOBS
	run --separate-stderr "$PFAN" -j5 --timeout 0.3 --retries 2 --json-jobs jobs.jsonl --joblog jl
	assert_status 4
	[ "$output" = slow ]
	[ "$(jl_statuses jl 1)" = "timeout " ]
	[ "$(jl_statuses jl 2)" = "ok " ]
	[ "$(jl_statuses jl 3)" = "failed failed failed " ]
	[ "$(jl_statuses jl 4)" = "failed " ]
	[ "$(jl_statuses jl 5)" = "failed failed " ]
}

@test "json-jobs: a bad line names FILE:LINE and the key; nothing runs" {
	check() {   # the bad line, the message's regex
		{ printf '{"cmd": "touch ran"}\n\n'; printf '%s\n' "$1"; } >jobs.jsonl
		run --separate-stderr "$PFAN" --json-jobs jobs.jsonl
		assert_status 255
		assert_match "$stderr" "$2"
		[ ! -e ran ]
	}
	check '["cmd", "true"]' '^pfan: jobs\.jsonl:3: not a JSON object$'
	check '{"cmd": ["ls"]}' '^pfan: jobs\.jsonl:3: key "cmd": not a string$'
	check '{"cd": "/tmp"}' '^pfan: jobs\.jsonl:3: no key "cmd"'
	check '{"cmd": "true"' '^pfan: jobs\.jsonl:3: not JSON: '
	check 'cmd=true' '^pfan: jobs\.jsonl:3: not JSON: '
	check '{"cmd": "x", "timeout": "1"}' '^pfan: jobs\.jsonl:3: key "timeout": '
	check '{"cmd": "x", "retries": 1.5}' '^pfan: jobs\.jsonl:3: key "retries": '
	check '{"cmd": "x", "env": {"A": 1}}' '^pfan: jobs\.jsonl:3: key "env": "A" is not a string$'
	check '{"cmd": "x", "host": "local"}' '^pfan: jobs\.jsonl:3: key "host": not a list of strings$'
	check '{"cmd": "x", "host": ["node9"]}' '^pfan: jobs\.jsonl:3: key "host": no host named "node9"'
}

@test "json-jobs: host and tags must be the hostfile's" {
	cat >hosts.yaml <<-'YAML'
	hosts:
	  - name: local
	    slots: 2
	    tags: [cpu]
	YAML
	printf '{"cmd": "echo a", "host": ["local"]}\n{"cmd": "echo b", "tags": ["cpu"]}\n' >ok.jsonl
	run --separate-stderr "$PFAN" -k -H hosts.yaml --json-jobs ok.jsonl
	assert_status 0
	[ "$output" = "a
b" ]
	printf '{"cmd": "echo a"}\n{"cmd": "echo b", "host": ["local", "gpu1"]}\n' >bad.jsonl
	run --separate-stderr "$PFAN" -H hosts.yaml --json-jobs bad.jsonl
	assert_status 255
	[ "$stderr" = 'pfan: bad.jsonl:2: key "host": no host named "gpu1" in hosts.yaml' ]
	[ -z "$output" ]
	printf '{"cmd": "echo b", "tags": ["gpu"]}\n' >bad.jsonl
	run --separate-stderr "$PFAN" -H hosts.yaml --json-jobs bad.jsonl
	assert_status 255
	[ "$stderr" = 'pfan: bad.jsonl:1: key "tags": no host tagged "gpu" in hosts.yaml' ]
}

@test "json-jobs: - reads stdin; --dry-run prints the commands" {
	printf '{"cmd": "echo one"}\n{"cmd": "echo two", "out": "f"}\n' >in
	run --separate-stderr "$PFAN" -k --json-jobs - --dry-run <in
	assert_status 0
	[ "${lines[0]}" = "echo one" ]
	[ "${lines[1]}" = "{ echo two" ]
	[ "${lines[2]}" = "} >f" ]
	[ ! -e f ]
	run --separate-stderr "$PFAN" -k --json-jobs - <<<'{"cmd": "echo one"}'
	assert_status 0
	[ "$output" = one ]
}

@test "json-jobs: what does not go with it is refused" {
	printf '{"cmd": "true"}\n' >j
	run --separate-stderr "$PFAN" --json-jobs j echo
	assert_status 255
	assert_pfan_error "$stderr" '--json-jobs: .*no command'
	run --separate-stderr "$PFAN" --json-jobs j ::: a
	assert_status 255
	run --separate-stderr "$PFAN" --json-results r echo ::: a
	assert_status 255
	assert_pfan_error "$stderr" '--json-results .*--json-jobs'
	run --separate-stderr "$PFAN" --json-jobs missing.jsonl
	assert_status 255
	assert_pfan_error "$stderr" 'missing.jsonl: No such file'
}

@test "json-results: each job back with its result: exit, status, stdout; unknown keys kept" {
	head -c 5000 /dev/zero | tr '\0' x >big
	cat >jobs.jsonl <<-'JOBS'
	{"cmd": "echo hello; exit 3", "mine": {"k": [1, null]}, "id": "a"}
	{"cmd": "echo fine"}
	{"cmd": "cat big"}
	JOBS
	run --separate-stderr "$PFAN" -j1 --json-jobs jobs.jsonl --json-results res.jsonl
	assert_status 1
	[ "$(wc -l <res.jsonl)" -eq 3 ]
	r=$(jq -c 'select(.id == "a")' res.jsonl)
	[ "$(jq -r '.result | "\(.exit) \(.status) \(.stdout_bytes) \(.host) \(.slot)"' <<<"$r")" = "3 failed 6 local 1" ]
	[ "$(jq -r .result.stdout <<<"$r")" = hello ]
	[ "$(jq -c .mine <<<"$r")" = '{"k":[1,null]}' ]
	[ "$(jq -r 'select(.cmd == "echo fine") | .result | "\(.exit) \(.status) \(.stdout)"' res.jsonl)" = "0 ok fine" ]
	[ "$(jq -r 'select(.cmd == "echo fine") | .result | (.end - .start - .runtime | fabs < 0.01)' res.jsonl)" = true ]
	# over 4 KiB: counted, not kept
	[ "$(jq -r 'select(.cmd == "cat big") | .result | "\(has("stdout")) \(.stdout_bytes)"' res.jsonl)" = "false 5000" ]
}

@test "json-jobs: SIGKILL mid-run, then --resume: every job ok exactly once, every result kept" {
	for i in $(seq 40); do printf '{"cmd": "sleep 0.2; echo %s; : %s"}\n' "$i" "$MARK"; done >jobs.jsonl
	pfan_bg -j4 --json-jobs jobs.jsonl --joblog jl --json-results res.jsonl
	wait_for '[ "$(records jl)" -ge 6 ]' 30
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	jl_ok_seqs jl >done.before
	[ "$(wc -l <done.before)" -lt 40 ]
	run --separate-stderr "$PFAN" -j4 --resume jl --json-jobs jobs.jsonl --json-results res.jsonl
	assert_status 0
	printf '%s\n' "$output" | sort -n >printed
	seq 40 | grep -vxF -f done.before >missing
	diff -u missing printed
	jl_ok_once jl 40
	# every job has an ok result line (a kill between a result and its
	# record may leave one more)
	[ "$(jq -r 'select(.result.status == "ok") | .cmd' res.jsonl | sort -u | wc -l)" -eq 40 ]
}

@test "json-jobs: --resume knows a job by its id, whatever its command now" {
	printf '{"cmd": "echo one", "id": "j1"}\n{"cmd": "echo two"}\n{"cmd": "exit 1", "id": "j3"}\n' >jobs.jsonl
	run --separate-stderr "$PFAN" -k --json-jobs jobs.jsonl --joblog jl
	assert_status 1
	# j1's command changed: still done; the job without id changed: runs;
	# j3 failed: runs again
	printf '{"cmd": "echo ONE", "id": "j1"}\n{"cmd": "echo TWO"}\n{"cmd": "echo three", "id": "j3"}\n' >jobs.jsonl
	run --separate-stderr "$PFAN" -k --json-jobs jobs.jsonl --resume jl
	assert_status 0
	[ "$output" = "TWO
three" ]
	run --separate-stderr "$PFAN" -k --json-jobs jobs.jsonl --resume jl
	assert_status 0
	[ -z "$output" ]
}

@test "json-jobs: pfan --resume FILE alone replays the --json-jobs run" {
	printf '{"cmd": "echo a"}\n{"cmd": "exit 1", "id": "x"}\n' >jobs.jsonl
	run --separate-stderr "$PFAN" --json-jobs jobs.jsonl --joblog jl
	assert_status 1
	printf '{"cmd": "echo a"}\n{"cmd": "echo fixed", "id": "x"}\n' >jobs.jsonl
	run --separate-stderr "$PFAN" --resume jl
	assert_status 0
	[ "$output" = fixed ]
	jl_ok_once jl 2
}
