/* cescape.c: C escapes in test data (cescape.h). */
#include <stdlib.h>

#include "cescape.h"

void
cescape_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			buf_addc(out, s[i]);
			continue;
		}
		char c = s[++i];
		if (c == 'n')
			buf_addc(out, '\n');
		else if (c == 't')
			buf_addc(out, '\t');
		else if (c == '0')
			buf_addc(out, '\0');
		else if (c == 'x' && i + 2 < n) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };
			buf_addc(out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else
			buf_addc(out, c);
	}
}
