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
