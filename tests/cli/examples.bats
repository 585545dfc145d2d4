#!/usr/bin/env bats
# The examples in examples/ work as their README says.

load lib

setup() {
	pfan_setup
	cp -R "$PFAN_SRCDIR/examples" ex
	chmod +x ex/think ex/grid.sh
	export THINK_SECONDS=0.05
}

@test "examples: think prints one JSON line, rejects a bad parameter" {
	run -0 --separate-stderr ex/think 1 10
	[ "$output" = '{"alpha":1,"beta":10,"score":1.0000}' ]
	run -2 --separate-stderr ex/think 1 oops
	assert_match "$stderr" "oops"
}

@test "examples: grid.sh runs the 3 x 3 grid and finds the best" {
	need jq
	PFAN="$PFAN" run -0 --separate-stderr ex/grid.sh
	[ "$output" = 'best: {"alpha":1,"beta":10,"score":1.0000}' ]
	[ "$(wc -l <ex/results.jsonl)" -eq 9 ]
	jsonl_valid ex/results.jsonl
	[ "$(jl_count ex/grid.jsonl '.status == "ok"')" = 9 ]
}

@test "examples: the Makefile recipe succeeds, and fails when a job fails" {
	need make
	run -0 --separate-stderr make -C ex PFAN="$PFAN"
	[ "$(wc -l <ex/results.jsonl)" -eq 9 ]
	run -2 --separate-stderr make -C ex PFAN="$PFAN" broken
	assert_match "$stderr" "Error 1"
	[ ! -e ex/broken ]
}

@test "examples: the grid resumes after its joblog lost its last records" {
	need jq
	PFAN="$PFAN" run -0 --separate-stderr ex/grid.sh
	cd ex
	head -n 7 grid.jsonl >jl
	run -0 --separate-stderr "$PFAN" --resume jl
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	[ "$(jl_count jl '.status == "ok"')" = 9 ]
}

@test "examples: table.sh prints the grid as a table from --results x.json, best first" {
	need jq
	PFAN="$PFAN" run -0 --separate-stderr ex/table.sh
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 10 ]
	[ "$(printf '%s\n' "$output" | sed -n 1p | tr -s ' ')" = "alpha beta score" ]
	[ "$(printf '%s\n' "$output" | sed -n 2p | tr -s ' ')" = "1 10 1" ]
	# Best first: the scores never rise down the table.
	printf '%s\n' "$output" | awk 'NR > 1 { if (NR > 2 && $3 > prev) exit 1; prev = $3 }'
	[ "$(jq -s length ex/table.json)" -eq 9 ]
}

@test "examples: table.sh lists a failed job last, with its exit status" {
	need jq
	# A think that fails for alpha 10: the table still comes, the row last.
	mv ex/think ex/think.real
	printf '#!/bin/sh\n[ "$1" = 10 ] && exit 3\nexec "$(dirname "$0")/think.real" "$@"\n' >ex/think
	chmod +x ex/think
	PFAN="$PFAN" run -0 --separate-stderr ex/table.sh
	assert_match "$stderr" '^\(3 jobs failed\)$'
	[ "$(printf '%s\n' "$output" | tail -n 3 | grep -c '^10 .*failed (exit 3)$')" -eq 3 ]
	[ "$(printf '%s\n' "$output" | sed -n 2p | tr -s ' ')" = "1 10 1" ]
}

@test "examples: grid.sbatch runs under -H slurm: a node named local runs the grid here" {
	(cd ex && SLURM_JOB_NODELIST=local SLURM_JOB_CPUS_PER_NODE=2 SLURM_JOB_ID=42 \
		SLURM_SUBMIT_DIR="$T/ex" PFAN="$PFAN" sh ./grid.sbatch)
	[ "$(wc -l <ex/results.jsonl)" -eq 9 ]
	jsonl_valid ex/results.jsonl
	[ "$(jl_count ex/grid-42.jsonl '.status == "ok" and .host == "local" and .slot <= 2')" = 9 ]
}

@test "examples: grid.sbatch reads a two-node allocation (--dry-run) and refuses a broken one" {
	# Run from elsewhere: sbatch runs a copy of the script in the submit dir.
	SLURM_JOB_NODELIST='node[01-02]' SLURM_JOB_CPUS_PER_NODE='8(x2)' SLURM_JOB_ID=7 \
		SLURM_SUBMIT_DIR="$T/ex" PFAN="$PFAN" PFAN_FLAGS=--dry-run \
		run -0 --separate-stderr sh ex/grid.sbatch
	[ "$(grep -c '^\./think [0-9.]* [0-9]*$' ex/results.jsonl)" -eq 9 ]
	SLURM_JOB_NODELIST='node[01-02]' SLURM_JOB_CPUS_PER_NODE='8(x3)' SLURM_JOB_ID=7 \
		SLURM_SUBMIT_DIR="$T/ex" PFAN="$PFAN" PFAN_FLAGS=--dry-run \
		run -255 --separate-stderr sh ex/grid.sbatch
	assert_pfan_error "$stderr" 'SLURM_JOB_CPUS_PER_NODE "8\(x3\)" gives 3 counts for the 2 nodes'
}

@test "examples: picture.sh runs the grid, then its --report summary and SVG timeline" {
	need jq
	PFAN="$PFAN" run -0 --separate-stderr ex/picture.sh run.svg
	assert_match "$output" '^jobs +9: 9 ok, 0 failed'
	[ "$(jl_count ex/grid.jsonl '.status == "ok"')" = 9 ]
	[ "$(grep -o '<rect class="b ok"' ex/run.svg | wc -l)" -eq 9 ]
	if command -v xmllint >/dev/null 2>&1; then xmllint --noout ex/run.svg; fi
	# A second picture reads the same joblog, runs nothing.
	cp ex/grid.jsonl before.jsonl
	PFAN="$PFAN" run -0 --separate-stderr ex/picture.sh
	cmp before.jsonl ex/grid.jsonl
	[ "$(grep -o '<rect class="b ok"' ex/grid.svg | wc -l)" -eq 9 ]
}

@test "examples: report.svg is the picture of a run of the grid" {
	[ "$(grep -o '<rect class="b ok"' "$PFAN_SRCDIR/examples/report.svg" | wc -l)" -eq 9 ]
}
