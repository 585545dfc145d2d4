#!/usr/bin/env bash
# bench/staging.sh: files staged to the hosts and back, the per-file job of
# a cluster without a shared filesystem, on 3 loopback sshds started here:
#   small  N files of 10 KB, `./job < {} > {.}.out` (examples/job)
#   large  4 files of 256 MB (SIZE_MB), `cat < {} > {.}.out`
# by
#   pfan          -H (4 slots a host) --bf job --trc '{.}.out'  (SFTP on its connections)
#   GNU parallel  -S (4 a host) --bf job --trc '{.}.out', ssh with a ControlMaster
#                 (rsync over a new ssh per file)
#   scp loop      large only: for each file scp there, ssh the job, scp back,
#                 ssh rm, one at a time over a ControlMaster: one stream's rate
# Prints the wall times, the rates and the ratios. Targets: pfan >= 5x GNU
# parallel on the small files; >= 0.8x the scp loop's throughput on the
# large ones. Not a test: the numbers depend on the machine and its load.
#
#   bench/staging.sh [N=1000] [SIZE_MB=256]
# Environment: PFAN (default ./pfan), SSHD. Uses tests/ssh/harness.bash
# (as root, jobs run as the user pfantest, whose home the hosts share).
set -u
N=${1:-1000}
SIZE_MB=${2:-256}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PFAN=${PFAN:-$PWD/pfan}

skip() { echo "staging: skipped: $*" >&2; exit 0; }
# shellcheck source=../tests/ssh/harness.bash
. "$top/tests/ssh/harness.bash"
[ -x "$PFAN" ] || skip "no pfan binary at $PFAN (set PFAN)"
[ -x "$SSHD" ] || skip "no sshd at $SSHD"

work=$(mktemp -d "${TMPDIR:-/tmp}/pfan-bench.XXXXXX")
cleanup() {
	for i in 1 2 3; do
		ssh -o ControlPath="$work/cm-$i" -O exit x 2>/dev/null
	done
	ssh_harness_stop
	rm -rf "$work"
}
trap cleanup EXIT

SSH_SLOTS=4 ssh_harness_start 3 "Subsystem sftp internal-sftp" || skip "sshd did not start"
home=$(getent passwd "$SSH_USER" | cut -d: -f6)
sshcmd() {   # sshcmd I: ssh to node I over its ControlMaster
	echo "ssh -p ${SSH_PORT[$1]} -i $SSH_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlMaster=auto -o ControlPath=$work/cm-$1 -o ControlPersist=300"
}
have_parallel=yes
command -v parallel >/dev/null && command -v rsync >/dev/null || have_parallel=
logins=()
for i in 1 2 3; do
	# the master connections, outside the timing
	$(sshcmd "$i") "$SSH_USER@${SSH_ADDR[$i]}" true || have_parallel=
	logins+=(-S "4/$(sshcmd "$i") $SSH_USER@${SSH_ADDR[$i]}")
