# gen.awk: writes a shell's completion for pfan from the option table.
#
#   awk -v shell=bash|zsh|fish -f gen.awk OPTIONS TEMPLATE > OUT
#
# OPTIONS is what completions/optdump prints (src/opttable.c's table, a
# line per option name: SHORT, LONG, ARG, HELP, tab-separated). TEMPLATE
# is the shell's hand-written part; its line "@OPTIONS@" becomes the
# options in that shell's form. An option's value is completed by its
# kind: "file", "hostfile" (files and "slurm"), "dir", "host" (-S: the
# shell's list of SSH hosts), "value" (nothing to offer) or "" (no value).
# A name the shells could misread stops the build rather than be quoted.

BEGIN {
	FS = "\t"
	if (shell != "bash" && shell != "zsh" && shell != "fish")
		die("shell must be bash, zsh or fish, not '" shell "'")
}

function die(msg) {
	print "gen.awk: " msg > "/dev/stderr"
	failed = 1
	exit 1
}

function kind(i) {
	if (long[i] == "hostfile")
		return "hostfile"
	if (long[i] == "sshlogin")
		return "host"
	if (arg[i] == "FILE")
		return "file"
	if (arg[i] == "DIR")
		return "dir"
	return arg[i] == "" ? "" : "value"
}

# s with every from replaced by to (no regular expression, so that no
# awk reads the backslashes its own way).
function replace(s, from, to, out, i) {
	out = ""
	while ((i = index(s, from)) > 0) {
		out = out substr(s, 1, i - 1) to
		s = substr(s, i + length(from))
	}
	return out s
}

# s in single quotes, for any of the three shells.
function sq(s) {
	return "'" replace(s, "'", "'\\''") "'"
}

# s in fish's single quotes, where a backslash escapes a backslash too.
function fsq(s) {
	return sq(replace(s, "\\", "\\\\"))
}

FNR == NR {
	if (NF != 4 || $1 !~ /^[[:alnum:]]?$/ || $2 !~ /^([[:alnum:]][[:alnum:]-]*)?$/ ||
	    $3 !~ /^[A-Z_]*$/ || ($1 == "" && $2 == ""))
		die(FILENAME ":" FNR ": not SHORT<tab>LONG<tab>ARG<tab>HELP: " $0)
	n++
	short[n] = $1; long[n] = $2; arg[n] = $3; help[n] = $4
	next
}

$0 == "@OPTIONS@" {
	if (n == 0)
		die("no options read")
	if (shell == "bash")
		bash()
	else if (shell == "zsh")
		zsh()
	else
		fish()
	done = 1
	next
}

{ print }

END {
	if (!failed && !done)
		die("the template has no @OPTIONS@ line")
}

# Every option word, and the kind of value of those that take one.
function bash(i, line, w) {
	line = "_pfan_opts=("
	for (i = 1; i <= n; i++) {
		w = (short[i] != "" ? "-" short[i] : "")
		w = w (short[i] != "" && long[i] != "" ? " " : "")
		w = w (long[i] != "" ? "--" long[i] : "")
		if (length(line) + length(w) > 72) {
			print line
			line = "\t"
		}
		line = line (line ~ /[(\t]$/ ? "" : " ") w
	}
	print line ")"
	print "declare -gA _pfan_argkind=("
	for (i = 1; i <= n; i++) {
		if (kind(i) == "")
			continue
		w = (short[i] != "" ? "[-" short[i] "]=" kind(i) : "")
		w = w (short[i] != "" && long[i] != "" ? " " : "")
		w = w (long[i] != "" ? "[--" long[i] "]=" kind(i) : "")
		print "\t" w
	}
	print ")"
}

# _arguments specs: -j+ takes its value joined or as the next word,
# --jobs= with "=" or as the next word; every option may be repeated.
function zsh(i, desc, action, k) {
	for (i = 1; i <= n; i++) {
		desc = replace(replace(help[i], "\\", "\\\\"), ":", "\\:")
		desc = replace(replace(desc, "[", "\\["), "]", "\\]")
		k = kind(i)
		action = ""
		if (k == "file")
			action = ":" arg[i] ":_files"
		else if (k == "hostfile")
			action = ":" arg[i] ":{_files; compadd - slurm}"
		else if (k == "dir")
			action = ":" arg[i] ":_files -/"
		else if (k == "host")
			action = ":" arg[i] ":_hosts"
		else if (k == "value")
			action = ":" arg[i] ": "
		if (short[i] != "")
			print "\t" sq("*-" short[i] (k == "" ? "" : "+") "[" desc "]" action)
		if (long[i] != "")
			print "\t" sq("*--" long[i] (k == "" ? "" : "=") "[" desc "]" action)
	}
}

# One complete line per row, offered only among the options; the words
# of options that take a value, for __pfan_state to skip.
function fish(i, line, k, words) {
	words = ""
	for (i = 1; i <= n; i++) {
		k = kind(i)
		line = "complete -c pfan -n '__pfan_state options'"
		if (short[i] != "")
			line = line " -s " short[i]
		if (long[i] != "")
			line = line " -l " long[i]
		if (k == "file")
			line = line " -r -F"
		else if (k == "hostfile")
			line = line " -r -F -a slurm"
		else if (k == "dir")
			line = line " -x -a '(__fish_complete_directories (commandline -ct))'"
		else if (k == "host")
			line = line " -x -a '(__fish_print_hostnames)'"
		else if (k == "value")
			line = line " -x"
		print line " -d " fsq(help[i])
		if (k != "") {
			if (short[i] != "")
				words = words " -" short[i]
			if (long[i] != "")
				words = words " --" long[i]
		}
	}
	print "set -g __pfan_valued" words
}
