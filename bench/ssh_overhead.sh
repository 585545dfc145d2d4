#!/usr/bin/env bash
# bench/ssh_overhead.sh: what pfan's SSH executor costs per job. The same N
# tiny jobs (`true`), P at a time, on one loopback sshd started here, by
#   pfan          -H hostfile with P slots (connect and auth included):
#                 jobs through the remote agent (a fork each on the host)
#   pfan-channels the same with --no-remote-agent: a channel (a session and
#                 a shell) per job, warm channels opened ahead
#   raw loop      bench/raw_libssh2.c: one session, bare exec channels
#   raw+wrapper   the raw loop running pfan's remote wrapper around `true`
#                 (inline and child-shell forms, sshwrap.c): the wrapper's cost
#   GNU parallel  --sshlogin over ssh with a ControlMaster
# in alternating rounds; prints the median rate of each and the ratios.
# Targets: pfan >= 10x GNU parallel, >= 2x the raw loop (issue 14). Not a
# test: the numbers depend on the machine and its load.
#
#   bench/ssh_overhead.sh [ROUNDS=3] [N=400] [P=8]
# Environment: PFAN (default ./pfan), SSHD, CC; BEFORE=/old/pfan adds an
# older build, run the same way in each round (for a refactoring). Uses the test harness
# (tests/ssh/harness.bash): as root, jobs run as the user pfantest.
set -u
ROUNDS=${1:-3}
N=${2:-400}
P=${3:-8}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PFAN=${PFAN:-$PWD/pfan}
CC=${CC:-cc}

skip() { echo "ssh_overhead: skipped: $*" >&2; exit 0; }
# shellcheck source=../tests/ssh/harness.bash
. "$top/tests/ssh/harness.bash"
[ -x "$PFAN" ] || skip "no pfan binary at $PFAN (set PFAN)"
[ -x "$SSHD" ] || skip "no sshd at $SSHD"

work=$(mktemp -d "${TMPDIR:-/tmp}/pfan-bench.XXXXXX")
cleanup() {
	[ -n "${SSH_CTL:-}" ] && ssh -o ControlPath="$SSH_CTL" -O exit x 2>/dev/null
	ssh_harness_stop
	rm -rf "$work"
}
trap cleanup EXIT

$CC -O2 -std=c11 -D_GNU_SOURCE "$here/raw_libssh2.c" -lssh2 -o "$work/raw" ||
	skip "cannot build raw_libssh2.c"
# The wrapper text pfan would send, from sshwrap.c itself.
cat >"$work/wrap.c" <<'EOF'
#include <stdio.h>
#include "buf.h"
#include "sshwrap.h"
int
main(int argc, char **argv)
{
	struct exec_request req = { argv[1], 1, 1, "node1", NULL, NULL };
	struct buf b = BUF_INIT;
	(void)argc;
	sshwrap_command(&b, &req);
	fputs(b.data, stdout);
	return 0;
}
EOF
$CC -O2 -std=c11 -D_GNU_SOURCE -I"$top/src" "$work/wrap.c" "$top/src/sshwrap.c" "$top/src/execin.c" \
	"$top/src/quote.c" "$top/src/buf.c" "$top/src/xalloc.c" "$top/src/log.c" \
	-o "$work/wrap" || skip "cannot build the wrapper printer"
WRAP_INLINE=$("$work/wrap" true)
WRAP_SUBSHELL=$("$work/wrap" 'eval true')

SSH_SLOTS=$P ssh_harness_start 1 "MaxSessions $((P + 2))" || skip "sshd did not start"
ADDR=${SSH_ADDR[1]} PORT=${SSH_PORT[1]}
SSH_CTL=$work/ctl
SSHCMD="ssh -p $PORT -i $SSH_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlMaster=auto -o ControlPath=$SSH_CTL -o ControlPersist=120"
have_parallel=yes
command -v parallel >/dev/null || have_parallel=
# Open the master connection once, outside the timing.
[ -n "$have_parallel" ] && $SSHCMD "$SSH_USER@$ADDR" true || have_parallel=

now() { date +%s.%N; }
rate() { echo "$N $1 $2" | awk '{ printf "%.1f", $1 / ($3 - $2) }'; }

