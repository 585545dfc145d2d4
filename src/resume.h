/* resume.h: reads a joblog back for --resume / --resume-failed.
 *
 * A job's identity is its canonical command (template.h), or a --json-jobs
 * job's "id". The k-th job with
 * a given command in the new input matches the k-th distinct job (by seq)
 * with that command in the joblog. A job is done when one of its records
 * says ok; every other job runs again (--resume and --resume-failed alike:
 * see docs/JOBLOG.md §6.3 for why).
 */
#ifndef PFAN_RESUME_H
#define PFAN_RESUME_H
#include <stdbool.h>
#include "joblog.h"

struct resume;

/* Loads path. A torn last line (no trailing newline, not valid JSON) is
 * ignored with a warning; any other malformed line is PFAN_E_INPUT with
 * cause "PATH:LINE: what is wrong". A missing file is an empty joblog. */
int resume_load(struct resume **out, const char *path, char **cause);
/* The same, reading through fd from its start (a locked joblog, see
 * joblog_fd); fd stays open. path names it in messages. */
int resume_load_fd(struct resume **out, int fd, const char *path, char **cause);
/* True (and consumes one match) when a job with this canonical command is
 * already done and must be skipped. */
bool resume_take_done(struct resume *r, const char *cmd);
/* The same for a --json-jobs job with an "id": the joblog's records of
 * jobs with that id count, whatever their command. */
bool resume_take_done_id(struct resume *r, const char *id);
/* --pipe: true when the joblog records job seq with this command ok
 * (every block has the same command; the seq is the block's place in the
 * same input). */
bool resume_seq_done(struct resume *r, const char *cmd, unsigned long long seq);
/* The first header in the file, or NULL when there is none. The strings
 * belong to r. */
const struct joblog_header *resume_header(const struct resume *r);
/* How many done jobs the file holds (for the summary). */
unsigned long long resume_done_count(const struct resume *r);
/* How many job records (any status) the file holds. */
unsigned long long resume_record_count(const struct resume *r);
/* How many jobs of the new input were looked up: 0 after a run whose
 * input was empty. */
unsigned long long resume_asked_count(const struct resume *r);
void resume_free(struct resume *r);

#endif
