#!/usr/bin/env bats
# --pipe and --pipepart: the input cut into blocks at record boundaries,
# each block one job's stdin.

load lib

setup() {
	pfan_setup
}

teardown() {
	pfan_teardown
}

# gen_lines N SEED: N lines of random lengths (0 to a few hundred bytes,
# some far longer than the small blocks below).
gen_lines() {
	awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed)
		for (i = 0; i < n; i++) {
			len = int(rand() * rand() * 400); if (i % 997 == 5) len = 5000
			s = i ":"; for (j = 0; j < len; j++) s = s substr("abcdefgh", j % 8 + 1, 1)
			print s } }'
}

@test "pipe: the blocks' wc -l add up to the input's lines (random inputs, several --block sizes)" {
	for seed in 1 2 3; do
		gen_lines 3000 "$seed" >in
		want=$(wc -l <in)
		for b in 1k 10k 300k 1M; do
			run -0 --separate-stderr "$PFAN" --pipe --block "$b" -j3 wc -l <in
			got=$(printf '%s\n' "$output" | awk '{ s += $1 } END { print s }')
			[ "$got" = "$want" ] || { echo "seed $seed block $b: $got lines, want $want" >&2; return 1; }
		done
	done
	# More than one block, or the case proves little.
	run -0 "$PFAN" --pipe --block 10k wc -l <in
	[ "${#lines[@]}" -gt 10 ]
}

@test "pipe: every block ends at a record boundary and they join into the input" {
	gen_lines 2000 9 >in
	"$PFAN" --pipe --block 3k 'cat >blk.$PFAN_SEQ' <in
	n=$(ls blk.* | wc -l)
	[ "$n" -gt 10 ]
	for i in $(seq "$n"); do
		[ -s "blk.$i" ]
		[ "$(tail -c1 "blk.$i" | od -An -c | tr -d ' ')" = '\n' ] ||
			{ echo "blk.$i does not end with a newline" >&2; return 1; }
	done
	for i in $(seq "$n"); do cat "blk.$i"; done | cmp - in
}

@test "pipe: --pipe -k cat reproduces the input byte for byte (no final newline too)" {
	gen_lines 5000 4 >in
	printf 'tail without newline' >>in
	"$PFAN" --pipe -k --block 7k -j4 cat <in >out
	cmp in out
	# -N too, and from a pipe rather than a file
	cat in | "$PFAN" --pipe -k -N 13 cat >out2
	cmp in out2
}

@test "pipe: --recstart '>' with a FASTA-like input: each block starts with a record, whole" {
	awk 'BEGIN { srand(5); for (i = 1; i <= 400; i++) { print ">seq" i;
		n = int(rand() * 6) + 1; for (j = 0; j < n; j++) print "ACGTACGTTGCA" } }' >in.fa
	"$PFAN" --pipe --recstart '>' --block 500 'cat >blk.$PFAN_SEQ' <in.fa
	n=$(ls blk.* | wc -l)
	[ "$n" -gt 5 ]
	for i in $(seq "$n"); do
		[ "$(head -c1 "blk.$i")" = '>' ] || { echo "blk.$i starts with $(head -c1 "blk.$i")" >&2; return 1; }
	done
	for i in $(seq "$n"); do cat "blk.$i"; done | cmp - in.fa
	# --recend and --recstart together, -N records a block, against GNU parallel
	pfan_vs_parallel --exact --stdin in.fa --pipe -k --recend '\n' --recstart '>' -N 7 'grep -c ">"; echo =='
}

@test "pipe: -N N gives N records to each block (the last the rest)" {
	seq 1 23 >in
	run -0 "$PFAN" --pipe -N 5 -k 'wc -l' <in
	[ "$(printf '%s\n' "${lines[@]}" | tr -d ' ' | tr '\n' ,)" = "5,5,5,5,3," ]
}

