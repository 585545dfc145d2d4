/* optdump.c: prints pfan's option table (options_dump) for the build's
 * completion generator. A build tool: never installed. */
#include <stdio.h>

#include "options.h"

int
main(void)
{
	options_dump(stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
