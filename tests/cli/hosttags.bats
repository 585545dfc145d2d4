#!/usr/bin/env bats
# Host tags without sshd: --hosts TAG and -H FILE@TAG keep the hosts with
# a tag. The hostfile's "local" host runs here; "far" is a host nothing
# could reach, so a job that ran at all ran on the host kept. (Several
# real hosts: tests/ssh/hosttags.bats.)

load lib

setup() {
	pfan_setup
	# far: an address in TEST-NET-1 (RFC 5737): never connected to, as
	# every test keeps only local or fails before any connection.
	cat >hosts.yaml <<-'EOT'
	hosts:
	  - name: local
	    slots: 2
	    tags: [cpu, small]
	  - name: far
	    address: 192.0.2.1
	    tags: [gpu]
	EOT
}

teardown() {
	pfan_teardown
}

@test "hosttags: --hosts cpu runs every job on the host tagged cpu" {
	run -0 --separate-stderr "$PFAN" -H hosts.yaml --hosts cpu --joblog jl \
		'echo {} $PFAN_HOST' ::: a b c
	echo "$stderr"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf '%s local\n' a b c)" ]
	[ "$(jl_count jl '.status == "ok" and .host == "local"')" -eq 3 ]
	[ "$(jl_count jl 'true')" -eq 3 ]
}

@test "hosttags: -H FILE@TAG keeps that hostfile's hosts with the tag" {
	run -0 --separate-stderr "$PFAN" -H hosts.yaml@small --joblog jl 'echo {}' ::: a b
	echo "$stderr"
	[ "$(jl_count jl '.status == "ok" and .host == "local"')" -eq 2 ]
	[ "$(jl_count jl 'true')" -eq 2 ]
}

@test "hosttags: a hostfile whose name has an @ is that file when it exists" {
	printf 'hosts:\n  - name: local\n    tags: [gpu]\n' >'lab@cpu'
	run -0 --separate-stderr "$PFAN" -H 'lab@cpu' --joblog jl 'echo {}' ::: a b
	echo "$stderr"
	[ "$(jl_count jl '.status == "ok" and .host == "local"')" -eq 2 ]
}

@test "hosttags: -H FILE@TAG with no such FILE names the file without the tags" {
	run -255 --separate-stderr "$PFAN" -H nope.yaml@cpu 'touch {}' ::: a
	[ "$stderr" = "pfan: nope.yaml: No such file or directory" ]
	[ ! -e a ]
}

@test "hosttags: a tag no host carries is an error naming it, and nothing runs" {
	run -255 --separate-stderr "$PFAN" -H hosts.yaml --hosts cpu,gpus 'touch {}' ::: a
	[ "$stderr" = 'pfan: --hosts: no host carries the tag "gpus"' ]
	run -255 --separate-stderr "$PFAN" -H hosts.yaml@gpu,cpus 'touch {}' ::: a
	[ "$stderr" = 'pfan: -H hosts.yaml@gpu,cpus: no host carries the tag "cpus"' ]
	# -S hosts have no tags
	run -255 --separate-stderr "$PFAN" -S : --hosts cpu 'touch {}' ::: a
	[ "$stderr" = 'pfan: --hosts: no host carries the tag "cpu"' ]
	[ ! -e a ]
}

@test "hosttags: an empty or malformed tag is an error" {
	run -255 --separate-stderr "$PFAN" -H hosts.yaml@ true ::: a
	[ "$stderr" = 'pfan: -H hosts.yaml@: an empty tag in ""' ]
	run -255 --separate-stderr "$PFAN" -H hosts.yaml --hosts cpu,,gpu true ::: a
	[ "$stderr" = 'pfan: --hosts: an empty tag in "cpu,,gpu"' ]
	run -255 --separate-stderr "$PFAN" -H hosts.yaml --hosts 'c/u' true ::: a
	[ "$stderr" = "pfan: --hosts: bad tag \"c/u\" (only letters, digits, '.', '_' and '-')" ]
}
