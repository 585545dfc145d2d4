#!/bin/sh
# bench/local_makespan.sh: issue 14's local makespan, pfan against xargs -P
# on the same mixed jobs. A benchmark, not a test: it prints figures and
# ratios and never fails on them.
#
#   bench/local_makespan.sh [PFAN]       (default ./pfan)
#   JOBS=200 SLOTS=2 ROUNDS=5 SEED=14 BEFORE=/old/pfan bench/local_makespan.sh
#
# JOBS `sleep S`, S from 5 to 50 ms drawn with SEED, on SLOTS slots: pfan
# runs `sleep {}` (a simple command: no sh, see src/shsimple.c); xargs -P
# execs sleep itself. Each tool's efficiency is the greedy limit (the
# jobs in input order, each on the first free slot, no overhead) over its
# wall time. The tools alternate within each round; medians are printed.
# Target (issue 14): pfan at least xargs' efficiency.
set -eu

PFAN=${1:-${PFAN:-./pfan}}
JOBS=${JOBS:-200}
SLOTS=${SLOTS:-2}
ROUNDS=${ROUNDS:-5}
SEED=${SEED:-14}
BEFORE=${BEFORE:-}
[ -x "$PFAN" ] || { echo "bench: no pfan binary at $PFAN" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfan-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
awk -v n="$JOBS" -v seed="$SEED" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.3f\n", 0.005 + 0.045 * rand() }' >"$tmp/input"
limit=$(awk -v k="$SLOTS" '{ m = 1; for (i = 2; i <= k; i++) if (s[i] < s[m]) m = i; s[m] += $1 }
	END { x = 0; for (i = 1; i <= k; i++) if (s[i] > x) x = s[i]; printf "%.3f", x }' "$tmp/input")

now() {
	date +%s.%N
}

run_tool() {
	t0=$(now)
	case $1 in
	pfan) "$PFAN" -j "$SLOTS" sleep {} <"$tmp/input" ;;
	pfan-before) "$BEFORE" -j "$SLOTS" sleep {} <"$tmp/input" ;;
	xargs) xargs -P "$SLOTS" -n1 sleep <"$tmp/input" ;;
	esac
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$tmp/$1.times"
}

tools="pfan xargs"
[ -n "$BEFORE" ] && tools="pfan-before $tools"
echo "bench/local_makespan.sh: $JOBS jobs of sleep 5-50 ms (seed $SEED), $SLOTS slots, $ROUNDS rounds; greedy limit ${limit}s"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	if [ $((r % 2)) -eq 1 ]; then order=$tools; else order=$(echo "$tools" | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }'); fi
	for t in $order; do
		run_tool "$t"
	done
	printf 'round %d:' "$r"
	for t in $tools; do
		printf ' %s %ss' "$t" "$(tail -1 "$tmp/$t.times")"
	done
	echo
	r=$((r + 1))
done

median() {
	sort -n "$tmp/$1.times" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for t in $tools; do
	echo "$t $(median "$t") $limit" | awk '{ printf "%-11s median %6.3f s  efficiency %5.1f%%\n", $1, $2, 100 * $3 / $2 }'
done
echo "$(median pfan) $(median xargs)" | awk '{ printf "pfan time / xargs time: %.3f  (target <= 1: %s)\n", $1 / $2, ($1 <= $2) ? "met" : "NOT met" }'
