/* checkfmt.c: pfan --check's pure half (checkfmt.h). */
#include <stdlib.h>
#include <string.h>

#include "checkfmt.h"

static const char *const col_names[CHECK_NCOLS] = {
	"HOST", "ADDRESS", "RESOLVED", "CONNECTED", "HOSTKEY", "LOGIN", "CORES",
	"LOAD", "RTT", "SLOTS", "NOTE",
};

/* Three numbers separated by commas and/or blanks, from s. */
static bool
parse_three(const char *s, double load[3])
{
	char *end;

	for (int i = 0; i < 3; i++) {
		s += strspn(s, ", \t");
		load[i] = strtod(s, &end);
		if (end == s || load[i] < 0)
			return false;
		s = end;
	}
	return true;
}

bool
checkfmt_parse(const char *out, unsigned *cores, double load[3], bool *has_load)
{
	const char *nl = strchr(out, '\n'), *p;
	char *end;
	unsigned long n;

	*cores = 0;
	*has_load = false;
	n = strtoul(out, &end, 10);
	if (end != out && (*end == '\n' || *end == '\0') && n > 0 && n < 1000000 &&
	    out[0] >= '0' && out[0] <= '9')
		*cores = (unsigned)n;
	if (nl != NULL) {
		p = strstr(nl + 1, "load average");
		if (p != NULL && (p = strchr(p, ':')) != NULL)
			*has_load = parse_three(p + 1, load);
		else
			*has_load = parse_three(nl + 1, load);
	}
	return *cores > 0 || *has_load;
}

static const char *
cell(char *const *cells, size_t row, unsigned col)
{
	const char *s = cells[row * CHECK_NCOLS + col];

	return s != NULL && *s != '\0' ? s : "-";
}

static void
put_word(FILE *fp, const char *s, size_t width)
{
	size_t len = strlen(s);

	for (const char *p = s; *p != '\0'; p++)
		fputc((unsigned char)*p <= ' ' ? '?' : *p, fp);
	for (; len < width; len++)
		fputc(' ', fp);
}

void
checkfmt_table(FILE *fp, char *const *cells, size_t nrows)
{
	size_t width[CHECK_NCOLS];

	for (unsigned c = 0; c < CHECK_NCOLS; c++) {
		width[c] = strlen(col_names[c]);
		for (size_t r = 0; r < nrows; r++)
			if (strlen(cell(cells, r, c)) > width[c])
				width[c] = strlen(cell(cells, r, c));
	}
	for (size_t r = 0; r <= nrows; r++) {
		for (unsigned c = 0; c < CHECK_NOTE; c++) {
			put_word(fp, r == 0 ? col_names[c] : cell(cells, r - 1, c), width[c]);
			fputs("  ", fp);
		}
		fprintf(fp, "%s\n", r == 0 ? col_names[CHECK_NOTE] : cell(cells, r - 1, CHECK_NOTE));
	}
}
