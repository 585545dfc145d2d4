#!/usr/bin/env bats
# pfan --report: a run's summary from its joblog, and its timeline as SVG
# and HTML, checked in a real browser (headless Chromium) when there is one.

load lib

setup() {
	pfan_setup
	GEN=$PFAN_SRCDIR/tests/data/genjoblog.awk
}

teardown() {
	pfan_teardown
}

# Chromium and ImageMagick, or a loud skip.
need_browser() {
	CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$CHROMIUM" ] || skip "needs chromium (apt-get install chromium), which is not installed"
	need convert
}

# shoot FILE PNG: a 1200x800 screenshot of FILE, as a user's browser draws it.
shoot() {
	rm -f "$2"
	timeout 300 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
		--user-data-dir="$T/chrome" --window-size=1200,800 \
		--screenshot="$T/$2" "file://$T/$1" >chromium.out 2>&1
	[ -s "$2" ] || { echo "no screenshot of $1:" >&2; tail -20 chromium.out >&2; return 1; }
}

# The DOM Chromium built from FILE: an XML error shows as <parsererror>.
dom() {
	timeout 300 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
		--user-data-dir="$T/chrome" --dump-dom "file://$T/$1" 2>chromium.out
}

# no_parse_error DOM: Chromium read the file as well-formed XML.
no_parse_error() {
	if grep -q parsererror "$1"; then
		echo "Chromium could not parse it:" >&2
		grep -o 'parsererror.\{0,300\}' "$1" >&2
		return 1
	fi
}

# pixels PNG: its pixels as "rrggbb" lines, through a binary PPM (what
# `convert FILE.png ppm:-` writes: three header lines, then RGB bytes).
pixels() {
	convert "$1" ppm:- | {
		read -r magic && read -r _ && read -r _ || return 1
		[ "$magic" = P6 ] || { echo "not a binary PPM: $magic" >&2; return 1; }
		od -An -v -tx1 | awk '{ for (i = 1; i <= NF; i++) { c = c $i;
			if (++k % 3 == 0) { print c; c = "" } } }'
	}
}
# colours: how many distinct ones (a blank page has one).
colours() { sort -u "$1" | wc -l; }
has_colour() { grep -qix "$2" "$1" || { echo "no pixel of #$2" >&2; return 1; }; }

# The bars of an SVG: one <rect class="b STATUS"> per attempt.
bars() { grep -o '<rect class="b [a-z_]*"' "$1" | wc -l; }

# A real run: ok jobs, one that fails, one killed by --timeout (4 s: the
# ok jobs' 0.7 s at most must not meet it on a busy machine).
real_run() {
	run -2 "$PFAN" -j3 --timeout 4 --joblog jl \
		'case {} in 4) exit 3;; 5) sleep 30;; *) sleep 0.{};; esac; echo "<&>"' ::: 1 2 3 4 5 6 7
}

@test "report: a real run's jobs, makespan and host line" {
	real_run
	run -0 "$PFAN" --report jl
	assert_match "$output" '^pfan report: jl, run 1 of 1 \(pfan [0-9.]+\)$'
	assert_match "$output" '^jobs      7: 5 ok, 1 failed, 1 timed out$'
	assert_match "$output" '^attempts  7: 0 lost and rerun, 0 retried$'
	assert_match "$output" '^makespan  [0-9.]+ s on 3 slots of 1 host$'
	assert_match "$output" '^ideal     [0-9.]+ s \(runtimes [0-9.]+ s / 3 slots\): [0-9]+% of the makespan$'
	assert_match "$output" '^local +3 +7 +5 +1 +1 +0 +[0-9.]+ s +[0-9]+%$'
	[ "$(printf '%s\n' "$output" | wc -l)" -le 24 ]
}

@test "report: the last run by default, --report-run N for another" {
	"$PFAN" --joblog jl true ::: 1 2
	run -3 "$PFAN" --joblog jl false ::: 1 2 3
	run -0 "$PFAN" --report jl
	assert_match "$output" '^pfan report: jl, run 2 of 2 '
	assert_match "$output" '^jobs      3: 0 ok, 3 failed, 0 timed out$'
	run -0 "$PFAN" --report jl --report-run 1
	assert_match "$output" '^pfan report: jl, run 1 of 2 '
	assert_match "$output" '^jobs      2: 2 ok, 0 failed, 0 timed out$'
	run -255 "$PFAN" --report jl --report-run 3
	assert_pfan_error "$output" 'jl: no run 3 \(it has 2\)$'
}

@test "report: jobs given up as no_status or no_host are counted, each attempt once" {
	cat >jl <<-'EOT'
	{"pfan":"0.1.0","argv":["pfan","x",":::","1","2","3"],"cwd":"/tmp","start":1795969987.684}
	{"seq":1,"attempt":1,"host":"h1","slot":1,"cmd":"x 1","args":["1"],"start":1795969987.686,"runtime":1.0,"exit":0,"signal":null,"status":"ok","final":true,"stdout_bytes":0,"stderr_bytes":0}
	{"seq":2,"attempt":1,"host":"h1","slot":1,"cmd":"x 2","args":["2"],"start":1795969988.686,"runtime":1.0,"exit":null,"signal":null,"status":"no_status","final":true,"stdout_bytes":0,"stderr_bytes":0}
	EOT
	# a no_status job was counted past the end of the table of statuses,
	# into the attempts: "attempts 3" for these 2
	run -0 "$PFAN" --report jl
	assert_match "$output" '^attempts  2: 0 lost and rerun, 0 retried$'
	assert_match "$output" '^jobs      2: 1 ok, 0 failed, 0 timed out, 1 no status$'
	cat >>jl <<-'EOT'
	{"seq":3,"attempt":1,"host":"h2","slot":0,"cmd":"x 3","args":["3"],"start":null,"runtime":null,"exit":null,"signal":null,"status":"no_host","final":true,"stdout_bytes":0,"stderr_bytes":0}
	EOT
	run -0 "$PFAN" --report jl
	assert_match "$output" '^jobs      3: 1 ok, 0 failed, 0 timed out, 1 no status, 1 no host$'
	assert_match "$output" '^attempts  3: 0 lost and rerun, 0 retried$'
}

