#!/usr/bin/env bats
# --onall, --nonall and --fold without sshd: the local host ("local", or
# -S :) is the one host. (Several hosts: tests/ssh/onall.bats.)

load lib

setup() {
	pfan_setup
}

teardown() {
	pfan_teardown
}

@test "onall: --nonall runs the command once, its stdout and stderr tagged with the host's name" {
	run -0 --separate-stderr "$PFAN" -S : --nonall --joblog jl 'echo out; echo err >&2'
	[ "$output" = "$(printf 'local\tout')" ]
	[ "$stderr" = "$(printf 'local\terr')" ]
	[ "$(jl_count jl 'true')" -eq 1 ]
	[ "$(jl_count jl '.status == "ok" and .host == "local" and .args == []')" -eq 1 ]
	# without -S too: this machine is the host; stdin is not read, an
	# empty one is not warned about
	run -0 --separate-stderr "$PFAN" --nonall 'echo $PFAN_HOST' </dev/null
	[ "$output" = "$(printf 'local\tlocal')" ]
	[ -z "$stderr" ]
	echo 'ls' | "$PFAN" --nonall 'echo no' >out
	[ "$(cat out)" = "$(printf 'local\tno')" ]
}

@test "onall: --onall runs each argument once per host, in order, one at a time unless -j says" {
	run -0 "$PFAN" --onall --joblog jl 'echo {}' ::: a b c d
	[ "$output" = "$(printf 'local\t%s\n' a b c d)" ]
	[ "$(jl_count jl '.status == "ok"')" -eq 4 ]
	[ "$(jq -r 'select(has("seq")) | .args[0]' jl | tr '\n' ' ')" = "a b c d " ]
	[ "$(jl_count jl '.slot != 1')" -eq 0 ]
	# -j 2: the first two start at once, in slots 1 and 2
	run -0 "$PFAN" --onall -j 2 --joblog jl2 'sleep 0.2; echo {}' ::: a b c d
	[ "$output" = "$(printf 'local\t%s\n' a b c d)" ]
	[ "$(jq -r 'select(.seq == 2) | .slot' jl2)" -eq 2 ]
	[ "$(jl_count jl2 '.slot > 2')" -eq 0 ]	# no command: each value is the command, on every host
	run -0 "$PFAN" --onall ::: 'echo a' 'echo b'
	[ "$output" = "$(printf 'local\t%s\n' a b)" ]
}

@test "onall: the exit status counts the hosts where the command failed, not the jobs" {
	run -1 "$PFAN" --onall --joblog jl 'exit {}' ::: 3 4 0 5
	[ "$(jl_count jl '.status == "failed"')" -eq 3 ]
	run -1 "$PFAN" --nonall false
	run -0 "$PFAN" --nonall true
	# a command missing on a host is that host's answer: it does not stop
	# the run after 3 exits 127 (as a normal run stops), every job runs
	run -1 "$PFAN" --onall --joblog jl2 'exit 127' ::: 1 2 3 4 5
	[ "$(jl_count jl2 '.status == "failed" and .exit == 127')" -eq 5 ]
	[[ $output != *"starting no more jobs"* ]]
}

@test "onall: --fold prints the host's output under its name; stderr stays on stderr" {
	run -0 --separate-stderr "$PFAN" -S : --onall --fold 'echo {}; echo e{} >&2' ::: x y
	[ "$output" = "$(printf '%s\n' --------------- local --------------- x y)" ]
	[ "$stderr" = "$(printf '%s\n' ex ey)" ]
	# no output, nothing printed
	run -0 --separate-stderr "$PFAN" --nonall --fold true
	[ -z "$output" ]
	[ -z "$stderr" ]
	# a last line without a newline stays so, and the bytes are exact
	"$PFAN" --nonall --fold 'printf "a\\0b"' >out
	[ "$(od -An -c out | tr -s ' ')" = "$(printf -- '---------------\nlocal\n---------------\na\0b' | od -An -c | tr -s ' ')" ]
}

@test "onall: --dry-run --nonall prints the command and runs nothing" {
	run -0 "$PFAN" --dry-run --nonall 'touch made'
	[ "$output" = "touch made" ]
	[ ! -e made ]
}

@test "onall: what cannot go with --onall, --nonall or --fold is refused (exit 255), saying why" {
	run -255 "$PFAN" --fold echo ::: a
	[[ $output == *"--fold goes with --onall or --nonall"* ]]
	run -255 "$PFAN" --nonall echo ::: a
	[[ $output == *"--nonall takes no arguments"*"use --onall"* ]]
	run -255 "$PFAN" --onall --nonall echo
	[[ $output == *"--onall and --nonall: give one"* ]]
	run -255 "$PFAN" --nonall
	[[ $output == *"--nonall needs a command"* ]]
	run -255 "$PFAN" --onall --resume jl echo ::: a
	[[ $output == *"--onall cannot be resumed"* ]]
	run -255 "$PFAN" --nonall --fold -u echo
	[[ $output == *"--fold compares each host's whole output: not with -u"* ]]
	run -255 "$PFAN" --nonall --fold --line-buffer echo
	[[ $output == *"not with --line-buffer"* ]]
}
