#!/usr/bin/env bats
# pfan --check without sshd: this machine's row, hosts that do not
# resolve, -H slurm, and what --check refuses. tests/ssh/check.bats has
# the hosts that answer.

load lib

setup() {
	pfan_setup
	export HOME=$T   # no ~/.ssh/config of the machine's
}

teardown() {
	pfan_teardown
}

@test "--check alone: one row, this machine's, with its cores; exit 0" {
	run --separate-stderr "$PFAN" --check
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	set -- $(sed -n 2p <<<"$output")
	[ "$1 $2 $7 ${10} ${11}" = "local local $(getconf _NPROCESSORS_ONLN) $(getconf _NPROCESSORS_ONLN) ok" ]
	[[ $8 =~ ^[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,[0-9]+\.[0-9]+$ ]]
}

@test "--check -H slurm: a row per node, each name that does not resolve counted; -j sets the slots a local host gets" {
	SLURM_JOB_NODELIST='nosuch[1-2].invalid' SLURM_JOB_CPUS_PER_NODE='3(x2)' \
		run --separate-stderr "$PFAN" --check -H slurm -S : -j 5 --connect-timeout 5
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
	for i in 1 2; do
		set -- $(grep "^nosuch$i.invalid " <<<"$output")
		[ "$2 $3 $4 ${10}" = "nosuch$i.invalid:22 no - 3" ]
		[[ "${*:11}" == "cannot resolve nosuch$i.invalid: "* ]]
	done
	set -- $(grep '^local ' <<<"$output")
	[ "${10} ${11}" = "5 ok" ]
}

@test "--check runs nothing: a command or input is refused" {
	run --separate-stderr "$PFAN" --check echo ::: a
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[ "$stderr" = "pfan: --check connects to the hosts and runs no job: no command, please" ]
}

@test "--check with a bad hostfile: pfan's own error, no table" {
	printf 'hosts:\n  - name: a\n    slots: -1\n' >bad.yaml
	run --separate-stderr "$PFAN" --check -H bad.yaml
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	[[ $stderr == "pfan: bad.yaml:3:"* ]]
}
