# tests/cli/lib.bash: what every CLI test shares: where the binary is, a
# fresh directory per test, GNU parallel as the reference, and JSONL checks
# (with jq: CI installs it; a test that needs it skips loudly without it).

bats_require_minimum_version 1.5.0

# The joblog readers and wait_for, shared with tests/ssh.
# shellcheck source=../lib/common.bash
. "${BASH_SOURCE[0]%/*}/../lib/common.bash"

# Loaded from each file's setup(): the binary, the source tree, and a
# private working directory.
pfan_setup() {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	PFAN=${PFAN:-$top/pfan}
	PFAN_SRCDIR=${PFAN_SRCDIR:-$top}
	export PFAN PFAN_SRCDIR
	if [ ! -x "$PFAN" ]; then
		echo "pfan binary not found or not executable: $PFAN (set PFAN)" >&2
		return 1
	fi
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		T=$BATS_TEST_TMPDIR
	else
		T=$(mktemp -d "${TMPDIR:-/tmp}/pfan-cli.XXXXXX")
	fi
	export T
	cd "$T" || return 1
	# A marker unique to this test, for finding our own processes.
	MARK="pfanmark$$x${BATS_TEST_NUMBER:-0}x$RANDOM$RANDOM"
}

# Kills whatever a test left behind, by its unique marker only.
pfan_teardown() {
	if [ -n "${MARK:-}" ]; then
		local pids
		pids=$(pgrep -f "$MARK" || true)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null || true
		fi
	fi
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c, which is not installed"
	done
}

need_parallel() {
	command -v parallel >/dev/null 2>&1 || skip "GNU parallel is not installed"
	parallel --version 2>/dev/null | grep -q 'GNU parallel' ||
		skip "'parallel' is not GNU parallel"
}

# pfan never crashes: a death by signal shows as 129..254 (134 abort, 139
# segv); 255 is pfan's own error status. Only for runs sent no signal.
assert_no_crash() {
	local rc=$1
	if [ "$rc" -gt 128 ] && [ "$rc" -lt 255 ]; then
		echo "pfan died with status $rc (a crash?)" >&2
		return 1
	fi
}

# assert_status WANT: compares $status (from run) and says both on failure.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "exit status: want $1, got $status" >&2
		echo "--- output:" >&2
		printf '%s\n' "$output" >&2
		[ -z "${stderr:-}" ] || { echo "--- stderr:" >&2; printf '%s\n' "$stderr" >&2; }
		return 1
	fi
}

# assert_line_in TEXT REGEX: some line of TEXT matches the ERE.
assert_match() {
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then
		echo "no line matches /$2/ in:" >&2
		printf '%s\n' "$1" >&2
		return 1
	fi
}

# pfan's own messages are single lines starting "pfan: ".
assert_pfan_error() {
	local text=$1 re=$2
	assert_match "$text" "^pfan: .*$re"
}

# pfan_vs_parallel [--exact] [--stdin FILE] [--status] ARGS...
# Runs `pfan ARGS` and `parallel --will-cite ARGS` on the same input and
# compares their stdout: sorted, or byte for byte with --exact. With
# --status the exit statuses must match too. Leaves pfan.out, gnu.out.
pfan_vs_parallel() {
	local exact=0 in=/dev/null check_status=0 prc grc
	while :; do
		case $1 in
		--exact) exact=1; shift ;;
		--stdin) in=$2; shift 2 ;;
		--status) check_status=1; shift ;;
		*) break ;;
		esac
	done
	need_parallel
	"$PFAN" "$@" <"$in" >pfan.out 2>pfan.err && prc=0 || prc=$?
	# GNU parallel runs jobs in the shell that called it; pfan in /bin/sh.
	PARALLEL_SHELL=/bin/sh parallel --will-cite "$@" <"$in" >gnu.out 2>gnu.err && grc=0 || grc=$?
	assert_no_crash "$prc"
	if [ "$exact" = 0 ]; then
		LC_ALL=C sort pfan.out >pfan.sorted && mv pfan.sorted pfan.out
		LC_ALL=C sort gnu.out >gnu.sorted && mv gnu.sorted gnu.out
	fi
	if ! cmp -s pfan.out gnu.out; then
		echo "pfan and GNU parallel differ for: $*" >&2
		diff -u gnu.out pfan.out | head -40 >&2
		echo "--- pfan stderr:" >&2
		head -20 pfan.err >&2
		return 1
	fi
	if [ "$check_status" = 1 ] && [ "$prc" -ne "$grc" ]; then
		echo "exit status differs for: $*: parallel $grc, pfan $prc" >&2
		head -20 pfan.err >&2
		return 1
	fi
	[ -s gnu.out ] || [ "${ALLOW_EMPTY:-0}" = 1 ] || {
		echo "GNU parallel printed nothing: the case proves nothing" >&2
		return 1
	}
}

# jsonl_valid FILE: every line is one JSON object.
jsonl_valid() {
	need jq
	local n=0 line
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if ! printf '%s\n' "$line" | jq -e 'type == "object"' >/dev/null 2>&1; then
			echo "$1:$n: not a JSON object: $line" >&2
			return 1
		fi
	done <"$1"
}

# Sanitizer builds use several times the memory: RSS bounds mean nothing.
# Starts pfan in the background with its own output files; sets PFAN_PID.
# Its stdin is /dev/null (bash gives background commands that).
pfan_bg() {
	"$PFAN" "$@" >bg.out 2>bg.err &
	PFAN_PID=$!
}

# Waits for the background pfan, sets BG_STATUS (bounded: kills it after
# $1 seconds and fails).
pfan_bg_wait() {
	local limit=${1:-30} i=0
	while kill -0 "$PFAN_PID" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -ge $((limit * 20)) ]; then
			kill -KILL "$PFAN_PID" 2>/dev/null
			wait "$PFAN_PID" 2>/dev/null
			echo "pfan did not end within ${limit}s" >&2
			return 1
		fi
		sleep 0.05
	done
	wait "$PFAN_PID" && BG_STATUS=0 || BG_STATUS=$?
}
