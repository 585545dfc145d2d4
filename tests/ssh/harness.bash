# tests/ssh/harness.bash: real sshd instances for the SSH tests. Sourced by
# tests/ssh/*.bats (bats >= 1.5 for setup_file).
#
#   ssh_harness_start N [sshd_config lines...]
#       Starts N sshd on 127.0.0.2, 127.0.0.3, ... (free ports picked at
#       random, retried on a bind failure), each with its own generated
#       ed25519 host key, one user key for all, and waits until each
#       answers with its banner. Sets SSH_DIR, SSH_USER, SSH_KEY,
#       SSH_KNOWN_HOSTS, SSH_HOSTFILE (YAML: node1..nodeN, `slots` from
#       SSH_SLOTS, default 4), and arrays SSH_ADDR, SSH_PORT, SSH_PID
#       (index 1..N). Extra arguments are appended to every sshd_config.
#   ssh_harness_stop      stops every sshd; keeps SSH_DIR (and prints the
#                         sshd logs) when the test failed
#   ssh_write_hostfile FILE SLOTS...   a hostfile with one slot count per node
#   ssh_user_procs        processes pfan's remote wrapper started (their
#                         environment has PFAN_SEQ): "what is left behind"
#   ssh_wait_no_user_procs SECS        waits for none; prints the rest if not
#   ssh_sshd_signal I SIG signal node I's listening sshd and its sessions
#   ssh_peak JOBLOG HOST  the most jobs that ran at once on HOST
#   ssh_setup_file N / ssh_setup / ssh_teardown / ssh_teardown_file
#                         the bats hooks of a test file (see below)
#
# As root, jobs log in as `pfantest` (shell /bin/sh, a home without rc
# files, created here if missing): root's rc files would cost ~0.5 s a job
# on these machines. As anyone else, sshd runs as that user (UsePAM no,
# StrictModes no) and jobs log in as that user. A test skips (TAP # SKIP)
# when sshd or ssh-keygen is missing.

SSHD=${SSHD:-/usr/sbin/sshd}
SSH_TEST_USER_ROOT=pfantest

# The test user, created when we are root.
ssh_harness_user() {
	if [ "$(id -u)" -ne 0 ]; then
		SSH_USER=$(id -un)
		return 0
	fi
	SSH_USER=$SSH_TEST_USER_ROOT
	if ! id "$SSH_USER" >/dev/null 2>&1; then
		useradd -M -d "/home/$SSH_USER" -s /bin/sh "$SSH_USER" || return 1
	fi
	# A locked password ("!") makes sshd without PAM refuse every login.
	usermod -p '*' "$SSH_USER" 2>/dev/null
	local home
	home=$(getent passwd "$SSH_USER" | cut -d: -f6)
	mkdir -p "$home"
	chown "$SSH_USER" "$home"
	rm -f "$home/.profile" "$home/.bashrc" "$home/.bash_profile" "$home/.shrc"
	mkdir -p /run/sshd
	chmod 755 /run/sshd
}

ssh_harness_free_port() {
	echo $(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
}

# Waits (5 s at most) for an SSH banner on $1:$2.
ssh_harness_wait() {
	local addr=$1 port=$2 i banner
	for i in $(seq 50); do
		if { exec 9<>"/dev/tcp/$addr/$port"; } 2>/dev/null; then
			banner=
			read -r -t 2 banner <&9 || true
			exec 9<&- 9>&-
			case $banner in SSH-2.0-*) return 0 ;; esac
		fi
		sleep 0.1
	done
	return 1
}

