/* agentscript.c: the remote agent's program (agentscript.h), sent down
 * its channel by sshagent.c as `exec perl -e 'TEXT'`.
 *
 * Two parts. The agent itself is perl: it must read many pipes at once,
 * wait for whichever job ends first and put each job's processes where a
 * cancel reaches them and nothing else, and sh can do none of these
 * without a terminal. perl is on every host GNU parallel runs jobs on
 * (it needs perl there too). The jobs run in slot shells: each a login
 * shell (`$SHELL -c` with a short loop, its $0 the shell's name as sshd
 * gives it, so that its messages read as the wrapper's) that the agent
 * forks once, in a
 * process group of its own, and reuses for job after job, so a job costs
 * the host a fork of a small shell, not of perl and not an exec of a new
 * shell. A slot shell reads a job's text up to a line only this agent
 * knows, then evals it:
 *
 *   ([mkdir -p -m 700 -- DIR;] [cd -- DIR || { echo d >&3; exit 0; }]
 *    exec 3>&-; export PFAN_SEQ=.. PFAN_SLOT=.. PARALLEL_SEQ=..
 *    PARALLEL_JOBSLOT=.. PFAN_HOST=..
 *    eval 'CMD'  |  exec "${SHELL:-/bin/sh}" -c 'CMD' sh
 *   ) </dev/null >FIFO.o 2>FIFO.e
 *   echo x $? >&3
 *
 * which is the wrapper's own (sshwrap.c) without what a channel needs: a
 * plain job (pfan says which, sshwrap_inline_ok) is eval'd, any other
 * runs in a child shell; the subshell keeps the slot shell as it was; a
 * missing directory is said on fd 3, the status pipe, before the job
 * could run; a job killed by signal N is the shell's exit 128+N. Its
 * stdout and stderr are two FIFOs the agent made for it (in a private
 * directory under $TMPDIR or /tmp) and opened both ways first, so that
 * its read ends see EOF only after the job's status came and every
 * process that holds them (a background child of the job) closed them:
 * the job's output is whole before its status, as on a channel. A cancel
 * (K) sends TERM to the slot's group (the slot shell dies with its job;
 * the next job gets a new one) and KILL after the wrapper's grace.
 * Before its greeting the agent runs one line in its first slot shell:
 * a login shell that cannot (not a POSIX sh) makes it exit with a
 * message instead, so that the host falls back to a channel per job.
 *
 * Kill on loss. When stdin ends or stdout fails (pfan closed the channel,
 * died, or the connection dropped) the agent does the same to every
 * slot's group, removes its directory, then exits; SIGPIPE is ignored in the agent, so a
 * write to a dead channel is an error it sees, not its death. And its
 * death, however it comes (SIGKILL, the OOM killer), must kill its jobs
 * too, which live in groups of their own: a watcher, forked first, reads
 * from the agent a line per slot group that starts (+PGID) and ends
 * (-PGID); when that pipe reaches EOF (the agent is gone, whichever way)
 * it sends TERM and then KILL to every group still listed and removes the
 * FIFOs' directory. It holds neither end of the channel, so it never
 * keeps the channel open.
 *
 * A connection may carry jobs that print nothing for hours, and sshd's
 * ChannelTimeout closes a channel with no traffic: the agent's closing
 * would kill every job on it. So after AGENTPROTO_HEARTBEAT seconds with
 * nothing to send the agent sends an H frame.
 */