declare -A R
record() { R[$1]="${R[$1]:-} $2"; }

seqs=$(seq "$N")
for round in $(seq "$ROUNDS"); do
	t0=$(now)
	# shellcheck disable=SC2086
	"$PFAN" -H "$SSH_HOSTFILE" true ::: $seqs >/dev/null || echo "pfan failed" >&2
	record pfan "$(rate "$t0" "$(now)")"
	t0=$(now)
	# shellcheck disable=SC2086
	"$PFAN" --no-remote-agent -H "$SSH_HOSTFILE" true ::: $seqs >/dev/null || echo "pfan --no-remote-agent failed" >&2
	record channels "$(rate "$t0" "$(now)")"
	if [ -n "${BEFORE:-}" ]; then
		t0=$(now)
		# shellcheck disable=SC2086
		"$BEFORE" -H "$SSH_HOSTFILE" true ::: $seqs >/dev/null || echo "pfan-before failed" >&2
		record before "$(rate "$t0" "$(now)")"
	fi

	out=$("$work/raw" "$ADDR" "$PORT" "$SSH_USER" "$SSH_KEY" "$N" "$P" true)
	record raw "$(awk '{ gsub(/[(]/, ""); print $(NF-3) }' <<<"$out")"
	out=$("$work/raw" "$ADDR" "$PORT" "$SSH_USER" "$SSH_KEY" "$N" "$P" "$WRAP_INLINE")
	record raw_inline "$(awk '{ gsub(/[(]/, ""); print $(NF-3) }' <<<"$out")"
	out=$("$work/raw" "$ADDR" "$PORT" "$SSH_USER" "$SSH_KEY" "$N" "$P" "$WRAP_SUBSHELL")
	record raw_subshell "$(awk '{ gsub(/[(]/, ""); print $(NF-3) }' <<<"$out")"

	if [ -n "$have_parallel" ]; then
		t0=$(now)
		# shellcheck disable=SC2086
		parallel -j "$P" --sshlogin "$P/$SSHCMD $SSH_USER@$ADDR" true ::: $seqs \
			>/dev/null 2>"$work/parallel.err" || echo "GNU parallel failed: $(head -3 "$work/parallel.err")" >&2
		record parallel "$(rate "$t0" "$(now)")"
	fi
	echo "round $round:$(for k in pfan channels before raw raw_inline raw_subshell parallel; do
		set -- ${R[$k]:-}; [ $# -gt 0 ] && printf ' %s %s' "$k" "${!#}"; done)" >&2
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pf=$(median "${R[pfan]}")
raw=$(median "${R[raw]}")
echo "ssh_overhead: $N tiny jobs, $P at a time, one loopback sshd, median of $ROUNDS rounds (jobs/s)"
printf '  %-34s %8s\n' "pfan -H (connect included)" "$pf"
printf '  %-34s %8s\n' "pfan --no-remote-agent" "$(median "${R[channels]}")"
printf '  %-34s %8s\n' "raw libssh2 loop (connect incl.)" "$raw"
printf '  %-34s %8s\n' "raw loop + wrapper, inline" "$(median "${R[raw_inline]}")"
printf '  %-34s %8s\n' "raw loop + wrapper, child shell" "$(median "${R[raw_subshell]}")"
if [ -n "$have_parallel" ]; then
	gp=$(median "${R[parallel]}")
	printf '  %-34s %8s\n' "GNU parallel --sshlogin (ControlMaster)" "$gp"
	awk -v a="$pf" -v b="$gp" 'BEGIN { printf "  pfan / GNU parallel: %.1fx (target >= 10x)\n", a / b }'
else
	echo "  GNU parallel: not run (not installed, or ssh to the test sshd failed)"
fi
if [ -n "${BEFORE:-}" ]; then
	bf=$(median "${R[before]}")
	printf '  %-34s %8s\n' "pfan-before ($BEFORE)" "$bf"
	awk -v a="$pf" -v b="$bf" 'BEGIN { printf "  pfan / pfan-before: %.3fx\n", a / b }'
fi
awk -v a="$pf" -v b="$raw" 'BEGIN { printf "  pfan / raw loop: %.2fx (target >= 2x)\n", a / b }'
