#!/usr/bin/env bats
# The zsh and fish completions (and the bash one, beyond docs.bats) offer
# what the option table has: every option of --help, file names for the
# options that take a FILE, directories for DIR, nothing for other values,
# and none of GNU parallel's options that pfan lacks. Each is generated at
# build time into the build tree's completions/.

load lib

setup() {
	pfan_setup
	COMPDIR=${PFAN_BUILDDIR:-$PFAN_SRCDIR}/completions
	ZCOMPLETE=$PFAN_SRCDIR/tests/helpers/zcomplete.zsh
	touch hosts.yaml jobs.jsonl data.txt 4file rfile
	mkdir resdir
}

# Every option --help lists, long and short, one a line.
help_opts() {
	"$PFAN" --help | sed '/^GNU parallel options that pfan does not have/,$d' >help.txt
	grep -oE '^ +(-[[:alnum:]], +)?--[[:alnum:]-]+' help.txt | grep -oE -- '--[[:alnum:]-]+'
	grep -oE '^ +-[[:alnum:]]([, ]|$)' help.txt | tr -d ' ,'
}

# The GNU parallel options pfan lacks, as --help lists them after the table.
help_gnu_only() {
	"$PFAN" --help | sed -n '/^GNU parallel options that pfan does not have/,/^$/p' |
		grep -oE -- '(^| )--?[[:alnum:]-]+' | tr -d ' '
}

# with_bash LINE: what the bash completion offers for LINE's last word
# (an empty last word when LINE ends with a space).
with_bash() {
	bash -c '
		source "$1"
		read -ra COMP_WORDS <<<"$2"
		case $2 in *" ") COMP_WORDS+=("") ;; esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_pfan
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$COMPDIR/pfan.bash" "$1" | sed '/^$/d' | sort -u
}

with_zsh() {
	zsh -f "$ZCOMPLETE" "$COMPDIR" "$1"
}

with_fish() {
	fish --no-config -c 'source $argv[1]; complete --do-complete $argv[2]' \
	    "$COMPDIR/pfan.fish" "$1" | cut -f1 | sort -u
}

need_shell() {
	need "$1"
	local f
	case $1 in
	bash) f=pfan.bash ;;
	zsh)
		f=_pfan
		zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zpty module, which drives its completion here"
		;;
	fish) f=pfan.fish ;;
	esac
	[ -r "$COMPDIR/$f" ] || { echo "not built: $COMPDIR/$f" >&2; return 1; }
}

# all_offered SHELL: every option of --help is among what SHELL offers
# after "pfan -", and no GNU-only option is.
all_offered() {
	need_shell "$1"
	"with_$1" "pfan -" >offered
	help_opts >opts
	[ "$(wc -l <opts)" -ge 40 ]
	missing=$(grep -vxF -f offered opts || :)
	[ -z "$missing" ] || { echo "$1 completion lacks:" $missing >&2; return 1; }
	"with_$1" "pfan --" >offered_long
	missing=$(grep -x -- '--.*' opts | grep -vxF -f offered_long || :)
	[ -z "$missing" ] || { echo "$1 completion of --: lacks" $missing >&2; return 1; }
	help_gnu_only >gnu
	[ "$(wc -l <gnu)" -ge 50 ]
	both=$(grep -xF -f gnu offered || :)
	[ -z "$both" ] || { echo "$1 completion offers GNU-only options:" $both >&2; return 1; }
}

# values SHELL: option values, the command, and what follows it.
values() {
	need_shell "$1"
	local sh=with_$1
	[ "$($sh "pfan --resum" | tr '\n' ' ')" = "--resume --resume-failed " ]
	[ "$($sh "pfan -H hos")" = hosts.yaml ]
	[ "$($sh "pfan --hostfile sl")" = slurm ]
	[ "$($sh "pfan -a hos")" = hosts.yaml ]
	[ "$($sh "pfan --joblog job")" = jobs.jsonl ]
	[ "$($sh "pfan --resume job")" = jobs.jsonl ]
	[ "$($sh "pfan --resume-failed job")" = jobs.jsonl ]
	# DIR: the directory, not the file beside it.
	[ "$($sh "pfan --tmpdir r" | sed 's,/$,,')" = resdir ]
	[ "$($sh "pfan --results " | sed 's,/$,,')" = resdir ]
	# a value that is neither
	[ -z "$($sh "pfan -j 4")" ]
	[ -z "$($sh "pfan --timeout 4")" ]
	# the command's name, after the options
	$sh "pfan -j 2 ech" | grep -qx echo
	$sh "pfan --jobs=2 -k ech" | grep -qx echo
	# no options inside the command; files after ::::, nothing after :::
	[ -z "$($sh "pfan -j 2 grep --")" ]
	[ "$($sh "pfan -j 2 grep x :::: dat")" = data.txt ]
	[ -z "$($sh "pfan echo ::: dat")" ]
}

@test "completion: bash offers every option of --help, short ones too, and no GNU-only one" {
	all_offered bash
}

@test "completion: bash completes values, the command and what follows it" {
	values bash
}

@test "completion: zsh offers every option of --help and no GNU-only one" {
	all_offered zsh
}

@test "completion: zsh completes values, the command and what follows it" {
	values zsh
}

@test "completion: fish offers every option of --help and no GNU-only one" {
	all_offered fish
}

@test "completion: fish completes values, the command and what follows it" {
	values fish
}
