/* keepalive.c: the loss bound of a busy connection.
 *
 * Losing a connection reruns its jobs elsewhere. For jobs of seconds that
 * is cheap, and noticing a dead host in 3 keepalive intervals (15 s by
 * default) matters more. For a job that has run an hour, a 20 s network
 * freeze (a switch reboot, a VM migration, a suspended laptop on the way)
 * would throw away that hour, so once a connection has carried jobs for
 * 10 minutes without a break it is given at least 60 s: a truly dead host
 * then costs 45 s more of waiting, against an hour of rerun. Pure, so the
 * rule is tested without waiting. */
#include "keepalive.h"

double
keepalive_loss_bound(double interval, double busy_for)
{
	double bound = KEEPALIVE_MISSES * interval;

	if (busy_for > KEEPALIVE_LONG_RUN && bound < KEEPALIVE_LONG_BOUND)
		bound = KEEPALIVE_LONG_BOUND;
	return bound;
}