@test "pipe: --header 1 repeats the first line to every block" {
	{ echo 'name,value'; seq 1 10 | sed 's/$/,x/'; } >in.csv
	run -0 "$PFAN" --pipe --header 1 -N 4 -k 'head -1; echo "rows $(($(wc -l) ))"' <in.csv
	# every block: the header, then its rows (the head consumed one line)
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^name,value$')" = 3 ]
	pfan_vs_parallel --exact --stdin in.csv --pipe --header 1 -N 4 -k cat
}

@test "pipe: --pipe and --pipepart -a FILE make GNU parallel's blocks" {
	gen_lines 6000 11 >in
	for b in 1k 10k 100k; do
		pfan_vs_parallel --pipepart -a in --block "$b" 'wc -lc'
	done
	# --pipe: with records shorter than --block (GNU parallel grows its
	# block by 1.3 for a longer one; pfan ends the block after it)
	for b in 10k 100k; do
		pfan_vs_parallel --stdin in --pipe --block "$b" 'wc -lc'
	done
	pfan_vs_parallel --pipepart -a in --header 1 --block 50k 'wc -lc'
	awk 'BEGIN { for (i = 1; i <= 300; i++) { print ">r" i; print "ACGT" i } }' >in.fa
	pfan_vs_parallel --pipepart -a in.fa --recstart '>' --block 100 'md5sum'
}

@test "pipe: --pipepart -k cat reproduces the file; a FIFO or no -a is an error" {
	gen_lines 5000 12 >in
	"$PFAN" --pipepart -a in --block 20k -k cat >out
	cmp in out
	run -255 --separate-stderr "$PFAN" --pipepart --block 1k cat
	assert_pfan_error "$stderr" "--pipepart: give the file with -a FILE"
	mkfifo fifo
	run -255 --separate-stderr "$PFAN" --pipepart -a fifo cat
	assert_pfan_error "$stderr" "needs a regular file"
}

@test "pipe: a failing block is retried with the same bytes (--retries)" {
	gen_lines 1000 13 >in
	# Each block's first attempt reads a little and fails; the second
	# gets the whole block again.
	"$PFAN" --pipe --block 8k -k --retries 2 --joblog jl \
		'if [ -e tried.$PFAN_SEQ ]; then cat; else touch tried.$PFAN_SEQ; head -c 10 >/dev/null; exit 3; fi' \
		<in >out
	cmp in out
	n=$(ls tried.* | wc -l)
	[ "$n" -gt 3 ]
	[ "$(jl_count jl '.status == "failed"')" = "$n" ]
	[ "$(jl_count jl '.status == "ok"')" = "$n" ]
}

@test "pipe: --joblog has a record per block; --resume reruns the blocks not ok" {
	need jq
	seq 1 30 >in
	cmd='cat >blk.$PFAN_SEQ; [ $PFAN_SEQ != 2 ] || [ -e fixed ]'
	run -1 --separate-stderr "$PFAN" --pipe -N 10 --joblog jl "$cmd" <in
	[ "$(jl_count jl true)" = 3 ]
	[ "$(jl_count jl '.status == "ok"')" = 2 ]
	rm blk.*
	touch fixed
	run -0 --separate-stderr "$PFAN" --pipe -N 10 --resume jl "$cmd" <in
	# Only block 2 ran again, with block 2's records.
	[ "$(ls blk.*)" = blk.2 ]
	[ "$(cat blk.2)" = "$(seq 11 20)" ]
	[ "$(jl_count jl '.seq == 2 and .status == "ok"')" = 1 ]
}

@test "pipe: --tag and -k keep block order; --tag's tag is empty as GNU parallel's" {
	seq 1 40 >in
	pfan_vs_parallel --exact --stdin in --pipe -N 7 -k --tag cat
}

