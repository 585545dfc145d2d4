#!/usr/bin/env bash
# bench/ssh_scale.sh: how pfan's SSH executor scales with hosts and jobs.
#
#  1. Startup. 30 loopback sshd (127.0.0.2 ... 127.0.0.31), 1 slot each, 30
#     jobs `sleep 1`, against the same with 1 host and 1 job, in alternating
#     rounds. Measured from pfan's start to the moment a job was running on
#     every host (the joblog's start times: a job's start is stamped when its
#     exec channel runs). Target: 30 hosts under 2x one host.
#  2. Check. `pfan --check` of the 30 hosts against the same of 1 host,
#     in alternating rounds: wall time from start to exit (every host
#     looked up, connected, host key checked, logged in, asked for its
#     cores and load). Target: 30 hosts under 2x one host. For scale, the
#     same for OpenSSH's ssh (one process per host, all at once, running
#     the same command), when it is installed: on loopback every sshd's
#     key exchange and fork is this machine's CPU, so the ratio says as
#     much about the cores as about the client.
#  3. Load. 10 sshd x 100 slots, WAVES x 1000 jobs `sleep 2`: pfan's CPU time
#     (user+sys, sampled from /proc/PID/stat) over wall time while >= 90% of
#     the slots are busy, and over the whole run. sshd's stock MaxSessions 10
#     makes pfan open ~10 connections per host. Run with the stock sshd
#     config and again with `MaxStartups 100:30:200`. Target: under half a
#     core.
#
# The machine's own busy share (/proc/stat, all cores) is printed next to
# each figure: on a small machine 30 handshakes or 1000 forks at once are
# sshd's work, not pfan's, and other load skews everything. Not a test: it
# prints figures and ratios and never fails on them.
#
#   bench/ssh_scale.sh [ROUNDS=5] [LOAD_ROUNDS=3]
# Environment: PARTS (which to run, default "startup check load"),
# PFAN (default ./pfan), SSHD, HOSTS (30), LOAD_HOSTS (10),
# LOAD_SLOTS (100), WAVES (3), JOB_SECS (2), BENCH_USER (pfanbench: as root, jobs run as
# this user, created if missing, so that the tests' "nothing left behind"
# checks on pfantest do not see the benchmark's thousand jobs).
set -u
ROUNDS=${1:-5}
LOAD_ROUNDS=${2:-3}
HOSTS=${HOSTS:-30}
LOAD_HOSTS=${LOAD_HOSTS:-10}
LOAD_SLOTS=${LOAD_SLOTS:-100}
WAVES=${WAVES:-3}
PARTS=${PARTS:-startup check load}
part() { [[ " $PARTS " == *" $1 "* ]]; }
JOB_SECS=${JOB_SECS:-2}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PFAN=${PFAN:-$PWD/pfan}

skip() { echo "ssh_scale: skipped: $*" >&2; exit 0; }
# shellcheck source=../tests/ssh/harness.bash
. "$top/tests/ssh/harness.bash"
# shellcheck disable=SC2034 # read by the harness
SSH_TEST_USER_ROOT=${BENCH_USER:-pfanbench}
[ -x "$PFAN" ] || skip "no pfan binary at $PFAN (set PFAN)"
[ -x "$SSHD" ] || skip "no sshd at $SSHD"
command -v jq >/dev/null || skip "jq not found (the joblog is read with it)"
[ -n "${EPOCHREALTIME:-}" ] || skip "bash 5 needed (EPOCHREALTIME)"
TCK=$(getconf CLK_TCK)

work=$(mktemp -d "${TMPDIR:-/tmp}/pfan-scale.XXXXXX")
TIME=()
[ -x /usr/bin/time ] && TIME=(/usr/bin/time -f '%U %S' -o "$work/time")
SAMPLER=
cleanup() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	ssh_harness_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else printf "%.4g\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A R
record() { R[$1]="${R[$1]:-} $2"; }
problem() { echo "ssh_scale: $*" >&2; PROBLEMS="${PROBLEMS:-}  - $*"$'\n'; }

