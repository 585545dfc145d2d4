#!/usr/bin/env bats
# The option table, --help, the man page and the bash completion agree.

load lib

setup() {
	pfan_setup
	MAN=$PFAN_SRCDIR/man/pfan.1
	COMPLETION=$PFAN_SRCDIR/completions/pfan.bash
}

# Long options as --help lists them.
help_longopts() {
	"$PFAN" --help | grep -oE '^ +(-[[:alnum:]], +)?--[[:alnum:]-]+' |
		grep -oE -- '--[[:alnum:]-]+'
}

@test "docs: --help lists options" {
	help_longopts >opts
	[ "$(wc -l <opts)" -ge 20 ]
	grep -qx -- --jobs opts
	grep -qx -- --resume opts
}

@test "docs: every long option of --help is in the man page" {
	[ -r "$MAN" ] || { echo "no man page at $MAN" >&2; return 1; }
	# roff writes a minus as \-; read the page as text, without comments
	# (the option index at the top is for grep, not documentation).
	sed -e '/^\.\\"/d' -e 's/\\-/-/g' "$MAN" >man.txt
	missing=
	for o in $(help_longopts); do
		grep -qE -- "(^|[^[:alnum:]-])$o([^[:alnum:]-]|$)" man.txt || missing="$missing $o"
	done
	if [ -n "$missing" ]; then
		echo "not in man/pfan.1:$missing" >&2
		return 1
	fi
}

# The GNU parallel options pfan lacks, as --help lists them after the
# table (lines that start with a dash).
help_gnu_only() {
	"$PFAN" --help | sed -n '/^GNU parallel options that pfan does not have/,/^$/p' |
		grep -oE -- '(^| )--?[[:alnum:]-]+' | tr -d ' '
}

@test "docs: every GNU parallel option pfan lacks is named in the man page, and none is also an option" {
	sed -e '/^\.\\"/d' -e 's/\\-/-/g' "$MAN" >man.txt
	help_gnu_only >gnu
	[ "$(wc -l <gnu)" -ge 50 ]
	missing=
	for o in $(cat gnu); do
		grep -qE -- "(^|[^[:alnum:]-])$o([^[:alnum:]-]|$)" man.txt || missing="$missing $o"
	done
	[ -z "$missing" ] || { echo "not in man/pfan.1:$missing" >&2; return 1; }
	help_longopts >opts
	both=$(sort opts gnu | uniq -d)
	[ -z "$both" ] || { echo "both an option and GNU-only: $both" >&2; return 1; }
	# and each one says so when used
	for o in $(cat gnu); do
		run "$PFAN" "$o" x
		[ "$status" -eq 255 ]
		[[ $output == *"$o is a GNU parallel option that pfan does not have"* ]] || { echo "$o: $output" >&2; return 1; }
	done
}

@test "docs: every short option of --help is in the man page" {
	sed 's/\\-/-/g' "$MAN" >man.txt
	missing=
	for o in $("$PFAN" --help | grep -oE '^ +-[[:alnum:]]([, ]|$)' | tr -d ' ,'); do
		grep -qE -- "(^|[^[:alnum:]-])$o([^[:alnum:]-]|$)" man.txt || missing="$missing $o"
	done
	[ -z "$missing" ] || { echo "not in man/pfan.1:$missing" >&2; return 1; }
}

@test "docs: the man page renders without warnings" {
	need groff
	run -0 --separate-stderr groff -man -ww -z "$MAN"
	[ -z "$stderr" ] || { printf '%s\n' "$stderr" >&2; return 1; }
}

@test "docs: the man page documents every replacement string and exit status" {
	sed 's/\\-/-/g' "$MAN" >man.txt
	for s in '{}' '{.}' '{/}' '{//}' '{/.}' '{#}' '{%}' '{host}' '<>' '{= s/RE/REPL/flags =}' \
	    PFAN_SEQ PFAN_SLOT PFAN_HOST TMPDIR 'EXIT STATUS' '101' '255' 'host_lost' 'output_lost'; do
		grep -qF -- "$s" man.txt || { echo "man page lacks $s" >&2; return 1; }
	done
}

# complete_words WORD...: what the completion offers for the last word.
complete_words() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_pfan
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$COMPLETION" "$@"
}

@test "completion: every long option of --help is offered" {
	complete_words "$PFAN" -- >offered
	for o in $(help_longopts); do
		grep -qx -- "$o" offered || { echo "completion lacks $o" >&2; return 1; }
	done
}

@test "completion: a prefix narrows the options" {
	[ "$(complete_words "$PFAN" --resum | sort | tr '\n' ' ')" = "--resume --resume-failed " ]
}

@test "completion: -H, -a, --joblog and --resume complete file names" {
	touch hosts.yaml jobs.jsonl
	[ "$(complete_words "$PFAN" -H hos)" = hosts.yaml ]
	[ "$(complete_words "$PFAN" --hostfile sl)" = slurm ]
	[ "$(complete_words "$PFAN" -a hos)" = hosts.yaml ]
	[ "$(complete_words "$PFAN" --joblog job)" = jobs.jsonl ]
	[ "$(complete_words "$PFAN" --resume job)" = jobs.jsonl ]
	[ "$(complete_words "$PFAN" --resume-failed job)" = jobs.jsonl ]
}

@test "completion: no options offered inside the command; files after ::::" {
	touch data.txt
	[ -z "$(complete_words "$PFAN" -j 2 grep --)" ]
	[ "$(complete_words "$PFAN" -j 2 grep x :::: dat)" = data.txt ]
	[ -z "$(complete_words "$PFAN" echo ::: dat)" ]
}

@test "completion: an option value that is not a file completes nothing" {
	touch 4file
	[ -z "$(complete_words "$PFAN" -j 4)" ]
	[ -z "$(complete_words "$PFAN" --timeout 4)" ]
}

@test "docs: dependencies point one way: no #include or call loop among src/ modules (tests/deps.sh, see docs/HACKING.md)" {
	run "$PFAN_SRCDIR/tests/deps.sh" "$PFAN_SRCDIR" "${PFAN_BUILDDIR:-$PFAN_SRCDIR}"
	echo "$output"
	[ "$status" -eq 0 ]
}
