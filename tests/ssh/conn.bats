#!/usr/bin/env bats
# The connection module (sshconn.c, sshmux.c) alone: tests/ssh/sshdrive is
# its owner (a fake of sshhost.c implementing struct sshconn_events) and
# prints each event. sshd allows 2 channels per connection here, so the
# connection fills up and hands tasks back.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1 "MaxSessions 2"; }
setup() {
	ssh_setup
	DRIVE=${PFAN_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/tests/ssh/sshdrive
	[ -x "$DRIVE" ] || { echo "no $DRIVE: build it with make tests/ssh/sshdrive" >&2; return 1; }
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

drive() {
	"$DRIVE" -a "${SSH_ADDR[1]}" -p "${SSH_PORT[1]}" -u "$SSH_USER" -i "$SSH_KEY" "$@"
}

@test "conn: a connection alone runs jobs and reports each end and its output" {
	run --separate-stderr drive -K "$SSH_KNOWN_HOSTS" 'echo out' 'echo err >&2; exit 3'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = ready ]
	grep -qx 'job 1: exited 0' <<<"$output"
	grep -qx 'job 1 stdout: out' <<<"$output"
	grep -qx 'job 2: exited 3' <<<"$output"
	grep -qx 'job 2 stderr: err' <<<"$output"
	[ "${#lines[@]}" -eq 5 ]
}

@test "conn: a full connection (MaxSessions) hands its unopened tasks back; they run when channels free" {
	ssh_share_dir
	# Each job waits for the file go, so two stay open while the third is
	# refused: the test makes go only once the connection said it is full.
	job="i=0; while [ ! -e $SSH_SHARE/go ]; do [ \$i -lt 1200 ] || exit 9; sleep 0.05; i=\$((i + 1)); done"
	drive -K "$SSH_KNOWN_HOSTS" "$job" "$job" "$job" >out 2>err &
	pid=$!
	ssh_wait_line 60 out '^full 2$' || { kill "$pid"; cat out err; return 1; }
	touch "$SSH_SHARE/go"
	rc=0
	wait "$pid" || rc=$?
	cat out err
	[ "$rc" -eq 0 ]
	[ "$(grep -c '^job [123]: exited 0$' out)" -eq 3 ]
}

@test "conn: a refused host key is a permanent loss; every job is reported lost" {
	: >empty_known_hosts
	run --separate-stderr drive -K "$PWD/empty_known_hosts" true true
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q '^lost permanent: host key not in ' <<<"$output"
	[ "$(grep -c '^job [12]: lost: ' <<<"$output")" -eq 2 ]
}
