/* results.c: --results, each job's output saved besides being printed.
 *
 * DIR: at each attempt's start DIR/<seq>/ is created (mkdir -p) and
 * DIR/<seq>/stdout and DIR/<seq>/stderr are opened with O_TRUNC, so a
 * retried attempt starts them afresh; each chunk is written there as it
 * arrives, before and independently of printing. A file that can't be
 * written is closed and reported once; the rest of that stream is
 * dropped from it, and every later chunk returns PFAN_E_SYS so the job is
 * known not whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "results.h"
#include "xalloc.h"

static const char *stream_names[2] = { "stdout", "stderr" };

struct results {
	char *dir;
};

struct rstream {
	int fd;                /* -1: none */
	bool bad;              /* the file was lost: report each drop */
	bool logged;
};

struct results_job {
	struct results *r;
	unsigned long long seq;
	struct rstream s[2];
};

static int
mkdir_p(const char *path)
{
	char *p = xstrdup(path), *q;
	struct stat st;
	int rc = 0;

	for (q = p + (*p == '/'); rc == 0 && (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0777) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	if (rc == 0 && stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		rc = -1;
	}
	return rc;
}

static void
report(struct results_job *rj, int i, char *cause)
{
	if (!rj->s[i].logged)
		log_error("job %llu: %s: %s; not saved", rj->seq, stream_names[i],
		    cause);
	rj->s[i].logged = true;
	free(cause);
}

int
results_new(struct results **out, const char *spec, char **cause)
{
	*out = NULL;
	if (spec == NULL)
		return PFAN_OK;
	if (mkdir_p(spec) == -1) {
		*cause = xasprintf("cannot create results directory '%s': %s",
		    spec, strerror(errno));
		return PFAN_E_SYS;
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->dir = xstrdup(spec);
	return PFAN_OK;
}

struct results_job *
results_job_start(struct results *r, unsigned long long seq, bool *lost)
{
	struct results_job *rj;
	char *dir, *path = NULL;
	int i;

	if (r == NULL)
		return NULL;
	rj = xcalloc(1, sizeof *rj);
	rj->r = r;
	rj->seq = seq;
	rj->s[0].fd = rj->s[1].fd = -1;
	dir = xasprintf("%s/%llu", r->dir, seq);
	if (mkdir_p(dir) == -1) {
		path = xstrdup(dir);
		i = 0;
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		path = xasprintf("%s/%s", dir, stream_names[i]);
		rj->s[i].fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (rj->s[i].fd == -1)
			goto fail;
		free(path);
	}
	free(dir);
	return rj;
fail:
	report(rj, i, xasprintf("cannot create %s: %s", path, strerror(errno)));
	for (i = 0; i < 2; i++) {
		if (rj->s[i].fd != -1)
			close(rj->s[i].fd);
		rj->s[i].fd = -1;
		rj->s[i].bad = true;
		rj->s[i].logged = true;
	}
	*lost = true;
	free(path);
	free(dir);
	return rj;
}

static void
lose(struct results_job *rj, int i, int err)
{
	report(rj, i, xasprintf("cannot write %s/%llu/%s: %s", rj->r->dir,
	    rj->seq, stream_names[i], err == 0 ? "short write" : strerror(err)));
	if (rj->s[i].fd != -1)
		close(rj->s[i].fd);
	rj->s[i].fd = -1;
	rj->s[i].bad = true;
}

int
results_job_data(struct results_job *rj, int i, const char *p, size_t n)
{
	struct rstream *s;

	if (rj == NULL)
		return PFAN_OK;
	s = &rj->s[i];
	if (s->bad)
		return PFAN_E_SYS;
	while (n > 0 && s->fd != -1) {
		ssize_t w = write(s->fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == -1 && errno == EINTR)
			continue;
		else {
			lose(rj, i, w == 0 ? 0 : errno);
			return PFAN_E_SYS;
		}
	}
	return PFAN_OK;
}

int
results_job_end(struct results_job *rj)
{
	int rc = PFAN_OK;

	if (rj == NULL)
		return PFAN_OK;
	for (int i = 0; i < 2; i++) {
		struct rstream *s = &rj->s[i];

		if (s->fd != -1 && close(s->fd) == -1) {
			s->fd = -1;
			lose(rj, i, errno);
		}
		s->fd = -1;
		if (s->bad)
			rc = PFAN_E_SYS;
	}
	return rc;
}

void
results_job_free(struct results_job *rj)
{
	if (rj == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (rj->s[i].fd != -1)
			close(rj->s[i].fd);
	free(rj);
}

void
results_free(struct results *r)
{
	if (r == NULL)
		return;
	free(r->dir);
	free(r);
}
