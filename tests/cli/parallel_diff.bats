#!/usr/bin/env bats
# Differential tests: pfan and GNU parallel, same command, same input, same
# output (sorted, or exact with -k). GNU parallel is the reference; where
# pfan differs on purpose the case is not here.

load lib

setup() {
	pfan_setup
	# Path edge cases for {.} {/} {//} {/.}, one per line.
	cat >paths.txt <<-'EOF'
	a
	a.b
	a.b.c
	.hidden
	dir/.hidden
	dir.d/file
	dir.d/file.txt
	/abs/x.y
	/x
	dir/
	a/b/
	/
	.
	..
	../up.txt
	x.
	...
	a..b
	dir/sub/f.tar.gz
	./rel.c
	//double//slash.h
	with space/name with space.tar
	EOF
}

teardown() {
	pfan_teardown
}

@test "diff: {} with ::: values" {
	pfan_vs_parallel -j2 echo {} ::: a b c
}

@test "diff: {.} on path edge cases" {
	pfan_vs_parallel -j2 -k echo {.} :::: paths.txt
}

@test "diff: {/} on path edge cases" {
	pfan_vs_parallel -j2 -k echo {/} :::: paths.txt
}

@test "diff: {//} on path edge cases" {
	pfan_vs_parallel -j2 -k echo {//} :::: paths.txt
}

@test "diff: {/.} on path edge cases" {
	pfan_vs_parallel -j2 -k echo {/.} :::: paths.txt
}

@test "diff: {} {.} {/} {//} {/.} together, values in quotes" {
	pfan_vs_parallel -j2 -k "printf '[%s] [%s] [%s] [%s] [%s]\n'" {} {.} {/} {//} {/.} :::: paths.txt
}

@test "diff: {#} in input order with -k" {
	pfan_vs_parallel --exact -j2 -k echo {#} {} ::: a b c d e f g
}

@test "diff: product of two ::: sources, -k order" {
	pfan_vs_parallel --exact -j2 -k echo {1}-{2} ::: a b c ::: 1 2 3
}

@test "diff: product of three sources, {} is all values" {
	pfan_vs_parallel --exact -j2 -k echo {} ::: a b ::: 1 2 ::: x y
}

@test "diff: positional with transforms {1.} {2/} {2//} {1/.}" {
	pfan_vs_parallel --exact -j2 -k echo {1.} {2/} {2//} {1/.} ::: d/a.x e/b.y ::: p/q/r.s t
}

@test "diff: negative position {-1}" {
	pfan_vs_parallel --exact -j2 -k echo {-1} {1} ::: a b ::: 1 2 ::: x y
}

@test "diff: :::: one file" {
	printf 'l1\nl2\nl3\n' >in1
	pfan_vs_parallel -j2 echo {} :::: in1
}

@test "diff: :::: two files make a product" {
	printf 'l1\nl2\n' >in1
	printf 'm1\nm2\nm3\n' >in2
	pfan_vs_parallel --exact -j2 -k echo {1} {2} :::: in1 in2
}

@test "diff: ::: and :::: mixed" {
	printf 'f1\nf2\n' >in1
	pfan_vs_parallel --exact -j2 -k echo {1} {2} ::: a b :::: in1
}

@test "diff: -a FILE" {
	printf 'x y\nz\n' >in1
	pfan_vs_parallel -j2 -a in1 echo {}
}

@test "diff: --link equal lengths" {
	pfan_vs_parallel --exact -j2 -k --link echo {1} {2} ::: a b c ::: 1 2 3
}

@test "diff: --link wraps the shorter source" {
	pfan_vs_parallel --exact -j2 -k --link echo {1} {2} ::: a b c d e ::: 1 2
}

@test "diff: stdin lines" {
	printf 'one\ntwo words\nthree\n' >in
	pfan_vs_parallel --stdin in -j2 echo {}
}

@test "diff: stdin keeps leading and trailing blanks, empty lines, no final newline" {
	printf '  lead\ntrail  \n\n\tt\nlast' >in
	pfan_vs_parallel --stdin in -j2 -k "printf '[%s]\n'" {}
}

@test "diff: -0 NUL-separated records with newlines and spaces in them" {
	printf 'a b\0c\nd\0plain\0' >in
	pfan_vs_parallel --stdin in -j2 -k -0 "printf '<%s>\n'" {}
}

@test "diff: --colsep ," {
	printf 'a,b,c\n1,2,3\n' >in
	pfan_vs_parallel --stdin in -j2 -k --colsep , echo {3} {1} {2}
}

@test "diff: --colsep regex with blanks trimmed around columns" {
	printf 'a  ; b;c\n 1;2 ;  3 \n' >in
	pfan_vs_parallel --stdin in -j2 -k --colsep ';' "printf '[%s]'" {1} {2} {3} ';' echo
}

@test "diff: --colsep with a TAB" {
	printf 'k1\tv1\nk2\tv2\n' >in
	pfan_vs_parallel --stdin in -j2 -k --colsep '\t' echo {2}={1}
}

@test "diff: -n 2 groups records, {} is both" {
	seq 7 >in
	pfan_vs_parallel --stdin in --exact -j2 -k -n 2 echo {} / {1} / {2}
}

@test "diff: -n 3 with a short last group" {
	seq 5 >in
	pfan_vs_parallel --stdin in --exact -j2 -k -n 3 "printf '[%s]'" {1} {2} {3} ';' echo
}

@test "diff: {= s/a/b/ =} replaces the first match" {
	pfan_vs_parallel --exact -j2 -k echo '{= s/a/b/ =}' ::: aaa xa none
}

@test "diff: {= s/RE/REPL/g =} with groups" {
	pfan_vs_parallel --exact -j2 -k echo '{= s/(\w+)\.(\w+)/$2-$1/g =}' ::: a.b c.d.e.f plain
}

@test "diff: {= =} with another delimiter and the i flag" {
	pfan_vs_parallel --exact -j2 -k echo '{= s|/|_|g =}' '{= s/X/y/i =}' ::: a/b/c xX
}

@test "diff: {= =} replacement escapes: backslash, \\n, \\t, \\$, \\U" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" '{= s/a/\\/ =}' '{= s/a/\n/ =}' '{= s/a/\t/ =}' '{= s/a/\$/ =}' '{= s/a/\U$&/ =}' ::: abc
}

@test "diff: braces that are not replacement strings stay as written" {
	pfan_vs_parallel --exact -j2 -k echo { {foo} '{1' '{}}' ::: a
}

@test "diff: a position past the values is empty" {
	pfan_vs_parallel --exact -j2 -k echo [{3}] [{2}] ::: a ::: b
}

@test "diff: -a twice makes a product; --link pairs :::: files" {
	printf 'a\nb\n' >f1
	printf '1\n2\n3\n' >f2
	pfan_vs_parallel --exact -j2 -k -a f1 -a f2 echo {1}{2}
	pfan_vs_parallel --exact -j2 -k --link echo {1}{2} :::: f1 f2
}

@test "diff: -n 2 --tag" {
	pfan_vs_parallel --exact -j2 -k -n 2 --tag echo x ::: 1 2 3
}

@test "diff: {= =} with several s/// joined by ; strips .fastq.gz" {
	pfan_vs_parallel --exact -j2 -k echo '{= s:\.[^.]+$::;s:\.[^.]+$::; =}' ::: R1.fastq.gz dir.d/s.tar.gz plain a.b
}

@test "diff: {= =} with || and ;" {
	pfan_vs_parallel --exact -j2 -k echo '{= s/a/b/ || s/b/c/ || s/c/d/; s/$/!/ =}' '{= s#x#y#;s!y!z! =}' ::: a b c x
}

@test "diff: {= =} with bracketing delimiters" {
	pfan_vs_parallel --exact -j2 -k echo '{= s{a}{b} =}' '{= s(a(b))(\1x) =}' '{= s{\}}{x} =}' '{= s[a] [X]g =}' ::: 'Aa}b' ab
}

@test "diff: {=2 =} with several statements" {
	pfan_vs_parallel --exact -j2 -k echo '{=2 s/a/A/; s:\.[^.]+$:: =}' ::: x.y ::: a.b.c b.a
}

@test "diff: {=2 s/// =} on the second source" {
	pfan_vs_parallel --exact -j2 -k echo {1} '{=2 s/^/p/ =}' ::: a b ::: 1 2
}

@test "diff: -k keeps input order even when later jobs end first" {
	pfan_vs_parallel --exact -j4 -k 'sleep 0.$((5 - {})); echo {}' ::: 1 2 3 4 5
}

@test "diff: --tag" {
	pfan_vs_parallel -j2 --tag echo out-{} ::: a b c
}

@test "diff: --tag with two sources and -k" {
	pfan_vs_parallel --exact -j2 -k --tag echo {1}{2} ::: a b ::: 1 2
}

@test "diff: quoting: spaces and tabs in values" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" {} ::: 'a b' '  two  spaces' "$(printf 'tab\there')"
}

# GNU parallel turns a ::: value with a newline into two arguments (its
# ::: values go through a line-based queue); pfan keeps a value whole.
@test "pfan: a ::: value with a newline stays one argument" {
	run -0 --separate-stderr "$PFAN" "printf '<%s>\n'" {} ::: "$(printf 'new\nline')"
	[ "$output" = "$(printf '<new\nline>')" ]
}

@test "diff: quoting: single and double quotes, backslashes" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" {} ::: "it's" 'say "hi"' 'back\slash' "'" '"' '\'
}

@test "diff: quoting: \$() and backticks are data, not code" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" {} ::: '$(echo pwned)' '`echo pwned`' '${HOME}' '$HOME'
}

@test "diff: quoting: ; & | > < * ? ~ # ! are data" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" {} ::: 'a; echo pwned' 'a && b' 'x | y' '>f' '<f' '*' '?' '~' '#c' '!x' '-n'
	[ ! -e f ]
}

