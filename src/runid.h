/* runid.h: a run's identity on the machine pfan runs on (its name, pfan's
 * pid and that process's start time), written into what a run leaves on
 * the hosts (--workdir ...'s private directories), and whether the run
 * that wrote one still lives. A name read back is trusted only for runs
 * of this machine: another machine's processes cannot be looked at. */
#ifndef PFAN_RUNID_H
#define PFAN_RUNID_H
#include <stddef.h>

enum runid_state {
	RUNID_ALIVE,    /* that pfan still runs (or cannot be told apart from one) */
	RUNID_DEAD,     /* no process with that pid and start time */
	RUNID_FOREIGN,  /* not a run of this machine, or not a run id */
};

/* This run's id: "MACHINE_PID_START", MACHINE this machine's name cut to
 * [A-Za-z0-9.-] (so '_' separates), START the process's start time (in
 * clock ticks since the epoch, from /proc; 0 where there is none). The
 * caller frees it. */
char *runid_self(void);

/* The id at the start of name (as runid_self writes it, followed by
 * '_' or the end), judged: only this machine's runs are ever DEAD, and
 * only when no process has that pid, or one has it with another start
 * time (the pid was reused). *len: the id's length in name. */
enum runid_state runid_judge(const char *name, size_t *len);

#endif
