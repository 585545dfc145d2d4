/* sshstage.h: one remote task's staged files (exec.h's exec_stage): the
 * inputs sent before its command, the outputs fetched and the host's
 * copies removed after it, each phase one SFTP transfer (sshsftp.h) on
 * the task's session, and the figures for its record. sshchan.c holds one
 * for each task that stages files and steps it in its SEND and FETCH
 * states. */
#ifndef PFAN_SSHSTAGE_H
#define PFAN_SSHSTAGE_H
#include <stdbool.h>
#include <libssh2.h>

#include "exec.h"
#include "sshsftp.h"

struct sshstage;

/* st's files, the remote paths below workdir (NULL: the home; made first
 * when workdir_create). base: files only, each skipped when the host's
 * copy has the same size and mtime, the mtime kept (--basefile). */
struct sshstage *sshstage_new(const struct exec_stage *st, const char *workdir,
    bool workdir_create, unsigned long long seq, bool base);
/* Whether inputs are still to be sent. */
bool sshstage_to_send(const struct sshstage *g);
/* Whether inputs were sent that --cleanup is to remove. */
bool sshstage_to_remove(const struct sshstage *g);
void sshstage_begin_send(struct sshstage *g);
/* After the command (exited: with exit_code) or a cancel: the fetches and
 * removals; false when there is nothing to do. */
bool sshstage_begin_fetch(struct sshstage *g, bool exited, int exit_code);
/* Steps the transfer under way. After DONE, sshstage_cause says whether
 * it failed (NULL: it did not); REFUSED: it is dropped, begin again. */
enum sshsftp_step sshstage_step(struct sshstage *g, LIBSSH2_SESSION *s, bool may_open);
const char *sshstage_cause(const struct sshstage *g);
bool sshstage_opening(const struct sshstage *g);
/* Drops a transfer under way (the session is going): a fetch's local
 * temporary file is removed. */
void sshstage_drop(struct sshstage *g);
/* The figures and failure flags, into r. */
void sshstage_result(const struct sshstage *g, struct exec_result *r);
void sshstage_free(struct sshstage *g);   /* NULL-safe */

#endif