@test "diff: quoting: empty value" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" {} x ::: '' a
}

# -q: each command word is one shell word, replaced first, then quoted.
@test "diff: -q runs GNU's perl example, its script unquoted by hand" {
	need perl
	printf 'two words\n' >f2
	printf 'three words here\n' >f3
	pfan_vs_parallel --exact -k -q perl -ne '/^\S+\s+\S+$/ and print $ARGV,"\n"' ::: f2 f3
	[ "$(cat pfan.out)" = f2 ]
}

@test "diff: -q keeps a word's blanks, and {} in a word of its own" {
	pfan_vs_parallel --exact -k -q printf '<%s>\n' "a  b" {} x{}y ::: x 'y  z'
}

@test "diff: -q: quotes, \$, backslashes and globs in the words are data" {
	pfan_vs_parallel --exact -k -q printf '<%s>\n' "it's \"q\"" '$HOME' '`id`' 'a\b' '*' '{}|{}' ::: "a'b" '$(id)'
}

@test "diff: -q: | and ; are words, not shell code" {
	pfan_vs_parallel --exact -k -q echo {} '|' wc ';' 'echo' '>f' ::: a
	[ ! -e f ]
}

@test "diff: -q: replacement strings inside quoted words: {.} {/} {#} {= =} {n}" {
	pfan_vs_parallel --exact -k -q printf '<%s>\n' '{.} and {/}' 'n={#}' '{= s/a/\$/ =}' '{2} {1}' '{3}' ::: d/a.txt ::: 'b c'
}

