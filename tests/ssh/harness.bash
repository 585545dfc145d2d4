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
#                         environment has PFAN_SEQ) through this harness's
#                         sshds: "what is left behind"
#   ssh_harness_procs [-a] [HOST]  the same; -a adds the wrapper's own
#                         shells and watcher; HOST: only the jobs on HOST
#   ssh_wait_no_user_procs SECS [HOST] waits for none (and none of the
#                         wrapper's shells), on HOST if given; prints the
#                         rest if not
#   ssh_sshd_signal I SIG signal node I's listening sshd and its sessions
#   ssh_peak JOBLOG HOST  the most jobs that ran at once on HOST
#   ssh_harness_restart I start node I's sshd again: same port, key, config
#   ssh_harness_revive    restart every node whose sshd is gone (a setup
#                         hook for files whose tests kill sshds)
#   ssh_wait_line SECS FILE REGEX   wait for a line of FILE to match
#   ssh_silent_listener ADDR        start a TCP listener on ADDR that accepts
#                         and never says a word; its port in SSH_SILENT_PORT.
#                         Stopped by ssh_teardown. Needs a C compiler (cc).
#   ssh_ok_once JOBLOG N  every seq 1..N is ok exactly once; prints the
#                         offenders and fails otherwise
#   ssh_user_procs_on HOST  ssh_user_procs of the jobs on HOST (PFAN_HOST)
#   ssh_wait_procs SECS N REGEX [HOST]  waits until N or more of those
#                         processes (of HOST's jobs) have args matching REGEX
#   ssh_procs_pids [HOST] the PIDs of ssh_harness_procs -a [HOST]
#   ssh_descendants PID   PID's descendants, PID first
#   ssh_wait_gone SECS PID...  waits until none of the PIDs runs; prints
#                         the rest and fails otherwise
#   ssh_share_dir         a fresh directory every user may write in (for
#                         the jobs' handshake files): sets SSH_SHARE
#
# Each test runs in T, a fresh directory under SSH_DIR that the test user
# can enter: remote jobs run in pfan's own directory.
#   ssh_setup_file N / ssh_setup / ssh_teardown / ssh_teardown_file
#                         the bats hooks of a test file (see below)
#
# As root, jobs log in as `pfantest` (shell /bin/sh, a home without rc
# files, created here if missing): root's rc files would cost ~0.5 s a job
# on these machines. As anyone else, sshd runs as that user (UsePAM no,
# StrictModes no) and jobs log in as that user. A test skips (TAP # SKIP)
# when sshd or ssh-keygen is missing.

# The joblog readers (jl_count, jl_ok_once ...) and wait_for, shared with
# tests/cli.
# shellcheck source=../lib/common.bash
. "${BASH_SOURCE[0]%/*}/../lib/common.bash"

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
# environment has PFAN_SEQ) through one of this harness's sshds (its
# SSH_CONNECTION names one of our ports: another suite running at the same
# time has its own), one "PID PGID ARGS" per line; "" when none. With -a,
# also the wrapper's own shells (its text exports PFAN_SEQ: in their
# environment it is not) and its watcher, and the shells of warm channels
# (sshwarm.c: their text reads the wrapper's; waiting, or running a job's
# wrapper), whose host is the node of the sshd they came through. With a
# host name, only the jobs on that host (PFAN_HOST).
ssh_harness_procs() {
	local ours=" " i
	for i in "${!SSH_PORT[@]}"; do ours="$ours${SSH_ADDR[$i]}:${SSH_PORT[$i]}=node$i "; done
	# A bash of its own: bats' DEBUG trap on every command of a loop made
	# one listing take most of a second.
	"$BASH" -c "$(declare -f ssh_harness_procs_scan); ssh_harness_procs_scan \"\$@\"" \
		ssh_harness_procs "$SSH_USER" "$ours" "$@"
}