#include "agentproto.h"
#include "agentscript.h"
#include "sshwrap.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* No single quote (sq() makes them from chr 39): the whole goes inside one. */
static const char agent_script[] =
    "use POSIX ();\n"
    "$SIG{PIPE} = q{IGNORE};\n"
    "my $GRACE = " STR(SSHWRAP_KILL_GRACE) ";\n"
    "my $HEARTBEAT = " STR(AGENTPROTO_HEARTBEAT) ";\n"
    "my $SH = $ENV{SHELL} || q{/bin/sh};\n"
    "my $Q = chr 39;\n"
    "my $GO = q{__pfan_go_} . int(rand(1e9)) . $$;\n"
    "my $DIR;\n"
    "for my $i (0 .. 99) {\n"
    "\t$DIR = ($ENV{TMPDIR} || q{/tmp}) . qq{/pfan-agent.$$.$i};\n"
    "\tlast if mkdir $DIR, 0700;\n"
    "\tdie qq{cannot make $DIR: $!\\n} if $i == 99 || !$!{EEXIST};\n"
    "}\n"
    "sub sq { my $s = shift; $s =~ s/$Q/$Q\\\\$Q$Q/g; $Q . $s . $Q }\n"
    "sub clean {\n"
    "\topendir my $dh, $DIR or return;\n"
    "\tunlink map { qq{$DIR/$_} } grep { !/\\A\\.\\.?\\z/ } readdir $dh;\n"
    "\trmdir $DIR;\n"
    "}\n"
    "pipe my $lr, my $lw or die qq{pipe: $!\\n};\n"
    "my $watcher = fork;\n"
    "die qq{fork: $!\\n} unless defined $watcher;\n"
    "if (!$watcher) {\n"
    "\tclose $lw; close STDIN; close STDOUT;\n"
    "\topen STDERR, q{>}, q{/dev/null};\n"
    "\tmy (%g, $wb);\n"
    "\t$wb = q{};\n"
    "\twhile (sysread $lr, $wb, 4096, length $wb) {\n"
    "\t\twhile ($wb =~ s/\\A([-+])(\\d+)\\n//) { $g{$2} += $1 eq q{+} ? 1 : -1; delete $g{$2} unless $g{$2} }\n"
    "\t}\n"
    "\tif (%g) {\n"
    "\t\tkill TERM => -$_ for keys %g;\n"
    "\t\tselect undef, undef, undef, $GRACE;\n"
    "\t\tkill KILL => -$_ for keys %g;\n"
    "\t}\n"
    "\tclean();\n"
    "\tPOSIX::_exit(0);\n"
    "}\n"
    "close $lr;\n"
    "sub tell_watcher { syswrite $lw, $_[0] }\n"
    "my (%job, %fds, @idle, %slots, @dying);\n"
    "my $in = q{};\n"
    "my $said = time;\n"
    "binmode STDIN; binmode STDOUT;\n"
    "sub put {\n"
    "\tmy $d = shift;\n"
    "\twhile (length $d) {\n"
    "\t\tmy $n = syswrite STDOUT, $d;\n"
    "\t\tif (!defined $n) { next if $!{EINTR}; quit() }\n"
    "\t\tsubstr($d, 0, $n, q{});\n"
    "\t}\n"
    "\t$said = time;\n"
    "}\n"
    "sub quit {\n"
    "\tmy @g = ((keys %slots), (map { $_->[0] } @dying));\n"
    "\tif (@g) {\n"
    "\t\tkill TERM => -$_ for @g;\n"
    "\t\tselect undef, undef, undef, $GRACE;\n"
    "\t\tkill KILL => -$_ for @g;\n"
    "\t}\n"
    "\tclean();\n"
    "\texit 0;\n"
    "}\n"
    "my $slot_script = q{while :; do __pfan_c=; while IFS= read -r __pfan_l || exit 0; [ \"$__pfan_l\" != } .\n"
    "    $GO . qq{ ]; do __pfan_c=\"\\$__pfan_c\\$__pfan_l\\n\"; done; eval \"\\$__pfan_c\"; done};\n"
    "sub new_slot {\n"
    "\tpipe my $cr, my $cw or return;\n"
    "\tpipe my $sr, my $sw or return;\n"
    "\tmy $pid = fork;\n"
    "\treturn unless defined $pid;\n"
    "\tif (!$pid) {\n"
    "\t\tPOSIX::setpgid(0, 0);\n"
    "\t\t$SIG{PIPE} = q{DEFAULT};\n"
    "\t\tPOSIX::dup2(fileno $cr, 0);\n"
    "\t\tPOSIX::dup2(fileno $sw, 3);\n"
    "\t\topen STDOUT, q{>}, q{/dev/null};\n"
    "\t\topen STDERR, q{>}, q{/dev/null};\n"
    "\t\t(my $zero = $SH) =~ s{.*/}{};\n"
    "\t\texec { $SH } $zero, q{-c}, $slot_script;\n"
    "\t\tPOSIX::_exit(127);\n"
    "\t}\n"
    "\tclose $cr; close $sw;\n"
    "\tmy $old = select $cw; $| = 1; select $old;\n"
    "\ttell_watcher(qq{+$pid\\n});\n"
    "\tmy $s = { pid => $pid, cmd => $cw, st => $sr };\n"
    "\t$slots{$pid} = $s;\n"
    "\treturn $s;\n"
    "}\n"
    "sub start {\n"
    "\tmy ($id, $p, $again) = @_;\n"
    "\tmy ($seq, $slot, $host, $dir, $mk, $inl, $cmd) = split /\\0/, $p, 7;\n"
    "\tmy $s = pop @idle || new_slot() or return put(qq{X $id f 0\\n});\n"
    "\tmy $fo = qq{$DIR/$id.o};\n"
    "\tmy $fe = qq{$DIR/$id.e};\n"
    "\tmy (%h, $ok);\n"
    "\t$ok = POSIX::mkfifo($fo, 0600) && POSIX::mkfifo($fe, 0600);\n"
    "\tfor my $f ($fo, $fe) {\n"
    "\t\tlast unless $ok;\n"
    "\t\t$ok = sysopen($h{$f}{r}, $f, POSIX::O_RDONLY() | POSIX::O_NONBLOCK()) &&\n"
    "\t\t    sysopen($h{$f}{w}, $f, POSIX::O_WRONLY() | POSIX::O_NONBLOCK());\n"
    "\t}\n"
    "\tif (!$ok) { unlink $fo, $fe; push @idle, $s; return put(qq{X $id f 0\\n}) }\n"
    "\tmy $t = q{(};\n"
    "\tif (length $dir) {\n"
    "\t\tmy $d = sq($dir =~ m{^/} ? $dir : qq{./$dir});\n"
    "\t\t$t .= qq{mkdir -p -m 700 -- $d 2>/dev/null\\n} if $mk;\n"
    "\t\t$t .= qq{cd -- $d 2>/dev/null || { echo d >&3; exit 0; }\\n};\n"
    "\t}\n"
    "\t$t .= qq{exec 3>&-\\nexport PFAN_SEQ=$seq PFAN_SLOT=$slot PARALLEL_SEQ=$seq PARALLEL_JOBSLOT=$slot PFAN_HOST=} . sq($host) . qq{\\n};\n"
    "\t$t .= $inl ? q{eval } . sq($cmd) . qq{\\n} : q{exec \"${SHELL:-/bin/sh}\" -c } . sq($cmd) . qq{ sh\\n};\n"
    "\t$t .= q{) </dev/null >} . sq($fo) . q{ 2>} . sq($fe) . qq{\\necho x \\$? >&3\\n$GO\\n};\n"
    "\tmy $j = { id => $id, slot => $s, open => 3, w => [$h{$fo}{w}, $h{$fe}{w}], files => [$fo, $fe] };\n"
    "\t$job{$id} = $j;\n"
    "\t$fds{fileno $h{$fo}{r}} = [$j, q{O}, $h{$fo}{r}];\n"
    "\t$fds{fileno $h{$fe}{r}} = [$j, q{E}, $h{$fe}{r}];\n"
    "\t$fds{fileno $s->{st}} = [$j, q{S}, $s->{st}];\n"
    "\treturn if defined syswrite $s->{cmd}, $t;\n"
    "\tdelete $fds{fileno $_->[2]} for grep { $_->[0] == $j } values %fds;\n"
    "\tclose $h{$_}{r} for $fo, $fe;\n"
    "\tstatus_done($j);\n"
    "\tdelete $job{$id};\n"
    "\tretire($s);\n"
    "\treturn start($id, $p, 1) unless $again;\n"
    "\tput(qq{X $id f 0\\n});\n"
    "}\n"
    "sub retire {\n"
    "\tmy $s = shift;\n"
    "\treturn if $s->{gone}++;\n"
    "\tdelete $slots{$s->{pid}};\n"
    "\t@idle = grep { $_ != $s } @idle;\n"
    "\tif (my $e = delete $fds{fileno $s->{st}}) { $e->[0]{open}--; $e->[0]{lost} = 1; status_done($e->[0]) }\n"
    "\tclose $s->{cmd}; close $s->{st};\n"
    "\tkill TERM => -$s->{pid};\n"
    "\tpush @dying, [$s->{pid}, time + $GRACE + 1];\n"
    "}\n"
    "sub parse {\n"
    "\twhile (1) {\n"
    "\t\tif ($in =~ /\\AK (\\d+)\\n/) {\n"
    "\t\t\tmy $j = $job{$1};\n"
    "\t\t\tsubstr($in, 0, length $&, q{});\n"
    "\t\t\tnext if !$j || $j->{kill}++;\n"
    "\t\t\tretire($j->{slot});\n"
    "\t\t\tnext;\n"
    "\t\t}\n"
    "\t\tlast unless $in =~ /\\AJ (\\d+) (\\d+)\\n/;\n"
    "\t\tmy ($id, $len, $h) = ($1, $2, length $&);\n"
    "\t\tlast if length($in) < $h + $len;\n"
    "\t\tstart($id, substr $in, $h, $len);\n"
    "\t\tsubstr($in, 0, $h + $len, q{});\n"
    "\t}\n"
    "\tquit() if length($in) > 64 && $in !~ /\\AJ \\d+ \\d+\\n/;\n"
    "}\n"
    "sub status_done {\n"
    "\tmy $j = shift;\n"
    "\tunlink @{$j->{files}};\n"
    "\tclose $_ for @{$j->{w}};\n"
    "\t$j->{w} = [];\n"
    "}\n"
    "{\n"
    "\tmy $s = new_slot() or die qq{cannot start a shell: $!\\n};\n"
    "\tsyswrite $s->{cmd}, qq{echo x 0 >&3\\n$GO\\n};\n"
    "\tmy $r = q{};\n"
    "\twhile (sysread $s->{st}, $r, 64, length $r) { last if $r =~ /^x 0$/m }\n"
    "\tif ($r !~ /^x 0$/m) { clean(); die qq{the login shell $SH cannot run its slot shells\\n} }\n"
    "\tpush @idle, $s;\n"
    "}\n"
    "put(qq{pfan-agent 1\\n});\n"
    "while (1) {\n"
    "\tmy $rin = q{};\n"
    "\tvec($rin, 0, 1) = 1;\n"
    "\tvec($rin, $_, 1) = 1 for keys %fds;\n"
    "\tmy $t = $said + $HEARTBEAT - time;\n"
    "\tif (@dying) { my $d = $dying[0][1] - time; $t = $d if $d < $t }\n"
    "\t$t = 0 if $t < 0;\n"
    "\tmy $n = select my $rout = $rin, undef, undef, $t;\n"
    "\tif ($n < 0) { next if $!{EINTR}; quit() }\n"
    "\tif ($n > 0 && vec($rout, 0, 1)) {\n"
    "\t\tmy $r = sysread STDIN, $in, 65536, length $in;\n"
    "\t\tquit() if defined $r ? $r == 0 : !$!{EINTR};\n"
    "\t\tparse();\n"
    "\t}\n"
    "\tfor my $fd ($n > 0 ? keys %fds : ()) {\n"
    "\t\tnext unless vec($rout, $fd, 1);\n"
    "\t\tmy ($j, $s, $h) = @{$fds{$fd}};\n"
    "\t\tmy $r = sysread $h, my $d, 65536;\n"
    "\t\tnext if !defined $r && ($!{EINTR} || $!{EAGAIN});\n"
    "\t\tif ($r && $s ne q{S}) { put(qq{$s $j->{id} $r\\n$d}); next }\n"
    "\t\tif ($r) {\n"
    "\t\t\t$j->{st} .= $d;\n"
    "\t\t\t$j->{nodir} = 1 if $j->{st} =~ /^d$/m;\n"
    "\t\t\tnext unless $j->{st} =~ /^x (\\d+)$/m;\n"
    "\t\t\t$j->{code} = $1 > 255 ? $1 - 128 : $1;\n"
    "\t\t\tdelete $fds{$fd}; $j->{open}--;\n"
    "\t\t\tstatus_done($j);\n"
    "\t\t\tnext;\n"
    "\t\t}\n"
    "\t\tdelete $fds{$fd}; $j->{open}--;\n"
    "\t\tif ($s eq q{S}) { $j->{lost} = 1; status_done($j); retire($j->{slot}) }\n"
    "\t\telse { close $h }\n"
    "\t}\n"
    "\tfor my $j (values %job) {\n"
    "\t\tnext if $j->{open};\n"
    "\t\tdelete $job{$j->{id}};\n"
    "\t\tmy ($k, $v) = $j->{nodir} ? (q{d}, 0) : $j->{kill} ? (q{k}, 0) : $j->{lost} ? (q{n}, 0) : (q{e}, $j->{code});\n"
    "\t\tpush @idle, $j->{slot} unless $j->{slot}{gone};\n"
    "\t\tput(qq{X $j->{id} $k $v\\n});\n"
    "\t}\n"
    "\tput(qq{H\\n}) if time - $said >= $HEARTBEAT;\n"
    "\twhile (@dying && $dying[0][1] <= time) {\n"
    "\t\tmy $pid = shift(@dying)->[0];\n"
    "\t\tkill KILL => -$pid;\n"
    "\t\twaitpid $pid, 0;\n"
    "\t\ttell_watcher(qq{-$pid\\n});\n"
    "\t}\n"
    "}\n"
    ;

const char *
agentscript_text(void)
{
	return agent_script;
}