# ssh_harness_sshd I: starts node I (SSH_ADDR[I] set), retrying on bind failure.
ssh_harness_sshd() {
	local i=$1 d="$SSH_DIR/sshd$1" try port
	shift
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -C "node$i" -f "$d/host_ed25519" || return 1
	for try in 1 2 3 4 5; do
		port=$(ssh_harness_free_port)
		{
			echo "ListenAddress ${SSH_ADDR[$i]}:$port"
			echo "HostKey $d/host_ed25519"
			echo "PidFile $d/sshd.pid"
			echo "AuthorizedKeysFile $SSH_DIR/authorized_keys"
			echo "AllowUsers $SSH_USER"
			echo "UsePAM no"
			echo "StrictModes no"
			echo "PasswordAuthentication no"
			echo "KbdInteractiveAuthentication no"
			echo "PubkeyAuthentication yes"
			echo "PermitUserEnvironment no"
			echo "PrintMotd no"
			echo "LogLevel VERBOSE"
			for line in "${SSH_EXTRA_CONFIG[@]}"; do echo "$line"; done
		} >"$d/sshd_config"
		"$SSHD" -D -e -f "$d/sshd_config" 2>>"$d/sshd.log" &
		SSH_PID[$i]=$!
		if ssh_harness_wait "${SSH_ADDR[$i]}" "$port"; then
			SSH_PORT[$i]=$port
			echo "[${SSH_ADDR[$i]}]:$port $(cut -d' ' -f1-2 "$d/host_ed25519.pub")" \
				>>"$SSH_KNOWN_HOSTS"
			return 0
		fi
		kill "${SSH_PID[$i]}" 2>/dev/null
		wait "${SSH_PID[$i]}" 2>/dev/null
	done
	echo "harness: sshd for node$i did not start; its log:" >&2
	cat "$d/sshd.log" >&2
	return 1
}

ssh_write_hostfile() {
	local file=$1 i=1
	shift
	{
		echo "defaults:"
		echo "  user: $SSH_USER"
		echo "  identity: $SSH_KEY"
		echo "  known_hosts: $SSH_KNOWN_HOSTS"
		echo "hosts:"
		for slots in "$@"; do
			echo "  - name: node$i"
			echo "    address: ${SSH_ADDR[$i]}"
			echo "    port: ${SSH_PORT[$i]}"
			echo "    slots: $slots"
			i=$((i + 1))
		done
	} >"$file"
}

ssh_harness_start() {
	local n=$1 i slots=()
	shift
	SSH_EXTRA_CONFIG=("$@")
	ssh_harness_user || return 1
	SSH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pfan-ssh.XXXXXX") || return 1
	# sshd reads authorized_keys as the test user: the dir must be searchable.
	chmod 755 "$SSH_DIR"
	SSH_KEY=$SSH_DIR/id_ed25519
	SSH_KNOWN_HOSTS=$SSH_DIR/known_hosts
	SSH_HOSTFILE=$SSH_DIR/hosts.yaml
	ssh-keygen -q -t ed25519 -N '' -C pfantest -f "$SSH_KEY" || return 1
	cp "$SSH_KEY.pub" "$SSH_DIR/authorized_keys"
	chmod 644 "$SSH_DIR/authorized_keys"
	: >"$SSH_KNOWN_HOSTS"
	SSH_ADDR=() SSH_PORT=() SSH_PID=()
	for i in $(seq "$n"); do
		SSH_ADDR[$i]=127.0.0.$((i + 1))
		ssh_harness_sshd "$i" || return 1
		slots+=("${SSH_SLOTS:-4}")
	done
	ssh_write_hostfile "$SSH_HOSTFILE" "${slots[@]}"
	export SSH_DIR SSH_USER SSH_KEY SSH_KNOWN_HOSTS SSH_HOSTFILE
}

ssh_harness_stop() {
	local i failed=${1:-}
	for i in "${!SSH_PID[@]}"; do
		kill -CONT "${SSH_PID[$i]}" 2>/dev/null
		kill "${SSH_PID[$i]}" 2>/dev/null
		wait "${SSH_PID[$i]}" 2>/dev/null
	done
	[ -n "${SSH_DIR:-}" ] && [ -d "$SSH_DIR" ] || return 0
	if [ -n "$failed" ]; then
		echo "# harness: kept $SSH_DIR" >&2
		for i in "${!SSH_PID[@]}"; do
			echo "# --- sshd log of node$i ---" >&2
			tail -n 40 "$SSH_DIR/sshd$i/sshd.log" | sed 's/^/# /' >&2
		done
	else
		rm -rf "$SSH_DIR"
	fi
}

# Signals node I's sshd processes: the listener and every sshd below it
# (per connection: "[priv]" and "user@notty", which carries the traffic).
ssh_sshd_signal() {
	local i=$1 sig=$2 pids todo pid kids
	todo=${SSH_PID[$i]}
	pids=
	while [ -n "$todo" ]; do
		set -- $todo
		pid=$1
		shift
		todo="$*"
		pids="$pids $pid"
		kids=$(ps --ppid "$pid" -o pid=,comm= 2>/dev/null | awk '$2 == "sshd" { print $1 }')
		todo="$todo $kids"
		todo=$(echo $todo)
	done
	kill "-$sig" $pids 2>/dev/null
}