@test "pipe: bounded memory: 200 MB through --pipe and --pipepart wc -l under 64 MB of RSS" {
	skip_if_sanitized
	[ -x /usr/bin/time ] || skip "needs /usr/bin/time"
	# ~200 MB of lines, from a pipe; 4 jobs at once.
	awk 'BEGIN { s = sprintf("%0199d", 0); for (i = 0; i < 1000000; i++) print s }' |
		/usr/bin/time -v -o time.txt "$PFAN" --pipe -j4 wc -l >out
	[ "$(awk '{ s += $1 } END { print s }' out)" = 1000000 ]
	rss=$(awk -F: '/Maximum resident/ { print $2 + 0 }' time.txt)
	echo "max RSS ${rss} kB" >&2
	[ "$rss" -lt 65536 ]
	# --pipepart's 100 MB blocks never sit in pfan's memory
	awk 'BEGIN { s = sprintf("%0199d", 0); for (i = 0; i < 1000000; i++) print s }' >big
	/usr/bin/time -v -o time.txt "$PFAN" --pipepart -a big --block 100M -j2 wc -l >out
	[ "$(awk '{ s += $1 } END { print s }' out)" = 1000000 ]
	[ "$(wc -l <out)" -ge 2 ]
	rss=$(awk -F: '/Maximum resident/ { print $2 + 0 }' time.txt)
	echo "--pipepart: max RSS ${rss} kB" >&2
	[ "$rss" -lt 65536 ]
}

@test "pipe: option errors" {
	run -255 --separate-stderr "$PFAN" --pipe
	assert_pfan_error "$stderr" "--pipe: give the command"
	run -255 --separate-stderr "$PFAN" --pipe cat ::: a b
	assert_pfan_error "$stderr" "stdin or one -a FILE"
	run -255 --separate-stderr "$PFAN" --pipe --block 1x cat </dev/null
	assert_pfan_error "$stderr" "block"
	run -255 --separate-stderr "$PFAN" --pipe --header x cat </dev/null
	assert_pfan_error "$stderr" "a number of lines"
}

@test "pipe: a job that reads only part of its block ends normally" {
	seq 1 300000 >in
	run -0 --separate-stderr "$PFAN" --pipe --block 600k -k 'head -1' <in
	[ "${lines[0]}" = 1 ]
	[ "${#lines[@]}" -ge 3 ]
	[ -z "$stderr" ]
}

@test "pipe: a last block of --block bytes exactly with no record end is fed, not dropped" {
	# Found by tests/fuzz/fuzz_pipe: what was left at the input's end
	# when it was --block bytes long and held no boundary made no block.
	printf abcd >in
	run -0 "$PFAN" --pipe --block 4 'wc -c' <in
	[ "$output" = 4 ]
	printf 'ab\ncdef' >in
	run -0 "$PFAN" --pipe --block 4 -k cat <in
	[ "$output" = "$(cat in)" ]
}

@test "pipe: -k does not keep a finished block while an earlier one runs (RSS under 64 MB)" {
	skip_if_sanitized
	[ -x /usr/bin/time ] || skip "needs /usr/bin/time"
	# Block 1's job waits until the input is read through (~200 MB): the
	# other blocks all finish meanwhile, and -k holds their outputs. Their
	# blocks were kept with them: an RSS of the input's size.
	{ awk 'BEGIN { s = sprintf("%0199d", 0); for (i = 0; i < 1000000; i++) print s }'
		touch gen.done; } |
		/usr/bin/time -v -o time.txt "$PFAN" --pipe -k -j4 \
		'if [ $PFAN_SEQ = 1 ]; then i=0; while [ ! -e gen.done ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; fi; wc -l' >out
	[ -e gen.done ]
	[ "$(awk '{ s += $1 } END { print s }' out)" = 1000000 ]
	rss=$(awk -F: '/Maximum resident/ { print $2 + 0 }' time.txt)
	echo "max RSS ${rss} kB" >&2
	[ "$rss" -lt 65536 ]
}

