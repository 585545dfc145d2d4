# tests/lib/common.bash: what the CLI suite (tests/cli/lib.bash) and the
# SSH suite (tests/ssh/harness.bash) share: reading a joblog (with jq) and
# waiting with a bound. Both source it; it has no bats hooks of its own.
#
#   jl_records FILE          the job records (lines with "seq"), compact
#   jl_count FILE FILTER     how many job records match the jq FILTER;
#                            prints nothing (so a numeric test fails) when
#                            FILE is missing or not JSON
#   records FILE             job records so far (0 without the file); no jq,
#                            for polling a joblog that is being written
#   jl_statuses FILE SEQ     the statuses of SEQ's attempts, in file order,
#                            each followed by a space: "host_lost ok "
#   jl_seq_statuses FILE     "SEQ STATUS " of every attempt, by seq
#   jl_ok_seqs FILE          the seqs recorded ok, sorted, one a line
#   jl_ok_dups FILE          the seqs recorded ok more than once
#   jl_ok_once FILE N        every seq 1..N is ok exactly once and no other
#                            seq is; prints the offenders and fails otherwise
#   wait_for CMD [SECS]      evals CMD until it succeeds, SECS (30) at most

jl_records() {
	jq -c 'select(has("seq"))' "$1"
}

jl_count() {
	local n
	# jq -s reads a missing file as no records: say so instead of "0"
	n=$(jq -s "[.[] | select(has(\"seq\")) | select($2)] | length" "$1") || {
		echo "jl_count: cannot read $1 as a joblog" >&2
		return 1
	}
	echo "$n"
}

records() {
	local n
	n=$(grep -c '"seq"' "$1" 2>/dev/null)
	echo "${n:-0}"
}

jl_statuses() {
	jq -r --argjson s "$2" 'select(.seq == $s) | .status' "$1" | tr '\n' ' '
}

jl_seq_statuses() {
	jq -r 'select(has("seq")) | "\(.seq) \(.status)"' "$1" | sort -n | tr '\n' ' '
}

jl_ok_seqs() {
	jq -r 'select(has("seq") and .status == "ok") | .seq' "$1" | sort -n
}

jl_ok_dups() {
	jq -rs '[.[] | select(has("seq") and .status == "ok") | .seq]
		| group_by(.) | map(select(length > 1)) | .[] | .[0]' "$1"
}

jl_ok_once() {
	local bad
	bad=$(jq -rs --argjson n "$2" '
		[ .[] | select(.seq != null and .status == "ok") | .seq ] as $ok
		| [ range(1; $n + 1) as $s | select(($ok | map(select(. == $s)) | length) != 1)
		    | "seq \($s): ok \($ok | map(select(. == $s)) | length) times" ]
		  + [ $ok[] | select(. < 1 or . > $n) | "seq \(.): not an input" ]
		| .[]' "$1") || { echo "# $1: not a joblog jq can read"; return 1; }
	[ -z "$bad" ] && return 0
	echo "# $1:"
	echo "$bad" | sed 's/^/#   /'
	return 1
}

# Not a timing assert: a bound so that a broken pfan fails instead of hangs.
# The bound counts polls, so a slow CMD on a busy machine only waits longer.
wait_for() {
	local cmd=$1 limit=${2:-30} i=0
	while ! eval "$cmd"; do
		i=$((i + 1))
		if [ "$i" -ge $((limit * 20)) ]; then
			echo "gave up waiting for: $cmd" >&2
			return 1
		fi
		sleep 0.05
	done
}

# Whether pfan is built with ASan/UBSan: its RSS is then the sanitizers'.
pfan_sanitized() {
	command -v ldd >/dev/null 2>&1 && ldd "$PFAN" 2>/dev/null | grep -qE 'lib(a|ub)san'
}

skip_if_sanitized() {
	if pfan_sanitized; then
		skip "pfan is built with sanitizers: its RSS is not pfan's"
	fi
}
