/* loop.h: the one event loop. poll() over fds, timers, and signals turned
 * into events through a self-pipe (a handler only writes a byte). One
 * thread; callbacks must not block. */
#ifndef PFAN_LOOP_H
#define PFAN_LOOP_H
#include <stdbool.h>

struct loop;
struct loop_timer;

typedef void loop_io_fn(void *arg, int fd, short revents);
typedef void loop_timer_fn(void *arg);
typedef void loop_signal_fn(void *arg, int signo);
typedef void loop_idle_fn(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Monotonic seconds, read fresh. */
double mono_now(void);
/* Wall-clock seconds since the epoch. */
double wall_now(void);

/* Watches fd for events (POLLIN, POLLOUT); replaces an earlier watch of the
 * same fd. events 0 keeps it registered but not polled. */
void loop_io_set(struct loop *l, int fd, short events, loop_io_fn *fn, void *arg);
void loop_io_del(struct loop *l, int fd);

/* Calls fn(arg) once, delay seconds from now. The handle is valid until
 * the timer fires or is deleted; deleting NULL is a no-op. */
struct loop_timer *loop_timer_add(struct loop *l, double delay, loop_timer_fn *fn, void *arg);
void loop_timer_del(struct loop *l, struct loop_timer *t);

/* Installs a handler for signo that makes the loop call fn. */
void loop_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg);

/* fn runs once per iteration before the loop sleeps (the scheduler fills
 * free slots there). One idle function per loop. */
void loop_set_idle(struct loop *l, loop_idle_fn *fn, void *arg);

/* Runs until loop_stop(). */
void loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
