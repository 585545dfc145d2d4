/* optpos.c: see optpos.h. */
#include <stdbool.h>
#include <string.h>

#include "errors.h"
#include "optpos.h"
#include "xalloc.h"

void
optpos_add_source(struct input_config *in, enum input_kind kind, const char *path)
{
	in->sources = xreallocarray(in->sources, in->nsources + 1, sizeof *in->sources);
	memset(&in->sources[in->nsources], 0, sizeof *in->sources);
	in->sources[in->nsources].kind = kind;
	in->sources[in->nsources].path = path;
	in->nsources++;
}

static bool
blank_words(char **words, int n)
{
	for (int i = 0; i < n; i++)
		if (words[i][strspn(words[i], " \t\n")] != '\0')
			return false;
	return true;
}

/* Which separator argv[i] is: 0 none, 1 ::: (values), 2 :::: (files);
 * *linked for the :::+ and ::::+ forms. */
static int
separator(const char *const seps[2], const char *w, bool *linked)
{
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(seps[k]);
		if (strncmp(w, seps[k], n) != 0)
			continue;
		if (w[n] == '\0' || (w[n] == '+' && w[n + 1] == '\0')) {
			*linked = w[n] == '+';
			return k + 1;
		}
	}
	return 0;
}

int
optpos_split(int argc, char **argv, int i, const char *arg_sep,
    const char *arg_file_sep, char ***template, int *ntemplate,
    struct input_config *in, char **cause)
{
	const char *const seps[2] = { arg_sep ? arg_sep : ":::",
	    arg_file_sep ? arg_file_sep : "::::" };
	bool linked;

	*template = &argv[i];
	while (i < argc && separator(seps, argv[i], &linked) == 0)
		i++;
	*ntemplate = (int)(&argv[i] - *template);
	if (*ntemplate > 0 && blank_words(*template, *ntemplate)) {
		/* GNU parallel runs the values themselves then: 'pfan "" ::: rm'
		 * would run rm. A command must be said. */
		*cause = xstrdup("the command is empty");
		return PFAN_E_INPUT;
	}
	while (i < argc) {
		int kind = separator(seps, argv[i], &linked);
		const char *sep = argv[i++];
		int start = i;
		bool l;
		while (i < argc && separator(seps, argv[i], &l) == 0)
			i++;
		if (i == start) {
			*cause = xasprintf("no values after %s", sep);
			return PFAN_E_INPUT;
		}
		if (kind == 2) {
			for (int k = start; k < i; k++) {
				optpos_add_source(in, INPUT_FILE, argv[k]);
				in->sources[in->nsources - 1].linked = linked;
			}
		} else {
			optpos_add_source(in, INPUT_LIST, NULL);
			struct input_source *src = &in->sources[in->nsources - 1];
			src->items = &argv[start];
			src->nitems = (size_t)(i - start);
			src->linked = linked;
		}
	}
	return PFAN_OK;
}
