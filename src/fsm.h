/* fsm.h: the one checked setter every state machine in pfan uses (jobs,
 * connections, channels, hosts). A machine is a names table and, for each
 * state, the set of states it may move to; a move that is not in the table
 * is a bug in pfan and stops it (fatal), every legal move is logged at
 * debug level as "WHO: from -> to".
 *
 * Use:
 *	static const char *const names[] = { "down", "up" };
 *	static const unsigned next[] = { FSM_TO(UP), FSM_TO(DOWN) };
 *	static const struct fsm_def def = FSM_DEF(names, next);
 *	x->state = fsm_move(&def, x->state, UP, "host %s", name);
 */
#ifndef PFAN_FSM_H
#define PFAN_FSM_H

#define FSM_TO(s) (1u << (s))

struct fsm_def {
	const char *const *names;
	const unsigned *next;      /* next[s]: FSM_TO() bits of the states s may enter */
	unsigned n;                /* number of states (at most 32) */
};

#define FSM_DEF(names, next) \
	{ (names), (next), sizeof (names) / sizeof (names)[0] }

/* Returns to when the move from -> to is allowed (or from == to, which is
 * no move); otherwise fatal. who is a printf format naming the machine. */
unsigned fsm_move(const struct fsm_def *d, unsigned from, unsigned to,
    const char *who, ...) __attribute__((format(printf, 4, 5)));
/* The state's name, for messages. */
const char *fsm_name(const struct fsm_def *d, unsigned s);

#endif
