#!/usr/bin/env bats
# Pinned JSONL jobs over four real sshd "hosts": a job with "host" or
# "tags" runs only on a host it allows (retries too), waits for a slot
# there without holding back the jobs behind it, and ends no_host when
# every host it may run on is given up, while the run goes on.
bats_require_minimum_version 1.5.0
load harness

setup_file() { ssh_setup_file 4; }
setup() {
	ssh_setup
	# the last test kills an sshd
	ssh_harness_revive
	# jobs are pinned only through --json-jobs' "host" and "tags"
	"$PFAN" --help | grep -q -- '--json-jobs' ||
		skip "this pfan has no --json-jobs: no way to pin a job"
}
teardown() { ssh_teardown; }
teardown_file() { ssh_teardown_file; }

# write_tagged FILE SLOTS: node1..node4 with SLOTS slots each, tagged
#   node1 gpu, node2 none, node3 gpu, node4 ssd.
write_tagged() {
	local tags=("" "[gpu]" "[]" "[gpu]" "[ssd]") i=0 line
	ssh_write_hostfile "$1.plain" "$2" "$2" "$2" "$2"
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		*'slots: '*) i=$((i + 1)); printf '    tags: %s\n' "${tags[$i]}" ;;
		esac
	done <"$1.plain" >"$1"
}

# add_refusing FILE: a host "refusing" (tagged dead) whose port nothing
# listens on: it is given up for the run.
add_refusing() {
	local port
	port=$(ssh_harness_free_port)
	while { exec 9<>"/dev/tcp/127.0.0.3/$port"; } 2>/dev/null; do
		exec 9<&- 9>&-
		port=$(ssh_harness_free_port)
	done
	cat >>"$1" <<-EOT
	  - name: refusing
	    address: 127.0.0.3
	    port: $port
	    slots: 1
	    tags: [dead]
	EOT
}

# job CMD [JQ-EXPR]: one JSONL job line, CMD as its "cmd", the object
# extended by JQ-EXPR (e.g. '{host: ["node2"]}').
job() {
	jq -nc --arg c "$1" "{cmd: \$c} + (${2:-{\}})"
}

