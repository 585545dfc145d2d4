/* halt.c: --halt's rules, as GNU parallel 20221122 applies them.
 *
 * fail= is checked when a job fails, success= when one succeeds, done=
 * after every job. N% is of all the run's jobs (so the input is read to
 * its end first, see jobfeed.c). The exit status is fixed when the
 * condition first holds: success= gives 0; fail= and done= give the
 * number of failed jobs (at most 101), with N% the percentage of jobs
 * failed (rounded up), and with a count of 1 the exit status of the job
 * that made it hold (128+N for a signal). A run that ends without the
 * condition holding exits as without --halt, except that with N% its
 * status is the percentage of the jobs that ran which failed.
 */
#include <math.h>

#include "halt.h"

static int
pct_of(unsigned long long part, unsigned long long whole)
{
	return whole == 0 ? 0 : (int)ceil((double)part / (double)whole * 100);
}

bool
halt_after_job(const struct pfan_opts *o, struct halt_state *h,
    unsigned long long nok, unsigned long long nfailed, unsigned long long total,
    bool failed, int job_status)
{
	unsigned long long limit;
	double need;

	if (o->halt_when == HALT_NEVER || h->reached)
		return false;
	switch (o->halt_what) {
	case HALT_FAIL:
		if (!failed)
			return false;
		limit = nfailed;
		break;
	case HALT_SUCCESS:
		if (failed)
			return false;
		limit = nok;
		break;
	case HALT_DONE:
	default:
		limit = nok + nfailed;
		break;
	}
	need = o->halt_pct > 0 ? (double)total * o->halt_pct : (double)o->halt_count;
	if ((double)limit < need)
		return false;
	h->reached = true;
	h->has_status = true;
	if (o->halt_what == HALT_SUCCESS)
		h->status = 0;
	else if (o->halt_pct > 0)
		h->status = pct_of(nfailed, total);
	else if (o->halt_count == 1)
		h->status = job_status;
	else
		h->status = nfailed > 101 ? 101 : (int)nfailed;
	return true;
}

int
halt_exit_status(const struct pfan_opts *o, const struct halt_state *h,
    unsigned long long nfailed, unsigned long long nended)
{
	if (o->halt_when == HALT_NEVER)
		return -1;
	if (h->has_status)
		return h->status;
	if (o->halt_pct > 0)
		return pct_of(nfailed, nended);
	return -1;
}
