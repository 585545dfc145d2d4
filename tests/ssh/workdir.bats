#!/usr/bin/env bats
# Where remote jobs run: pfan's own directory by default (a cluster shares
# it), --workdir DIR, --workdir ...; a host without the directory, no host
# with it, and a command missing on every host.
bats_require_minimum_version 1.5.0
load harness

# Each node starts its sessions somewhere else, as if each had a home of
# its own: node1 in $WD_ROOT/a, node2 in $WD_ROOT/b. A relative --workdir
# is then on one node and not the other. examples/think sleeps
# THINK_SECONDS (0.2 s by default) a job: the nodes' sshd sets it to 0.
setup_file() {
	WD_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pfan-wd.XXXXXX")
	chmod 755 "$WD_ROOT"
	mkdir -p "$WD_ROOT/a" "$WD_ROOT/b"
	export WD_ROOT
	ssh_setup_file 2 \
		"SetEnv THINK_SECONDS=0" \
		"Match LocalAddress 127.0.0.2" \
		"ForceCommand cd $WD_ROOT/a && exec /bin/sh -c \"\$SSH_ORIGINAL_COMMAND\"" \
		"Match LocalAddress 127.0.0.3" \
		"ForceCommand cd $WD_ROOT/b && exec /bin/sh -c \"\$SSH_ORIGINAL_COMMAND\""
}
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() {
	ssh_teardown_file
	rm -rf "$WD_ROOT"
}

@test "workdir: the design card's line runs verbatim: remote jobs run in pfan's directory" {
	# examples/think as it is, `pfan` on PATH, the line as written
	cp "$BATS_TEST_DIRNAME/../../examples/think" think
	chmod 755 think
	mkdir bin
	ln -s "$PFAN" bin/pfan
	cp "$SSH_HOSTFILE" hosts.yaml
	PATH="$T/bin:$PATH" run --separate-stderr bash -c "seq 1000 | pfan -H hosts.yaml ./think '<>' 20"
	echo "$stderr" | head -5
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# every job ok, exactly once: one line per alpha 1..1000
	[ "$(grep -c '^{"alpha":[0-9]*,"beta":20,"score":' <<<"$output")" -eq 1000 ]
	[ "$(grep -o '^{"alpha":[0-9]*' <<<"$output" | cut -d: -f2 | sort -n | uniq)" = "$(seq 1000)" ]
	# and in the same absolute directory, on every host
	run -0 "$PFAN" -H hosts.yaml --tagstring '{host}' 'pwd' ::: 1 2 3 4 5 6 7 8
	[ "$(cut -f2 <<<"$output" | sort -u)" = "$T" ]
}

@test "workdir: --workdir DIR (absolute, or relative to the remote home) for remote jobs; local jobs stay" {
	run -0 "$PFAN" -H "$SSH_HOSTFILE" --workdir / --tagstring '{host}' 'pwd' ::: $(seq 8)
	[ "$(cut -f2 <<<"$output" | sort -u)" = / ]
	run -0 "$PFAN" -S : --workdir / 'pwd' ::: 1
	[ "$output" = "$T" ]
	mkdir -p "$WD_ROOT/a/sub" "$WD_ROOT/b/sub"
	run -0 "$PFAN" -H "$SSH_HOSTFILE" --wd sub --tagstring '{host}' 'pwd' ::: $(seq 8)
	# each host in its own home's sub (which hosts ran jobs is the scheduler's)
	[ -z "$(grep -vxF -e "$(printf 'node1\t%s' "$WD_ROOT/a/sub")" \
		-e "$(printf 'node2\t%s' "$WD_ROOT/b/sub")" <<<"$output")" ]
	[ "$(grep -c . <<<"$output")" -eq 8 ]
}

