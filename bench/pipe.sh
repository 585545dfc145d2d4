#!/usr/bin/env bash
# bench/pipe.sh: --pipe's throughput. One generated file of SIZE MB (lines
# of 100 bytes), through
#   pfan --pipe wc -l, pfan --pipepart -a FILE wc -l, pfan --pipe -k cat
#   GNU parallel --pipe and --pipepart, the same commands
#   to one loopback host: pfan -H --pipe wc -l, against ssh host 'cat >/dev/null'
# each once per round, alternating; prints each one's median MB/s, pfan's
# peak RSS, and the ratios. Targets (issue 13): pfan --pipe >= 3x GNU's
# --pipe, --pipepart >= 1x GNU's --pipepart, to a host >= 0.8x ssh cat;
# RSS under 64 MB. Not a test: the figures depend on the machine and its
# load.
#
#   bench/pipe.sh [SIZE_MB=2048] [ROUNDS=1] [JOBS=4]
# Environment: PFAN (default ./pfan), SSHD. The remote part uses the test
# harness (tests/ssh/harness.bash: as root, jobs run as the user pfantest)
# and is skipped without it.
set -u
SIZE=${1:-2048}
ROUNDS=${2:-1}
JOBS=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PFAN=${PFAN:-$PWD/pfan}
[ -x "$PFAN" ] || { echo "pipe.sh: no pfan binary at $PFAN (set PFAN)" >&2; exit 0; }
[ -x /usr/bin/time ] || { echo "pipe.sh: needs /usr/bin/time" >&2; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pfan-bench.XXXXXX")
remote=
cleanup() {
	[ -n "$remote" ] && ssh_harness_stop
	rm -rf "$work"
}
trap cleanup EXIT

in=$work/in
awk -v n=$((SIZE * 1024 * 1024 / 100)) 'BEGIN {
	s = sprintf("%099d", 0); for (i = 0; i < n; i++) print s }' >"$in"
bytes=$(stat -c %s "$in")
lines=$(wc -l <"$in")

if [ "$(id -u)" = 0 ] && [ -r "$top/tests/ssh/harness.bash" ]; then
	# shellcheck source=../tests/ssh/harness.bash
	. "$top/tests/ssh/harness.bash"
	if [ -x "${SSHD:-}" ] && SSH_SLOTS=$JOBS ssh_harness_start 1 "MaxSessions $((JOBS + 2))"; then
		remote=yes
		SSHCMD="ssh -p ${SSH_PORT[1]} -i $SSH_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes $SSH_USER@${SSH_ADDR[1]}"
	fi
fi
have_parallel=yes
command -v parallel >/dev/null || have_parallel=

declare -A R
rss_max=0
# timed NAME CHECK CMD...: runs CMD (stdin the file), checks its output's
# line sum (CHECK=sum) or byte count (CHECK=bytes) or nothing, records MB/s.
timed() {
	local name=$1 check=$2 t0 t1 got
	shift 2
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o "$work/rss" "$@" <"$in" >"$work/out" 2>"$work/err"
	t1=$(date +%s.%N)
	case $check in
	sum) got=$(awk '{ s += $1 } END { print s }' "$work/out")
		[ "$got" = "$lines" ] || echo "pipe.sh: $name: $got lines, want $lines" >&2 ;;
	bytes) got=$(stat -c %s "$work/out")
		[ "$got" = "$bytes" ] || echo "pipe.sh: $name: $got bytes, want $bytes" >&2 ;;
	esac
	case $name in pfan*)
		local r; r=$(tail -1 "$work/rss")
		[ "$r" -gt "$rss_max" ] && rss_max=$r ;;
	esac
	R[$name]="${R[$name]:-} $(echo "$bytes $t0 $t1" | awk '{ printf "%.1f", $1 / 1048576 / ($3 - $2) }')"
}

for round in $(seq "$ROUNDS"); do
	timed "pfan --pipe wc -l" sum "$PFAN" -j "$JOBS" --pipe wc -l
	timed "pfan --pipepart wc -l" sum "$PFAN" -j "$JOBS" --pipepart -a "$in" wc -l
	timed "pfan --pipe -k cat" bytes "$PFAN" -j "$JOBS" --pipe -k cat
	if [ -n "$have_parallel" ]; then
		timed "GNU --pipe wc -l" sum parallel --will-cite -j "$JOBS" --pipe wc -l
		timed "GNU --pipepart wc -l" sum parallel --will-cite -j "$JOBS" --pipepart -a "$in" wc -l
		timed "GNU --pipe -k cat" bytes parallel --will-cite -j "$JOBS" --pipe -k cat
	fi
	if [ -n "$remote" ]; then
		timed "pfan -H --pipe wc -l" sum "$PFAN" -H "$SSH_HOSTFILE" --pipe wc -l
		timed "ssh cat >/dev/null" none $SSHCMD 'cat >/dev/null'
	fi
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A M
echo "pipe.sh: $SIZE MB, $ROUNDS round(s), -j $JOBS"
for k in "pfan --pipe wc -l" "GNU --pipe wc -l" "pfan --pipepart wc -l" "GNU --pipepart wc -l" \
	"pfan --pipe -k cat" "GNU --pipe -k cat" "pfan -H --pipe wc -l" "ssh cat >/dev/null"; do
	[ -n "${R[$k]:-}" ] || continue
	M[$k]=$(echo "${R[$k]}" | median)
	printf '  %-24s %8s MB/s\n' "$k" "${M[$k]}"
done
ratio() {
	[ -n "${M[$1]:-}" ] && [ -n "${M[$2]:-}" ] &&
		printf '  %-48s %.2fx (target %s)\n' "$1 / $2" "$(echo "${M[$1]} ${M[$2]}" | awk '{ print $1 / $2 }')" "$3"
}
ratio "pfan --pipe wc -l" "GNU --pipe wc -l" ">= 3"
ratio "pfan --pipepart wc -l" "GNU --pipepart wc -l" ">= 1"
ratio "pfan --pipe -k cat" "GNU --pipe -k cat" "-"
ratio "pfan -H --pipe wc -l" "ssh cat >/dev/null" ">= 0.8"
echo "  pfan's peak RSS: $rss_max kB (target < 65536)"
