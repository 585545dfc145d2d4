#!/usr/bin/env bats
# Files staged over the hosts' own connections (SFTP), for a cluster
# without a shared filesystem: pfan runs in a directory of mode 700 that
# the test user cannot read, so a job sees only what was sent to it.
bats_require_minimum_version 1.5.0
load harness

setup_file() {
	ssh_setup_file 2 "Subsystem sftp internal-sftp -l INFO"
}
setup() {
	ssh_setup || return 1
	chmod 700 "$T"
	HOME_T=$(getent passwd "$SSH_USER" | cut -d: -f6)
	cp "$BATS_TEST_DIRNAME/../../examples/job" job
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# What is in the test user's home (both nodes share it), but the
# dot-directories a login makes.
home_files() {
	(cd "$HOME_T" && find . -mindepth 1 ! -path './.ssh*' ! -path './.cache*' | sort)
}

@test "stage: the per-file job, --trc: outputs byte-identical to a local run, nothing left on the hosts" {
	mkdir data
	for i in $(seq 12); do printf 'line one of %s\nline two\n' "$i" >"data/a$i.txt"; done
	before=$(home_files)
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --joblog jl.jsonl --basefile job \
		--trc '{.}.out' './job < {} > {.}.out' ::: data/a*.txt
	echo "$stderr"
	[ "$status" -eq 0 ]
	for i in $(seq 12); do
		./job <"data/a$i.txt" | cmp - "data/a$i.out"
	done
	# every attempt says what it moved
	[ "$(jq -s '[.[] | select(.seq != null and .status == "ok" and .sent_bytes > 0 and .received_bytes > 0)] | length' jl.jsonl)" -eq 12 ]
	[ "$(home_files)" = "$before" ] || { home_files; false; }
	# no temporary file left here either
	[ -z "$(find . -name '*.pfan-*')" ]
}
