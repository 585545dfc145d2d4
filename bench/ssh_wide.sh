#!/usr/bin/env bash
# bench/ssh_wide.sh: ten thousand remote slots at once. HOSTS loopback
# sshd (127.0.0.2 ...) with SLOTS slots each (default 20 x 500), one job
# `sleep JOB_SECS` (default 60) per slot. Samples every second, with
# builtins only: pfan's CPU time and memory (/proc/PID/stat, VmRSS,
# VmHWM) and the jobs running on the hosts (the bench user's `sleep`
# processes). Prints the most jobs running at once, when the last slot
# filled, pfan's CPU (cores) while every slot ran, and its peak RSS.
# Target: all running at once, pfan under 1 core and 64 MB.
#
# sshd runs with MaxSessions above SLOTS so that a host's slots fit in a
# few connections (with sshd's stock 10, pfan opens SLOTS/10 connections
# per host, and each libssh2 session's buffers are pfan's memory); the
# run also says how many connections each host saw. Not a test.
#
#   bench/ssh_wide.sh
# Environment: PFAN (default ./pfan), SSHD, HOSTS (20), SLOTS (500),
# JOB_SECS (60), MAXSESSIONS (SLOTS + 100), BENCH_USER (pfanbench).
set -u
HOSTS=${HOSTS:-20}
SLOTS=${SLOTS:-500}
JOB_SECS=${JOB_SECS:-60}
MAXSESSIONS=${MAXSESSIONS:-$((SLOTS + 100))}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PFAN=${PFAN:-$PWD/pfan}

skip() { echo "ssh_wide: skipped: $*" >&2; exit 0; }
# shellcheck source=../tests/ssh/harness.bash
. "$top/tests/ssh/harness.bash"
# shellcheck disable=SC2034 # read by the harness
SSH_TEST_USER_ROOT=${BENCH_USER:-pfanbench}
[ -x "$PFAN" ] || skip "no pfan binary at $PFAN (set PFAN)"
[ -x "$SSHD" ] || skip "no sshd at $SSHD"
[ -n "${EPOCHREALTIME:-}" ] || skip "bash 5 needed (EPOCHREALTIME)"
TCK=$(getconf CLK_TCK)
n=$((HOSTS * SLOTS))

work=$(mktemp -d "${TMPDIR:-/tmp}/pfan-wide.XXXXXX")
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	ssh_harness_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT

SSH_SLOTS=$SLOTS ssh_harness_start "$HOSTS" "MaxSessions $MAXSESSIONS" \
	"MaxStartups 100:30:200" || skip "sshd did not start"
uid=$(id -u "$SSH_USER")
echo "ssh_wide: $HOSTS hosts x $SLOTS slots = $n jobs of sleep $JOB_SECS;" \
	"sshd MaxSessions $MAXSESSIONS; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)" >&2

# shellcheck disable=SC2046
"$PFAN" -H "$SSH_HOSTFILE" --joblog "$work/jl" sleep "$JOB_SECS" ::: $(yes 0 | head -n "$n") \
	>/dev/null 2>"$work/err" &
pid=$!
t0=$EPOCHREALTIME
: >"$work/samples"
# TIME CPU_TICKS RSS_KB HWM_KB RUNNING, once a second, builtins only
# (a forking sampler would steal what it measures)
while read -r st 2>/dev/null </proc/$pid/stat; do
	read -r -a a <<<"${st##*) }"
	[ "${a[0]}" = Z ] && break
	rss=0 hwm=0
	while read -r k v _; do
		case $k in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; esac
	done </proc/$pid/status
	running=0
	for p in /proc/[0-9]*; do
		[ -O "$p" ] && continue     # ours (root's): not a job
		read -r c 2>/dev/null <"$p/comm" || continue
		[ "$c" = sleep ] || continue
		while read -r k v _; do
			[ "$k" = Uid: ] && { [ "$v" = "$uid" ] && running=$((running + 1)); break; }
		done 2>/dev/null <"$p/status"
	done
	echo "$EPOCHREALTIME $((a[11] + a[12])) $rss $hwm $running" >>"$work/samples"
	sleep 1
done
wait "$pid"
rc=$?
pid=
ok=$(grep -c '"status":"ok"' "$work/jl")
conns=$(cat "$SSH_DIR"/sshd*/sshd.log | grep -c 'Accepted publickey')
awk -v t0="$t0" -v n="$n" -v tck="$TCK" -v rc="$rc" -v ok="$ok" -v conns="$conns" -v hosts="$HOSTS" '
	{ t[NR] = $1; c[NR] = $2; r[NR] = $5; if ($4 > hwm) hwm = $4
	  if ($5 > peak) { peak = $5; tpeak = NR }
	  if ($5 >= n && full == "") full = NR
	  if ($5 >= n) last = NR }
	END {
		printf "pfan exit %d, %d of %d jobs ok, %.1f connections per host\n", rc, ok, n, conns / hosts
		printf "most jobs running at once: %d of %d, %.1f s after the start\n", peak, n, t[tpeak] - t0
		if (full != "") {
			printf "all %d running %.1f s after the start, for %.1f s\n", n, t[full] - t0, t[last] - t[full]
			if (last > full)
				printf "pfan CPU while all ran: %.3f cores\n", (c[last] - c[full]) / tck / (t[last] - t[full])
		}
		printf "pfan CPU over the whole run: %.3f cores (%.1f s)\n", c[NR] / tck / (t[NR] - t0), c[NR] / tck
		printf "pfan peak RSS (VmHWM): %.1f MB\n", hwm / 1024
	}' "$work/samples"
[ -s "$work/err" ] && { echo "pfan said:"; head -5 "$work/err"; }
exit 0
