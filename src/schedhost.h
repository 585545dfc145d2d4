/* schedhost.h: the scheduler's view of one host: its slots, whether it can
 * take jobs, which host a job should go to, and whether a failure looks
 * like the host's fault rather than the job's. Only sched.c and retry.c
 * call these. */
#ifndef PFAN_SCHEDHOST_H
#define PFAN_SCHEDHOST_H
#include <stdbool.h>
#include <stddef.h>
#include "exec.h"
#include "pin.h"

enum host_state {
	HOST_CONNECTING,   /* not ready yet */
	HOST_READY,
	HOST_DOWN,         /* lost; its executor is reconnecting */
	HOST_SUSPENDED,    /* fails what succeeds elsewhere: no new jobs */
	HOST_GONE,         /* given up for the run */
};

struct sched;

struct sched_host {
	struct sched *s;
	char *name;
	size_t index;
	unsigned slots, running;
	/* Slots 1..top have been handed out, and those in freed (a min-heap)
	 * came back: memory follows the jobs run at once, not -j (an array
	 * of -j 4294967295 flags took 4 GB of address space for one job). */
	unsigned top;
	unsigned *freed;
	size_t nfreed, capfreed;
	enum host_state state;
	struct executor ex;
	unsigned fail_streak;       /* failed attempts in a row here */
	unsigned no_status_streak;  /* attempts in a row here ending without one */
	unsigned suspect;           /* exits 126/127 here: program missing? */
	bool paused;                /* suspect and another host is not */
	bool local;                 /* this machine (--load applies) */
	bool held;                  /* --load: no new job here for now */
	unsigned long long oks, fails;
	char *dir;                  /* where its jobs run (messages); NULL: unknown */
	bool no_workdir;            /* suspended: it has no such directory */
	char **tags;                /* the hostfile's, for pinned jobs (pin.h) */
	size_t ntags;
};

/* A set of host indexes: those a job failed on, or those it may run on
 * (--onall pins each job to one host, a JSONL job's pin to those it names
 * or tags; an empty set allows any, HOST_SET_NONE alone none). */
struct host_set {
	size_t *v;
	size_t n;
};

struct sched_host *schedhost_new(struct sched *s, const char *name, unsigned slots,
    bool ready, size_t index);
void schedhost_free(struct sched_host *h);
/* h's tags (copied), replacing any it had. */
void schedhost_set_tags(struct sched_host *h, char *const *tags, size_t ntags);
unsigned schedhost_free_slots(const struct sched_host *h);
bool schedhost_any_free(struct sched_host *const *hosts, size_t n);
/* The lowest free slot (1-based), marked busy. */
unsigned schedhost_take_slot(struct sched_host *h);
void schedhost_release_slot(struct sched_host *h, unsigned slot);
/* The ready host with the most free slots among those `only` allows and
 * not in `failed`; one in `failed` only when no host outside it can ever
 * take the job. */
struct sched_host *schedhost_pick(struct sched_host *const *hosts, size_t n,
    const struct host_set *failed, const struct host_set *only);
bool schedhost_any_usable(struct sched_host *const *hosts, size_t n);
/* Whether a host `only` allows may still take jobs (now or later). */
bool schedhost_any_usable_in(struct sched_host *const *hosts, size_t n,
    const struct host_set *only);
/* Pauses a host with 3+ exits 126/127 and no success while another usable
 * host has none; lifts the pause when every host is suspect (the program
 * is missing everywhere: the jobs' fault). Call before choosing hosts. */
void schedhost_review(struct sched_host *const *hosts, size_t n);
bool schedhost_any_in(struct sched_host *const *hosts, size_t n, enum host_state state);

/* A failed attempt on h (exit_code -1: no exit status). True when it looks
 * like h's fault (exit 126/127, or h failing everything while another host
 * never fails) and another host can still take the job: rerun it there
 * without charging --retries. May suspend h. */
bool schedhost_blame(struct sched_host *const *hosts, size_t n, struct sched_host *h,
    int exit_code, const struct host_set *failed, const struct host_set *only);
/* An attempt on h whose channel closed without an exit status: after 5
 * in a row while another host never fails, h is suspended. */
void schedhost_no_status(struct sched_host *const *hosts, size_t n, struct sched_host *h);
/* A success on h of a job that failed on the hosts in `failed`: a host
 * there whose failures were 126/127 is suspended for the run. */
void schedhost_credit(struct sched_host *const *hosts, size_t n, struct sched_host *h,
    const struct host_set *failed);

/* A job on h could not enter its working directory: h takes no more jobs
 * (said once, naming h and the directory); the job is not to blame. */
void schedhost_no_workdir(struct sched_host *h);
/* Why no host can take jobs, for the give-up message: what to do when no
 * host had the working directory, else generic. */
const char *schedhost_why_none(struct sched_host *const *hosts, size_t n);

/* In a set of hosts a job may run on: no host of the run. */
#define HOST_SET_NONE ((size_t)-1)

/* The hosts p allows, added to *only; when p allows none of the run's,
 * HOST_SET_NONE (the job can never run). p empty: nothing added. */
void schedhost_pin(struct sched_host *const *hosts, size_t n, const struct pin *p,
    struct host_set *only);

void host_set_add(struct host_set *set, size_t index);
bool host_set_has(const struct host_set *set, size_t index);
/* set as the hosts a job may run on: empty allows every host. */
bool host_set_allows(const struct host_set *set, size_t index);
void host_set_free(struct host_set *set);

#endif
