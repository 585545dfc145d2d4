/* sshhost_task.c: the host's own tasks on its connection (sshhost_impl.h):
 * the slot probe for `slots: auto`, --basefile's files before the first
 * job, and one-off commands (sshhost_run_once, sshhost_run_capture). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sshhost.h"
#include "sshhost_impl.h"
#include "xalloc.h"

#define PROBE_CMD "getconf _NPROCESSORS_ONLN 2>/dev/null || nproc"

static void
probe_output(void *job, int stream, const char *data, size_t len)
{
	struct sshhost *h = job;

	if (stream == 1 && h->probe_out.len < 4096)
		buf_add(&h->probe_out, data, len);
}

static void
probe_done(void *job, const struct exec_result *r)
{
	struct sshhost *h = job;
	char *end = NULL;
	unsigned long n = 0;

	h->probing = false;
	if (r->end == EXEC_LOST) {
		buf_reset(&h->probe_out);
		return;   /* the connection went; the next one asks again */
	}
	if (r->end == EXEC_EXITED && r->exit_code == 0 && h->probe_out.len > 0)
		n = strtoul(buf_cstr(&h->probe_out), &end, 10);
	if (n == 0 || n > HOSTS_MAX_SLOTS || end == NULL ||
	    end[strspn(end, " \t\r\n")] != '\0') {
		log_warn("%s: cannot learn the number of CPUs (%s said \"%.40s\"); "
		    "using 1 slot", h->spec.name, PROBE_CMD, buf_cstr(&h->probe_out));
		n = 1;
	}
	buf_reset(&h->probe_out);
	h->slots = (unsigned)n;
	log_debug("%s: %u slots", h->spec.name, h->slots);
	sshhost_announce(h);
}

static const struct exec_job_ops probe_ops = { NULL, probe_output, probe_done };

static void
base_done(void *job, const struct exec_result *r)
{
	struct sshhost *h = job;

	h->base_sending = false;
	if (r->end == EXEC_LOST)
		return;   /* the connection went; the next one sends them */
	if (r->cause != NULL)
		log_error("%s: --basefile: %s", h->spec.name, r->cause);
	log_debug("%s: --basefile: %llu bytes sent in %.3f s", h->spec.name,
	    r->sent, r->stage_secs);
	h->base_done = true;
	sshhost_announce(h);
}

static const struct exec_job_ops base_ops = { NULL, NULL, base_done };

void
sshhost_announce(struct sshhost *h)
{
	struct sshconn *ready = NULL;

	if (h->state == HOST_READY || h->state == HOST_GIVEN_UP)
		return;
	for (size_t i = 0; i < h->nconns && ready == NULL; i++)
		if (sshconn_ready(h->conns[i]))
			ready = h->conns[i];
	if (ready == NULL)
		return;
	if (h->slots == 0) {
		if (!h->probing) {
			h->probing = true;
			sshconn_add_task(ready, sshchan_new_raw(PROBE_CMD, &probe_ops, h));
			sshconn_service(ready);
		}
		return;
	}
	if (h->nbase > 0 && !h->base_done) {
		if (!h->base_sending) {
			struct exec_stage st = { h->base, h->nbase, NULL, 0, false };
			h->base_sending = true;
			sshconn_add_task(ready, sshchan_new_files(&st, h->workdir,
			    h->workdir_create, &base_ops, h));
			sshconn_service(ready);
		}
		return;
	}
	sshhost_set_state(h, HOST_READY);
	h->hops->ready(h->host_arg, h->slots);
}

struct once {
	void (*output)(void *arg, const char *data, size_t len);
	void (*done)(void *arg, bool ok);
	void *arg;
};

static void
once_output(void *job, int stream, const char *data, size_t len)
{
	struct once *o = job;

	if (stream == 1 && o->output != NULL)
		o->output(o->arg, data, len);
}

static void
once_done(void *job, const struct exec_result *r)
{
	struct once *o = job;

	o->done(o->arg, r->end == EXEC_EXITED && r->exit_code == 0);
	free(o);
}

static const struct exec_job_ops once_ops = { NULL, once_output, once_done };

bool
sshhost_run_capture(struct sshhost *h, const char *cmd,
    void (*output)(void *arg, const char *data, size_t len),
    void (*done)(void *arg, bool ok), void *arg)
{
	struct once *o;

	if (h->state != HOST_READY)
		return false;
	o = xcalloc(1, sizeof *o);
	o->output = output;
	o->done = done;
	o->arg = arg;
	sshchan_list_push(&h->pending, sshchan_new_raw(cmd, &once_ops, o));
	sshhost_kick(h);
	return true;
}

bool
sshhost_run_once(struct sshhost *h, const char *cmd,
    void (*done)(void *arg, bool ok), void *arg)
{
	return sshhost_run_capture(h, cmd, NULL, done, arg);
}
