/* jsonres.c: --json-results (jsonres.h). The result's status is the
 * joblog's, so a command that failed is never "ok" (Bakapara's flaw). Its
 * stdout is kept whole when small, else only counted: the file is for
 * reading back job by job, not for bulk output (--results is). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "jsonres.h"
#include "log.h"
#include "xalloc.h"

struct jsonres {
	char *path;
	int fd;
};

int
jsonres_open(struct jsonres **out, const struct pfan_opts *o, char **cause)
{
	int fd;

	*out = NULL;
	if (o->json_results == NULL)
		return PFAN_OK;
	if (o->json_jobs == NULL) {
		*cause = xstrdup("--json-results writes --json-jobs's jobs back: "
		    "give --json-jobs FILE");
		return PFAN_E_INPUT;
	}
	/* A resumed run adds the jobs it runs to those the first wrote. */
	fd = open(o->json_results, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    (o->resume != NULL ? 0 : O_TRUNC), 0644);
	if (fd < 0) {
		*cause = xasprintf("--json-results %s: %s", o->json_results, strerror(errno));
		return PFAN_E_SYS;
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->path = xstrdup(o->json_results);
	(*out)->fd = fd;
	return PFAN_OK;
}

static void
set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		fatal("--json-results: out of memory");
}

/* Milliseconds, as the joblog's times (joblog.c's %.15g then prints them
 * exactly). */
static json_t *
ms(double t)
{
	return json_real(round(t * 1000) / 1000);
}

static json_t *
result(const struct joblog_record *rec)
{
	json_t *r = json_object(), *out;

	if (r == NULL)
		fatal("--json-results: out of memory");
	set(r, "exit", rec->exit_code >= 0 ? json_integer(rec->exit_code) : json_null());
	set(r, "signal", rec->signal > 0 ? json_integer(rec->signal) : json_null());
	set(r, "status", json_string(job_status_name(rec->status)));
	set(r, "host", json_string(rec->host != NULL ? rec->host : ""));
	set(r, "slot", json_integer(rec->slot));
	set(r, "start", ms(rec->start));
	set(r, "end", ms(rec->start + rec->runtime));
	set(r, "runtime", ms(rec->runtime));
	/* Bytes that are not UTF-8 have no JSON string: counted only. */
	if (rec->stdout_head_len <= JOBLOG_STDOUT_HEAD &&
	    (out = json_stringn(rec->stdout_head != NULL ? rec->stdout_head : "",
	    rec->stdout_head_len)) != NULL)
		set(r, "stdout", out);
	set(r, "stdout_bytes", json_integer((json_int_t)rec->stdout_bytes));
	return r;
}

char *
jsonres_encode(const struct joblog_record *rec)
{
	json_t *o;
	char *line;

	if (rec->job == NULL || rec->will_retry)
		return NULL;
	if ((o = json_deep_copy((const json_t *)rec->job)) == NULL)
		fatal("--json-results: out of memory");
	set(o, "result", result(rec));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (line == NULL)
		fatal("--json-results: cannot encode a line");
	return line;
}

int
jsonres_write(struct jsonres *jr, const struct joblog_record *rec, char **cause)
{
	char *line = jr != NULL && jr->fd >= 0 ? jsonres_encode(rec) : NULL;
	size_t len, off = 0;

	if (line == NULL)
		return PFAN_OK;
	len = strlen(line);
	line[len++] = '\n';   /* over the NUL: the line is written by length */
	while (off < len) {
		ssize_t n = write(jr->fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xasprintf("--json-results %s: %s", jr->path, strerror(errno));
			/* Said once: the run goes on, its exit status says 255. */
			close(jr->fd);
			jr->fd = -1;
			free(line);
			return PFAN_E_SYS;
		}
		off += (size_t)n;
	}
	free(line);
	return PFAN_OK;
}

void
jsonres_close(struct jsonres *jr)
{
	if (jr == NULL)
		return;
	if (jr->fd >= 0)
		close(jr->fd);
	free(jr->path);
	free(jr);
}
