#!/bin/sh
# bench/local.sh: pfan against GNU parallel and xargs -P on local slots.
# A benchmark, not a test: it prints figures and ratios and never fails on
# them. Every tool runs the same N tiny jobs (`echo I`, each under
# /bin/sh -c, as pfan runs every job) with the same number of slots; the
# tools alternate within each round so that the machine's drift hits all
# alike. Each tool's output is counted, so a tool that dropped jobs is
# noticed rather than timed.
#
#   bench/local.sh [PFAN]        (default ./pfan)
#   JOBS=2000 SLOTS=2 ROUNDS=3 bench/local.sh
#   BEFORE=/path/to/old/pfan bench/local.sh   (adds pfan-before, and the
#                             ratio of the two builds, for a refactoring)
#
# Targets: pfan at least 5x GNU parallel's rate; pfan's time at most 1.25x
# xargs -P's; pfan --bar's time at most 1.02x pfan's. pfan-bar's stderr
# (its bar and summary) goes to BAR_ERR, by default a file, so the bar
# is in its plain mode; BAR_ERR=/dev/tty times the redrawn one.
set -eu

PFAN=${1:-${PFAN:-./pfan}}
JOBS=${JOBS:-2000}
SLOTS=${SLOTS:-2}
ROUNDS=${ROUNDS:-3}

[ -x "$PFAN" ] || { echo "bench: no pfan binary at $PFAN" >&2; exit 2; }
have_parallel=0
if command -v parallel >/dev/null 2>&1 && parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	have_parallel=1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfan-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
seq "$JOBS" >"$tmp/input"

now() {
	date +%s.%N
}

# run_tool NAME: runs it once on the input, appends its seconds to
# $tmp/NAME.times, checks it printed one line per job.
run_tool() {
	name=$1
	t0=$(now)
	case $name in
	pfan)
		"$PFAN" -j "$SLOTS" echo {} <"$tmp/input" >"$tmp/out"
		;;
	pfan-before)
		"$BEFORE" -j "$SLOTS" echo {} <"$tmp/input" >"$tmp/out"
		;;
	pfan-bar)
		"$PFAN" --bar -j "$SLOTS" echo {} <"$tmp/input" >"$tmp/out" 2>"${BAR_ERR:-$tmp/bar.err}"
		;;
	parallel)
		# GNU parallel would use the calling shell; give it /bin/sh too.
		PARALLEL_SHELL=/bin/sh parallel --will-cite -j "$SLOTS" echo {} \
			<"$tmp/input" >"$tmp/out"
		;;
	xargs)
		xargs -P "$SLOTS" -I{} /bin/sh -c 'echo {}' <"$tmp/input" >"$tmp/out"
		;;
	esac
	t1=$(now)
	n=$(wc -l <"$tmp/out")
	if [ "$n" -ne "$JOBS" ]; then
		echo "bench: $name printed $n lines for $JOBS jobs" >&2
		exit 1
	fi
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$tmp/$name.times"
}

tools="pfan pfan-bar xargs"
[ "$have_parallel" = 1 ] && tools="pfan pfan-bar parallel xargs"
BEFORE=${BEFORE:-}
[ -n "$BEFORE" ] && tools="pfan-before $tools"

echo "bench/local.sh: $JOBS jobs of 'sh -c \"echo I\"', $SLOTS slots, $ROUNDS rounds"
echo "pfan: $("$PFAN" --version 2>/dev/null)"
[ "$have_parallel" = 1 ] && echo "parallel: $(parallel --version | head -1)"
[ "$have_parallel" = 1 ] || echo "parallel: not installed, skipped"
echo "machine: $(nproc) CPUs, $(uname -sr)"
echo

r=1
while [ "$r" -le "$ROUNDS" ]; do
	# Alternate the order each round.
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
echo

# The median of each tool's rounds.
median() {
	sort -n "$tmp/$1.times" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for t in $tools; do
	m=$(median "$t")
	echo "$t $m $JOBS" | awk '{ printf "%-11s median %7.3f s  %8.0f jobs/s\n", $1, $2, $3 / $2 }'
done
echo
pm=$(median pfan)
xm=$(median xargs)
if [ "$have_parallel" = 1 ]; then
	gm=$(median parallel)
	echo "$gm $pm" | awk '{ printf "pfan rate / parallel rate: %.2fx  (target >= 5x: %s)\n", $1 / $2, ($1 / $2 >= 5) ? "met" : "NOT met" }'
fi
bm=$(median pfan-bar)
echo "$bm $pm" | awk '{ printf "pfan --bar time / pfan time: %.3f (target <= 1.02: %s)\n", $1 / $2, ($1 / $2 <= 1.02) ? "met" : "NOT met" }'
echo "$pm $xm" | awk '{ printf "pfan time / xargs time:    %.2f   (target <= 1.25: %s)\n", $1 / $2, ($1 / $2 <= 1.25) ? "met" : "NOT met" }'
if [ -n "$BEFORE" ]; then
	om=$(median pfan-before)
	echo "$pm $om" | awk '{ printf "pfan time / pfan-before time: %.3f\n", $1 / $2 }'
fi