# Processes of the test user that pfan's remote wrapper started (their
# environment has PFAN_SEQ), one "PID PGID ARGS" per line; "" when none.
ssh_user_procs() {
	local pid
	for pid in $(ps -u "$SSH_USER" -o pid= 2>/dev/null); do
		if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -q '^PFAN_SEQ='; then
			ps -o pid=,pgid=,args= -p "$pid" 2>/dev/null || true
		fi
	done
	return 0
}

# Waits up to $1 seconds for ssh_user_procs to be empty; prints what is
# left and fails otherwise.
ssh_wait_no_user_procs() {
	local limit=$1 i left
	for i in $(seq $((limit * 10))); do
		left=$(ssh_user_procs)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "# left behind after ${limit}s:"
	echo "$left" | sed 's/^/#   /'
	echo "# their processes and sshd's:"
	ps -eo pid,ppid,pgid,stat,etimes,args --forest | grep -e sshd -e sleep -e sh | grep -v grep | sed 's/^/#   /' | cut -c1-160
	return 1
}

# For a bats file: setup_file calls ssh_setup_file N [sshd_config lines],
# setup calls ssh_setup, teardown calls ssh_teardown, teardown_file calls
# ssh_teardown_file. A missing sshd makes every test skip (TAP # SKIP):
# bats cannot skip from setup_file itself.
ssh_setup_file() {
	SSH_SKIP=
	if [ ! -x "$SSHD" ]; then
		SSH_SKIP="sshd not found at $SSHD (set SSHD=...)"
	elif ! command -v ssh-keygen >/dev/null; then
		SSH_SKIP="ssh-keygen not found"
	elif ! command -v jq >/dev/null; then
		SSH_SKIP="jq not found (the tests read the joblog with it)"
	else
		ssh_harness_start "$@" || SSH_SKIP="harness: could not start sshd (see above)"
	fi
	export SSH_SKIP
	# declare -g: the file is sourced inside a function
	declare -p SSH_ADDR SSH_PORT SSH_PID 2>/dev/null |
		sed 's/^declare -a/declare -ga/' >"${BATS_FILE_TMPDIR}/ssh_env" || true
}

ssh_setup() {
	[ -z "${SSH_SKIP:-}" ] || skip "$SSH_SKIP"
	# Arrays do not survive export: read them back.
	# shellcheck disable=SC1091
	. "${BATS_FILE_TMPDIR}/ssh_env"
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	PFAN=${PFAN:-$top/pfan}
	[ -x "$PFAN" ] || skip "pfan binary not found: $PFAN (set PFAN)"
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
}

ssh_teardown() {
	if [ "${BATS_TEST_COMPLETED:-}" != 1 ] && [ -n "${SSH_DIR:-}" ] && [ -d "$SSH_DIR" ]; then
		touch "$SSH_DIR/failed"
		local i
		for i in "${!SSH_PID[@]}"; do
			echo "# --- sshd log of node$i (last lines) ---"
			tail -n 15 "$SSH_DIR/sshd$i/sshd.log" | sed 's/^/# /'
		done
	fi
	# Anything of ours still running: wake stopped sshds, kill pfan.
	for i in "${!SSH_PID[@]}"; do
		ssh_sshd_signal "$i" CONT
	done
	[ -z "${PFAN_PID:-}" ] || kill -KILL "$PFAN_PID" 2>/dev/null || true
}

ssh_teardown_file() {
	[ -z "${SSH_SKIP:-}" ] || return 0
	# shellcheck disable=SC1091
	. "${BATS_FILE_TMPDIR}/ssh_env"
	if [ -e "$SSH_DIR/failed" ]; then
		ssh_harness_stop failed
	else
		ssh_harness_stop
	fi
}

# ssh_peak JOBLOG HOST: the most jobs that ran at once on HOST, from the
# joblog's start and runtime. Each start is taken 3 ms late, as start and
# runtime are rounded to the millisecond and a slot is reused at once.
ssh_peak() {
	jq -s --arg h "$2" '
		[ .[] | select(.seq != null and .host == $h)
		  | ([.start + 0.003, 1], [.start + .runtime, -1]) ]
		| sort_by(.[0], .[1])
		| reduce .[] as $e ({c: 0, m: 0}; .c += $e[1] | .m = ([.m, .c] | max))
		| .m' "$1"
}
