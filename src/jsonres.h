/* jsonres.h: --json-results FILE: each --json-jobs job, once its final
 * attempt is recorded, written back as its object plus a "result" object,
 * one line per job in finishing order, each with one write() as it comes
 * (a killed run keeps every line it wrote). */
#ifndef PFAN_JSONRES_H
#define PFAN_JSONRES_H
#include "joblog.h"
#include "options.h"

struct jsonres;

/* Opens o->json_results (appended to with --resume, else emptied); *out
 * NULL without the option. PFAN_E_INPUT without --json-jobs, PFAN_E_SYS
 * when it cannot be opened. */
int jsonres_open(struct jsonres **out, const struct pfan_opts *o, char **cause);
/* The line for rec, a final attempt of a job with an object (any other
 * record is no job's result: ignored). PFAN_E_SYS with cause when the
 * write fails. */
int jsonres_write(struct jsonres *jr, const struct joblog_record *rec, char **cause);
/* The line, as written, for tests; NULL when rec gets none. */
char *jsonres_encode(const struct joblog_record *rec);
void jsonres_close(struct jsonres *jr);

#endif
