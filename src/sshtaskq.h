/* sshtaskq.h: a queue of SSH tasks (struct exec_task, sshchan.h), in
 * order: a host's waiting tasks, a connection's tasks, the tasks a lost
 * connection hands back.
 *
 * Called by: sshhost.c, sshjump.c, check.c and the connection module.
 */
#ifndef PFAN_SSHTASKQ_H
#define PFAN_SSHTASKQ_H
#include <stddef.h>

#include "exec.h"

struct exec_task;

/* A queue of tasks, in order. */
struct sshchan_list {
	struct exec_task **v;
	size_t n, cap;
};

#define SSHCHAN_LIST_INIT { NULL, 0, 0 }

void sshchan_list_push(struct sshchan_list *l, struct exec_task *t);
void sshchan_list_remove(struct sshchan_list *l, size_t i);
/* Moves every task of from to the end of to; from is empty after. */
void sshchan_list_move(struct sshchan_list *to, struct sshchan_list *from);
/* Fails every task (sshchan_fail) and empties l. */
void sshchan_list_fail(struct sshchan_list *l, enum exec_end end, const char *cause);
/* Frees every task without reporting, and the list. */
void sshchan_list_free(struct sshchan_list *l);

#endif
