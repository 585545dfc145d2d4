/* args.h: one job's argument values, as the input yields them and the
 * template consumes them. A plain value type shared by input.c,
 * template.c, sched.c and joblog.c. */
#ifndef PFAN_ARGS_H
#define PFAN_ARGS_H
#include <stddef.h>

struct args {
	size_t n;      /* number of values: sources x columns, or -n N values */
	char **v;      /* n malloc'd NUL-terminated strings */
};

void args_init(struct args *a);
void args_push(struct args *a, const char *s, size_t len);  /* copies */
void args_copy(struct args *dst, const struct args *src);
void args_move(struct args *dst, struct args *src);          /* appends; src empty after */
void args_free(struct args *a);                              /* a is empty after */

#endif
