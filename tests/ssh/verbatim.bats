#!/usr/bin/env bats
# The docs' commands run as written. Each test takes the command lines of
# one document mechanically (README.md's ```sh blocks, man/pfan.1's
# EXAMPLES .EX blocks, examples/README.md's indented blocks), so a changed
# doc is a changed test, and runs them in order, as a reader would type
# them into one shell: in a copy of examples/ (think, grid.sh, Makefile),
# with a hosts.yaml naming this harness's sshd hosts, `pfan` on PATH and
# the files the docs take for granted (fixtures below). Each must exit 0
# (a make line must have something to do), and a joblog it names must
# show every job ok (and, when resumed, nothing that was ok run again). What cannot run here is listed in SKIPS and
# printed; a skip that no longer matches a doc line fails the test.
bats_require_minimum_version 1.5.0
load harness

# "doc|glob of a command line|why it cannot run here"
SKIPS=(
	"README.md|apt-get *|installs packages: needs the network and a Debian system"
	"README.md|make check|the whole suite, this test among it"
	"README.md|make install*|installs from the build tree, not from a doc reader's directory"
	"examples/README.md|sbatch *|needs SLURM (tests/cli/examples.bats runs the script under a simulated allocation)"
)

# think sleeps THINK_SECONDS (0.2 s by default) a job; the README's first
# line is 10000 jobs. The hosts' sshd sets it shorter for the sessions it
# starts: think itself and the command lines stay as written.
setup_file() {
	ssh_setup_file 3 "SetEnv THINK_SECONDS=0.01"
}
setup() {
	ssh_setup
	SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	mkdir bin
	ln -s "$PFAN" bin/pfan
	ln -s "$PFAN" pfan                 # examples/README.md: PFAN=../pfan
	cp -R "$SRC/examples" examples
	chmod 755 examples examples/think examples/grid.sh
	ssh_write_hostfile examples/hosts.yaml 4 4 4
	cd examples
	fixtures
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# What the docs take for granted in the reader's directory.
fixtures() {
	seq 40 >inputs                     # README: "< inputs"
	# README: "--resume joblog.jsonl": a run of those that stopped halfway
	head -20 inputs | pfan_here --joblog joblog.jsonl -H hosts.yaml ./think '{}' 20 >/dev/null
	printf '%s\n' a b 'c d' >inputs.txt   # man: the make recipe's input...
	printf '#!/bin/sh\necho "processed $1"\n' >process   # ...and program
	chmod 755 process
	: >a.log                           # man: "find . -name '*.log'"
	echo spaced >'with space.log'
	if command -v convert >/dev/null && convert -size 2x2 xc:red a.jpg 2>/dev/null &&
		cp a.jpg 'b c.jpg'; then
		:
	else
		SKIPS+=("man/pfan.1|pfan convert *|ImageMagick's convert cannot make a JPEG here")
	fi
}

pfan_here() {
	HOME=$T PATH="$T/bin:$PATH" pfan "$@"
}

# doc_commands DOC: the command lines of DOC, each followed by a NUL; a
# line ending in \ goes on (joined). A block that is a makefile (its first
# line "target: ...") is one entry, as written.
doc_commands() {
	case $1 in
	*.md) awk '
		/^```sh$/ { fenced = 1; next }
		/^```/ { fenced = 0; next }
		fenced || /^    [^ ]/ { sub(/^    /, "") ; print; next }
		{ print "" }' "$1" ;;
	*.1) awk '
		/^\.SH / { ex = ($2 == "EXAMPLES"); next }
		ex && /^\.EX/ { code = 1; next }
		ex && /^\.EE/ { code = 0; print ""; next }
		ex && code' "$1" |
		sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' ;;
	esac | awk '
		function flush() { if (cmd != "") printf "%s%c", cmd, 0; cmd = "" }
		/^$/ { flush(); mk = 0; cont = 0; next }
		cmd == "" && /^[A-Za-z0-9_.-]+:( |$)/ { mk = 1 }
		mk { cmd = cmd $0 "\n"; next }
		cont { cmd = cmd " " $0 } !cont { flush(); cmd = $0 }
		{ cont = sub(/ *\\$/, "", cmd) }
		END { flush() }'
}

