/* hosttags.c: a run limited to the hosts with a tag (hosts.h): --hosts
 * TAG[,TAG...] over every host, -H FILE@TAG[,TAG...] over one hostfile's.
 * Pure: the host list in, the host list out. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "hosts.h"
#include "xalloc.h"

/* A path with '@' in it is the file when it exists: a hostfile that
 * really is called "lab@2.yaml" keeps working. */
void
hosts_split_hostfile_arg(const char *arg, char **path, char **tags)
{
	struct stat st;
	const char *at = strrchr(arg, '@');

	if (at == NULL || stat(arg, &st) == 0) {
		*path = xstrdup(arg);
		*tags = NULL;
		return;
	}
	*path = xasprintf("%.*s", (int)(at - arg), arg);
	*tags = xstrdup(at + 1);
}

static void
free_tags(char **tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(tags[i]);
	free(tags);
}

/* The tags of list, one by one, each checked. */
static int
split_tags(const char *list, const char *what, char ***tags, size_t *n, char **cause)
{
	const char *p = list;

	*tags = NULL;
	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *t = xasprintf("%.*s", (int)len, p);
		if (!hosts_valid_name(t) || strchr(t, ':') != NULL) {
			*cause = t[0] == '\0' ? xasprintf("%s: an empty tag in \"%s\"", what, list) :
			    xasprintf("%s: bad tag \"%s\" (only letters, digits, '.', '_' and '-')",
			    what, t);
			free(t);
			free_tags(*tags, *n);
			*tags = NULL;
			return PFAN_E_INPUT;
		}
		*tags = xreallocarray(*tags, *n + 1, sizeof **tags);
		(*tags)[(*n)++] = t;
		if (p[len] == '\0')
			return PFAN_OK;
		p += len + 1;
	}
}

static bool
carries_one(const struct host_spec *h, char *const *tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (host_has_tag(h, tags[i]))
			return true;
	return false;
}

int
hosts_keep_tagged(struct host_list *hl, size_t first, const char *list,
    const char *what, char **cause)
{
	char **tags;
	size_t n, kept = first;
	int rc;

	if ((rc = split_tags(list, what, &tags, &n, cause)) != PFAN_OK)
		return rc;
	/* Every tag checked first: a misspelt one must not quietly run the
	 * jobs on the hosts of the others only. */
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = first; k < hl->n && !found; k++)
			found = host_has_tag(&hl->v[k], tags[i]);
		if (!found) {
			*cause = xasprintf("%s: no host carries the tag \"%s\"", what, tags[i]);
			free_tags(tags, n);
			return PFAN_E_INPUT;
		}
	}
	for (size_t k = first; k < hl->n; k++) {
		if (carries_one(&hl->v[k], tags, n))
			hl->v[kept++] = hl->v[k];
		else
			host_spec_free(&hl->v[k]);
	}
	hl->n = kept;
	free_tags(tags, n);
	return PFAN_OK;
}
