#!/bin/sh
# examples/picture.sh: what the grid search's run looked like. Runs
# grid.sh when there is no joblog grid.jsonl yet, then prints pfan's
# summary of it (jobs ok or failed, the makespan against the ideal, each
# host's share) and draws its timeline into FILE (default grid.svg): a row
# per slot, a bar per attempt coloured by its status, its command on hover.
# Set PFAN to use a pfan that is not on PATH (e.g. PFAN=../pfan).
set -e
cd "$(dirname "$0")"
PFAN=${PFAN:-pfan}
svg=${1:-grid.svg}

[ -s grid.jsonl ] || PFAN=$PFAN ./grid.sh >/dev/null
"$PFAN" --report grid.jsonl --svg "$svg"
