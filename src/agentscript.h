/* agentscript.h: the remote agent (sshagent.h), a perl program that
 * runs a connection's jobs on the host and speaks agentproto.h's frames
 * on its stdin and stdout. Pure data: sshagent.c sends it; the unit test
 * (tests/unit/test_agent.c) runs it here. */
#ifndef PFAN_AGENTSCRIPT_H
#define PFAN_AGENTSCRIPT_H

/* The program's text, with no single quote in it. */
const char *agentscript_text(void);

#endif