@test "diff: -q: several values in a word split it (-n2; -X repeats the word)" {
	pfan_vs_parallel --exact -k -j1 -q -n2 printf '<%s>\n' 'x{}y' 'p {} q' ::: a 'b c' d
	pfan_vs_parallel --exact -k -j1 -q -X printf '<%s>\n' 'x{}y' 'p {} q' ::: a 'b c' d
}

@test "diff: -q: the command's exit status, and no command: the line is a command's name" {
	pfan_vs_parallel --status --exact -k -q sh -c 'echo "$1"; exit 3' sh {} ::: a 'b c'
	[ "$(cat pfan.out)" = "$(printf 'a\nb c')" ]
	printf 'echo hi\n' >in
	ALLOW_EMPTY=1 pfan_vs_parallel --stdin in --status -q
	[ ! -s pfan.out ]
	grep -q 'echo hi' pfan.err
}

@test "diff: UTF-8 and invalid UTF-8 values pass through byte for byte" {
	printf 'caf\303\251\n\377\376bad\nok\n' >in
	pfan_vs_parallel --stdin in --exact -j2 -k "printf '<%s>\n'" {}
	od -c pfan.out | grep -q '377 376'
}

@test "diff: no replacement string: the value is appended" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>\n'" ::: 'a b' c "it's"
}