@test "pipe: failed blocks held for --retries past 4 blocks' worth wait in a temp file under --tmpdir, fed again whole" {
	gen_lines 3000 21 >in
	mkdir t
	# Each block's first attempt fails; its second waits until 6 blocks
	# have failed (so 6 are held at once: more than 4 x --block), notes
	# whether pfan (its parent) has the spill file open, and echoes the
	# block back.
	cmd='if [ -e tried.$PFAN_SEQ ]; then
		i=0; while [ "$(ls tried.* | wc -l)" -lt 6 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
		ls -l /proc/$PPID/fd >fds.$PFAN_SEQ 2>/dev/null; cat
	else touch tried.$PFAN_SEQ; exit 3; fi'
	"$PFAN" --pipe --block 1k -j8 -k --retries 2 --tmpdir t --joblog jl "$cmd" <in >out
	cmp in out
	n=$(ls tried.* | wc -l)
	[ "$n" -gt 20 ]
	[ "$(jl_count jl '.status == "failed"')" = "$n" ]
	[ "$(jl_count jl '.status == "ok"')" = "$n" ]
	# Some retries were fed from the file (unlinked at once: t stays empty).
	grep -l "$PWD/t/pfan-pipe.* (deleted)" fds.* >spilled
	echo "$(wc -l <spilled) of $n retries saw the spill file" >&2
	[ -s spilled ]
	[ -z "$(ls -A t)" ]
}

@test "pipe: -N N waits for N records when a read ends at a record's end" {
	# Found by tests/fuzz/fuzz_pipe: a block ended at the end of what was
	# read so far when that was a boundary, so -N 3 gave [a] then [b c]
	# when "a" came before the rest (a writer that flushes each line).
	(echo a; sleep 1; echo b; echo c; sleep 1; echo d) |
		"$PFAN" --pipe -N 3 -k 'echo "[$(tr "\n" " ")]"' >out
	[ "$(cat out)" = "$(printf '[a b c ]\n[d ]')" ]
}

@test "pipe: SIGKILL mid --pipe run, then --resume with the same input: every block ok once, wc -l adds up" {
	need jq
	seq 1 20000 >in
	# Blocks 6 and after hang while the file hang exists (the first run) and
	# end failed once it is gone; the others note their seq and count.
	cmd='n=$(wc -l); if [ -e hang ] && [ $PFAN_SEQ -ge 6 ]; then touch hung.$PFAN_SEQ
		while [ -e hang ]; do sleep 0.05; done; rm hung.$PFAN_SEQ; exit 1; fi
		echo "$PFAN_SEQ $n" >>counts; echo $n; : '$MARK
	touch hang
	pfan_bg -j4 --pipe --block 4k -a in --joblog jl "$cmd"
	wait_for '[ "$(ls hung.* 2>/dev/null | wc -l)" -ge 4 ]' 60
	kill -KILL "$PFAN_PID"
	wait "$PFAN_PID" || true
	# Its jobs die with it or end failed: none is left to write counts.
	rm hang
	wait_for '[ -z "$(pgrep -f "$MARK")" ]' 30
	[ "$(jl_ok_seqs jl | tr '\n' ' ')" = "1 2 3 4 5 " ]

	run -0 --separate-stderr "$PFAN" -j4 --pipe --block 4k -a in --resume jl "$cmd"
	# Only the blocks not recorded ok ran again.
	[ "$(printf '%s\n' "$output" | wc -l)" = $(($(wc -l <counts) - 5)) ]
	n=$(wc -l <counts)
	[ "$n" -gt 20 ]
	[ "$(cut -d' ' -f1 counts | sort -n | tr '\n' ' ')" = "$(seq "$n" | tr '\n' ' ')" ]
	[ "$(awk '{ s += $2 } END { print s }' counts)" = 20000 ]
	[ "$(jl_ok_seqs jl | tr '\n' ' ')" = "$(seq "$n" | tr '\n' ' ')" ]
	jl_ok_dups jl >dups
	[ ! -s dups ]
}
