/* agentproto.h: the frames between pfan and its remote agent (sshagent.c
 * runs the agent; this is only the byte format, pure: no I/O).
 *
 * pfan to the agent, down the channel's stdin:
 *   J ID LEN\n PAYLOAD     start job ID; PAYLOAD is LEN bytes, fields
 *                          joined by NUL: seq, slot, host, workdir ("":
 *                          none), 1 or 0 (make the workdir), 1 or 0
 *                          (the command is plain: sshwrap_inline_ok),
 *                          the command
 *   K ID\n                 cancel job ID (its process group: TERM, KILL)
 * The agent to pfan, on the channel's stdout, after its greeting:
 *   O ID LEN\n DATA        LEN bytes the job wrote on stdout
 *   E ID LEN\n DATA        ... on stderr
 *   X ID C N\n             the job ended, after all its O and E frames:
 *                          C e (exited N: a job killed by signal N is
 *                          its shell's 128+N), s (killed by signal N:
 *                          read, not sent by today's agent),
 *                          k (ended after its K), d (no workdir),
 *                          f (could not start it), n (its shell died
 *                          without its status)
 *   H\n                    nothing else to say for AGENTPROTO_HEARTBEAT
 *                          seconds (traffic for sshd's ChannelTimeout);
 *                          the reader skips it */
#ifndef PFAN_AGENTPROTO_H
#define PFAN_AGENTPROTO_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define AGENTPROTO_GREETING "pfan-agent 1\n"
#define AGENTPROTO_HEARTBEAT 5   /* seconds */
/* The most DATA one O or E frame may carry (the agent reads 64 KiB). */
#define AGENTPROTO_MAX_DATA (1u << 20)

struct agentproto_job {
	unsigned long long seq;
	unsigned slot;
	const char *host;
	const char *workdir;       /* NULL: the login's home */
	bool workdir_create;
	bool inline_ok;            /* plain: eval'd in the slot's shell */
	const char *cmd;
};

/* Appends the J frame of job id to out (C strings: no field holds a NUL). */
void agentproto_job(struct buf *out, unsigned id, const struct agentproto_job *j);
void agentproto_kill(struct buf *out, unsigned id);

enum agentproto_type { AGENTPROTO_OUT, AGENTPROTO_ERR, AGENTPROTO_END };

enum agentproto_end {
	AGENTPROTO_EXITED,     /* num: its exit status */
	AGENTPROTO_SIGNALED,   /* num: the signal */
	AGENTPROTO_KILLED,     /* cancelled (K), then ended; num: as e or s */
	AGENTPROTO_NO_DIR,     /* the workdir could not be entered */
	AGENTPROTO_NO_FORK,    /* the agent could not start it */
	AGENTPROTO_NO_STATUS,  /* its shell died without its status */
};

struct agentproto_event {
	enum agentproto_type type;
	unsigned id;
	const char *data;          /* OUT, ERR: valid until the next call */
	size_t len;
	enum agentproto_end end;   /* END */
	int num;
};

/* Reads the agent's frames from a byte stream, in whatever pieces it
 * comes. */
struct agentproto_reader {
	struct buf in;
	size_t pos;                /* bytes of in consumed */
};

#define AGENTPROTO_READER_INIT { BUF_INIT, 0 }

void agentproto_feed(struct agentproto_reader *r, const char *data, size_t len);
/* The next whole frame: 1 and *ev, 0 when more bytes are needed, -1 when
 * the stream is not the agent's (*why says how; nothing more can be read
 * from r). */
int agentproto_next(struct agentproto_reader *r, struct agentproto_event *ev,
    const char **why);
void agentproto_reader_free(struct agentproto_reader *r);

#endif