@test "diff: no replacement string with two sources: both appended" {
	pfan_vs_parallel --exact -j2 -k "printf '<%s>'" ::: a 'b c' ::: 1 2
}

@test "diff: template is shell code: pipes and redirections in it work" {
	pfan_vs_parallel --exact -j2 -k 'echo {} | tr a-z A-Z' ::: abc def
}

@test "diff: exit status is the number of failed jobs" {
	pfan_vs_parallel --status -j2 'echo {}; exit {}' ::: 0 1 2 3 0
}

@test "diff: exit 126, 127 and a missing command are failed jobs on the only host" {
	pfan_vs_parallel --status -j2 'echo {}; exit {}' ::: 126 127 0
	ALLOW_EMPTY=1 pfan_vs_parallel --status -j2 no-such-command-pfan-test ::: a b
}

@test "diff: exit status is capped at 101" {
	seq 130 >in
	ALLOW_EMPTY=1 pfan_vs_parallel --stdin in --status -j2 false
	run -101 "$PFAN" -j2 false :::: in
}

@test "diff: --halt now,fail=1 with one slot stops at the first failure" {
	pfan_vs_parallel --exact --status -j1 --halt now,fail=1 'echo {}; test {} -ne 3' ::: 1 2 3 4 5
}

@test "diff: --halt soon,fail=2 with one slot" {
	pfan_vs_parallel --exact -j1 --halt soon,fail=2 'echo {}; test {} -lt 3' ::: 1 2 3 4 5 6
}

@test "diff: --dry-run with plain values" {
	pfan_vs_parallel --exact -j2 -k --dry-run echo {} {#} ::: a b c
}

@test "diff: {%} with one slot is always 1" {
	pfan_vs_parallel --exact -j1 -k echo {%} {} ::: a b c
}

@test "diff: only stdout goes to stdout" {
	pfan_vs_parallel --exact -j2 -k 'echo out{}; echo err{} >&2' ::: 1 2
	grep -q err1 pfan.err
}

# --plus: every string pfan has, on names a lab user writes.
plus_names() {
	printf '%s\n' dir/R1.fastq.gz s.tar.gz a.b plain 'with space/x y.tar.gz' 0 '' dir/ ABCabc >names.txt
}

@test "diff: --plus {..} {...} {/..} {/...}" {
	plus_names
	pfan_vs_parallel --exact -j2 -k --plus echo {..} {...} {/..} {/...} :::: names.txt
}

@test "diff: --plus {+/} {+.} {+..} {+...}" {
	plus_names
	pfan_vs_parallel --exact -j2 -k --plus echo {+/} {+.} {+..} {+...} :::: names.txt
}

@test "diff: --plus {%RE} {%%RE} {#RE} {##RE}" {
	plus_names
	pfan_vs_parallel --exact -j2 -k --plus echo '{%.gz}' '{%%.*z}' '{#.*/}' '{##d*/}' '{%.fastq.gz}' :::: names.txt
}

@test "diff: --plus {/RE/S} {//RE/S} {/#RE/S} {/%RE/S}" {
	plus_names
	pfan_vs_parallel --exact -j2 -k --plus echo '{/a/$1}' '{//a/X}' '{/#d/X}' '{/%z/X}' '{/.gz/.bz2}' :::: names.txt
}

@test "diff: --plus {^RE} {^^RE} {,RE} {,,RE}" {
	plus_names
	pfan_vs_parallel --exact -j2 -k --plus echo '{^a}' '{^^[a-c]}' '{,A}' '{,,[A-C]}' :::: names.txt
}

@test "diff: --plus {:-TEXT} {:N} {:N:M}" {
	plus_names
	pfan_vs_parallel --exact -j2 -k --plus echo '{:-none}' '{:2}' '{:2:3}' '{:20}' :::: names.txt
}

@test "diff: --plus positional {2..} {-1+.} {1%.gz} {2/R/r}" {
	pfan_vs_parallel --exact -j2 -k --plus echo '{2..}' '{-1+.}' '{1%.gz}' '{2/R/r}' ::: x.fastq.gz y.tar.gz ::: dir/R1.fastq.gz R2.fq
}

@test "diff: without --plus, {..} and {%.gz} are plain text" {
	pfan_vs_parallel --exact -j2 -k echo '{..}' '{%.gz}' '{:-x}' ::: a.tar.gz
}

@test "--plus {##} is refused: pfan does not read all input first" {
	run -255 "$PFAN" --plus echo '{#}/{##}' ::: a b
	[[ $output == *"{##}: pfan reads its input as the jobs run"* ]]
}

# The input-side options, as cases in tests/data/input_parallel.txt (its
# header says the format). Every case runs; all that differ are listed.
@test "diff: input options (tests/data/input_parallel.txt)" {
	need_parallel
	local data=$PFAN_SRCDIR/tests/data/input_parallel.txt
	local kind rest in failed=0 n=0
	in=/dev/null
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		kind=${line%% *}
		rest=${line#* }
		[ "$kind" != "$line" ] || rest=
		case $kind in
		file)
			# shellcheck disable=SC2059
			printf "${rest#* }" >"${rest%% *}"
			continue ;;
		stdin)
			# shellcheck disable=SC2059
			printf "$rest" >case.in
			in=case.in
			continue ;;
		exact | sorted) ;;
		*) echo "input_parallel.txt: unknown line: $line" >&2; return 1 ;;
		esac
		eval "set -- $rest"
		n=$((n + 1))
		local how=--exact
		[ "$kind" = exact ] || how=
		if ! pfan_vs_parallel $how --stdin "$in" "$@"; then
			echo "FAILED: $kind $rest" >&2
			failed=$((failed + 1))
		fi
		in=/dev/null
	done <"$data"
	[ "$n" -ge 70 ]
	[ "$failed" -eq 0 ]
}

