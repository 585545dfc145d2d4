#!/bin/sh
# examples/table.sh: the grid search of grid.sh, ending in a table: each
# job's parameters and its result side by side, the best first.
# --results FILE.json writes one JSON object per job (GNU parallel's
# format: "V" holds the arguments, "Stdout" the output, "Exitval" the exit
# status), which jq turns into the table. Failed jobs are listed last.
# Set PFAN to use a pfan that is not on PATH (e.g. PFAN=../pfan).
set -e
cd "$(dirname "$0")"
PFAN=${PFAN:-pfan}

rm -f table.json
# The exit status is the number of failed jobs: the table shows them, so
# a failure does not stop the script here.
"$PFAN" --results table.json ./think {1} {2} ::: 0.1 1 10 ::: 1 10 100 \
	>/dev/null || echo "($? jobs failed)" >&2

jq -rs '
	map({seq: .Seq, v: .V, exit: .Exitval,
	     score: (if .Exitval == 0 then (.Stdout | fromjson | .score) else null end)})
	| sort_by(.score == null, -(.score // 0), .seq)
	| (["alpha", "beta", "score"],
	   (.[] | .v + [if .score == null then "failed (exit \(.exit))" else "\(.score)" end]))
	| @tsv' table.json |
	awk -F'\t' '{ printf "%-8s %-8s %s\n", $1, $2, $3 }'