@test "workdir: a host without the directory is said once and takes no more jobs; its jobs run elsewhere" {
	mkdir -p "$WD_ROOT/a/data"
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --joblog jl.jsonl --workdir data \
		--tagstring '{host}' 'pwd; sleep 0.3; : {}' ::: $(seq 40)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	grep -q '^pfan: warning: node2: no directory ~/data there (or the login cannot enter it); this host takes no more jobs for the run$' <<<"$stderr"
	[ "$(sort -u <<<"$output")" = "$(printf 'node1\t%s' "$WD_ROOT/a/data")" ]
	ssh_ok_once jl.jsonl 40
	# node2's attempts were requeued, never failures
	[ -z "$(jq -r 'select(.seq != null and .status != "ok" and (.status != "host_lost" or .final != false)) | .seq' jl.jsonl)" ]
}

@test "workdir: no host has the directory: pfan stops at once and says what to do" {
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --joblog jl.jsonl \
		--workdir /nonexistent/pfan-wd 'echo {}' ::: $(seq 200)
	echo "$stderr"
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[ "$(grep -c 'node1: no directory /nonexistent/pfan-wd there' <<<"$stderr")" -eq 1 ]
	[ "$(grep -c 'node2: no directory /nonexistent/pfan-wd there' <<<"$stderr")" -eq 1 ]
	grep -q 'no host has the working directory: run pfan from a directory on a filesystem the hosts share, give --workdir DIR' <<<"$stderr"
	# not 200 jobs times 2 hosts: at most the slots that were busy at once
	[ "$(jq -s '[.[] | select(.seq != null)] | length' jl.jsonl)" -le 8 ]
	[ -z "$(jq -r 'select(.seq != null and .status == "failed") | .seq' jl.jsonl)" ]
}

@test "workdir: a command missing on every host stops the run after a few failures, naming it and the directory" {
	run --separate-stderr bash -c "seq 300 | '$PFAN' -H '$SSH_HOSTFILE' --joblog jl.jsonl ./no-such-program '{}'"
	echo "$stderr" | grep '^pfan' || true
	# the usual status: the number of failed jobs, far fewer than 300
	[ "$status" -ge 3 ]
	[ "$status" -lt 50 ]
	[ "$(grep -c "^pfan: ./no-such-program: command not found or not executable (exit 127) on every host that ran it, in $T; " <<<"$stderr")" -eq 1 ]
	grep -Eq "^pfan: $status jobs failed; first: job [0-9]+ on node[12] exit 127" <<<"$stderr"
	# the jobs' own stderr is there as the shell wrote it
	grep -q 'no-such-program: not found' <<<"$stderr"
	[ "$(jq -s '[.[] | select(.seq != null and .final != false)] | length' jl.jsonl)" -eq "$status" ]
}

@test "workdir: --workdir ... runs each host's jobs in a private directory of the run, removed at the end" {
	chmod 777 "$WD_ROOT/a" "$WD_ROOT/b"
	run -0 --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir ... --tagstring '{host}' \
		'pwd; ls -ld . | cut -c1-10; touch left.{}' ::: $(seq 8)
	echo "$output"
	# this machine, pfan's pid and start time, a random number, the host
	grep -Eq "^node1	$WD_ROOT/a/\\.parallel/tmp/pfan_[A-Za-z0-9.-]+_[0-9]+_[0-9]+_[0-9a-f]+_node1\$" <<<"$output"
	grep -Eq "^node2	$WD_ROOT/b/\\.parallel/tmp/pfan_[A-Za-z0-9.-]+_[0-9]+_[0-9]+_[0-9a-f]+_node2\$" <<<"$output"
	[ "$(grep -v /tmp/ <<<"$output" | cut -f2 | sort -u)" = drwx------ ]
	# gone, with what the jobs left there
	[ -d "$WD_ROOT/a/.parallel/tmp" ] && [ -d "$WD_ROOT/b/.parallel/tmp" ]
	[ -z "$(find "$WD_ROOT/a/.parallel/tmp" "$WD_ROOT/b/.parallel/tmp" -mindepth 1)" ]
}

