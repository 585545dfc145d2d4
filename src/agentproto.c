/* agentproto.c: the remote agent's frames (agentproto.h). A header is
 * short and strict (decimal numbers without sign or leading zeros, one
 * space between fields), so that bytes that are not the agent's (a shell
 * banner, a message from a profile) are caught at once rather than taken
 * for a length. */
#include <string.h>

#include "agentproto.h"

#define MAX_HEADER 64

void
agentproto_job(struct buf *out, unsigned id, const struct agentproto_job *j)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%llu", j->seq);
	buf_addc(&p, '\0');
	buf_addf(&p, "%u", j->slot);
	buf_addc(&p, '\0');
	buf_adds(&p, j->host != NULL ? j->host : "");
	buf_addc(&p, '\0');
	buf_adds(&p, j->workdir != NULL ? j->workdir : "");
	buf_addc(&p, '\0');
	buf_addc(&p, j->workdir != NULL && j->workdir_create ? '1' : '0');
	buf_addc(&p, '\0');
	buf_addc(&p, j->inline_ok ? '1' : '0');
	buf_addc(&p, '\0');
	buf_adds(&p, j->cmd);
	buf_addf(out, "J %u %zu\n", id, p.len);
	buf_add(out, p.data, p.len);
	buf_free(&p);
}

void
agentproto_kill(struct buf *out, unsigned id)
{
	buf_addf(out, "K %u\n", id);
}

void
agentproto_feed(struct agentproto_reader *r, const char *data, size_t len)
{
	if (r->pos > 0 && r->pos >= r->in.len / 2) {
		buf_consume(&r->in, r->pos);
		r->pos = 0;
	}
	buf_add(&r->in, data, len);
}

void
agentproto_reader_free(struct agentproto_reader *r)
{
	buf_free(&r->in);
	r->pos = 0;
}

/* A decimal number at *p, no sign, no leading zero, at most max; moves
 * *p past it. */
static bool
number(const char **p, const char *end, unsigned long long max,
    unsigned long long *v)
{
	const char *s = *p;
	unsigned long long n = 0;

	if (s >= end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end &&
	    s[1] >= '0' && s[1] <= '9'))
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		n = n * 10 + (unsigned)(*s++ - '0');
		if (n > max)
			return false;
	}
	*p = s;
	*v = n;
	return true;
}

static bool
space(const char **p, const char *end)
{
	if (*p >= end || **p != ' ')
		return false;
	(*p)++;
	return true;
}

int
agentproto_next(struct agentproto_reader *r, struct agentproto_event *ev,
    const char **why)
{
	const char *h = r->in.data + r->pos;
	size_t avail = r->in.len - r->pos;

	while (avail >= 2 && h[0] == 'H' && h[1] == '\n') {
		r->pos += 2;   /* a heartbeat: nothing to report */
		h += 2;
		avail -= 2;
	}
	if (avail == 0 || (avail == 1 && h[0] == 'H'))
		return 0;
	const char *nl = memchr(h, '\n', avail < MAX_HEADER ? avail : MAX_HEADER);
	if (nl == NULL) {
		if (avail >= MAX_HEADER) {
			*why = "a frame header longer than any the agent writes";
			return -1;
		}
		/* A header's first byte is known at once: a stranger's byte
		 * fails now, not after it filled MAX_HEADER bytes. */
		if (strchr("OEXH", h[0]) == NULL || (avail > 1 && h[1] != ' ')) {
			*why = "bytes that are not a frame";
			return -1;
		}
		return 0;
	}
	const char *p = h + 1, *end = nl;
	unsigned long long id, n;

	memset(ev, 0, sizeof *ev);
	*why = "a malformed frame header";
	if (!space(&p, end) || !number(&p, end, 0xffffffffu, &id) || !space(&p, end))
		return -1;
	ev->id = (unsigned)id;
	if (h[0] == 'X') {
		const char *codes = "eskdfn";
		const char *c = p < end ? strchr(codes, *p) : NULL;
		if (c == NULL || *p == '\0')
			return -1;
		p++;
		if (!space(&p, end) || !number(&p, end, 255, &n) || p != end)
			return -1;
		ev->type = AGENTPROTO_END;
		ev->end = (enum agentproto_end)(c - codes);
		ev->num = (int)n;
		r->pos += (size_t)(nl - h) + 1;
		return 1;
	}
	if (h[0] != 'O' && h[0] != 'E')
		return -1;
	if (!number(&p, end, AGENTPROTO_MAX_DATA, &n) || p != end || n == 0)
		return -1;
	size_t hl = (size_t)(nl - h) + 1;
	if (avail - hl < n)
		return 0;
	ev->type = h[0] == 'O' ? AGENTPROTO_OUT : AGENTPROTO_ERR;
	ev->data = nl + 1;
	ev->len = (size_t)n;
	r->pos += hl + (size_t)n;
	return 1;
}
