#!/usr/bin/env bats
# --json-jobs on a real sshd: a job's cd, out, err and env take effect on
# the host that runs it, its object comes back in --json-results.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

@test "jsonjobs: cd, out, err and env on the host that runs the job" {
	ssh_share_dir
	mkdir "$SSH_SHARE/d 1"
	chmod 1777 "$SSH_SHARE/d 1"
	jq -nc --arg d "$SSH_SHARE/d 1" '
		{cmd: "pwd; printf \"%s|%s\\n\" \"$V\" \"$W\"; id -un; echo to-err >&2; exit 2",
		 cd: $d, out: "o.txt", err: "e r.txt", host: ["node1"], env: {V: "a '\''b'\'' $x", W: ""},
		 mine: [1]},
		{cmd: "echo plain; id -un"}' >jobs.jsonl
	run --separate-stderr "$PFAN" -k -H "$SSH_HOSTFILE" --json-jobs jobs.jsonl \
		--joblog jl --json-results res.jsonl
	[ "$status" -eq 1 ]
	# only the job without out prints; both ran as the test user
	[ "$output" = "plain
$SSH_USER" ]
	[ "$(cat "$SSH_SHARE/d 1/o.txt")" = "$SSH_SHARE/d 1
a 'b' \$x|
$SSH_USER" ]
	[ "$(cat "$SSH_SHARE/d 1/e r.txt")" = to-err ]
	[ "$(jl_count jl '.host == "node1" and .job.host == ["node1"] and .exit == 2')" -eq 1 ]
	[ "$(jq -r 'select(.mine == [1]) | .result | "\(.exit) \(.status) \(.host) \(.stdout_bytes)"' res.jsonl)" = "2 failed node1 0" ]
	[ "$(jq -r 'select(.cmd == "echo plain; id -un") | .result | "\(.status) \(.host) \(.stdout)"' res.jsonl)" = "ok node1 plain
$SSH_USER" ]
}
