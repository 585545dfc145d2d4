#!/usr/bin/env bats
# The remote wrapper records what the job did, whatever the job does to
# its shell: each case of tests/data/sshwrap_cases.txt gives the same
# status on a host as here. A job that ends without an exit status (its
# wrapper or connection killed under it) is not rerun forever.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# "STATUS CODE" of job 1's last record; a signal N as 128+N, as a remote
# shell reports a job killed by N.
verdict() {
	jq -rs '[.[] | select(.seq == 1)] | last | "\(.status) \(if .exit != null
		then .exit elif .signal != null then 128 + .signal else "none" end)"' "$1"
}

@test "every wrapper case: the same status on a host as locally" {
	ssh_write_hostfile hosts.yaml 1
	local inl expect cmd n=0 bad=0 here there
	while IFS=$'\t' read -r inl expect cmd; do
		case $inl in '#'* | '') continue ;; esac
		n=$((n + 1))
		rm -f here.jsonl there.jsonl
		# `: {};` keeps the input value out of the job's own text
		run "$PFAN" --joblog here.jsonl ": {}; $cmd" ::: x </dev/null
		run timeout 60 "$PFAN" -H hosts.yaml --joblog there.jsonl ": {}; $cmd" ::: x </dev/null
		here=$(verdict here.jsonl)
		there=$(verdict there.jsonl)
		if [ "$here" != "$there" ] || [ -z "$here" ]; then
			echo "# $cmd: here '$here', on the host '$there'"
			bad=$((bad + 1))
		fi
	done <"$PFAN_SRCDIR/tests/data/sshwrap_cases.txt"
	echo "# $n cases, $bad differ"
	[ "$n" -ge 40 ]
	[ "$bad" -eq 0 ]
}

@test "a job that kills its connection while others succeed there is given up after 3 attempts" {
	ssh_write_hostfile hosts.yaml 2
	local killer='sleep 0.5; p=$PPID; while [ "$(ps -o comm= -p $p)" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d " "); done; kill -9 $p'
	# job 1 kills its connection; jobs 2.. succeed between its attempts,
	# so the host is never given up for losses in a row
	run --separate-stderr timeout 120 "$PFAN" -H hosts.yaml --joblog jl.jsonl \
		'if [ {} = 1 ]; then '"$killer"'; else sleep 0.1; fi' ::: $(seq 60)
	echo "$stderr" | tail -5
	echo "status $status"
	jq -c 'select(.seq == 1) | [.status, .final]' jl.jsonl
	[ "$status" -eq 1 ]
	[ "$(jl_statuses jl.jsonl 1)" = "host_lost host_lost no_status " ]
	[ "$(jl_count jl.jsonl '.seq > 1 and .status == "ok"')" -eq 59 ]
	[[ $stderr == *"job 1 on node1: ended without an exit status 3 times"* ]]
}