# The seqs whose host the joblog says is not one the job allows: each
# record's job object (.job) carries the job's "host" and "tags"; TAGS
# is the hostfile's tags by host, as JSON.
TAGS='{"node1":["gpu"],"node2":[],"node3":["gpu"],"node4":["ssd"],"refusing":["dead"]}'
misplaced() {
	jq -r --argjson tags "$TAGS" 'select(has("seq")) | . as $r
		| ($r.job.host // []) as $h | ($r.job.tags // []) as $t
		| select(($h | length) + ($t | length) > 0)
		| select((($h | index($r.host)) == null) and
		    ([($tags[$r.host] // [])[] | select(. as $x | $t | index($x))] | length) == 0)
		| "seq \(.seq) on \(.host)"' "$1"
}

@test "affinity: each pinned job runs only on a host it names or that carries one of its tags" {
	write_tagged hosts.yaml 2
	{
		for i in 1 2 3 4; do job "echo n2 $i" '{host: ["node2"]}'; done
		for i in 1 2 3 4; do job "echo gpu $i" '{tags: ["gpu"]}'; done
		for i in 1 2; do job "echo n4gpu $i" '{host: ["node4"], tags: ["gpu"]}'; done
		for i in 1 2; do job "echo any $i"; done
	} >jobs.jsonl
	run --separate-stderr "$PFAN" -H hosts.yaml --json-jobs jobs.jsonl --joblog jl.jsonl
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	jl_ok_once jl.jsonl 12
	# every record carries its job's object, which misplaced reads
	[ "$(jl_count jl.jsonl '.job.cmd | not')" -eq 0 ]
	local bad
	bad=$(misplaced jl.jsonl)
	[ -z "$bad" ] || { echo "ran where not allowed: $bad"; return 1; }
	# the joblog's own account, independent of the check above
	[ "$(jl_count jl.jsonl '.seq <= 4 and .host != "node2"')" -eq 0 ]
	[ "$(jl_count jl.jsonl '.seq >= 5 and .seq <= 8 and .host != "node1" and .host != "node3"')" -eq 0 ]
}

@test "affinity: a failing pinned job is retried on its host only" {
	write_tagged hosts.yaml 1
	job 'echo $PFAN_HOST; exit 3' '{host: ["node3"]}' >jobs.jsonl
	run --separate-stderr "$PFAN" -H hosts.yaml --retries 3 --json-jobs jobs.jsonl --joblog jl.jsonl
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[ "$(jl_statuses jl.jsonl 1)" = "failed failed failed " ]
	[ "$(jq -r 'select(has("seq")) | .host' jl.jsonl | tr '\n' ' ')" = "node3 node3 node3 " ]
}

@test "affinity: jobs pinned to a busy host do not hold back the jobs behind them" {
	write_tagged hosts.yaml 1
	ssh_share_dir
	# Job 1 holds node1's one slot until the 9 free jobs have all run;
	# jobs 2-4, pinned there too, wait behind it, ahead of the free jobs
	# in the input. Were the queue blocked by them, job 1 would give up
	# after 60 s (exit 9).
	local d=$SSH_SHARE
	{
		job "i=0; while [ \$(ls $d | grep -c '^free') -lt 9 ]; do [ \$i -lt 1200 ] || exit 9; sleep 0.05; i=\$((i + 1)); done" '{host: ["node1"]}'
		for i in 2 3 4; do job "echo pinned $i" '{host: ["node1"]}'; done
		for i in $(seq 5 13); do job "touch $d/free.$i" ; done
	} >jobs.jsonl
	run --separate-stderr "$PFAN" -H hosts.yaml --json-jobs jobs.jsonl --joblog jl.jsonl
	echo "$stderr"
	[ "$status" -eq 0 ]
	jl_ok_once jl.jsonl 13
	# the pinned jobs on node1, the free ones on the three others
	[ "$(jl_count jl.jsonl '.seq <= 4 and .host == "node1"')" -eq 4 ]
	[ "$(jl_count jl.jsonl '.seq >= 5 and .host == "node1"')" -eq 0 ]
	# in the joblog's order: the 9 free jobs, then job 1, then jobs 2-4
	local order
	order=$(jq -r 'select(has("seq")) | .seq' jl.jsonl | tr '\n' ' ')
	echo "order: $order"
	[ "$(echo "$order" | cut -d' ' -f10)" = 1 ]
	[ "$(echo "$order" | cut -d' ' -f1-9 | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "5 6 7 8 9 10 11 12 13 " ]
}

@test "affinity: a job whose every allowed host is given up ends no_host; the run goes on; --resume runs it again" {
	write_tagged hosts.yaml 2
	add_refusing hosts.yaml
	{
		job 'echo lost 1' '{host: ["refusing"]}'
		job 'echo lost 2' '{tags: ["dead"]}'
		job 'echo either $PFAN_HOST' '{host: ["refusing", "node2"]}'
		for i in 4 5 6; do job "echo free $i"; done
	} >jobs.jsonl
	run --separate-stderr "$PFAN" -H hosts.yaml --json-jobs jobs.jsonl --joblog jl.jsonl
	echo "$output"
	echo "$stderr"
	# the two no_host jobs count as failed
	[ "$status" -eq 2 ]
	[ "$(jl_seq_statuses jl.jsonl)" = "1 no_host 2 no_host 3 ok 4 ok 5 ok 6 ok " ]
	[ "$(jl_count jl.jsonl '.status == "no_host" and .host == "refusing" and .final and .slot == 0 and .exit == null')" -eq 2 ]
	[ "$(jq -r 'select(.seq == 3) | .host' jl.jsonl)" = node2 ]
	[ "$(jl_count jl.jsonl '.seq >= 4 and .host == "refusing"')" -eq 0 ]
	grep -q 'refusing' <<<"$stderr"
	# the host comes back (node2's sshd under that name): a resume runs
	# the no_host jobs there, and nothing that was ok
	write_tagged hosts.yaml 2
	cat >>hosts.yaml <<-EOT
	  - name: refusing
	    address: ${SSH_ADDR[2]}
	    port: ${SSH_PORT[2]}
	    slots: 1
	    tags: [dead]
	EOT
	run --separate-stderr "$PFAN" -H hosts.yaml --json-jobs jobs.jsonl --resume jl.jsonl
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "lost 1 lost 2 " ]
	[ "$(jq -r 'select(has("seq")) | "\(.seq) \(.status) \(.host)"' jl.jsonl | tail -2 | sort | tr '\n' ' ')" = "1 ok refusing 2 ok refusing " ]
}

@test "affinity: a pinned job whose host is lost for good while it runs is not run elsewhere: host_lost, then no_host" {
	write_tagged hosts.yaml 2
	{
		job 'sleep 30; echo never' '{host: ["node3"]}'
		for i in 2 3 4 5; do job "echo free $i"; done
	} >jobs.jsonl
	"$PFAN" -H hosts.yaml --json-jobs jobs.jsonl --joblog jl.jsonl >out 2>err &
	local pid=$! rc=0
	PFAN_PID=$pid
	ssh_wait_procs 30 1 'sleep 30' node3
	ssh_sshd_signal 3 KILL
	wait "$pid" || rc=$?
	cat out
	cat err
	[ "$rc" -eq 1 ]
	[ "$(jl_statuses jl.jsonl 1)" = "host_lost no_host " ]
	[ "$(jl_count jl.jsonl '.seq == 1 and .host != "node3"')" -eq 0 ]
	[ "$(jl_count jl.jsonl '.seq == 1 and .status == "host_lost" and .final == false')" -eq 1 ]
	[ "$(jl_count jl.jsonl '.seq == 1 and .status == "no_host" and .final')" -eq 1 ]
	[ "$(jl_ok_seqs jl.jsonl | tr '\n' ' ')" = "2 3 4 5 " ]
	ssh_wait_no_user_procs 15
}
