/* quote.c: POSIX shell quoting. Inside single quotes every byte but ' is
 * literal to any POSIX sh, so that is the one form we emit; a bare word is
 * kept only for bytes no shell treats specially, which keeps commands (and
 * the joblog) readable for the common case of file names and numbers. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "quote.h"
#include "xalloc.h"

/* [A-Za-z0-9_@%+:,./-]: nothing here expands, splits, globs or redirects.
 * '=' is not in the set: a bare `A=b` in command position would be an
 * assignment, not a word. */
static bool
quote_safe(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '_': case '@': case '%': case '+':
	case ':': case ',': case '.': case '/': case '-':
		return true;
	}
	return false;
}

void
quote_shell(struct buf *out, const char *s, size_t len)
{
	size_t i, nquote = 0;
	bool safe = len > 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!quote_safe(c))
			safe = false;
		if (c == '\'')
			nquote++;
	}
	if (safe) {
		buf_add(out, s, len);
		return;
	}
	buf_reserve(out, len + 2 + 3 * nquote);
	buf_addc(out, '\'');
	while (len > 0) {
		const char *q = memchr(s, '\'', len);
		size_t n = q != NULL ? (size_t)(q - s) : len;

		buf_add(out, s, n);
		if (q == NULL)
			break;
		buf_add(out, "'\\''", 4);
		s += n + 1;
		len -= n + 1;
	}
	buf_addc(out, '\'');
}

void
quote_words(struct buf *out, size_t start)
{
	size_t len = out->len - start, i = 0;
	char *words = xmalloc(len + 1);

	if (len > 0)
		memcpy(words, out->data + start, len);
	out->len = start;
	for (;;) {
		const char *nul = memchr(words + i, '\0', len - i);
		size_t n = nul != NULL ? (size_t)(nul - (words + i)) : len - i;

		quote_shell(out, words + i, n);
		if (nul == NULL)
			break;
		buf_addc(out, ' ');
		i += n + 1;
	}
	free(words);
}

char *
quote_shell_str(const char *s)
{
	struct buf b = BUF_INIT;

	quote_shell(&b, s, strlen(s));
	return buf_steal(&b);
}
