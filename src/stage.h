/* stage.h: the files a remote job takes with it and brings back
 * (--transferfile, --return, --cleanup, --trc), and the variables it is
 * given (--env): the per-job plan the scheduler hands the executor
 * (exec.h's exec_stage). The transfers themselves are sshsftp.c's. */
#ifndef PFAN_STAGE_H
#define PFAN_STAGE_H
#include <stdbool.h>
#include "args.h"
#include "buf.h"
#include "exec.h"
#include "options.h"
#include "template.h"

struct stage;

/* The plan's templates from o; PFAN_OK and *out (NULL when o stages
 * nothing and passes no variable), or PFAN_E_INPUT with cause. */
int stage_new(struct stage **out, const struct pfan_opts *o, char **cause);
/* Whether remote jobs have files staged (then they run in the remote home
 * unless --workdir says otherwise: no filesystem is shared). */
bool stage_has_files(const struct pfan_opts *o);
/* One attempt's files (NULL: none), valid until the next call; or NULL
 * with *cause when a template cannot be expanded. */
const struct exec_stage *stage_plan(struct stage *st, const struct args *a,
    const struct template_ctx *ctx, char **cause);
/* Appends cmd to out, after the --env variables' assignments (quoted). */
void stage_env_command(const struct stage *st, const char *cmd, struct buf *out);
/* Both for one remote attempt: *cmd becomes the command in buf (reset
 * first), *plan its files. PFAN_E_INPUT with cause when a template of a
 * file cannot be expanded. */
int stage_remote(struct stage *st, const char **cmd, struct buf *buf,
    const struct args *a, const struct template_ctx *ctx,
    const struct exec_stage **plan, char **cause);
/* GNU's rule for a path given to --transferfile or --return: with "/./",
 * the part after it is relative to the job's directory there and the path
 * here is the whole without "/./"; else both are the path. Both malloc'd. */
void stage_split(const char *path, char **local, char **remote);
void stage_free(struct stage *st);

#endif
