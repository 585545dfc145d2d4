/* recsink.c: the joblog records' way to disk. A record is written at
 * once (a crash loses at most the one being written), but fdatasync
 * waits for a timer: at most one a second, whatever the job rate, and
 * one at the end (recsink_sync). */
#include <stdbool.h>
#include <stdlib.h>

#include "errors.h"
#include "log.h"
#include "recsink.h"
#include "xalloc.h"

#define SYNC_EVERY 1.0   /* seconds */

struct recsink {
	struct loop *loop;
	struct joblog *jl;
	bool dirty;
	struct loop_timer *sync_timer;
};

struct recsink *
recsink_new(struct loop *loop, struct joblog *jl)
{
	struct recsink *rs = xcalloc(1, sizeof *rs);

	rs->loop = loop;
	rs->jl = jl;
	return rs;
}

static void
on_sync_timer(void *arg)
{
	struct recsink *rs = arg;
	char *cause = NULL;

	rs->sync_timer = NULL;
	if (rs->dirty) {
		rs->dirty = false;
		if (joblog_sync(rs->jl, &cause) != PFAN_OK) {
			log_error("%s", cause);
			free(cause);
		}
	}
}

int
recsink_write(struct recsink *rs, const struct joblog_record *rec, char **cause)
{
	int rc;

	if (rs->jl == NULL)
		return PFAN_OK;
	if ((rc = joblog_append(rs->jl, rec, cause)) != PFAN_OK)
		return rc;
	rs->dirty = true;
	if (rs->sync_timer == NULL)
		rs->sync_timer = loop_timer_add(rs->loop, SYNC_EVERY, on_sync_timer, rs);
	return PFAN_OK;
}

int
recsink_sync(struct recsink *rs, char **cause)
{
	if (rs->jl == NULL)
		return PFAN_OK;
	return joblog_sync(rs->jl, cause);
}

void
recsink_free(struct recsink *rs)
{
	if (rs == NULL)
		return;
	loop_timer_del(rs->loop, rs->sync_timer);
	free(rs);
}
