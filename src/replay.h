/* replay.h: the user's side of --resume. `pfan --resume FILE` alone runs
 * the command line FILE's first header records, on the user's behalf, so
 * FILE is trusted only as ssh trusts its config files, the command line is
 * shown before it runs, and options given with it add to it or are
 * refused, never dropped. Also what a resume tells the user: how much is
 * done, an empty input, how to continue an interrupted run. */
#ifndef PFAN_REPLAY_H
#define PFAN_REPLAY_H
#include <stdbool.h>
#include "options.h"
#include "resume.h"

struct replay;

/* PFAN_OK when the open joblog fd (path in messages) is a file to take a
 * command line from: owned by this user (or root), not writable by group
 * or others. */
int replay_check_file(int fd, const char *path, char **cause);
/* Replaces *o (parsed from the command line given now) with the header's
 * command line plus the options given now, o->resume and o->joblog set to
 * path (absolute); says "resuming: CMDLINE (in DIR)" and goes to DIR. An
 * error when there is no header, no command, no directory to go back to,
 * or an option given now that would change the run's jobs. */
int replay_setup(struct replay **out, struct pfan_opts *o,
    const struct joblog_header *h, const char *path, char **cause);
void replay_free(struct replay *rp);

/* Whether the run reads stdin (no source given, or `-`). */
bool replay_reads_stdin(const struct pfan_opts *o);
/* "resume: D of T jobs already done; running the rest", once, before the
 * run (T when the input's size is known up front: ::: lists only). */
void replay_say_plan(const struct pfan_opts *o, const struct resume *r);
/* After the run: PFAN_E_INPUT with cause when a resume's input was empty
 * although the joblog has jobs (a missing pipe, most likely); a warning
 * when it was empty and the joblog had none. */
int replay_check_input(const struct pfan_opts *o, const struct resume *r,
    const char *path, char **cause);
/* After a run stopped early (signal or --halt): how to continue it.
 * replayable: `pfan --resume path` alone replays this very run. */
void replay_say_continue(const struct pfan_opts *o, const char *path,
    bool halted, bool replayable);

#endif
