#!/bin/sh
# bench/startup.sh: a fresh pfan's cost on one tiny local job, against
# xargs on the same. A benchmark, not a test: it prints figures and ratios
# and never fails on them.
#
#   bench/startup.sh [PFAN]        (default ./pfan)
#   RUNS=20 BEFORE=/path/to/old/pfan bench/startup.sh
#
# Whole-process wall time, median of RUNS runs, the commands alternating
# within each round so that the machine's drift hits all alike:
#   pfan --version
#   echo x | pfan true                   (one job, sh -c true, as xargs')
#   echo x | xargs -n1 sh -c true
# Target (issue 14): pfan's one job at most 1.2x xargs'.
set -eu

PFAN=${1:-${PFAN:-./pfan}}
RUNS=${RUNS:-20}
[ -x "$PFAN" ] || { echo "bench: no pfan binary at $PFAN" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "bench: needs python3 (the timer)" >&2; exit 2; }

exec python3 - "$PFAN" "$RUNS" "${BEFORE:-}" <<'PY'
import statistics, subprocess, sys, time
pfan, runs, before = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cmds = [("pfan --version", [pfan, "--version"], None),
        ("pfan true", [pfan, "true"], b"x\n"),
        ("xargs sh -c true", ["xargs", "-n1", "sh", "-c", "true"], b"x\n")]
if before:
    cmds += [("before --version", [before, "--version"], None),
             ("before true", [before, "true"], b"x\n")]
times = {name: [] for name, _, _ in cmds}
for _ in range(runs):
    for name, argv, stdin in cmds:
        t0 = time.perf_counter()
        subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, check=True)
        times[name].append(time.perf_counter() - t0)
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
for name, _, _ in cmds:
    print("%-18s %7.2f ms (median of %d)" % (name, med[name], runs))
print("pfan true / xargs: %.2fx (target <= 1.2x)" % (med["pfan true"] / med["xargs sh -c true"]))
if before:
    print("pfan true / before: %.2fx" % (med["pfan true"] / med["before true"]))
PY
