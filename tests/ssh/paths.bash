# tests/ssh/paths.bash: for the tests that compare the ways a remote job
# can start (warm.bats: warm channels; agent.bats: the remote agent) with
# a channel per job. Loaded after harness.bash.

# Waits for the pfan started in the background ($PFAN_PID); its exit
# status in PFAN_RC, its stderr (file err) shown less debug lines.
wait_pfan() {
	PFAN_RC=0
	wait "$PFAN_PID" || PFAN_RC=$?
	PFAN_PID=
	echo "# pfan exited $PFAN_RC; its stderr:"
	grep -v ': debug: ' err | sed 's/^/#   /'
}

# One host's hostfile, hostI.yaml, naming node I just "node" (so that
# outputs from different nodes compare equal), with $2 slots.
one_host() {
	local i=$1
	{
		echo "defaults:"
		echo "  user: $SSH_USER"
		echo "  identity: $SSH_KEY"
		echo "  known_hosts: $SSH_KNOWN_HOSTS"
		echo "hosts:"
		echo "  - name: node"
		echo "    address: ${SSH_ADDR[$i]}"
		echo "    port: ${SSH_PORT[$i]}"
		echo "    slots: $2"
	} >"host$i.yaml"
}

# What a job sees: its values, its slot and host, its environment (less
# what differs between sshds: their address and port, and a
# ForceCommand's SSH_ORIGINAL_COMMAND).
ENV_JOB='echo "{} {%} {host} $PFAN_SEQ $PFAN_SLOT $PARALLEL_SEQ $PARALLEL_JOBSLOT $PFAN_HOST $(pwd)"; env -u SSH_CONNECTION -u SSH_CLIENT -u SSH_ORIGINAL_COMMAND -u _ | sort | tr "\n" " "; echo; sleep 0.2'

# ENV_JOB's lines: {} = PFAN_SEQ = PARALLEL_SEQ, {%} = PFAN_SLOT =
# PARALLEL_JOBSLOT (in both lines), {host} = PFAN_HOST.
consistent() {
	awk 'NR % 2 == 1 { ok = $1 == $4 && $1 == $6 && $2 == $5 && $2 == $7 && $3 == $8; slot = $2; seq = $1 }
	NR % 2 == 0 { ok = ok && index($0, "PFAN_SLOT=" slot " ") && index($0, "PARALLEL_JOBSLOT=" slot " ") &&
		index($0, "PFAN_SEQ=" seq " ") && index($0, "PARALLEL_SEQ=" seq " ")
		if (!ok) { print "inconsistent: " NR ": " $0; bad = 1 } }
	END { exit bad }' <<<"$1"
}

# ENV_JOB's lines with the slot numbers taken out (which slot a job gets
# depends on which job ended first).
no_slots() {
	awk 'NR % 2 == 1 { $2 = $5 = $7 = "S" } { print }' <<<"$1" |
		sed -e 's/PFAN_SLOT=[0-9]*/PFAN_SLOT=S/' -e 's/PARALLEL_JOBSLOT=[0-9]*/PARALLEL_JOBSLOT=S/'
}

# Jobs that hold node1's slots (sleep 30) until $SSH_SHARE/short exists.
held_job() {
	echo "echo {}; if [ \"\$PFAN_HOST\" = node1 ] && [ ! -e $SSH_SHARE/short ]; then sleep 30 || :; fi; sleep 0.2"
}
