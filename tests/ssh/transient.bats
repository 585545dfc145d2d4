#!/usr/bin/env bats
# A connection that drops before it is ready (during authentication, as
# when sshd restarts, a NAT resets or sshd sheds connections over
# MaxStartups) is a loss like any other: retried with backoff, and the
# host given up only after the usual number of losses in a row. Only the
# server's own answer (every key refused, a host key refused) gives a
# host up at once. A name server that cannot answer now is the same: the
# name is looked up again.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 1; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# authdrop N K: a proxy on 127.0.0.5 to node1 that drops its first N
# connections during authentication, at the client's K+1th message after
# the key exchange (tests/ssh/authdrop.c: 2 is the query whether the key
# would do, 3 the signed request); its port in
# DROP_PORT, its log (a line per drop) in drops.log. A hostfile for it,
# with node1's key recorded under the proxy's address, in hosts.yaml.
authdrop() {
	local bin="$BATS_FILE_TMPDIR/authdrop" i
	if [ ! -x "$bin" ]; then
		command -v cc >/dev/null || skip "no C compiler for the proxy"
		cc -o "$bin" "$BATS_TEST_DIRNAME/authdrop.c" || return 1
	fi
	"$bin" 127.0.0.5 "${SSH_ADDR[1]}" "${SSH_PORT[1]}" "$@" >drop.port 2>drops.log 3>&- &
	SSH_AUX_PID+=($!)
	for i in $(seq 50); do
		[ -s drop.port ] && break
		sleep 0.1
	done
	DROP_PORT=$(cat drop.port)
	[ -n "$DROP_PORT" ]
	echo "[127.0.0.5]:$DROP_PORT $(cut -d' ' -f1-2 "$SSH_DIR/sshd1/host_ed25519.pub")" >kh
	ssh_write_hostfile hosts.yaml 2
	sed -i -e "s|known_hosts: .*|known_hosts: $T/kh|" \
		-e "s|address: .*|address: 127.0.0.5|" -e "s|port: .*|port: $DROP_PORT|" hosts.yaml
}

@test "a connection dropped during authentication is retried: the run finishes on the host" {
	authdrop 2 2
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'echo {}' ::: $(seq 10)
	echo "$stderr"
	cat drops.log
	[ "$status" -eq 0 ]
	[ "$(wc -l <drops.log)" -eq 2 ]
	ssh_ok_once jl.jsonl 10
	[ "$(sort -n <<<"$output")" = "$(seq 10)" ]
	! grep -q 'giving up' <<<"$stderr"
	grep -q '^pfan: warning: node1: .*connection closed by the server' <<<"$stderr"
}

@test "a host whose connections always drop during authentication is given up after 3 losses, not at the first" {
	authdrop 100 3
	run --separate-stderr "$PFAN" -H hosts.yaml --joblog jl.jsonl 'echo {}' ::: $(seq 4)
	echo "$stderr"
	cat drops.log
	[ "$status" -eq 255 ]
	[ "$(wc -l <drops.log)" -eq 3 ]
	grep -q '^pfan: warning: node1: .*connection closed by the server.*giving up on this host for the run' <<<"$stderr"
	! grep -q 'authentication as .* failed' <<<"$stderr"
}

# gaiagain NAME FAILS: pfan's lookups of NAME find the name server unable
# to answer FAILS times, then NAME is node1's address
# (tests/ssh/gaiagain.c, preloaded); a hostfile for node1 by that name
# in hosts.yaml. Sets GAI_PRELOAD for the run.
gaiagain() {
	local so="$BATS_FILE_TMPDIR/gaiagain.so"
	if [ ! -e "$so" ]; then
		command -v cc >/dev/null || skip "no C compiler for the shim"
		cc -shared -fPIC -o "$so" "$BATS_TEST_DIRNAME/gaiagain.c" -ldl || return 1
	fi
	export GAI_AGAIN_NAME=$1 GAI_AGAIN_FAILS=$2 GAI_AGAIN_ADDR=${SSH_ADDR[1]}
	export GAI_AGAIN_COUNT=$T/lookups
	# a sanitizer build wants its runtime first; the shim does not mind
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	GAI_PRELOAD=$so
	echo "[$1]:${SSH_PORT[1]} $(cut -d' ' -f1-2 "$SSH_DIR/sshd1/host_ed25519.pub")" >kh
	ssh_write_hostfile hosts.yaml 2
	sed -i -e "s|known_hosts: .*|known_hosts: $T/kh|" -e "s|address: .*|address: $1|" hosts.yaml
}

@test "a name server that cannot answer now is asked again: the run finishes on the host" {
	gaiagain node1.again.test 2
	run --separate-stderr env LD_PRELOAD="$GAI_PRELOAD" "$PFAN" -H hosts.yaml --joblog jl.jsonl 'echo {}' ::: $(seq 10)
	echo "$stderr"
	[ "$status" -eq 0 ]
	# two refused lookups, then the one that answered
	[ "$(wc -c <lookups)" -eq 3 ]
	ssh_ok_once jl.jsonl 10
	grep -q '^pfan: warning: node1: cannot resolve node1.again.test: Temporary failure in name resolution$' <<<"$stderr"
	! grep -q 'giving up' <<<"$stderr"
}

@test "a name server that never answers: the host is given up after 3 lookups" {
	gaiagain node1.again.test 100
	run --separate-stderr env LD_PRELOAD="$GAI_PRELOAD" "$PFAN" -H hosts.yaml --joblog jl.jsonl 'echo {}' ::: $(seq 3)
	echo "$stderr"
	[ "$status" -eq 255 ]
	[ "$(wc -c <lookups)" -eq 3 ]
	grep -q '^pfan: warning: node1: cannot resolve node1.again.test: .*; giving up on this host for the run' <<<"$stderr"
}