done

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# what the runs leave in the (shared) home, if anything: only our names
clean_home() { rm -rf "$home/small" "$home/large" "$home/job" "$home/in.tmp" "$home/out.tmp"; }
check_outputs() {   # check_outputs TOOL DIR N: every output there and right
	local bad
	bad=$(cd "$2" && for f in a*.in; do [ -s "${f%.in}.out" ] || echo "$f"; done | head -3)
	[ -z "$bad" ] || echo "  $1: outputs missing: $bad" >&2
	rm -f "$2"/*.out
}

cd "$work" || exit 1
cp "$top/examples/job" job
mkdir small large
for i in $(seq "$N"); do head -c 10240 /dev/urandom | base64 >"small/a$i.in"; done
for i in 1 2 3 4; do head -c "$((SIZE_MB * 1048576))" /dev/urandom >"large/a$i.in"; done

declare -A T
run_pfan() {   # run_pfan DIR JOB
	local t0
	clean_home
	t0=$(now)
	"$PFAN" -H "$SSH_HOSTFILE" --bf job --trc '{.}.out' "$2 < {} > {.}.out" ::: "$1"/a*.in ||
		echo "  pfan failed" >&2
	secs "$t0" "$(now)"
}
run_parallel() {
	local t0
	clean_home
	t0=$(now)
	parallel "${logins[@]}" --bf job --trc '{.}.out' "$2 < {} > {.}.out" ::: "$1"/a*.in \
		2>"$work/parallel.err" || echo "  GNU parallel failed: $(head -3 "$work/parallel.err")" >&2
	secs "$t0" "$(now)"
}
run_scp() {
	local t0 i=0 f h ssh
	clean_home
	t0=$(now)
	for f in "$1"/a*.in; do
		h=$((i % 3 + 1)); i=$((i + 1))
		ssh=$(sshcmd "$h")
		scp -q -o ControlPath="$work/cm-$h" -P "${SSH_PORT[$h]}" "$f" "$SSH_USER@${SSH_ADDR[$h]}:in.tmp" &&
			$ssh "$SSH_USER@${SSH_ADDR[$h]}" "$2 < in.tmp > out.tmp" &&
			scp -q -o ControlPath="$work/cm-$h" -P "${SSH_PORT[$h]}" "$SSH_USER@${SSH_ADDR[$h]}:out.tmp" "${f%.in}.out" &&
			$ssh "$SSH_USER@${SSH_ADDR[$h]}" "rm -f in.tmp out.tmp" || echo "  scp loop failed on $f" >&2
	done
	secs "$t0" "$(now)"
}

echo "staging: $N files of 10 KB (base64: 13.7 KB), 4 files of $SIZE_MB MB, 3 loopback hosts, 4 slots each" >&2
T[pfan_small]=$(run_pfan small ./job); check_outputs pfan small "$N"
T[pfan_large]=$(run_pfan large cat); check_outputs pfan large 4
if [ -n "$have_parallel" ]; then
	T[par_small]=$(run_parallel small ./job); check_outputs parallel small "$N"
	T[par_large]=$(run_parallel large cat); check_outputs parallel large 4
fi
T[scp_large]=$(run_scp large cat); check_outputs scp large 4
clean_home

mb=$((4 * SIZE_MB * 2))   # there and back
echo "staging results (wall seconds; large: MB/s moved, both ways)"
printf '  %-28s %8s s  %8s files/s\n' "pfan, small files" "${T[pfan_small]}" \
	"$(awk -v n="$N" -v t="${T[pfan_small]}" 'BEGIN { printf "%.1f", n / t }')"
if [ -n "$have_parallel" ]; then
	printf '  %-28s %8s s  %8s files/s\n' "GNU parallel, small files" "${T[par_small]}" \
		"$(awk -v n="$N" -v t="${T[par_small]}" 'BEGIN { printf "%.1f", n / t }')"
fi
for k in pfan par scp; do
	[ -n "${T[${k}_large]:-}" ] || continue
	printf '  %-28s %8s s  %8s MB/s\n' "$k, 4 x $SIZE_MB MB" "${T[${k}_large]}" \
		"$(awk -v m="$mb" -v t="${T[${k}_large]}" 'BEGIN { printf "%.1f", m / t }')"
done
if [ -n "$have_parallel" ]; then
	awk -v a="${T[pfan_small]}" -v b="${T[par_small]}" \
		'BEGIN { printf "  small: pfan / GNU parallel: %.1fx faster (target >= 5x)\n", b / a }'
	awk -v a="${T[pfan_large]}" -v b="${T[par_large]}" \
		'BEGIN { printf "  large: pfan / GNU parallel: %.2fx the throughput\n", b / a }'
else
	echo "  GNU parallel: not run (parallel or rsync missing, or ssh to the test sshd failed)"
fi
awk -v a="${T[pfan_large]}" -v b="${T[scp_large]}" \
	'BEGIN { printf "  large: pfan / scp loop: %.2fx the throughput (target >= 0.8x)\n", b / a }'
