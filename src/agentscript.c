/* agentscript.c: the remote agent's program (agentscript.h), sent down
 * its channel by sshagent.c as `exec perl -e 'TEXT'`.
 *
 * The agent is perl, not sh: a job must be in a process group of its own
 * (so that a cancel kills it and nothing else), the agent must wait for
 * whichever child ends first and read many pipes at once, and sh can do
 * none of these without a terminal. perl is on every host GNU parallel
 * runs jobs on (it needs perl there too). It loads no module: each job
 * is a fork of the agent, and a smaller perl forks faster.
 *
 * For each job (J) the agent enters nothing itself: it checks the workdir
 * (made first, mode 700, with --workdir ...; one it cannot enter is X d,
 * the job never ran), then forks. The child makes its own process group,
 * takes /dev/null as stdin and two pipes as stdout and stderr, enters the
 * workdir (setting OLDPWD, as the wrapper's cd does), sets PFAN_SEQ, PFAN_SLOT, PARALLEL_SEQ, PARALLEL_JOBSLOT and
 * PFAN_HOST, restores SIGPIPE and execs `$SHELL -c CMD sh`, as the
 * wrapper's child shell runs a job. Output goes back in frames as it
 * comes; the end (X) only after both pipes reached EOF and the child was
 * reaped, so a job's output is whole before its status and a background
 * process that keeps a pipe open holds the job's end, as on a channel. A
 * cancel (K) sends TERM to the group and KILL after the wrapper's grace.
 *
 * Kill on loss. When stdin ends or stdout fails (pfan closed the channel,
 * died, or the connection dropped) the agent does the same to every
 * group it still runs, then exits; SIGPIPE is ignored in the agent, so a
 * write to a dead channel is an error it sees, not its death. And its
 * death, however it comes (SIGKILL, the OOM killer), must kill its jobs
 * too, which live in groups of their own: a watcher, forked first, reads
 * from the agent a line per group that starts (+PGID) and ends (-PGID);
 * when that pipe reaches EOF (the agent is gone, whichever way) it sends
 * TERM and then KILL to every group still listed. It holds neither end
 * of the channel, so it never keeps the channel open.
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

/* No single quote: the whole goes inside one. */
static const char agent_script[] =
    "my $WNOHANG = $^O eq q{solaris} ? 64 : 1;\n"
    "$SIG{PIPE} = q{IGNORE};\n"
    "my $GRACE = " STR(SSHWRAP_KILL_GRACE) ";\n"
    "my $HEARTBEAT = " STR(AGENTPROTO_HEARTBEAT) ";\n"
    "my $SH = $ENV{SHELL} || q{/bin/sh};\n"
    "my $HOME = $ENV{PWD} || $ENV{HOME};\n"
    "my (%job, %fds, @dying);\n"
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
    "\texit 0 unless %g;\n"
    "\tkill TERM => -$_ for keys %g;\n"
    "\tselect undef, undef, undef, $GRACE;\n"
    "\tkill KILL => -$_ for keys %g;\n"
    "\texit 0;\n"
    "}\n"
    "close $lr;\n"
    "sub tell_watcher { syswrite $lw, $_[0] }\n"
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
    "\tmy @g = ((map { $_->{pid} } values %job), (map { $_->[0] } @dying));\n"
    "\tif (@g) {\n"
    "\t\tkill TERM => -$_ for @g;\n"
    "\t\tselect undef, undef, undef, $GRACE;\n"
    "\t\tkill KILL => -$_ for @g;\n"
    "\t}\n"
    "\texit 0;\n"
    "}\n"
    "sub start {\n"
    "\tmy ($id, $p) = @_;\n"
    "\tmy ($seq, $slot, $host, $dir, $mk, $cmd) = split /\\0/, $p, 6;\n"
    "\tif (length $dir) {\n"
    "\t\tif ($mk) { my $d = q{}; for (split m{/}, $dir, -1) { $d .= $_; mkdir $d, 0700 if length $d; $d .= q{/} } }\n"
    "\t\treturn put(qq{X $id d 0\\n}) unless -d $dir && -x _;\n"
    "\t}\n"
    "\tmy ($or, $ow, $er, $ew);\n"
    "\tpipe $or, $ow and pipe $er, $ew or return put(qq{X $id f 0\\n});\n"
    "\tmy $pid = fork;\n"
    "\treturn put(qq{X $id f 0\\n}) unless defined $pid;\n"
    "\tif ($pid == 0) {\n"
    "\t\tsetpgrp 0, 0;\n"
    "\t\t$SIG{PIPE} = q{DEFAULT};\n"
    "\t\topen STDIN, q{<}, q{/dev/null};\n"
    "\t\topen STDOUT, q{>&}, $ow;\n"
    "\t\topen STDERR, q{>&}, $ew;\n"
    "\t\tif (length $dir) { chdir $dir; $ENV{OLDPWD} = $HOME }\n"
    "\t\t@ENV{qw(PFAN_SEQ PFAN_SLOT PARALLEL_SEQ PARALLEL_JOBSLOT PFAN_HOST)} =\n"
    "\t\t    ($seq, $slot, $seq, $slot, $host);\n"
    "\t\t{ no warnings; exec { $SH } $SH, q{-c}, $cmd, q{sh}; }\n"
    "\t\texit 127;\n"
    "\t}\n"
    "\tclose $ow; close $ew;\n"
    "\ttell_watcher(qq{+$pid\\n});\n"
    "\tmy $j = { id => $id, pid => $pid, open => 2, wait => 0.001 };\n"
    "\t$job{$id} = $j;\n"
    "\t$fds{fileno $or} = [$j, q{O}, $or];\n"
    "\t$fds{fileno $er} = [$j, q{E}, $er];\n"
    "}\n"
    "sub parse {\n"
    "\twhile (1) {\n"
    "\t\tif ($in =~ /\\AK (\\d+)\\n/) {\n"
    "\t\t\tmy $j = $job{$1};\n"
    "\t\t\tsubstr($in, 0, length $&, q{});\n"
    "\t\t\tnext if !$j || $j->{kill}++;\n"
    "\t\t\tkill TERM => -$j->{pid};\n"
    "\t\t\tpush @dying, [$j->{pid}, time + $GRACE + 1];\n"
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
    "put(qq{pfan-agent 1\\n});\n"
    "while (1) {\n"
    "\tmy $rin = q{};\n"
    "\tvec($rin, 0, 1) = 1;\n"
    "\tvec($rin, $_, 1) = 1 for keys %fds;\n"
    "\tmy $t;\n"
    "\tfor my $j (values %job) { $t = $j->{wait} if !$j->{open} && (!defined $t || $j->{wait} < $t) }\n"
    "\tif (@dying) { my $d = $dying[0][1] - time; $t = $d < 0 ? 0 : $d if !defined $t || $d < $t }\n"
    "\tmy $hb = $said + $HEARTBEAT - time;\n"
    "\t$t = $hb < 0 ? 0 : $hb if !defined $t || $hb < $t;\n"
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
    "\t\tif ($r) {\n"
    "\t\t\tput(qq{$s $j->{id} $r\\n$d});\n"
    "\t\t\tnext;\n"
    "\t\t}\n"
    "\t\tnext if !defined $r && $!{EINTR};\n"
    "\t\tclose $h; delete $fds{$fd}; $j->{open}--;\n"
    "\t}\n"
    "\tfor my $j (values %job) {\n"
    "\t\tnext if $j->{open};\n"
    "\t\tif (waitpid($j->{pid}, $WNOHANG) <= 0) { $j->{wait} *= 2 if $j->{wait} < 0.1; next }\n"
    "\t\tmy $st = $?;\n"
    "\t\tdelete $job{$j->{id}};\n"
    "\t\ttell_watcher(qq{-$j->{pid}\\n}) unless $j->{kill};\n"
    "\t\tmy ($k, $v) = $st & 127 ? (q{s}, $st & 127) : (q{e}, $st >> 8);\n"
    "\t\t$k = q{k} if $j->{kill};\n"
    "\t\tput(qq{X $j->{id} $k $v\\n});\n"
    "\t}\n"
    "\tput(qq{H\\n}) if time - $said >= $HEARTBEAT;\n"
    "\twhile (@dying && $dying[0][1] <= time) {\n"
    "\t\tmy $g = shift @dying;\n"
    "\t\tkill KILL => -$g->[0] unless grep { $_->{pid} == $g->[0] && !$_->{kill} } values %job;\n"
    "\t\ttell_watcher(qq{-$g->[0]\\n});\n"
    "\t}\n"
    "}\n"
    ;

const char *
agentscript_text(void)
{
	return agent_script;
}
