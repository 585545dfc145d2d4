# completions/pfan.bash: bash completion for pfan.
#
# The options come from `pfan --help`, the one table in src/options.c, so
# this file never lists them. An option's value is completed by the name
# --help gives it: FILE a file name (-H also "slurm"), DIR a directory,
# anything else nothing. After the options: a command name, then file
# names; after `::::` file names.
#
# Install: copy to /usr/share/bash-completion/completions/pfan, or
# `source completions/pfan.bash` from ~/.bashrc.

# Fills _pfan_opts (every option, short and long) and _pfan_argname
# (option -> its value's name) from the --help of the given binary, once
# per binary per shell.
_pfan_load_help() {
	local bin=$1 line short long arg re
	[ "${_pfan_loaded_for-}" = "$bin" ] && return 0
	_pfan_opts=()
	unset _pfan_argname
	declare -gA _pfan_argname=()
	# "  -j, --jobs N          help" or "      --colsep REGEX    help"
	re='^ +(-([[:alnum:]]), +)?(--[[:alnum:]-]+)( ([A-Z]+)( |$))?'
	# "  -X                   help" or "  -I STR               help": short only
	local re1='^ +-([[:alnum:]])( ([A-Z_]+))?( |$)'
	while IFS= read -r line; do
		if ! [[ $line =~ $re ]]; then
			[[ $line =~ $re1 ]] || continue
			_pfan_opts+=("-${BASH_REMATCH[1]}")
			[ -z "${BASH_REMATCH[3]}" ] || _pfan_argname[-${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
			continue
		fi
		short=${BASH_REMATCH[2]:+-${BASH_REMATCH[2]}}
		long=${BASH_REMATCH[3]}
		arg=${BASH_REMATCH[5]}
		_pfan_opts+=("$long")
		[ -z "$short" ] || _pfan_opts+=("$short")
		if [ -n "$arg" ]; then
			_pfan_argname[$long]=$arg
			[ -z "$short" ] || _pfan_argname[$short]=$arg
		fi
	done < <("$bin" --help 2>/dev/null)
	_pfan_loaded_for=$bin
}

_pfan_files() {
	local IFS=$'\n'
	COMPREPLY+=($(compgen -f -- "$1"))
	type compopt >/dev/null 2>&1 && compopt -o filenames 2>/dev/null
	return 0
}

_pfan_dirs() {
	local IFS=$'\n'
	COMPREPLY+=($(compgen -d -- "$1"))
	type compopt >/dev/null 2>&1 && compopt -o filenames 2>/dev/null
	return 0
}

_pfan_commands() {
	local IFS=$'\n'
	COMPREPLY+=($(compgen -c -- "$1" | sort -u))
}

_pfan() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=
	local i w cmd_at=0 sep=
	local bin=${COMP_WORDS[0]}

	COMPREPLY=()
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $bin in
	*/*) ;;
	*) bin=$(type -P "$bin" 2>/dev/null) || return 0 ;;
	esac
	[ -x "$bin" ] || return 0
	_pfan_load_help "$bin"

	# Where does the command start? Skip options and their values.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--) cmd_at=$((i + 1)); break ;;
		--*=*) ;;
		-*)
			[ -n "${_pfan_argname[$w]-}" ] && i=$((i + 1))
			;;
		*) cmd_at=$i; break ;;
		esac
	done

	if [ "$cmd_at" -gt 0 ] && [ "$cmd_at" -lt "$COMP_CWORD" ]; then
		# In the command, or in the ::: / :::: lists after it.
		for ((i = cmd_at; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			:::|:::+) sep=::: ;;
			::::|::::+) sep=:::: ;;
			esac
		done
		case $cur in
		:::*) COMPREPLY=($(compgen -W '::: :::+ :::: ::::+' -- "$cur")); return 0 ;;
		esac
		[ "$sep" = ::: ] && return 0
		_pfan_files "$cur"
		return 0
	fi
	if [ "$cmd_at" -eq "$COMP_CWORD" ]; then
		_pfan_commands "$cur"
		return 0
	fi

	# Among the options: the value of the previous one?
	case ${_pfan_argname[$prev]-} in
	FILE)
		case $prev in
		-H|--hostfile) COMPREPLY=($(compgen -W slurm -- "$cur")) ;;
		esac
		_pfan_files "$cur"
		return 0
		;;
	DIR) _pfan_dirs "$cur"; return 0 ;;
	?*) return 0 ;;
	esac
	case $cur in
	--*=*) return 0 ;;
	-*) COMPREPLY=($(compgen -W "${_pfan_opts[*]}" -- "$cur")) ;;
	*) _pfan_commands "$cur" ;;
	esac
	return 0
}

complete -F _pfan pfan
