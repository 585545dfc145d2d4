#!/bin/sh
# tests/deps.sh SRCDIR BUILDDIR: dependencies between pfan's modules point
# one way. A module is src/X.c with its src/X.h; the few modules of more
# than one file are named in module() below. Two graphs of modules must
# have no loop (tsort(1) names one when they do):
#   includes: X depends on Y when a file of X has #include "Y.h";
#   calls:    X depends on Y when an object of X uses a symbol an object of
#             Y defines (nm on libpfan.a and src/main.o of a build).
# Prints the loops and exits 1 if there are any. tests/cli/docs.bats runs it.
set -u
src=$1/src
build=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# sshconn.c, sshmux.c and sshfwd.c are one module (sshconn_impl.h is its
# private header), as are sshsftp.c and sshsftp_file.c (sshsftp_impl.h)
# and sshhost.c and sshhost_task.c (sshhost_impl.h), and sshchan.c and
# sshchan_agent.c (sshchan_impl.h); record.c is input.c's.
module() {
	sed -e 's/^sshmux$/sshconn/' -e 's/^sshfwd$/sshconn/' -e 's/^sshconn_impl$/sshconn/' -e 's/^sshsftp_file$/sshsftp/' -e 's/^sshsftp_impl$/sshsftp/' -e 's/^sshhost_task$/sshhost/' -e 's/^sshhost_impl$/sshhost/' -e 's/^sshchan_agent$/sshchan/' -e 's/^sshchan_impl$/sshchan/' -e 's/^record$/input/'
}

includes() {
	for f in "$src"/*.c "$src"/*.h; do
		m=$(basename "${f%.*}")
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r d; do
			echo "$m $d"
		done
	done
}

# "symbol object" lines: defined (T, D, B, R, ...) or used (U).
symbols() {
	nm -A "$@" "$build/libpfan.a" "$build/src/main.o" |
		awk '{ if (match($1, /[^:\/]*\.o/)) print $NF, substr($1, RSTART, RLENGTH - 2) }' |
		sort -u
}

calls() {
	symbols --defined-only >"$tmp/def" || return 1
	symbols -u >"$tmp/use" || return 1
	join "$tmp/use" "$tmp/def" | awk '{ print $2, $3 }'
}

# Each pair's two names through module(); a module's own edges dropped.
graph() {
	awk '{ print $1; print $2 }' | module | paste -d ' ' - - |
		awk '$1 != $2' | sort -u
}

rc=0
includes | graph >"$tmp/includes"
tsort "$tmp/includes" >/dev/null || { echo "deps.sh: #include loop among src/ modules (above)" >&2; rc=1; }
if [ ! -r "$build/libpfan.a" ] || [ ! -r "$build/src/main.o" ]; then
	echo "deps.sh: no $build/libpfan.a or src/main.o: build first" >&2
	rc=1
else
	calls | graph >"$tmp/calls"
	tsort "$tmp/calls" >/dev/null || { echo "deps.sh: call loop among src/ modules (above)" >&2; rc=1; }
fi
exit $rc
