#!/usr/bin/env bats
# Files staged over the hosts' own connections (SFTP), for a cluster
# without a shared filesystem: pfan runs in a directory of mode 700 that
# the test user cannot read, so a job sees only what was sent to it.
bats_require_minimum_version 1.5.0
load harness

setup_file() {
	ssh_setup_file 2 "Subsystem sftp internal-sftp -l INFO"
}
# Each test stages into a directory of its own in the test user's home
# (--workdir "$WREL", the home's W), named after this suite's sshd
# directory and the test: two suites at once (distcheck's and another)
# share that home, so a test looks at its own directory only.
setup() {
	ssh_harness_revive
	ssh_setup || return 1
	chmod 700 "$T"
	HOME_T=$(getent passwd "$SSH_USER" | cut -d: -f6)
	WREL=pfan-stage.${SSH_DIR##*/}.$BATS_SUITE_TEST_NUMBER
	W=$HOME_T/$WREL
	rm -rf "$W"
	mkdir -m 700 "$W" && chown "$SSH_USER" "$W" || return 1
	cp "$BATS_TEST_DIRNAME/../../examples/job" job
}
teardown() {
	ssh_teardown
	[ -z "${W:-}" ] || rm -rf "$W"
}
teardown_file() { ssh_teardown_file; }

# What is in the test's directory on the hosts (both nodes share it).
home_files() {
	(cd "$W" && find . -mindepth 1 | sort)
}

@test "stage: the per-file job, --trc: outputs byte-identical to a local run, nothing left on the hosts" {
	mkdir data
	for i in $(seq 12); do printf 'line one of %s\nline two\n' "$i" >"data/a$i.txt"; done
	before=$(home_files)
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --joblog jl.jsonl --basefile job \
		--trc '{.}.out' './job < {} > {.}.out' ::: data/a*.txt
	echo "$stderr"
	[ "$status" -eq 0 ]
	for i in $(seq 12); do
		./job <"data/a$i.txt" | cmp - "data/a$i.out"
	done
	# every attempt says what it moved
	[ "$(jq -s '[.[] | select(.seq != null and .status == "ok" and .sent_bytes > 0 and .received_bytes > 0)] | length' jl.jsonl)" -eq 12 ]
	[ "$(home_files)" = "$before" ] || { home_files; false; }
	# no temporary file left here either
	[ -z "$(find . -name '*.pfan-*')" ]
}

@test "stage: names with spaces, quotes, a newline and a leading dash survive both ways" {
	mkdir data
	names=("with space.txt" "it's \"quoted\".txt" "$(printf 'new\nline.txt')" "-dash.txt" '$(touch pwned).txt')
	for n in "${names[@]}"; do printf 'content of %s\n' "$n" >"data/$n"; done
	before=$(home_files)
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --basefile job \
		--trc '{}.out' './job < {} > {}.out' ::: "${names[@]/#/data/}"
	echo "$stderr"
	[ "$status" -eq 0 ]
	for n in "${names[@]}"; do
		./job <"data/$n" | cmp - "data/$n.out"
	done
	[ ! -e pwned ] && [ ! -e "$W/pwned" ] && [ ! -e "$W/data/pwned" ]
	[ "$(home_files)" = "$before" ] || { home_files; false; }
}

@test "stage: the executable bit goes to the host and comes back; /./ cuts the path there" {
	mkdir -p deep/in
	printf '#!/bin/sh\necho ran\n' >deep/in/tool.sh
	chmod 750 deep/in/tool.sh
	ssh_write_hostfile one.yaml 1
	run --separate-stderr "$PFAN" -H one.yaml --workdir "$WREL" --tf 'deep/./{}' --return 'back/./{}.copy' --cleanup \
		'./{} && cp -p {} {}.copy && test -x {}.copy' ::: in/tool.sh
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[ -x back/in/tool.sh.copy ]
	[ "$(stat -c %a back/in/tool.sh.copy)" = "$(stat -c %a deep/in/tool.sh)" ]
	[ ! -e "$W/in" ]
}

@test "stage: a missing local input fails that job alone, with the file and why in the joblog; not retried elsewhere" {
	mkdir data
	printf 'x\n' >data/a1.txt
	printf 'y\n' >data/a3.txt
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --joblog jl.jsonl --retries 3 --basefile job \
		--trc '{.}.out' './job < {} > {.}.out' ::: data/a1.txt data/a2.txt data/a3.txt
	echo "$stderr"
	[ "$status" -eq 1 ]
	grep -F "input 'data/a2.txt': No such file or directory" <<<"$stderr"
	[ "$(jq -s '[.[] | select(.seq == 2)] | length' jl.jsonl)" -eq 1 ]
	jq -se '.[] | select(.seq == 2) | .status == "failed" and (.cause | test("data/a2.txt.*No such file"))' jl.jsonl
	[ -s data/a1.out ] && [ -s data/a3.out ] && [ ! -e data/a2.out ]
}

@test "stage: --basefile is sent once per host, not again when the copy has the same size and mtime" {
	sends() { grep -cE ': --basefile: [1-9][0-9]* bytes sent' <<<"$stderr" || true; }
	# two hosts: each once, before its first job (they share the test
	# user's home, so the second may find the first's copy)
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --debug --basefile job 'echo {} | ./job' ::: $(seq 16)
	[ "$status" -eq 0 ]
	[ "$(grep -cE ': --basefile: [0-9]+ bytes sent' <<<"$stderr")" -eq 2 ]
	[ "$(grep -cE '^pfan: debug: node1: --basefile: ' <<<"$stderr")" -eq 1 ]
	[ "$(stat -c %Y "$W/job")" = "$(stat -c %Y job)" ]
	[ -x "$W/job" ]
	# one host, 4 slots, 16 jobs: sent not at all (the same size and
	# mtime there), then removed at the end with --cleanup
	ssh_write_hostfile one.yaml 4
	run --separate-stderr "$PFAN" -H one.yaml --workdir "$WREL" --debug --basefile job --cleanup 'echo {} | ./job' ::: $(seq 16)
	[ "$status" -eq 0 ]
	[ "$(sends)" -eq 0 ]
	[ ! -e "$W/job" ]
	# missing: sent once
	run --separate-stderr "$PFAN" -H one.yaml --workdir "$WREL" --debug --basefile job 'echo {} | ./job' ::: $(seq 16)
	[ "$status" -eq 0 ]
	[ "$(sends)" -eq 1 ]
	# another mtime here: sent again, once
	touch -d '2001-01-01' job
	run --separate-stderr "$PFAN" -H one.yaml --workdir "$WREL" --debug --basefile job --cleanup 'echo {} | ./job' ::: $(seq 16)
	[ "$status" -eq 0 ]
	[ "$(sends)" -eq 1 ]
	[ ! -e "$W/job" ]
}

@test "stage: --env passes variables to remote jobs in the command (sshd accepts none), quoted" {
	chmod 755 "$T"   # no file staged: jobs run in pfan's directory
	ssh_write_hostfile one.yaml 1
	export STAGE_T_VAL="it's \$(a) \"b\" c"
	run -0 "$PFAN" -H one.yaml --env STAGE_T_VAL ': {}; printf "<%s>" "$STAGE_T_VAL"' ::: 1
	[ "$output" = "<$STAGE_T_VAL>" ]
	# --env _: the environment but the host's own variables (HOME, PATH ...)
	run -0 "$PFAN" -H one.yaml --env _ ': {}; printf "<%s|%s>" "$STAGE_T_VAL" "$HOME"' ::: 1
	[ "$output" = "<$STAGE_T_VAL|$HOME_T>" ]
	# without it the job does not see it
	run -0 "$PFAN" -H one.yaml ': {}; printf "<%s>" "${STAGE_T_VAL-unset}"' ::: 1
	[ "$output" = "<unset>" ]
}

@test "stage: a host lost in the middle of a fetch: the job runs again elsewhere, no partial file here" {
	local size=200000000 lost= n1
	n1=$(grep -c "subsystem 'sftp'" "$SSH_DIR/sshd1/sshd.log" || true)
	# a keepalive bound that pfan's own writes of the file here, which
	# may stall on a busy disk, do not reach
	"$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --keepalive 2 --joblog jl.jsonl --return big.out \
		"head -c $size /dev/zero > big.out; : {}" ::: 1 >out 2>err &
	PFAN_PID=$!
	wait_for '[ -n "$(find . -name ".big.out.pfan-*" -size +100k)" ]' 60 || { ls -la; cat err; false; }
	# the host fetching is the one with a new SFTP session
	if [ "$(grep -c "subsystem 'sftp'" "$SSH_DIR/sshd1/sshd.log")" -gt "$n1" ]; then lost=1; else lost=2; fi
	ssh_sshd_signal "$lost" STOP
	status=0
	wait "$PFAN_PID" || status=$?
	PFAN_PID=
	ssh_sshd_signal "$lost" CONT
	cat err
	[ "$status" -eq 0 ]
	[ "$(stat -c %s big.out)" -eq "$size" ]
	[ -z "$(find . -name '*.pfan-*')" ]
	jq -se --arg h "node$lost" '[.[] | select(.seq == 1)] | (.[0].host == $h and .[0].status == "host_lost" and .[-1].status == "ok" and .[-1].host != $h)' jl.jsonl
	rm -f "$W/big.out"
}

@test "stage: a host lost in the middle of a send: the job runs again elsewhere, once; no partial file under the final name" {
	local size=200000000 lost= n1
	n1=$(grep -c "subsystem 'sftp'" "$SSH_DIR/sshd1/sshd.log" || true)
	# sparse but for its first MB: cheap to make, the same to send
	truncate -s "$size" big.in
	head -c 1048576 /dev/urandom | dd of=big.in conv=notrunc status=none
	"$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --keepalive 2 --joblog jl.jsonl \
		--tf big.in --return '{}.sum' 'cksum < {} > {}.sum' ::: big.in >out 2>err &
	PFAN_PID=$!
	# the temporary file on the host (both nodes share the directory)
	wait_for '[ -n "$(find "$W" -name ".big.in.pfan-*" -size +100k)" ]' 60 || { ls -la "$W"; cat err; false; }
	# the host sending is the one with a new SFTP session
	if [ "$(grep -c "subsystem 'sftp'" "$SSH_DIR/sshd1/sshd.log")" -gt "$n1" ]; then lost=1; else lost=2; fi
	ssh_sshd_signal "$lost" STOP
	status=0
	wait "$PFAN_PID" || status=$?
	PFAN_PID=
	ssh_sshd_signal "$lost" CONT
	cat err
	[ "$status" -eq 0 ]
	# lost on the first host, ok on the other, once
	jq -se --arg h "node$lost" '[.[] | select(.seq == 1)] | (.[0].host == $h and .[0].status == "host_lost" and .[-1].status == "ok" and .[-1].host != $h and ([.[] | select(.status == "ok")] | length) == 1)' jl.jsonl
	# the job read the whole file; its output came back whole
	[ "$(cat big.in.sum)" = "$(cksum < big.in)" ]
	[ -z "$(find . -name '*.pfan-*')" ]
	# on the host, the final name holds the whole file; the lost host's
	# part is under its temporary name only
	cmp big.in "$W/big.in"
	[ -z "$(find "$W" -mindepth 1 ! -name big.in ! -name big.in.sum ! -name '.big.in.pfan-*')" ]
}

@test "stage: a full disk on the host fails the attempt with a clear cause, leaves no partial file, and is retried" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small filesystem"
	mkdir -p "$W/full"
	mount -t tmpfs -o size=256k,mode=0777 pfan-full "$W/full" || skip "cannot mount a tmpfs here"
	mkdir -p src/full
	head -c 1000000 /dev/urandom >src/full/in.bin
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --joblog jl.jsonl --retries 2 \
		--tf 'src/./{}' 'cat {} > /dev/null' ::: full/in.bin
	left=$(ls -A "$W/full")
	umount "$W/full"; rmdir "$W/full"
	echo "$stderr"
	[ "$status" -eq 1 ]
	grep -F "cannot send to '$WREL/full/in.bin'" <<<"$stderr"
	[ "$(jq -s '[.[] | select(.seq == 1 and .status == "failed" and (.cause | test("cannot send to .pfan-stage[^/]*/full/in.bin.")))] | length' jl.jsonl)" -eq 2 ]
	[ -z "$left" ]
}

