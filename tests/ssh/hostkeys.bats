#!/usr/bin/env bats
# Host keys and user keys: what is refused, and what the user is told.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 2; }
setup() { ssh_setup; }
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# hostfile for node1 with another known_hosts file and identity
node1_hostfile() {
	ssh_write_hostfile hosts.yaml 2
	sed -i -e "s|known_hosts: .*|known_hosts: $1|" -e "s|identity: .*|identity: ${2:-$SSH_KEY}|" hosts.yaml
}

@test "an unknown host key is refused, with the command that adds it" {
	: >kh
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 --joblog jl.jsonl 'echo {}' ::: a b
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -q "host key not in $T/kh (ssh-ed25519 SHA256:" <<<"$stderr"
	grep -qF "ssh-keyscan -p ${SSH_PORT[1]} 127.0.0.2 >> $T/kh" <<<"$stderr"
	grep -q -- "--accept-new-hostkeys" <<<"$stderr"
	[ ! -s kh ]
}

@test "--accept-new-hostkeys records an unknown key, which then matches" {
	: >kh
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --accept-new-hostkeys 'echo {}' ::: a b
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(printf 'a\nb')" ]
	grep -q "^\[127.0.0.2\]:${SSH_PORT[1]} ssh-ed25519 " kh
	[ "$(wc -l <kh)" -eq 1 ]
	run "$PFAN" -H hosts.yaml 'echo {}' ::: c
	[ "$status" -eq 0 ]
	[ "$output" = c ]
}

@test "a changed host key is refused loudly, even with --accept-new-hostkeys" {
	# node1's address with node2's key
	echo "[127.0.0.2]:${SSH_PORT[1]} $(cut -d' ' -f1-2 "$SSH_DIR/sshd2/host_ed25519.pub")" >kh
	cp kh kh.before
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --accept-new-hostkeys --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -q "HOST KEY CHANGED" <<<"$stderr"
	grep -qF "ssh-keygen -R '[127.0.0.2]:${SSH_PORT[1]}'" <<<"$stderr"
	cmp kh kh.before
}

@test "a key recorded for the host on another port does not count" {
	# plain 127.0.0.2 (port 22) with the right key: OpenSSH would not use it
	echo "127.0.0.2 $(cut -d' ' -f1-2 "$SSH_DIR/sshd1/host_ed25519.pub")" >kh
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 'echo {}' ::: a
	[ "$status" -ne 0 ]
	grep -q "host key not in" <<<"$stderr"
}

@test "hashed known_hosts entries match" {
	cp "$SSH_KNOWN_HOSTS" kh
	ssh-keygen -q -H -f kh 2>/dev/null
	grep -q '^|1|' kh
	node1_hostfile "$T/kh"
	run "$PFAN" -H hosts.yaml 'echo {}' ::: a
	[ "$status" -eq 0 ]
	[ "$output" = a ]
}

@test "a user key the host does not accept is refused with a clear message" {
	ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
	node1_hostfile "$SSH_KNOWN_HOSTS" "$T/otherkey"
	run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -q "node1.*authentication as $SSH_USER failed: key $T/otherkey: " <<<"$stderr"
	# said in our words, with what to do, not libssh2's
	grep -qF "key $T/otherkey: refused by the server (is $T/otherkey.pub in ~$SSH_USER/.ssh/authorized_keys on 127.0.0.2?" <<<"$stderr"
	! grep -q "Username/PublicKey combination invalid" <<<"$stderr"
}

@test "a key with a passphrase and no agent: the message names it and says to use ssh-agent" {
	ssh-keygen -q -t ed25519 -N 'secret words' -f "$T/lockedkey"
	cat "$T/lockedkey.pub" >>"$SSH_DIR/authorized_keys"
	node1_hostfile "$SSH_KNOWN_HOSTS" "$T/lockedkey"
	SSH_AUTH_SOCK= run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -qF "key $T/lockedkey is protected by a passphrase and pfan does not ask for one: load it into ssh-agent (ssh-add $T/lockedkey" <<<"$stderr"
	! grep -q "Unable to" <<<"$stderr"
}

@test "a missing identity file is named in the message" {
	node1_hostfile "$SSH_KNOWN_HOSTS" "$T/nosuchkey"
	run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	grep -qF "key $T/nosuchkey: no such file (check the identity in the hostfile, or IdentityFile in ~/.ssh/config; make one with: ssh-keygen -f $T/nosuchkey)" <<<"$stderr"
	! grep -q "Unable to open" <<<"$stderr"
}