# USER OURS [-a] [HOST]: ssh_harness_procs without bats around it.
ssh_harness_procs_scan() {
	local user=$1 ours=$2 all= want pid v seq host conn cmd pids=
	local -a env args
	shift 2
	[ "${1:-}" = -a ] && { all=1; shift; }
	want=${1:-}
	for pid in $(ps -u "$user" -o pid= 2>/dev/null); do
		mapfile -d '' env 2>/dev/null <"/proc/$pid/environ" || continue
		seq= host= conn=
		for v in "${env[@]}"; do
			case $v in
			PFAN_SEQ=*) seq=1 ;;
			PFAN_HOST=*) host=${v#PFAN_HOST=} ;;
			SSH_CONNECTION=*) set -- ${v#SSH_CONNECTION=}; conn="$3:$4" ;;
			esac
		done
		if [ -z "$seq" ] && [ -n "$all" ]; then
			mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || continue
			cmd="${args[*]}"
			# (the agent's text has "export PFAN_SEQ=" too: first)
			case $cmd in
			*__pfan_go* | *pfan-agent*)
				seq=1
				host=${ours#* "$conn"=}
				host=${host%% *}
				;;
			*"export PFAN_SEQ="*)
				seq=1
				host=${cmd#*PFAN_HOST=}
				host=${host%%[[:space:]]*}
				host=${host//\'/}
				;;
			esac
		fi
		[ -n "$seq" ] && [[ $ours == *" $conn="* ]] || continue
		[ -z "$want" ] || [ "$host" = "$want" ] || continue
		pids="$pids${pids:+,}$pid"
	done
	[ -z "$pids" ] || ps -o pid=,pgid=,args= -p "$pids" 2>/dev/null
	return 0
}

ssh_user_procs() {
	ssh_harness_procs
}

# Waits up to $1 seconds for ssh_user_procs (and the wrapper's shells) to
# be gone, on host $2 if given; prints what is left and fails otherwise.
ssh_wait_no_user_procs() {
	local limit=$1 host=${2:-} i left
	for i in $(seq $((limit * 10))); do
		left=$(ssh_harness_procs -a $host)
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
	ssh_harness_save_env
}

# The arrays, for the later hooks and tests (arrays do not survive export).
ssh_harness_save_env() {
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
	# Remote jobs run in pfan's directory: the test user must be able to
	# enter it (bats' own temporary directories are root's alone).
	T=$SSH_DIR/t.$BATS_SUITE_TEST_NUMBER
	rm -rf "$T"
	mkdir -p "$T" && chmod 755 "$T" || return 1
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
	local pid
	for pid in ${SSH_AUX_PID[@]+"${SSH_AUX_PID[@]}"}; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	SSH_AUX_PID=()
	return 0
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

# Is PID running? A killed sshd started by bats itself stays a zombie
# until bats reaps it, and kill -0 succeeds on a zombie.
ssh_harness_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# ssh_harness_restart I: node I's sshd again, on the same address and port
# with the same host key and config, as a host that rebooted would come
# back (after ssh_sshd_signal I KILL). sshd binds with SO_REUSEADDR, so the
# port is free again at once; a bind that fails anyway is retried.
ssh_harness_restart() {
	local i=$1 d="$SSH_DIR/sshd$1" try
	# just killed: give it a moment to go
	for try in 1 2 3 4 5 6 7 8 9 10; do
		ssh_harness_alive "${SSH_PID[$i]}" || break
		sleep 0.05
	done
	ssh_harness_alive "${SSH_PID[$i]}" && return 0
	for try in 1 2 3 4 5; do
		# fd 3 is bats' own: a daemon holding it stalls the run
		"$SSHD" -D -e -f "$d/sshd_config" 2>>"$d/sshd.log" >/dev/null 3>&- &
		SSH_PID[$i]=$!
		ssh_harness_save_env
		ssh_harness_wait "${SSH_ADDR[$i]}" "${SSH_PORT[$i]}" && return 0
		kill "${SSH_PID[$i]}" 2>/dev/null
		wait "${SSH_PID[$i]}" 2>/dev/null
		sleep 0.5
	done
	echo "harness: sshd for node$i did not restart; its log:" >&2
	tail -n 20 "$d/sshd.log" >&2
	return 1
}

# Restarts every node whose listening sshd is gone; wakes stopped ones.
ssh_harness_revive() {
	local i
	for i in "${!SSH_PID[@]}"; do
		if ssh_harness_alive "${SSH_PID[$i]}"; then
			ssh_sshd_signal "$i" CONT || true
		else
			ssh_sshd_signal "$i" KILL || true   # sessions left of the old one
			ssh_harness_restart "$i" || return 1
		fi
	done
}

# ssh_wait_line SECS FILE REGEX: waits for a line of FILE matching REGEX
# (grep -E).
ssh_wait_line() {
	local i
	for i in $(seq $(($1 * 10))); do
		grep -Eq -- "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# no line matching '$3' in $2 after $1 s"
	return 1
}

# A host that accepts TCP but never speaks SSH: nc and socat are not
# everywhere, a C compiler is wherever pfan builds.
ssh_silent_listener() {
	local bin="$BATS_FILE_TMPDIR/silent" src="$BATS_FILE_TMPDIR/silent.c"
	if [ ! -x "$bin" ]; then
		command -v cc >/dev/null || skip "no C compiler for the silent listener"
		cat >"$src" <<-'EOC'
		/* Listens on argv[1], port chosen by the kernel, prints the port,
		 * accepts connections and holds them without a word. */
		#include <arpa/inet.h>
		#include <netinet/in.h>
		#include <stdio.h>
		#include <string.h>
		#include <sys/socket.h>
		#include <unistd.h>
		int
		main(int argc, char **argv)
		{
			struct sockaddr_in a;
			socklen_t len = sizeof a;
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			memset(&a, 0, sizeof a);
			a.sin_family = AF_INET;
			if (argc != 2 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 ||
			    bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
			    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
				perror("silent");
				return 1;
			}
			printf("%u\n", ntohs(a.sin_port));
			fflush(stdout);
			for (;;)
				if (accept(fd, NULL, NULL) < 0)
					sleep(1);
		}
		EOC
		cc -o "$bin" "$src" || return 1
	fi
	local portfile="$BATS_TEST_TMPDIR/silent.port.$RANDOM" i
	"$bin" "$1" >"$portfile" 3>&- &
	SSH_AUX_PID+=($!)
	for i in $(seq 50); do
		[ -s "$portfile" ] && break
		sleep 0.1
	done
	SSH_SILENT_PORT=$(cat "$portfile")
	[ -n "$SSH_SILENT_PORT" ]
}

# ssh_ok_once JOBLOG N: jl_ok_once, by its older name.
ssh_ok_once() {
	jl_ok_once "$@"
}

# ssh_user_procs_on HOST: like ssh_user_procs, for the jobs on HOST.
ssh_user_procs_on() {
	ssh_harness_procs "$1"
}

# ssh_wait_procs SECS N REGEX [HOST]
ssh_wait_procs() {
	local limit=$1 n=$2 re=$3 host=${4:-} i have
	for i in $(seq $((limit * 10))); do
		if [ -n "$host" ]; then
			have=$(ssh_user_procs_on "$host" | grep -Ec -- "$re" || true)
		else
			have=$(ssh_user_procs | grep -Ec -- "$re" || true)
		fi
		[ "$have" -ge "$n" ] && return 0
		sleep 0.1
	done
	echo "# only $have processes matching '$re'${host:+ on $host} after $limit s, not $n"
	return 1
}

# A directory the test user's jobs can write in, under SSH_DIR (which is
# searchable by all).
ssh_share_dir() {
	SSH_SHARE=$SSH_DIR/share.$BATS_SUITE_TEST_NUMBER
	rm -rf "$SSH_SHARE"
	mkdir -p "$SSH_SHARE"
	chmod 1777 "$SSH_SHARE"
}

ssh_procs_pids() {
	ssh_harness_procs -a "$@" | awk '{ print $1 }'
}

ssh_descendants() {
	local todo=$1 pid
	while [ -n "$todo" ]; do
		set -- $todo
		pid=$1
		shift
		echo "$pid"
		todo="$* $(ps --ppid "$pid" -o pid= 2>/dev/null | tr '\n' ' ')"
		todo=$(echo $todo)
	done
}

ssh_wait_gone() {
	local limit=$1 i pid left
	shift
	for i in $(seq $((limit * 10))); do
		left=
		for pid in "$@"; do
			ssh_harness_alive "$pid" && left="$left $pid"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "# still running after ${limit}s:"
	ps -o pid=,pgid=,args= -p "$(echo $left | tr ' ' ,)" | cut -c1-160 | sed 's/^/#   /'
	return 1
}

# ssh_barrier_job N: a job command (with {} for its value) that leaves a
# mark in SSH_SHARE (call ssh_share_dir first) and waits until N jobs have
# left theirs, then succeeds; after 60 s it fails. So "the first N jobs all
# succeeded" proves N of them ran at the same time, however slow the machine
# is, with no clock in the assertion.
ssh_barrier_job() {
	echo "d=$SSH_SHARE; : >\$d/mark.{}; i=0; while [ \$(ls \$d | grep -c '^mark') -lt $1 ]; do [ \$i -lt 1200 ] || exit 9; sleep 0.05; i=\$((i + 1)); done"
}

# ssh_logins I: how many logins node I's sshd has accepted so far (its log,
# at LogLevel VERBOSE, says "Accepted publickey" once per connection).
ssh_logins() {
	grep -c 'Accepted publickey' "$SSH_DIR/sshd$1/sshd.log"
}