# --results NAME.csv/.tsv/.json: the file GNU parallel writes, times and
# the host name masked (pfan names the local host "local", GNU ":").
results_vs_parallel() {
	local name=$1
	shift
	need_parallel
	local prc grc
	"$PFAN" --results "pfan.$name" "$@" >/dev/null 2>pfan.err && prc=0 || prc=$?
	PARALLEL_SHELL=/bin/sh parallel --will-cite --results "gnu.$name" "$@" >/dev/null 2>gnu.err && grc=0 || grc=$?
	assert_no_crash "$prc"
	[ "$prc" -eq "$grc" ]
	for f in pfan gnu; do
		sed -E 's/[0-9]{10}\.[0-9]{3}/T/g; s/\b[0-9]+\.[0-9]{3}\b/R/g;
		    s/^([0-9]+)([,\t])(local|:)\2/\1\2H\2/;
		    s/"Host": "(local|:)"/"Host": "H"/' "$f.$name" |
		    { [ "${name##*.}" = json ] && LC_ALL=C sort || cat; } >"$f.norm"
	done
	diff -u gnu.norm pfan.norm
}

@test "diff: --results x.csv: header, quoting of quotes, spaces, newlines, stderr, exit" {
	results_vs_parallel x.csv -j1 -k 'echo {1} {2}; echo err >&2; exit {1}' ::: 1 3 ::: a '"q"' 'x y'
}

@test "diff: --results x.tsv: tabs in values and output" {
	results_vs_parallel x.tsv -j1 -k 'printf "%s\t%s\n" {}' ::: a 'b	c'
}

@test "diff: --results x.json: one object per job, escapes" {
	results_vs_parallel x.json -j1 'printf "%s\n" {}; echo e >&2; exit 2' ::: a 'b"c' 'd\e'
}

@test "diff: --results x.csv with -n 2 and a short last job" {
	results_vs_parallel x.csv -j1 -k -n 2 echo ::: a b c
}

@test "diff: --tagstring with replacement strings" {
	pfan_vs_parallel -j2 -k --tagstring '{#}:{}:{.}' echo ::: a.x 'b c.y'
}