# The private directories of --workdir ... on both nodes, one a line.
private_dirs() {
	find "$WD_ROOT/a/.parallel/tmp" "$WD_ROOT/b/.parallel/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | sort
}

@test "workdir: --workdir ...: Ctrl-C twice kills the jobs and still removes the private directories" {
	chmod 777 "$WD_ROOT/a" "$WD_ROOT/b"
	rm -rf "$WD_ROOT/a/.parallel" "$WD_ROOT/b/.parallel"
	"$PFAN" -H "$SSH_HOSTFILE" --joblog jl.jsonl --workdir ... 'touch mine.{}; sleep 30' ::: $(seq 4) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 4 'sleep 30'
	[ "$(private_dirs | grep -c .)" -ge 1 ]
	kill -INT "$PFAN_PID"
	ssh_wait_line 20 err 'interrupted'
	kill -INT "$PFAN_PID"
	rc=0
	wait "$PFAN_PID" || rc=$?
	PFAN_PID=
	cat err
	[ "$rc" -eq 130 ]
	[ "$(jq -s '[.[] | select(.seq != null and .status == "killed")] | length' jl.jsonl)" -eq 4 ]
	[ -z "$(private_dirs)" ] || { private_dirs; false; }
}

# The id runid.c gives process $1 of this machine: its name, the pid, its
# start in clock ticks since the epoch (the boot time's ticks + /proc's).
run_id() {
	local m bt st
	m=$(uname -n | tr -c 'A-Za-z0-9.\n-' .)
	bt=$(awk '$1 == "btime" { print $2 }' /proc/stat)
	st=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)
	echo "${m}_$1_$((bt * $(getconf CLK_TCK) + st))"
}

@test "workdir: --workdir ...: a SIGKILLed pfan's directories are removed by the next run; a live run's and another machine's are kept" {
	[ -r /proc/self/stat ] || skip "no /proc: a process's start time is unknown"
	chmod 777 "$WD_ROOT/a" "$WD_ROOT/b"
	rm -rf "$WD_ROOT/a/.parallel" "$WD_ROOT/b/.parallel"
	ssh_write_hostfile hosts.yaml 2 2
	"$PFAN" -H hosts.yaml --workdir ... 'touch mine.{}; sleep 30' ::: $(seq 4) >out 2>err &
	PFAN_PID=$!
	ssh_wait_procs 30 4 'sleep 30'
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	PFAN_PID=
	killed=$(private_dirs)
	[ "$(grep -c . <<<"$killed")" -eq 2 ]
	ssh_wait_no_user_procs 15
	# a live run (this shell), one whose pid was reused (this shell's pid,
	# another start), and another machine's run, each on node1
	live=$(run_id $$)
	reused="${live%_*}_$((${live##*_} + 1))"
	for d in "pfan_${live}_0000abcd_node1" "pfan_${reused}_0000abcd_node1" \
		"pfan_other-machine_$$_${live##*_}_0000abcd_node1"; do
		mkdir -p "$WD_ROOT/a/.parallel/tmp/$d" && touch "$WD_ROOT/a/.parallel/tmp/$d/f"
		chown -R "$SSH_USER" "$WD_ROOT/a/.parallel/tmp/$d"
	done
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --workdir ... 'true' ::: 1 2
	echo "$stderr"
	[ "$(private_dirs)" = "$(printf '%s\n' "$WD_ROOT/a/.parallel/tmp/pfan_${live}_0000abcd_node1" \
		"$WD_ROOT/a/.parallel/tmp/pfan_other-machine_$$_${live##*_}_0000abcd_node1" | sort)" ] ||
		{ private_dirs; false; }
	# each removal said, with where
	for d in $killed "$WD_ROOT/a/.parallel/tmp/pfan_${reused}_0000abcd_node1"; do
		grep -qF "removing ~/.parallel/tmp/${d##*/}, left by a pfan" <<<"$stderr"
	done
	[ "$(grep -c removing <<<"$stderr")" -eq 3 ]
}
