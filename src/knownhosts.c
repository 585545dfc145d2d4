/* knownhosts.c: the known_hosts lines libssh2 1.10 cannot read, those
 * with a marker, read as OpenSSH reads them (sshd(8), SSH_KNOWN_HOSTS
 * FILE FORMAT).
 *
 * libssh2 1.10 knows no markers: it takes "@revoked" for the host name
 * and fails on the rest, so a revoked key went unnoticed (and, were the
 * host otherwise unknown, --accept-new-hostkeys recorded it). We keep
 * these lines ourselves. A line applies to a host when its host patterns
 * match the name looked up: comma-separated, `*` and `?` wildcards,
 * `!` to exclude, case ignored, or one hashed name (|1|salt|hash). The
 * hashed names and the keys are compared by libssh2 itself, each line in
 * a collection of its own: then we neither decode base64 nor compute an
 * HMAC.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libssh2.h>

#include "knownhosts.h"
#include "log.h"
#include "xalloc.h"

enum marker { MARK_REVOKED, MARK_CA };

struct mark {
	enum marker kind;
	char *where;      /* FILE:LINE */
	char *patterns;   /* the host patterns */
	char *key;        /* "TYPE BASE64", what follows them */
};

struct knownhosts_marks {
	struct mark *v;
	size_t n;
};

struct knownhosts_marks *
knownhosts_marks_new(void)
{
	return xcalloc(1, sizeof(struct knownhosts_marks));
}

void
knownhosts_marks_free(struct knownhosts_marks *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].where);
		free(m->v[i].patterns);
		free(m->v[i].key);
	}
	free(m->v);
	free(m);
}

/* The next blank-separated word of *p, NUL-terminated in place. */
static char *
word(char **p)
{
	char *w = *p + strspn(*p, " \t"), *end;

	if (*w == '\0')
		return NULL;
	end = w + strcspn(w, " \t");
	*p = end + (*end != '\0');
	*end = '\0';
	return w;
}

bool
knownhosts_marks_add(struct knownhosts_marks *m, const char *path,
    unsigned lineno, const char *line)
{
	char *copy = xstrdup(line), *p = copy, *mark, *pats, *type, *key;
	enum marker kind;

	mark = word(&p);
	if (mark != NULL && strcmp(mark, "@revoked") == 0)
		kind = MARK_REVOKED;
	else if (mark != NULL && strcmp(mark, "@cert-authority") == 0)
		kind = MARK_CA;
	else {
		free(copy);
		return false;
	}
	pats = word(&p);
	type = word(&p);
	key = word(&p);
	if (key == NULL) {
		log_warn("%s:%u: %s line without host patterns and a key; ignored",
		    path, lineno, mark);
		free(copy);
		return true;
	}
	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	m->v[m->n].kind = kind;
	m->v[m->n].where = xasprintf("%s:%u", path, lineno);
	m->v[m->n].patterns = xstrdup(pats);
	m->v[m->n].key = xasprintf("%s %s", type, key);
	m->n++;
	free(copy);
	return true;
}

/* `*` and `?` over s[0..n), case ignored (OpenSSH's match_pattern). */
static bool
glob(const char *s, size_t n, const char *p, size_t pn)
{
	size_t i = 0, j = 0, star_p = (size_t)-1, star_s = 0;

	while (i < n) {
		if (j < pn && p[j] != '*' && (p[j] == '?' ||
		    tolower((unsigned char)p[j]) == tolower((unsigned char)s[i]))) {
			i++;
			j++;
		} else if (j < pn && p[j] == '*') {
			star_p = j++;
			star_s = i;
		} else if (star_p != (size_t)-1) {
			j = star_p + 1;
			i = ++star_s;
		} else
			return false;
	}
	while (j < pn && p[j] == '*')
		j++;
	return j == pn;
}

int
knownhosts_match_patterns(const char *name, const char *patterns)
{
	int found = 0;
	const char *p = patterns;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		bool negate = *p == '!';
		const char *pat = p + negate;
		size_t plen = len - negate;

		if (glob(name, strlen(name), pat, plen)) {
			if (negate)
				return -1;
			found = 1;
		}
		p += len + (p[len] == ',');
	}
	return found;
}

/* Does the hashed name |1|salt|hash stand for name? */
static bool
hashed_match(LIBSSH2_SESSION *s, const char *hashed, const char *name,
    const char *key, size_t keylen, int kh_type)
{
	char *copy, *salt, *hash;
	LIBSSH2_KNOWNHOSTS *kh;
	bool match = false;

	if (strncmp(hashed, "|1|", 3) != 0)
		return false;
	copy = xstrdup(hashed + 3);
	salt = copy;
	hash = strchr(copy, '|');
	if (hash == NULL) {
		free(copy);
		return false;
	}
	*hash++ = '\0';
	kh = libssh2_knownhost_init(s);
	if (kh == NULL)
		fatal("libssh2_knownhost_init failed");
	if (libssh2_knownhost_addc(kh, hash, salt, key, keylen, NULL, 0,
	    LIBSSH2_KNOWNHOST_TYPE_SHA1 | LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type,
	    NULL) == 0)
		match = libssh2_knownhost_checkp(kh, name, -1, key, keylen,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    kh_type, NULL) == LIBSSH2_KNOWNHOST_CHECK_MATCH;
	libssh2_knownhost_free(kh);
	free(copy);
	return match;
}

static bool
names_match(LIBSSH2_SESSION *s, const struct mark *mk, const char *const *names,
    const char *key, size_t keylen, int kh_type)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		if (mk->patterns[0] == '|' ?
		    hashed_match(s, mk->patterns, names[i], key, keylen, kh_type) :
		    knownhosts_match_patterns(names[i], mk->patterns) == 1)
			return true;
	}
	return false;
}

/* Is the line's key the server's? (Under a name of more than two
 * characters: libssh2 1.10 takes a shorter one for a hashed name.) */
static bool
same_key(LIBSSH2_SESSION *s, const struct mark *mk, const char *key,
    size_t keylen, int kh_type)
{
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
	char *line = xasprintf("pfan-key %s", mk->key);
	bool same = false;

	if (kh == NULL)
		fatal("libssh2_knownhost_init failed");
	if (libssh2_knownhost_readline(kh, line, strlen(line),
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0)
		same = libssh2_knownhost_checkp(kh, "pfan-key", -1, key, keylen,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    kh_type, NULL) == LIBSSH2_KNOWNHOST_CHECK_MATCH;
	libssh2_knownhost_free(kh);
	free(line);
	return same;
}

const char *
knownhosts_revoked(const struct knownhosts_marks *m, LIBSSH2_SESSION *s,
    const char *const *names, const char *key, size_t keylen, int kh_type)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == MARK_REVOKED &&
		    names_match(s, &m->v[i], names, key, keylen, kh_type) &&
		    same_key(s, &m->v[i], key, keylen, kh_type))
			return m->v[i].where;
	return NULL;
}

const char *
knownhosts_cert_authority(const struct knownhosts_marks *m, LIBSSH2_SESSION *s,
    const char *const *names, const char *key, size_t keylen, int kh_type)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].kind == MARK_CA &&
		    names_match(s, &m->v[i], names, key, keylen, kh_type))
			return m->v[i].where;
	return NULL;
}
