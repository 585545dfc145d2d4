#!/usr/bin/env bash
# bench/ssh_makespan.sh: how close pfan's SSH executor comes to a perfect
# dispatcher on a grid of mixed jobs. N jobs (`sleep D`, D from 0.05 to
# 0.8 s, drawn by a fixed-seed generator, so every run and every build
# gets the same list) on H loopback sshd with S slots each, against the
# greedy limit: the same durations, in the same order, each given to the
# slot that frees first, with no cost between one job's end and the next
# one's start. Prints the efficiency (limit / makespan) in % for:
#   span   the joblog's first start to its last end (the dispatcher alone)
#   wall   the whole run, connecting and logging in included
# in alternating rounds (with BEFORE=/old/pfan: the older build too),
# medians. Target: span >= 97%. Not a test: the figures depend on the
# machine and its load.
#
#   bench/ssh_makespan.sh [ROUNDS=3] [N=150] [H=3] [S=4] [SEED=14]
# Environment: PFAN (default ./pfan), SSHD, BEFORE. Uses the test harness
# (tests/ssh/harness.bash): as root, jobs run as the user pfantest.
set -u
ROUNDS=${1:-3}
N=${2:-150}
H=${3:-3}
S=${4:-4}
SEED=${5:-14}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PFAN=${PFAN:-$PWD/pfan}

skip() { echo "ssh_makespan: skipped: $*" >&2; exit 0; }
# shellcheck source=../tests/ssh/harness.bash
. "$top/tests/ssh/harness.bash"
[ -x "$PFAN" ] || skip "no pfan binary at $PFAN (set PFAN)"
[ -x "$SSHD" ] || skip "no sshd at $SSHD"

work=$(mktemp -d "${TMPDIR:-/tmp}/pfan-bench.XXXXXX")
cleanup() {
	ssh_harness_stop
	rm -rf "$work"
}
trap cleanup EXIT

# The durations: a 31-bit linear congruential generator in awk (the same
# in every awk, unlike rand()), three decimals.
awk -v n="$N" -v x="$SEED" 'BEGIN {
	for (i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) % 2147483648
		printf "%.3f\n", 0.05 + 0.75 * x / 2147483648
	}
}' >"$work/durations"

# The greedy limit: each job, in order, on the slot that frees first.
limit=$(awk -v slots=$((H * S)) '{
	best = 1
	for (i = 2; i <= slots; i++) if (free[i] < free[best]) best = i
	free[best] += $1
} END {
	m = 0
	for (i = 1; i <= slots; i++) if (free[i] > m) m = free[i]
	printf "%.3f", m
}' "$work/durations")

SSH_SLOTS=$S ssh_harness_start "$H" || skip "sshd did not start"
cd "$SSH_DIR" || exit 1

now() { date +%s.%N; }
# The joblog's span: the first start to the last end.
span() {
	awk '/"seq":/ {
		s = $0; sub(/.*"start":/, "", s); s += 0
		r = $0; sub(/.*"runtime":/, "", r); r += 0
		if (first == "" || s < first) first = s
		if (s + r > last) last = s + r
	} END { printf "%.3f", last - first }' "$1"
}

declare -A R
record() { R[$1]="${R[$1]:-} $2"; }
run() {   # NAME BINARY
	local t0 t1
	rm -f "$work/jl.jsonl"
	t0=$(now)
	"$2" -H "$SSH_HOSTFILE" --joblog "$work/jl.jsonl" sleep :::: "$work/durations" >/dev/null ||
		echo "$1 failed" >&2
	t1=$(now)
	record "$1_span" "$(span "$work/jl.jsonl")"
	record "$1_wall" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
}

for round in $(seq "$ROUNDS"); do
	run pfan "$PFAN"
	[ -n "${BEFORE:-}" ] && run before "$BEFORE"
	echo "round $round:$(for k in pfan_span pfan_wall before_span before_wall; do
		set -- ${R[$k]:-}; [ $# -gt 0 ] && printf ' %s %s' "$k" "${!#}"; done)" >&2
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
eff() { awk -v l="$limit" -v m="$1" 'BEGIN { printf "%.1f%%", 100 * l / m }'; }

echo "ssh_makespan: $N jobs of 0.05-0.8 s (seed $SEED), $H hosts x $S slots, median of $ROUNDS rounds"
echo "  greedy limit: $limit s"
for who in pfan before; do
	[ -n "${R[${who}_span]:-}" ] || continue
	sp=$(median "${R[${who}_span]}")
	wa=$(median "${R[${who}_wall]}")
	name=$who
	[ "$who" = before ] && name="pfan-before ($BEFORE)"
	printf '  %-40s span %7s s  %6s   wall %7s s  %6s\n' "$name" "$sp" "$(eff "$sp")" "$wa" "$(eff "$wa")"
done
echo "  target: span >= 97% of the greedy limit"