# joblog_ok FILE: in the last run every job is ok exactly once; no run has
# a job ok twice; a resumed run ran nothing that was ok before it.
joblog_ok() {
	local bad
	[ -s "$1" ] || { echo "# $1: no joblog"; return 1; }
	bad=$(jq -rs '
		reduce .[] as $r ([];
			if ($r | has("seq")) then .[-1].recs += [$r]
			else . + [{resume: (($r.argv // []) | index(["--resume"]) != null), recs: []}] end)
		| . as $runs
		| reduce range(0; length) as $i ({done: [], bad: []};
			($runs[$i].recs | map(select(.status == "ok") | .seq)) as $ok
			| (if $runs[$i].resume then .done else [] end) as $before
			| .bad += [$ok | group_by(.)[] | select(length > 1) | "run \($i + 1): seq \(.[0]) ok twice"]
			| .bad += [$ok[] | select(. as $s | $before | index([$s])) | "run \($i + 1): seq \(.) was ok already"]
			| .bad += (if $i == ($runs | length) - 1
				then [($runs[$i].recs | map(.seq) | unique) - $ok | .[] | "last run: seq \(.) not ok"]
				else [] end)
			| .done = $before + $ok)
		| .bad[]' "$1") || { echo "# $1: not a joblog"; return 1; }
	[ -z "$bad" ] && return 0
	echo "$bad" | sed "s|^|# $1: |"
	return 1
}

# The joblogs a command line names (--joblog F, --resume F; a make
# recipe's $@ is its target).
joblogs_of() {
	local target=
	[[ $1 =~ ^([A-Za-z0-9_.-]+): ]] && target=${BASH_REMATCH[1]}
	grep -oE -- '--(joblog|resume)[ =][^ ;|<>]+' <<<"${1//\$@/$target}" | sed -E 's/^--[a-z]+[ =]//' | sort -u
}

# skip_of DOC CMD: the SKIPS entry for CMD of DOC, if any
skip_of() {
	local s rest
	for s in "${SKIPS[@]}"; do
		[ "${s%%|*}" = "$1" ] || continue
		rest=${s#*|}
		# shellcheck disable=SC2053
		[[ $2 == ${rest%%|*} ]] && { echo "$s"; return 0; }
	done
	return 1
}

# run_doc DOC: runs DOC's command lines in order, as described on top.
run_doc() {
	local doc=$1 cmd s jl ran=0
	local -A used=()
	while IFS= read -r -d '' cmd; do
		if s=$(skip_of "$doc" "$cmd"); then
			echo "# $doc: skipped (${s##*|}): $cmd" >&3
			used[$s]=1
			continue
		fi
		echo "# $doc: $cmd"
		if [[ $cmd =~ ^cd\ ([^ ;&|]+)$ ]]; then
			cd "${BASH_REMATCH[1]}" || return 1
			continue
		fi
		if [[ $cmd == *$'\n' ]]; then
			printf '%s' "$cmd" >doc.mk
			run --separate-stderr env HOME="$T" PATH="$T/bin:$PATH" timeout 600 make -f doc.mk
		else
			run --separate-stderr env HOME="$T" PATH="$T/bin:$PATH" timeout 600 bash -c "$cmd"
		fi
		echo "$output" | tail -n 3
		echo "$stderr" | tail -n 5
		[ "$status" -eq 0 ] || { echo "# exit $status, not 0"; return 1; }
		# a make line that finds nothing to do shows the reader nothing
		! grep -qE "make(\[[0-9]+\])?: (Nothing to be done|'.*' is up to date)" <<<"$output$stderr" ||
			{ echo "# make had nothing to do"; return 1; }
		while read -r jl; do
			[ -n "$jl" ] || continue
			joblog_ok "$jl" || return 1
		done < <(joblogs_of "$cmd")
		ran=$((ran + 1))
	done < <(doc_commands "$SRC/$doc")
	[ "$ran" -gt 0 ] || { echo "# $doc: no command line found"; return 1; }
	# a skip that matches no line of its doc any more is stale
	for s in "${SKIPS[@]}"; do
		[ "${s%%|*}" = "$doc" ] && [ -z "${used[$s]:-}" ] || continue
		echo "# stale skip: $s"
		return 1
	done
}

@test "verbatim: README.md's command lines run as written" {
	run_doc README.md
}

@test "verbatim: man/pfan.1's EXAMPLES run as written" {
	run_doc man/pfan.1
}

@test "verbatim: examples/README.md's command lines run as written" {
	cd "$T"   # its first line is "cd examples"
	run_doc examples/README.md
}
