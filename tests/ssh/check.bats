#!/usr/bin/env bats
# pfan --check: a row per host (address, resolved, connected, host key,
# login, cores, load, round trip, slots, note); exit status: the hosts
# that are unusable.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 3; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# col NAME: the column's number in the table's header (in $output).
col() {
	head -n 1 <<<"$output" | awk -v c="$1" '{ for (i = 1; i <= NF; i++) if ($i == c) print i }'
}

# cell HOST NAME: the table's cell (from $output).
cell() {
	awk -v h="$1" -v c="$(col "$2")" '$1 == h { print $c }' <<<"$output"
}

# note HOST: the last column, which may hold spaces.
note() {
	awk -v h="$1" -v c="$(col NOTE)" '$1 == h { s = $c; for (i = c + 1; i <= NF; i++) s = s " " $i; print s }' <<<"$output"
}

# hostfile FILE [N KEY VALUE]...: nodes 1-3 as the harness has them (node N
# with N+1 slots), node N's KEY (port, known_hosts, identity) set to VALUE.
hostfile() {
	local file=$1 i k
	local -A set=()
	shift
	while [ $# -ge 3 ]; do
		set[$1.$2]=$3
		shift 3
	done
	{
		echo "defaults:"
		echo "  user: $SSH_USER"
		echo "hosts:"
		for i in 1 2 3; do
			echo "  - name: node$i"
			echo "    address: ${SSH_ADDR[$i]}"
			echo "    port: ${set[$i.port]:-${SSH_PORT[$i]}}"
			echo "    slots: $((i + 1))"
			echo "    identity: ${set[$i.identity]:-$SSH_KEY}"
			echo "    known_hosts: ${set[$i.known_hosts]:-$SSH_KNOWN_HOSTS}"
		done
	} >"$file"
}

@test "--check: every host good: exit 0, a row each, with the host's cores, load and slots" {
	hostfile hosts.yaml
	run --separate-stderr "$PFAN" --check -H hosts.yaml
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
	[ "$(head -n 1 <<<"$output" | tr -s ' ')" = "HOST ADDRESS RESOLVED CONNECTED HOSTKEY LOGIN CORES LOAD RTT SLOTS NOTE" ]
	for i in 1 2 3; do
		[ "$(cell node$i ADDRESS)" = "${SSH_ADDR[$i]}:${SSH_PORT[$i]}" ]
		[ "$(cell node$i RESOLVED)" = "${SSH_ADDR[$i]}" ]
		[ "$(cell node$i CONNECTED)" = yes ]
		[ "$(cell node$i HOSTKEY)" = known ]
		[ "$(cell node$i LOGIN)" = "key:$SSH_KEY" ]
		# the sshds run here: the remote nproc is ours
		[ "$(cell node$i CORES)" = "$(getconf _NPROCESSORS_ONLN)" ]
		[[ $(cell node$i LOAD) =~ ^[0-9]+\.[0-9][0-9],[0-9]+\.[0-9][0-9],[0-9]+\.[0-9][0-9]$ ]]
		[[ $(cell node$i RTT) =~ ^[0-9]+\.[0-9][0-9]ms$ ]]
		[ "$(cell node$i SLOTS)" = $((i + 1)) ]
		[ "$(note node$i)" = ok ]
	done
}

@test "--check: a host whose port is closed: exit 1, its row says the connection was refused" {
	hostfile hosts.yaml 3 port 1
	run --separate-stderr "$PFAN" --check -H hosts.yaml
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
	[ "$(note node1)" = ok ]
	[ "$(note node2)" = ok ]
	[ "$(cell node3 ADDRESS)" = "${SSH_ADDR[3]}:1" ]
	[ "$(cell node3 RESOLVED)" = "${SSH_ADDR[3]}" ]
	[ "$(cell node3 CONNECTED)" = no ]
	[ "$(cell node3 HOSTKEY)" = - ]
	[ "$(cell node3 LOGIN)" = - ]
	[ "$(cell node3 CORES)" = - ]
	[ "$(note node3)" = "connect to ${SSH_ADDR[3]} port 1: Connection refused" ]
}

@test "--check: a changed host key: its row says changed, and it counts as unusable" {
	# node2's address with node1's key
	echo "[${SSH_ADDR[2]}]:${SSH_PORT[2]} $(cut -d' ' -f1-2 "$SSH_DIR/sshd1/host_ed25519.pub")" >kh
	hostfile hosts.yaml 2 known_hosts "$T/kh"
	run --separate-stderr "$PFAN" --check -H hosts.yaml --accept-new-hostkeys
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(cell node2 CONNECTED)" = yes ]
	[ "$(cell node2 HOSTKEY)" = changed ]
	[ "$(cell node2 LOGIN)" = - ]
	[ "$(note node2)" = "host key changed" ]
	# the whole story, with the command that fixes it, on stderr
	grep -qF "pfan: node2: WARNING: HOST KEY CHANGED" <<<"$stderr"
	grep -qF "ssh-keygen -R '[${SSH_ADDR[2]}]:${SSH_PORT[2]}'" <<<"$stderr"
	[ "$(note node1)" = ok ]
	[ "$(note node3)" = ok ]
}

@test "--check: a key the host does not accept: the login column says failed" {
	ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
	hostfile hosts.yaml 1 identity "$T/otherkey"
	run --separate-stderr "$PFAN" --check -H hosts.yaml
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(cell node1 HOSTKEY)" = known ]
	[ "$(cell node1 LOGIN)" = failed ]
	[ "$(note node1)" = "login failed" ]
	grep -qF "pfan: node1: authentication as $SSH_USER failed: key $T/otherkey: refused by the server" <<<"$stderr"
	[ "$(note node2)" = ok ]
}

@test "--check: the exit status counts every unusable host, and a key not yet known is one" {
	: >kh
	ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
	hostfile hosts.yaml 1 port 1 2 known_hosts "$T/kh" 3 identity "$T/otherkey"
	run --separate-stderr "$PFAN" --check -H hosts.yaml
	echo "$output"
	[ "$status" -eq 3 ]
	[ "$(cell node2 HOSTKEY)" = new ]
	[ "$(note node2)" = "host key not in known_hosts" ]
	[ ! -s kh ]
	# --accept-new-hostkeys records it, as a run would
	run --separate-stderr "$PFAN" --check -H hosts.yaml --accept-new-hostkeys
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(cell node2 HOSTKEY)" = added ]
	[ "$(note node2)" = ok ]
	grep -q "^\[${SSH_ADDR[2]}\]:${SSH_PORT[2]} ssh-ed25519 " kh
}

@test "--check with -S and --slf, and a local host: a row each" {
	export HOME=$T/home
	mkdir -p "$HOME/.ssh"
	cp "$SSH_KEY" "$HOME/.ssh/id_ed25519"
	cp "$SSH_KNOWN_HOSTS" "$HOME/.ssh/known_hosts"
	chmod 700 "$HOME/.ssh"
	chmod 600 "$HOME/.ssh/id_ed25519"
	echo "2/$SSH_USER@${SSH_ADDR[2]}:${SSH_PORT[2]}" >logins
	run --separate-stderr "$PFAN" --check -S "$SSH_USER@${SSH_ADDR[1]}:${SSH_PORT[1]},:" --slf logins
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 4 ]
	[ "$(cell "${SSH_ADDR[1]}" LOGIN)" = "key:~/.ssh/id_ed25519" ]
	[ "$(cell "${SSH_ADDR[1]}" SLOTS)" = auto ]
	[ "$(cell "${SSH_ADDR[2]}" SLOTS)" = 2 ]
	[ "$(cell "${SSH_ADDR[2]}" HOSTKEY)" = known ]
	[ "$(cell local ADDRESS)" = local ]
	[ "$(cell local CORES)" = "$(getconf _NPROCESSORS_ONLN)" ]
	[ "$(cell local SLOTS)" = "$(getconf _NPROCESSORS_ONLN)" ]
	[ "$(note local)" = ok ]
}