@test "a host key marked @revoked is refused loudly, even when a plain line lists it" {
	local k
	k=$(cut -d' ' -f1-2 "$SSH_DIR/sshd1/host_ed25519.pub")
	{
		echo "[127.0.0.2]:${SSH_PORT[1]} $k"
		echo "# revoked since"
		echo "@revoked [127.0.0.2]:${SSH_PORT[1]} $k"
	} >kh
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -qF "node1: REVOKED HOST KEY DETECTED: the ssh-ed25519 key of [127.0.0.2]:${SSH_PORT[1]} (SHA256:" <<<"$stderr"
	grep -qF "is REVOKED in $T/kh:3; refusing to connect" <<<"$stderr"
}

@test "a key revoked for every host (@revoked *) is never recorded by --accept-new-hostkeys" {
	local k
	k=$(cut -d' ' -f1-2 "$SSH_DIR/sshd1/host_ed25519.pub")
	# another host's key, and a line whose patterns exclude node1's port
	# (under both names pfan looks it up by), do not count
	echo "@revoked * $(cut -d' ' -f1-2 "$SSH_DIR/sshd2/host_ed25519.pub")" >kh
	echo "@revoked !*]:${SSH_PORT[1]},* $k" >>kh
	echo "@revoked * $k old node1" >>kh
	cp kh kh.before
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --accept-new-hostkeys --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -qF "is REVOKED in $T/kh:3; refusing to connect" <<<"$stderr"
	cmp kh kh.before
}

@test "a host known only through @cert-authority is refused: certificates cannot be checked, and --accept-new-hostkeys does not record its key" {
	ssh-keygen -q -t ed25519 -N '' -f "$T/ca"
	echo "@cert-authority [127.0.0.*]:* $(cut -d' ' -f1-2 "$T/ca.pub")" >kh
	cp kh kh.before
	node1_hostfile "$T/kh"
	run --separate-stderr "$PFAN" -H hosts.yaml --accept-new-hostkeys --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -qF "node1: [127.0.0.2]:${SSH_PORT[1]} is trusted through a certificate authority (@cert-authority in $T/kh:1), and pfan cannot check host certificates" <<<"$stderr"
	grep -qF "ssh-keyscan -p ${SSH_PORT[1]} 127.0.0.2 >> $T/kh" <<<"$stderr"
	cmp kh kh.before
	# with its plain key known as well, the host is used
	cat "$SSH_KNOWN_HOSTS" >>kh
	run "$PFAN" -H hosts.yaml 'echo {}' ::: b
	[ "$status" -eq 0 ]
	[ "$output" = b ]
}

@test "an identity file others may read is refused as ssh refuses it, with the chmod that fixes it" {
	cp "$SSH_KEY" "$T/openkey"
	chmod 644 "$T/openkey"
	node1_hostfile "$SSH_KNOWN_HOSTS" "$T/openkey"
	run --separate-stderr "$PFAN" -H hosts.yaml --host-wait 1 'echo {}' ::: a
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	grep -qF "node1: authentication as $SSH_USER failed: key $T/openkey: UNPROTECTED PRIVATE KEY FILE: permissions 0644 are too open" <<<"$stderr"
	grep -qF "fix with: chmod 600 $T/openkey" <<<"$stderr"
	# fixed, it is used
	chmod 600 "$T/openkey"
	run "$PFAN" -H hosts.yaml 'echo {}' ::: b
	[ "$status" -eq 0 ]
	[ "$output" = b ]
}

@test "a hostfile or known_hosts that anyone may write gets a warning naming it" {
	cp "$SSH_KNOWN_HOSTS" kh
	# two hosts with the one known_hosts file
	ssh_write_hostfile hosts.yaml 1 1
	sed -i -e "s|known_hosts: .*|known_hosts: $T/kh|" hosts.yaml
	chmod 666 kh hosts.yaml
	run --separate-stderr "$PFAN" -H hosts.yaml 'echo {}' ::: a b
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(printf 'a\nb')" ]
	grep -qF "pfan: warning: hosts.yaml: writable by anyone on this machine (mode 0666)" <<<"$stderr"
	grep -qF "fix with: chmod o-w hosts.yaml" <<<"$stderr"
	grep -qF "pfan: warning: $T/kh: known_hosts writable by anyone on this machine (mode 0666)" <<<"$stderr"
	# once each, however many hosts use it
	[ "$(grep -c "known_hosts writable" <<<"$stderr")" -eq 1 ]
	chmod 644 kh hosts.yaml
	run --separate-stderr "$PFAN" -H hosts.yaml 'echo {}' ::: a
	[ "$status" -eq 0 ]
	! grep -q "writable" <<<"$stderr"
}
