# tests/data/genjoblog.awk: writes a joblog (docs/JOBLOG.md) of a made-up
# run, for the --report tests: HOSTS hosts (node001...) of SLOTS slots,
# ATTEMPTS attempts, mostly ok, with some failed, timed out, killed,
# output_lost and host_lost ones (each lost job is rerun at once), and
# commands full of characters XML must escape; host number BAD (if given)
# fails half its jobs. Deterministic: its own Park-Miller generator, whose
# products stay exact in an awk double.
#   awk -v hosts=100 -v slots=12 -v attempts=10000 [-v bad=37] -f genjoblog.awk
function rnd(n) { seed = (seed * 16807) % 2147483647; return seed % n }
function rec(seq, att, h, s, st, ex, sig, fin,   t, rt) {
	t = clock[h, s]; rt = (1 + rnd(400)) / 10
	clock[h, s] = t + rt + rnd(3) / 10
	printf "{\"seq\":%d,\"attempt\":%d,\"host\":\"node%03d\",\"slot\":%d,", seq, att, h, s
	printf "\"cmd\":\"./think <%d> & \\\"x\\\" 'y'\",\"args\":[\"%d\"],", seq, seq
	printf "\"start\":%.3f,\"runtime\":%.3f,\"exit\":%s,\"signal\":%s,", t, rt, ex, sig
	printf "\"status\":\"%s\",\"final\":%s,\"stdout_bytes\":10,\"stderr_bytes\":0}\n", st, fin
	n++
}
BEGIN {
	seed = 42; n = 0; seq = 0
	printf "{\"pfan\":\"0.1.0\",\"argv\":[\"pfan\",\"-H\",\"hosts.yaml\",\"./think\",\"{}\"],"
	printf "\"cwd\":\"/tmp\",\"start\":1700000000.000}\n"
	for (h = 1; h <= hosts; h++) for (s = 1; s <= slots; s++)
		clock[h, s] = 1700000000 + rnd(20) / 10
	while (n < attempts) {
		seq++; k = seq % (hosts * slots); h = int(k / slots) + 1; s = k % slots + 1
		r = rnd(1000)
		if (h == bad && r >= 500) r = 20
		if (r < 10 && n + 1 < attempts) {
			rec(seq, 1, h, s, "host_lost", "null", "null", "false")
			rec(seq, 2, h % hosts + 1, s, "ok", 0, "null", "true")
		} else if (r < 30) rec(seq, 1, h, s, "failed", 1, "null", "true")
		else if (r < 40) rec(seq, 1, h, s, "timeout", "null", 15, "true")
		else if (r < 43) rec(seq, 1, h, s, "killed", "null", 15, "true")
		else if (r < 45) rec(seq, 1, h, s, "output_lost", 0, "null", "true")
		else rec(seq, 1, h, s, "ok", 0, "null", "true")
	}
}
