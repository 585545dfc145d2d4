/* fsm.c: the checked state setter (see fsm.h). The label is formatted only
 * when it is printed: a channel changes state six times per job, and at the
 * default verbosity nothing is printed. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "fsm.h"
#include "log.h"

const char *
fsm_name(const struct fsm_def *d, unsigned s)
{
	return s < d->n ? d->names[s] : "?";
}

unsigned
fsm_move(const struct fsm_def *d, unsigned from, unsigned to, const char *who, ...)
{
	char label[256];
	va_list ap;
	bool legal;

	if (from == to)
		return to;
	legal = from < d->n && to < d->n && (d->next[from] & FSM_TO(to));
	if (legal && log_verbosity() < 2)
		return to;
	va_start(ap, who);
	vsnprintf(label, sizeof label, who, ap);
	va_end(ap);
	if (!legal)
		fatal("%s: no way from %s to %s", label, fsm_name(d, from), fsm_name(d, to));
	log_debug("%s: %s -> %s", label, fsm_name(d, from), fsm_name(d, to));
	return to;
}