@test "stage: 1000 small files there and back" {
	mkdir data
	for i in $(seq 1000); do printf 'file %s\n' "$i" >"data/a$i.txt"; done
	before=$(home_files)
	run --separate-stderr "$PFAN" -H "$SSH_HOSTFILE" --workdir "$WREL" --joblog jl.jsonl --basefile job \
		--trc '{.}.out' './job < {} > {.}.out' ::: data/a*.txt
	echo "$stderr" | head -5
	[ "$status" -eq 0 ]
	for i in $(seq 1000); do printf '1: FILE %s\n' "$i"; done >want
	for i in $(seq 1000); do cat "data/a$i.out"; done | cmp - want
	jl_ok_once jl.jsonl 1000
	[ "$(home_files)" = "$before" ] || { home_files; false; }
}

@test "stage: a 1 GB file there and back, in memory that does not grow with it" {
	[ "$(df -Pk . | awk 'NR == 2 { print $4 }')" -gt $((4 * 1024 * 1024)) ] || skip "less than 4 GB free"
	[ -x /usr/bin/time ] || skip "no /usr/bin/time to measure pfan's memory"
	# sparse, with random blocks spread over it
	truncate -s 1G big.bin
	for at in 0 100 500 1023; do
		head -c 1048576 /dev/urandom | dd of=big.bin bs=1M seek="$at" conv=notrunc status=none
	done
	ssh_write_hostfile one.yaml 1
	run --separate-stderr /usr/bin/time -f '%M' -o rss "$PFAN" -H one.yaml --workdir "$WREL" --joblog jl.jsonl \
		--trc '{}.back' 'cp {} {}.back' ::: big.bin
	echo "$stderr"
	[ "$status" -eq 0 ]
	cmp big.bin big.bin.back
	jq -se '.[1].sent_bytes == 1073741824 and .[1].received_bytes == 1073741824' jl.jsonl
	# kilobytes: a few bounded buffers, not the file (a sanitizer build's
	# RSS is the sanitizers' shadow and quarantine: not checked there)
	if pfan_sanitized; then
		echo "# sanitizer build: RSS $(cat rss) kB not checked" >&3
	else
		[ "$(cat rss)" -lt 102400 ]
	fi
	[ ! -e "$W/big.bin" ] && [ ! -e "$W/big.bin.back" ]
}