# The machine's CPU, every 50 ms, as "TIME BUSY TOTAL" (ticks, all cores),
# with builtins only so the sampler costs next to nothing.
machine_sampler() {
	local l a
	while :; do
		read -r l </proc/stat
		read -r -a a <<<"$l"
		echo "$EPOCHREALTIME $((a[1] + a[2] + a[3] + a[6] + a[7] + a[8])) $((a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7] + a[8]))"
		sleep 0.05
	done
}
# machine_busy T0 T1: share of all cores busy between T0 and T1 (percent).
machine_busy() {
	awk -v t0="$1" -v t1="$2" '
		NR == 1 || $1 <= t0 { b0 = $2; a0 = $3 }
		$1 <= t1 { b1 = $2; a1 = $3 }
		END { if (a1 > a0) printf "%.0f", 100 * (b1 - b0) / (a1 - a0); else print "-" }' "$work/machine"
}
machine_sampler >"$work/machine" &
SAMPLER=$!
sleep 1
echo "ssh_scale: $(nproc) cores, ulimit -u $(ulimit -u), pid_max $(cat /proc/sys/kernel/pid_max)," \
	"load before: $(cut -d' ' -f1-3 /proc/loadavg), machine busy $(machine_busy 0 9e99)%" >&2

# ---- 1. startup -----------------------------------------------------------

