/* errors.h: the one set of return codes every module uses.
 * Functions return PFAN_OK (0) or one of these negative codes; where the
 * user must read something, a `char **cause` gets a malloc'd message
 * (without the "pfan: " prefix) that the caller prints and frees. */
#ifndef PFAN_ERRORS_H
#define PFAN_ERRORS_H

enum pfan_rc {
	PFAN_OK = 0,
	PFAN_EOF = -1,      /* no more: end of input, stream closed */
	PFAN_AGAIN = -2,    /* would block: poll the fd the module names */
	PFAN_E_INPUT = -3,  /* bad user input (option, template, file): see cause */
	PFAN_E_SYS = -4,    /* a system call failed: see cause */
	PFAN_E_SSH = -5,    /* SSH transport or authentication: see cause */
};

#endif