@test "report: mistakes are pfan's own errors" {
	run -255 "$PFAN" --report nonexistent
	assert_pfan_error "$output" 'nonexistent: No such file or directory$'
	run -255 "$PFAN" --svg x.svg
	assert_pfan_error "$output" '--svg needs --report JOBLOG$'
	[ ! -e x.svg ]
	printf '{"seq":1}\n' >bad
	run -255 "$PFAN" --report bad
	assert_pfan_error "$output" 'bad:1: cmd is missing$'
	: >empty
	run -255 "$PFAN" --report empty
	assert_pfan_error "$output" 'empty: the joblog has no run in it$'
	"$PFAN" --joblog jl true ::: 1
	run -255 "$PFAN" --report jl echo hi
	assert_pfan_error "$output" 'runs nothing: no command'
	run -255 "$PFAN" --report jl --svg /nonexistent/x.svg
	assert_pfan_error "$output" '/nonexistent/x.svg: No such file or directory$'
}

@test "report: 100 hosts fold into a few lines, a failing one apart" {
	awk -v hosts=100 -v slots=4 -v attempts=2000 -v bad=37 -f "$GEN" >big.jsonl
	run -0 "$PFAN" --report big.jsonl
	[ "$(printf '%s\n' "$output" | wc -l)" -le 24 ]
	assert_match "$output" '^node\[001-036,038-100\] \(99\) +396 '
	assert_match "$output" '^node037 +4 +20 +[0-9]+ +[0-9]+ '
	assert_match "$output" '^jobs      [0-9]+: [0-9]+ ok, [0-9]+ failed, [0-9]+ timed out, [0-9]+ killed, [0-9]+ output lost$'
	assert_match "$output" '^attempts  2000: [0-9]+ lost and rerun, 0 retried$'
	assert_match "$output" '^node\[[0-9,-]+\] \([0-9]+\) '
	# every host is on exactly one line: the counts add up to 100
	n=$(printf '%s\n' "$output" | sed -n 's/^node.*\] (\([0-9]*\)) .*/\1/p; s/^node[0-9]* .*/1/p' |
		awk '{ s += $1 } END { print s }')
	[ "$n" -eq 100 ]
}

@test "report: the SVG of a real run draws in Chromium, one bar per attempt" {
	need_browser
	real_run
	run -0 "$PFAN" --report jl --svg run.svg --html run.html
	[ "$(bars run.svg)" -eq "$(grep -c '"seq"' jl)" ]
	[ "$(bars run.svg)" -eq 7 ]
	grep -q '<title>.*&lt;&amp;&gt;' run.svg
	# nothing to fetch: the only URL is the SVG namespace
	[ "$(grep -hEo '(https?|ftp)://[^"]*' run.svg run.html | sort -u)" = "http://www.w3.org/2000/svg" ]
	shoot run.svg shot.png
	pixels shot.png >px
	c=$(colours px)
	[ "$c" -gt 20 ] || { echo "only $c colours: a blank picture?" >&2; return 1; }
	has_colour px 59A14F   # ok
	has_colour px E15759   # failed
	has_colour px F28E2B   # timeout
	dom run.svg >dom.txt
	no_parse_error dom.txt
	[ "$(grep -o '<rect class="b ' dom.txt | wc -l)" -eq 7 ]
	dom run.html >dom.txt
	[ "$(grep -o '<rect class="b ' dom.txt | wc -l)" -eq 7 ]
}

@test "report: commands with markup and bytes that are not UTF-8 still make a valid SVG" {
	need_browser
	run -0 "$PFAN" --joblog jl 'true {}' ::: '<b>"x" & '"'y'" "$(printf 'caf\351 \001')"
	run -0 "$PFAN" --report jl --svg odd.svg
	dom odd.svg >dom.txt
	no_parse_error dom.txt
	[ "$(grep -o '<rect class="b ' dom.txt | wc -l)" -eq 2 ]
	grep -q '&lt;b&gt;&quot;x&quot; &amp; ' odd.svg
	# the Latin-1 byte and the control character became U+FFFD
	grep -qF "$(printf 'caf\357\277\275 \357\277\275')" odd.svg
}

@test "report: 10,000 attempts on 1200 slots render in Chromium" {
	need_browser
	awk -v hosts=100 -v slots=12 -v attempts=10000 -f "$GEN" >big.jsonl
	run -0 "$PFAN" --report big.jsonl --svg big.svg --html big.html
	[ "$(bars big.svg)" -eq 10000 ]
	[ "$(bars big.html)" -eq 10000 ]
	shoot big.svg big.png
	pixels big.png >px
	c=$(colours px)
	[ "$c" -gt 20 ] || { echo "only $c colours: a blank picture?" >&2; return 1; }
	has_colour px 59A14F
	dom big.svg >dom.txt
	no_parse_error dom.txt
	[ "$(grep -o '<rect class="b ' dom.txt | wc -l)" -eq 10000 ]
}
