#!/usr/bin/env bats
# Host tags over four real sshd "hosts": --hosts TAG and -H FILE@TAG run
# the jobs only on the hosts with the tag, and never connect to the rest.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 4; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# write_tagged FILE: node1..node4, one slot each, tagged
#   node1 gpu, node2 cpu, node3 gpu and bigmem, node4 cpu.
write_tagged() {
	local tags=("" "[gpu]" "[cpu]" "[gpu, bigmem]" "[cpu]") i
	ssh_write_hostfile "$1.plain" 1 1 1 1
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		*'slots: 1') i=$((${i:-0} + 1)); printf '    tags: %s\n' "${tags[$i]}" ;;
		esac
	done <"$1.plain" >"$1"
}

# logins I: node I's logins so far (ssh_logins, which fails when there
# is none yet).
logins() {
	grep -c 'Accepted publickey' "$SSH_DIR/sshd$1/sshd.log" || [ $? -eq 1 ]
}

# The hosts the joblog says ran jobs, sorted, on one line.
ran_on() {
	jq -r 'select(has("seq")) | .host' "$1" | sort -u | tr '\n' ' '
}

@test "--hosts gpu: the jobs run on the two gpu hosts only, and the others are never logged in to" {
	write_tagged hosts.yaml
	ssh_share_dir
	local before2 before4
	before2=$(logins 2)
	before4=$(logins 4)
	# the first two jobs wait for each other: both gpu hosts ran one
	run --separate-stderr "$PFAN" -H hosts.yaml --hosts gpu --joblog jl.jsonl \
		"$(ssh_barrier_job 2)" ::: $(seq 6)
	echo "$stderr"
	[ "$status" -eq 0 ]
	jl_ok_once jl.jsonl 6
	[ "$(ran_on jl.jsonl)" = "node1 node3 " ]
	[ "$(logins 2)" -eq "$before2" ]
	[ "$(logins 4)" -eq "$before4" ]
}

@test "-H hosts.yaml@cpu,bigmem: the hosts with either tag, all of them used" {
	write_tagged hosts.yaml
	ssh_share_dir
	local before1
	before1=$(logins 1)
	run --separate-stderr "$PFAN" -H hosts.yaml@cpu,bigmem --joblog jl.jsonl \
		"$(ssh_barrier_job 3)" ::: $(seq 9)
	echo "$stderr"
	[ "$status" -eq 0 ]
	jl_ok_once jl.jsonl 9
	[ "$(ran_on jl.jsonl)" = "node2 node3 node4 " ]
	[ "$(logins 1)" -eq "$before1" ]
}

@test "--hosts with -H FILE@TAG: --hosts limits the hosts the file's tag kept" {
	write_tagged hosts.yaml
	run --separate-stderr "$PFAN" -H hosts.yaml@gpu --hosts bigmem --joblog jl.jsonl \
		'echo {}' ::: $(seq 4)
	echo "$stderr"
	[ "$status" -eq 0 ]
	jl_ok_once jl.jsonl 4
	[ "$(ran_on jl.jsonl)" = "node3 " ]
	# a tag the file's tag left no host with is an error
	run --separate-stderr "$PFAN" -H hosts.yaml@gpu --hosts cpu 'echo {}' ::: 1
	[ "$status" -eq 255 ]
	[ "$stderr" = 'pfan: --hosts: no host carries the tag "cpu"' ]
}