@test "diff: -v prints each command before its output" {
	pfan_vs_parallel --exact -j2 -k -v 'echo {}; echo err >&2' ::: a b
}

@test "diff: -v with --tag tags the command line too" {
	pfan_vs_parallel --exact -k -v --tag echo ::: a b
}

@test "diff: -u passes output through, untagged, ignoring -k" {
	pfan_vs_parallel -j2 -u -k --tag 'echo {}; echo {}' ::: a b
}

@test "diff: --group is the default" {
	pfan_vs_parallel --exact -k --group 'echo {}; echo {}' ::: a b
}

@test "diff: --files prints file names that hold each job's stdout (-v too)" {
	need_parallel
	mkdir p g
	"$PFAN" -k --files --tmpdir p -v echo ::: a b >pfan.out
	PARALLEL_SHELL=/bin/sh parallel --will-cite -k --files --tmpdir g -v echo ::: a b >gnu.out
	[ "$(wc -l <pfan.out)" -eq 2 ] && [ "$(wc -l <gnu.out)" -eq 2 ]
	for t in pfan gnu; do
		while read -r f; do cat "$f"; done <$t.out >$t.cat
	done
	diff -u gnu.cat pfan.cat
	grep -q '^p/' pfan.out
}

@test "diff: scheduling options (tests/data/sched_diff.txt): output and exit status" {
	local n=0 line
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		eval "set -- $line"
		pfan_vs_parallel --status "$@"
		n=$((n + 1))
	done <"$PFAN_SRCDIR/tests/data/sched_diff.txt"
	[ "$n" -ge 25 ]
}

@test "diff: a replacement string in the first word: the values are the command, unquoted" {
	pfan_vs_parallel -k {} ::: "echo a  b" "echo c;echo d" 'printf "%s\n" x y'
	pfan_vs_parallel -k '{} there' ::: "echo a;echo b"
	pfan_vs_parallel -k {.} ::: "echo a.b"
	pfan_vs_parallel -k 'my_{}' ::: "x; echo y"
}

@test "diff: a replacement string after the first word, or as a variable's value, is quoted" {
	pfan_vs_parallel -k 'echo x; {}' ::: "echo a"
	pfan_vs_parallel -k 'X={}; echo "$X"' ::: "a  b;c"
}

# GNU parallel waits for the memory for ever, silently, even with
# --dry-run; so does pfan (the man page says so).
@test "diff: --memfree above the machine's memory: neither runs a job" {
	need_parallel
	run -124 timeout 3 "$PFAN" --memfree 1000T echo ran ::: a
	[ -z "$output" ]
	run -124 timeout 3 parallel --will-cite --memfree 1000T echo ran ::: a
	[ -z "$output" ]
}

# --sshloginfile: the same file read by both. Local entries run; remote
# ones (no sshd here) are compared through --dry-run.
@test "diff: --slf with a : or N/: line, comments and blank lines" {
	printf '# local, two slots\n\n2/:\n' >slf
	pfan_vs_parallel --status --exact -k --slf slf 'echo {}; exit {#}' ::: a b c
	printf ':\n' >slf
	pfan_vs_parallel --status --exact -k --slf slf 'echo {}' ::: a b c
}

@test "diff: --slf with remote hosts, --dry-run: the same commands" {
	printf '%s\n' ':' 'user@h1.invalid' '4/h2.invalid' '# gone.invalid' >slf
	pfan_vs_parallel --status --exact -k --dry-run --slf slf 'echo {} "$x"' ::: a 'b c'
	printf '%s\n' 'h3.invalid' >slf2
	pfan_vs_parallel --status --exact -k --dry-run --slf slf --slf slf2 echo ::: a 'b c'
}

@test "diff: --slf .. is ~/.parallel/sshloginfile; a missing file is an error" {
	mkdir home home/.parallel
	printf ':\n' >home/.parallel/sshloginfile
	HOME=$T/home pfan_vs_parallel --status --exact -k --slf .. 'echo {}' ::: a b
	ALLOW_EMPTY=1 pfan_vs_parallel --status --slf nonexistent echo ::: a
	[ "$(wc -l <pfan.err)" -ge 1 ]
}
