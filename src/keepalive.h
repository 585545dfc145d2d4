/* keepalive.h: how long a busy SSH connection may stay silent before it
 * is lost (sshconn.c sends the keepalives and measures the silence). */
#ifndef PFAN_KEEPALIVE_H
#define PFAN_KEEPALIVE_H

/* Keepalive intervals without an answer that lose a connection. */
#define KEEPALIVE_MISSES 3
/* Past this much time carrying jobs without a break, a connection is
 * given at least KEEPALIVE_LONG_BOUND seconds of silence. */
#define KEEPALIVE_LONG_RUN 600.0
#define KEEPALIVE_LONG_BOUND 60.0

/* The silence, in seconds, that loses a connection which has sent
 * keepalives every `interval` seconds and carried jobs for `busy_for`
 * seconds without a break. */
double keepalive_loss_bound(double interval, double busy_for);

#endif
