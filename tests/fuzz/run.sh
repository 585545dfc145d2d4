#!/bin/sh
# tests/fuzz/run.sh [SECONDS [NAME...]]: runs the libFuzzer targets of an
# --enable-fuzzing build (run it in the build directory), two at a time,
# SECONDS each (default 60), starting from tests/fuzz/corpus/NAME. New
# inputs, logs and crash files go to fuzz-out/ in the build directory,
# never into the sources. Prints "PASS: NAME" or "FAIL: NAME" with the
# fuzzer's report and a hexdump of the input that failed; exits with the
# number of failed fuzzers.
secs=${1:-60}
[ $# -gt 0 ] && shift
names=${*:-template hostfile resume sshconfig hostrange input jsonjobs}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$PWD/fuzz-out

run_one() {   # name
	rm -rf "$out/$1" && mkdir -p "$out/$1/corpus" "$out/$1/tmp" || return 1
	if [ ! -x "tests/fuzz/fuzz_$1" ]; then
		echo "tests/fuzz/fuzz_$1: not built (./configure --enable-fuzzing)" >"$out/$1/log"
		return 1
	fi
	# -rss_limit_mb and -malloc_limit_mb: a parser that asks for more
	# than 2 GiB for a small input has a bug worth seeing.
	TMPDIR=$out/$1/tmp "tests/fuzz/fuzz_$1" -max_total_time="$secs" \
		-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$1/" \
		"$out/$1/corpus" "$src/tests/fuzz/corpus/$1" >"$out/$1/log" 2>&1
}

report() {   # name, rc
	if [ "$2" -eq 0 ]; then
		echo "PASS: $1 ($(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$1/log") runs)"
		return 0
	fi
	echo "FAIL: $1 (exit $2)"
	grep -E -A30 '^==[0-9]+==|runtime error|ERROR:|deadly signal|Test unit written' "$out/$1/log" | head -60
	for f in "$out/$1"/crash-* "$out/$1"/leak-* "$out/$1"/timeout-* "$out/$1"/oom-* "$out/$1"/slow-unit-*; do
		[ -f "$f" ] || continue
		echo "---- $f ($(wc -c <"$f") bytes)"
		od -A x -t x1z -v "$f" | head -40
	done
	return 1
}

failed=0
set -- $names
while [ $# -gt 0 ]; do
	a=$1 b=${2:-}
	run_one "$a" & pa=$!
	[ -n "$b" ] && { run_one "$b" & pb=$!; }
	wait $pa; ra=$?
	report "$a" $ra || failed=$((failed + 1))
	if [ -n "$b" ]; then
		wait $pb; rb=$?
		report "$b" $rb || failed=$((failed + 1))
		shift
	fi
	shift
done
exit $failed
