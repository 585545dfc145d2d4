#!/usr/bin/env bats
# What a researcher sees while a run goes: --bar, --eta, --progress on
# stderr, redrawn in place on a terminal (tmux stands for one), plain
# lines elsewhere, and the summary at the end. stdout stays the jobs'.

load lib

setup() {
	pfan_setup
}

teardown() {
	if [ -S "${T:-}/tmux.sock" ]; then
		tmux -S "$T/tmux.sock" kill-server 2>/dev/null || true
	fi
	pfan_teardown
}

# in_tmux SCRIPT: runs sh SCRIPT in a detached 100x40 tmux pane, waits
# (at most 120 s) for it to write done.txt, and leaves the screen in
# screen.txt.
in_tmux() {
	need tmux
	printf '%s\nrm -f pane.txt\necho x > done.txt\nexec sleep 600 # %s\n' \
		"$(cat "$1")" "$MARK" >"$T/pane.sh"
	TERM=xterm tmux -S "$T/tmux.sock" -f /dev/null new-session -d -x 100 -y 40 \
		-c "$T" "sh $T/pane.sh"
	local i
	for i in $(seq 1200); do
		[ -e "$T/done.txt" ] && break
		sleep 0.1
	done
	[ -e "$T/done.txt" ] || { echo "the run in tmux did not end" >&2; return 1; }
	tmux -S "$T/tmux.sock" capture-pane -p >"$T/screen.txt"
	echo "--- the screen:" >&2
	cat "$T/screen.txt" >&2
}

@test "--bar on a terminal: one line redrawn in place, ending at 100% with the counts; stdout unchanged" {
	cat >run.sh <<-EOF
	seq 30 | "$PFAN" -k --bar -j4 'sleep 0.05; echo out {}; test {} -le 27' >bar.out
	echo \$? >rc.txt
	EOF
	in_tmux run.sh
	[ "$(cat rc.txt)" = 3 ]
	# The bar's last state, once: redrawn in place, never a line per draw.
	grep -E '^\[=+\] 30/30 100% run 0 fail 3 [0-9.]+/s ETA 0s$' screen.txt
	[ "$(grep -c '/30 ' screen.txt)" = 1 ]
	grep -E '^jobs +30: 27 ok, 3 failed, 0 timed out$' screen.txt
	grep -E '^local +4 +30 +27 +3 ' screen.txt
	# stdout is the jobs' output byte for byte, as without --bar.
	run -3 sh -c "seq 30 | '$PFAN' -k -j4 'sleep 0.05; echo out {}; test {} -le 27' >plain.out"
	cmp bar.out plain.out
	[ "$(wc -l <bar.out)" = 30 ]
}

@test "--progress on a terminal: the host rows redrawn in place, then the summary" {
	cat >run.sh <<-EOF
	seq 12 | "$PFAN" --progress -j3 'sleep 0.05; true {}' >/dev/null
	EOF
	in_tmux run.sh
	[ "$(grep -c '^host  *slots  *running  *done' screen.txt)" = 1 ]
	grep -E '^local +3 +0 +12 +0 +0 +0\.[0-9]{2}s$' screen.txt
	grep -E '^jobs +12: 12 ok' screen.txt
}

@test "--bar to a file: plain lines, no carriage return, no escape" {
	run -0 --separate-stderr sh -c "seq 10 | '$PFAN' --bar --eta --progress -j2 'echo {}' 2>err.txt"
	[ "$(printf '%s\n' "$output" | sort -n | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ]
	cat err.txt
	! grep -q $'\r' err.txt
	! grep -q $'\033' err.txt
	grep -Ex '10/10 100% run 0 fail 0 [0-9.]+/s ETA 0s' err.txt
	grep -Ex 'ETA: 0s Left: 0 AVG: [0-9.]+s' err.txt
	grep -E '^local +2 +0 +10 +0 +0 ' err.txt
	grep -Ex 'pfan summary:' err.txt
}

@test "--summary alone: the summary and no progress line; no summary without it" {
	run -1 --separate-stderr sh -c "'$PFAN' --summary -j2 'exit {}' ::: 0 0 1"
	[ -z "$output" ]
	printf '%s\n' "$stderr"
	[[ "$stderr" == *"jobs      3: 2 ok, 1 failed, 0 timed out"* ]]
	[[ "$stderr" == *"makespan"*"on 2 slots of 1 host"* ]]
	[[ "$stderr" == *"ideal"*"% of the makespan"* ]]
	[[ "$stderr" != *"ETA"* ]]
	# without it: no summary, only the end-of-run line naming the failure
	run -1 --separate-stderr sh -c "'$PFAN' -j2 'exit {}' ::: 0 0 1"
	[ "$stderr" = "pfan: 1 job failed; first: job 3 on local exit 1" ]
}

@test "--bar, --eta and --progress are pfan options now, not GNU-only" {
	run -0 "$PFAN" --help
	[[ "$output" == *"--bar"* && "$output" == *"--eta"* && "$output" == *"--progress"* && "$output" == *"--summary"* ]]
	run -0 "$PFAN" --bar --eta --progress echo ::: a
}