# startup_run HOSTFILE N: N jobs of 1 s on HOSTFILE's N one-slot hosts;
# records under key N the seconds until every host ran one.
startup_run() {
	local file=$1 n=$2 jl="$work/startup.jsonl" t0 t1 out
	rm -f "$jl"
	t0=$EPOCHREALTIME
	# shellcheck disable=SC2046
	"${TIME[@]}" "$PFAN" -H "$file" --joblog "$jl" sleep 1 ::: $(yes 0 | head -n "$n") \
		>/dev/null 2>"$work/startup.err" || problem "startup $n hosts: pfan exit $?: $(head -c 300 "$work/startup.err")"
	t1=$EPOCHREALTIME
	[ ${#TIME[@]} -gt 0 ] && record "cpu$n" "$(awk '{ printf "%.0f", 1000 * ($1 + $2) }' "$work/time")"
	# every host's first start; a host that ran nothing leaves hosts < n
	out=$(jq -rs --argjson t0 "$t0" '[.[] | select(.seq != null)]
		| [ (group_by(.host) | map(map(.start) | min) | max) - $t0,
		    (map(.start) | min) - $t0, (map(.host) | unique | length),
		    ([.[] | select(.status != "ok")] | length) ] | @tsv' "$jl")
	set -- $out
	[ "${3:-0}" -eq "$n" ] || problem "startup $n hosts: only ${3:-0} hosts ran a job"
	[ "${4:-1}" -eq 0 ] || problem "startup $n hosts: $4 jobs not ok"
	record "all$n" "$(printf '%.3f' "$1")"
	record "first$n" "$(printf '%.3f' "$2")"
	record "busy$n" "$(machine_busy "$t0" "$(awk -v a="$t0" -v b="$1" 'BEGIN { printf "%.6f", a + b }')")"
	record "wall$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
}

# The CPU (ms) the sshds' finished connections used: each listener's
# reaped children (cutime + cstime), with their sessions and shells.
sshd_cpu_ms() {
	local i st a sum=0
	for i in "${!SSH_PID[@]}"; do
		read -r st 2>/dev/null </proc/"${SSH_PID[$i]}"/stat || continue
		read -r -a a <<<"${st##*) }"
		sum=$((sum + a[13] + a[14]))
	done
	echo $((sum * 1000 / TCK))
}

# check_run HOSTFILE N: pfan --check of HOSTFILE's N hosts; records under
# key checkN the wall seconds, start to exit.
check_run() {
	local file=$1 n=$2 t0 t1 rows c0
	c0=$(sshd_cpu_ms)
	t0=$EPOCHREALTIME
	"${TIME[@]}" "$PFAN" --check -H "$file" >"$work/check.out" 2>"$work/check.err" ||
		problem "check $n hosts: pfan exit $?: $(head -c 300 "$work/check.err")"
	t1=$EPOCHREALTIME
	rows=$(awk 'NR > 1 && $NF == "ok"' "$work/check.out" | wc -l)
	[ "$rows" -eq "$n" ] || problem "check $n hosts: $rows rows say ok"
	[ ${#TIME[@]} -gt 0 ] && record "ccpu$n" "$(awk '{ printf "%.0f", 1000 * ($1 + $2) }' "$work/time")"
	record "check$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	record "cbusy$n" "$(machine_busy "$t0" "$t1")"
	sleep 0.2   # the last connections' sshds reaped
	record "csshd$n" "$(($(sshd_cpu_ms) - c0))"
}

# ssh_run N: OpenSSH's ssh to the first N hosts at once, as --check asks.
ssh_run() {
	local n=$1 i t0 t1 pids=()
	t0=$EPOCHREALTIME
	for i in $(seq "$n"); do
		ssh -n -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" \
			-o IdentitiesOnly=yes -i "$SSH_KEY" -F /dev/null -p "${SSH_PORT[$i]}" \
			"$SSH_USER@${SSH_ADDR[$i]}" 'getconf _NPROCESSORS_ONLN; cat /proc/loadavg' \
			>/dev/null 2>>"$work/ssh.err" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || problem "ssh $n hosts: an ssh failed: $(tail -c 200 "$work/ssh.err")"
	done
	t1=$EPOCHREALTIME
	record "ssh$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
}

if part startup || part check; then
	SSH_SLOTS=1 ssh_harness_start "$HOSTS" || skip "sshd did not start"
	ssh_write_hostfile "$work/one.yaml" 1
fi
part startup && for round in $(seq "$ROUNDS"); do
	# alternate which goes first
	if [ $((round % 2)) -eq 1 ]; then
		startup_run "$work/one.yaml" 1
		startup_run "$SSH_HOSTFILE" "$HOSTS"
	else
		startup_run "$SSH_HOSTFILE" "$HOSTS"
		startup_run "$work/one.yaml" 1
	fi
	set -- ${R[all1]}; r1=${!#}
	set -- ${R[all$HOSTS]}; rn=${!#}
	echo "startup round $round: every host running a job after: 1 host $r1 s, $HOSTS hosts $rn s" >&2
done
part check && for round in $(seq "$ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then
		check_run "$work/one.yaml" 1
		check_run "$SSH_HOSTFILE" "$HOSTS"
	else
		check_run "$SSH_HOSTFILE" "$HOSTS"
		check_run "$work/one.yaml" 1
	fi
	set -- ${R[check1]}; r1=${!#}
	set -- ${R[check$HOSTS]}; rn=${!#}
	echo "check round $round: pfan --check took: 1 host $r1 s, $HOSTS hosts $rn s" >&2
	# the same work one host after another: what "at once" saves
	t0=$EPOCHREALTIME
	for i in $(seq "$HOSTS"); do
		"$PFAN" --check -H "$work/one.yaml" >/dev/null 2>&1 || problem "check 1 host: pfan exit $?"
	done
	record "cseq" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')"
	if command -v ssh >/dev/null; then
		ssh_run 1
		ssh_run "$HOSTS"
		set -- ${R[ssh1]}; r1=${!#}
		set -- ${R[ssh$HOSTS]}; rn=${!#}
		echo "check round $round: ssh, a process per host: 1 host $r1 s, $HOSTS hosts $rn s" >&2
	fi
done
if part startup || part check; then
	ssh_harness_stop
	SSH_PID=()   # stopped: the EXIT trap must not signal their reused pids
fi

# ---- 2. load ----------------------------------------------------------------

# load_run TAG: WAVES x all slots of `sleep JOB_SECS`, pfan's CPU sampled.
load_run() {
	local tag=$1 jl="$work/load.jsonl" slots=$((LOAD_HOSTS * LOAD_SLOTS))
	local n=$((slots * WAVES)) t0 pid st a procs peakp=0 out
	rm -f "$jl"
	t0=$EPOCHREALTIME
	# shellcheck disable=SC2046
	"$PFAN" -H "$SSH_HOSTFILE" --joblog "$jl" sleep "$JOB_SECS" ::: $(yes 0 | head -n "$n") \
		>/dev/null 2>"$work/load.err" &
	pid=$!
	: >"$work/cpu"
	# builtins only: a forking sampler would steal the CPU it measures
	# (a zombie's stat stays until `wait`: its state ends the loop)
	while read -r st 2>/dev/null </proc/$pid/stat; do
		read -r -a a <<<"${st##*) }"
		echo "$EPOCHREALTIME $((a[11] + a[12]))" >>"$work/cpu"
		[ "${a[0]}" = Z ] && break
		procs=(/proc/[0-9]*)
		[ ${#procs[@]} -gt "$peakp" ] && peakp=${#procs[@]}
		sleep 0.25
	done
	wait "$pid" || problem "load $tag: pfan exit $?: $(head -c 300 "$work/load.err")"
	[ -s "$work/load.err" ] && problem "load $tag: pfan said: $(head -c 300 "$work/load.err")"
	# running jobs at each sample, from the joblog
	jq -r 'select(.seq != null) | "\(.start) \(.start + .runtime)"' "$jl" >"$work/spans"
	out=$(awk -v thr="$((slots * 9 / 10))" -v tck="$TCK" -v t0="$t0" -v slots="$slots" '
		FNR == NR { s[NR] = $1; e[NR] = $2; nj = NR; next }
		{
			t = $1; c = $2; run = 0
			for (i = 1; i <= nj; i++) if (s[i] <= t && t < e[i]) run++
			if (run >= thr) { if (w0 == "") { w0 = t; c0 = c } w1 = t; c1 = c }
			last = t; clast = c
		}
		END {
			steady = (w1 > w0) ? (c1 - c0) / tck / (w1 - w0) : -1
			printf "%.3f %.3f %.3f %.3f %.3f %.3f\n", steady, clast / tck / (last - t0),
				w0, w1, clast / tck, 1000 * clast / tck / nj
		}' "$work/spans" "$work/cpu")
	# the most jobs running at once (each start taken 3 ms late, as the
	# joblog rounds to the ms and a slot is reused at once, as ssh_peak
	# does), and when the slots-th job started
	out="$out $(awk '{ printf "%.3f 1\n%s -1\n", $1 + 0.003, $2 }' "$work/spans" | sort -g -k1,1 -k2,2 |
		awk -v t0="$t0" -v slots="$slots" '{ run += $2; if (run > peak) peak = run
			if ($2 > 0 && ++started == slots) ramp = $1 - 0.003 - t0 }
			END { printf "%d %.3f\n", peak, ramp }')"
	set -- $out
	record "steady_$tag" "$1"
	record "whole_$tag" "$2"
	record "peak_$tag" "$7"
	record "ramp_$tag" "$8"
	record "busy_$tag" "$(machine_busy "$3" "$4")"
	record "procs_$tag" "$peakp"
	record "msjob_$tag" "$6"
	record "rampbusy_$tag" "$(machine_busy "$t0" "$(awk -v a="$t0" -v b="$8" 'BEGIN { printf "%.6f", a + b }')")"
	local got bad
	got=$(wc -l <"$work/spans")
	bad=$(jq -s '[.[] | select(.seq != null and .status != "ok")] | length' "$jl")
	[ "$got" -eq "$n" ] || problem "load $tag: $got of $n jobs in the joblog"
	[ "$bad" -eq 0 ] || problem "load $tag: $bad jobs not ok: $(jq -rs '[.[] | select(.seq != null and .status != "ok") | .status] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$jl")"
	echo "load $tag: pfan $1 cores steady (machine $(machine_busy "$3" "$4")%), $2 whole run ($5 s CPU, $6 ms a job), peak $7 running, job $slots started at $8 s, $peakp processes" >&2
}

# load_config TAG [sshd_config lines]: a fresh set of sshd, LOAD_ROUNDS runs.
load_config() {
	local tag=$1 conns drops
	shift
	SSH_SLOTS=$LOAD_SLOTS ssh_harness_start "$LOAD_HOSTS" "$@" || skip "sshd did not start"
	for round in $(seq "$LOAD_ROUNDS"); do
		load_run "$tag"
	done
	# connections: sshd logs one accepted key per connection
	conns=$(cat "$SSH_DIR"/sshd*/sshd.log | grep -c 'Accepted publickey')
	record "conns_$tag" "$(awk -v c="$conns" -v r="$LOAD_ROUNDS" -v h="$LOAD_HOSTS" 'BEGIN { printf "%.1f", c / r / h }')"
	drops=$(cat "$SSH_DIR"/sshd*/sshd.log | grep -c -i -e 'drop connection' -e 'MaxStartups' -e 'beginning MaxStartups')
	[ "$drops" -eq 0 ] || problem "load $tag: sshd dropped $drops connections (MaxStartups)"
	ssh_harness_stop
	# shellcheck disable=SC2034 # the harness's
	SSH_PID=()
}

if part load; then
	load_config stock
	load_config maxstartups "MaxStartups 100:30:200"
fi

# ---- table ----------------------------------------------------------------

echo
echo "ssh_scale: medians ($ROUNDS startup and check rounds, $LOAD_ROUNDS load rounds per sshd config)"
if part startup; then
s1=$(median "${R[all1]}")
sN=$(median "${R[all$HOSTS]}")
echo "startup: pfan start -> a job running on every host"
printf '  %-10s %7s s   (first job %s s; machine busy %s%%; pfan CPU %s ms)\n' "1 host" "$s1" \
	"$(median "${R[first1]}")" "$(median "${R[busy1]}")" "$(median "${R[cpu1]:-}")"
printf '  %-10s %7s s   (first job %s s; machine busy %s%%; pfan CPU %s ms)\n' "$HOSTS hosts" "$sN" \
	"$(median "${R[first$HOSTS]}")" "$(median "${R[busy$HOSTS]}")" "$(median "${R[cpu$HOSTS]:-}")"
awk -v a="$sN" -v b="$s1" -v n="$HOSTS" 'BEGIN { printf "  %d hosts / 1 host: %.2fx (target < 2x)\n", n, a / b }'
fi
if part check; then
c1=$(median "${R[check1]}")
cN=$(median "${R[check$HOSTS]}")
echo "check: pfan --check, start -> exit"
printf '  %-10s %7s s   (machine busy %s%%; pfan CPU %s ms; sshd CPU %s ms)\n' "1 host" "$c1" \
	"$(median "${R[cbusy1]}")" "$(median "${R[ccpu1]:-}")" "$(median "${R[csshd1]}")"
printf '  %-10s %7s s   (machine busy %s%%; pfan CPU %s ms; sshd CPU %s ms)\n' "$HOSTS hosts" "$cN" \
	"$(median "${R[cbusy$HOSTS]}")" "$(median "${R[ccpu$HOSTS]:-}")" "$(median "${R[csshd$HOSTS]}")"
awk -v a="$cN" -v b="$c1" -v n="$HOSTS" 'BEGIN { printf "  %d hosts / 1 host: %.2fx (target < 2x)\n", n, a / b }'
printf '  %d checks of 1 host, one after another: %s s\n' "$HOSTS" "$(median "${R[cseq]}")"
if [ -n "${R[ssh1]:-}" ]; then
	c1=$(median "${R[ssh1]}")
	cN=$(median "${R[ssh$HOSTS]}")
	printf '  OpenSSH ssh, a process per host, all at once: 1 host %s s, %d hosts %s s: %s\n' "$c1" "$HOSTS" "$cN" \
		"$(awk -v a="$cN" -v b="$c1" 'BEGIN { printf "%.2fx", a / b }')"
fi
fi
if part load; then
echo "load: $LOAD_HOSTS hosts x $LOAD_SLOTS slots, $WAVES waves of sleep $JOB_SECS; pfan CPU in cores"
printf '  %-12s %7s %7s %7s %7s %6s %6s %6s %6s %6s\n' config steady whole ms/job busy% peak ramp_s busy% conns procs
for tag in stock maxstartups; do
	printf '  %-12s %7s %7s %7s %7s %6s %6s %6s %6s %6s\n' "$tag" \
		"$(median "${R[steady_$tag]}")" "$(median "${R[whole_$tag]}")" \
		"$(median "${R[msjob_$tag]}")" "$(median "${R[busy_$tag]}")" \
		"$(median "${R[peak_$tag]}")" "$(median "${R[ramp_$tag]:-}")" \
		"$(median "${R[rampbusy_$tag]:-}")" "${R[conns_$tag]}" "$(median "${R[procs_$tag]}")"
done
echo "  steady: pfan CPU / wall while >= 90% of slots ran (target < 0.5); whole: start to exit;"
echo "  busy%: the machine (all cores) then; ramp_s: until job $((LOAD_HOSTS * LOAD_SLOTS)) started, busy% during it;"
echo "  conns: sshd connections per host per run; procs: peak processes on the machine"
fi
if [ -n "${PROBLEMS:-}" ]; then
	echo "problems seen:"
	printf '%s' "$PROBLEMS"
fi