@test "--check through a ProxyJump host: the row says via which, and the host is checked" {
	mkdir -p "$T/.ssh"
	{
		echo "Host jump"
		echo "  HostName ${SSH_ADDR[1]}"
		echo "  Port ${SSH_PORT[1]}"
		echo "  User $SSH_USER"
		echo "  IdentityFile $SSH_KEY"
		echo "  UserKnownHostsFile $SSH_KNOWN_HOSTS"
		echo "Host node2"
		echo "  ProxyJump jump"
	} >"$T/.ssh/config"
	hostfile hosts.yaml
	HOME=$T run --separate-stderr "$PFAN" --check -H hosts.yaml
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(cell node2 RESOLVED)" = via:jump ]
	[ "$(cell node2 CONNECTED)" = yes ]
	[ "$(cell node2 HOSTKEY)" = known ]
	[ "$(cell node2 RTT)" = - ]
	[ "$(cell node2 CORES)" = "$(getconf _NPROCESSORS_ONLN)" ]
	[ "$(note node2)" = ok ]
}

@test "--check: a port that never speaks SSH is unusable after --connect-timeout, and says so" {
	ssh_silent_listener "${SSH_ADDR[3]}"
	# alone: a short timeout must not catch a good host on a busy machine
	HOME=$T run --separate-stderr "$PFAN" --check -S "${SSH_ADDR[3]}:$SSH_SILENT_PORT" --connect-timeout 1
	echo "$output"
	[ "$status" -eq 1 ]
	local h=${SSH_ADDR[3]}
	[ "$(cell "$h" CONNECTED)" = yes ]
	[ "$(cell "$h" HOSTKEY)" = - ]
	[ "$(cell "$h" LOGIN)" = - ]
	[ "$(note "$h")" = "no SSH session within 1 s: $h port $SSH_SILENT_PORT accepted the connection but sent nothing" ]
}
