#!/bin/sh
# examples/grid.sh: a 3 x 3 grid search of ./think with pfan, on this
# machine's cores. Each job's JSON line goes to results.jsonl, every
# attempt to the joblog grid.jsonl. If the run is interrupted, continue it
# with:  pfan --resume grid.jsonl >> results.jsonl
# Set PFAN to use a pfan that is not on PATH (e.g. PFAN=../pfan).
set -e
cd "$(dirname "$0")"
PFAN=${PFAN:-pfan}

rm -f grid.jsonl
"$PFAN" --joblog grid.jsonl ./think {1} {2} ::: 0.1 1 10 ::: 1 10 100 >results.jsonl

# The best parameters: the line with the highest score.
awk -F'"score":' '{ s = $2 + 0; if (NR == 1 || s > best) { best = s; line = $0 } }
	END { print "best: " line }' results.jsonl
