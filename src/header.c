/* header.c: column names to positions (see header.h). The rewrite is
 * textual, as GNU parallel's is: a name is found wherever "{name}" is
 * written, and the longest name that fits wins. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "header.h"
#include "xalloc.h"

/* What may follow a name inside the braces. */
static const char *const name_tails[] = { "}", ".}", "/}", "//}", "/.}" };

/* At p (just after "{" or "{="): the column whose name is there, with a
 * tail allowed in that place; 0 if none. */
static size_t
match_name(const char *p, bool perl, char *const names[], size_t nnames,
    size_t *namelen)
{
	size_t best = 0, bestlen = 0;

	for (size_t i = 0; i < nnames; i++) {
		size_t n = names[i] != NULL ? strlen(names[i]) : 0;
		bool ok = false;

		if (n == 0 || n <= bestlen || strncmp(p, names[i], n) != 0)
			continue;
		if (perl)
			ok = p[n] == ' ';
		for (size_t k = 0; !perl && k < sizeof name_tails / sizeof name_tails[0]; k++)
			if (strncmp(p + n, name_tails[k], strlen(name_tails[k])) == 0)
				ok = true;
		if (ok) {
			best = i + 1;
			bestlen = n;
		}
	}
	*namelen = bestlen;
	return best;
}

static char *
rewrite_word(const char *w, char *const names[], size_t nnames)
{
	struct buf b = BUF_INIT;

	while (*w != '\0') {
		bool perl = w[0] == '{' && w[1] == '=';
		size_t skip = perl ? 2 : 1, len, col = 0;

		if (w[0] == '{')
			col = match_name(w + skip, perl, names, nnames, &len);
		if (col == 0) {
			buf_addc(&b, *w++);
			continue;
		}
		buf_add(&b, w, skip);
		buf_addf(&b, "%zu", col);
		w += skip + len;
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b);
}

char **
header_rewrite(int nwords, char *const words[], char *const names[],
    size_t nnames)
{
	char **out = xcalloc((size_t)(nwords > 0 ? nwords : 0) + 1, sizeof *out);

	for (int i = 0; i < nwords; i++)
		out[i] = rewrite_word(words[i], names, nnames);
	return out;
}
