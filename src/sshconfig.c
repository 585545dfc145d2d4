/* sshconfig.c: reads ~/.ssh/config once into a flat list of (block, key,
 * value) entries, so looking up a thousand hosts reads no file again. A
 * block is a Host or Match line; a block opened inside an included file
 * hangs under the block that held the Include, and an entry applies only
 * when its whole chain of blocks matches, which is how ssh treats Include
 * inside Host. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "sshconfig.h"
#include "xalloc.h"

#define MAX_DEPTH 16          /* Include nesting, as in OpenSSH */
#define MAX_ARGS 256
#define MAX_LINE 65536

enum key { K_HOSTNAME, K_USER, K_PORT, K_IDENTITY, K_NONE };

static const struct {
	const char *name;
	const char *tokens;   /* the %-tokens the value may hold */
} keys[] = {
	[K_HOSTNAME] = { "HostName", "h" },
	[K_USER] = { "User", "" },
	[K_PORT] = { "Port", "" },
	[K_IDENTITY] = { "IdentityFile", "dhilLnpru" },
};

enum block_kind { B_HOST, B_NEVER, B_ALWAYS };

struct block {
	enum block_kind kind;
	int parent;           /* -1: top level */
	char **pat;
	size_t npat;
};

struct entry {
	enum key key;
	int block;            /* -1: before any Host line */
	char *value;
};

struct sshconfig {
	struct block *b;
	size_t nb;
	struct entry *e;
	size_t ne;
	char *home;
};

struct line {
	const char *path;
	unsigned no;
	char *argv[MAX_ARGS];
	int argc;             /* argv[0] is the keyword */
};

static int read_file(struct sshconfig *cfg, const char *path, int base, int depth,
    bool missing_ok, char **cause);

char *
sshconfig_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return xstrdup(h);
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_dir != NULL)
		return xstrdup(pw->pw_dir);
	return xstrdup("/");
}

char *
sshconfig_local_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u != NULL && *u != '\0')
		return xstrdup(u);
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_name != NULL)
		return xstrdup(pw->pw_name);
	return xasprintf("%u", (unsigned)getuid());
}

char *
sshconfig_tilde(const char *path, const char *home)
{
	if (path[0] == '~' && (path[1] == '\0' || path[1] == '/'))
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

/* Splits a line in place: keyword, then "=" or blanks, then arguments,
 * which may be "quoted"; a # at the start of an argument ends the line. */
static int
split_line(char *s, struct line *ln, char **cause)
{
	ln->argc = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#')
		return PFAN_OK;
	ln->argv[ln->argc++] = s;
	s += strcspn(s, " \t\r\n=");
	if (*s != '\0') {
		bool eq = *s == '=';
		*s++ = '\0';
		while (isspace((unsigned char)*s))
			s++;
		if (!eq && *s == '=')
			s++;
	}
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			return PFAN_OK;
		if (ln->argc == MAX_ARGS) {
			*cause = xasprintf("%s:%u: too many arguments", ln->path, ln->no);
			return PFAN_E_INPUT;
		}
		if (*s == '"') {
			char *end = strchr(++s, '"');
			if (end == NULL) {
				*cause = xasprintf("%s:%u: unterminated quote", ln->path, ln->no);
				return PFAN_E_INPUT;
			}
			*end = '\0';
			ln->argv[ln->argc++] = s;
			s = end + 1;
			continue;
		}
		ln->argv[ln->argc++] = s;
		s += strcspn(s, " \t\r\n");
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
add_block(struct sshconfig *cfg, enum block_kind kind, int parent, struct line *ln)
{
	struct block *b;

	cfg->b = xreallocarray(cfg->b, cfg->nb + 1, sizeof *cfg->b);
	b = &cfg->b[cfg->nb];
	b->kind = kind;
	b->parent = parent;
	b->npat = kind == B_HOST ? (size_t)ln->argc - 1 : 0;
	b->pat = xcalloc(b->npat + 1, sizeof *b->pat);
	for (size_t i = 0; i < b->npat; i++)
		b->pat[i] = xstrdup(ln->argv[i + 1]);
	return (int)cfg->nb++;
}

static int
check_value(enum key k, const char *v, struct line *ln, char **cause)
{
	if (k == K_PORT) {
		char *end;
		unsigned long port;

		errno = 0;
		port = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
		    port < 1 || port > 65535) {
			*cause = xasprintf("%s:%u: Port must be an integer from 1 to 65535, not \"%s\"",
			    ln->path, ln->no, v);
			return PFAN_E_INPUT;
		}
		return PFAN_OK;
	}
	for (const char *p = strchr(v, '%'); p != NULL; p = strchr(p + 2, '%')) {
		if (p[1] == '%')
			continue;
		if (p[1] == '\0' || strchr(keys[k].tokens, p[1]) == NULL) {
			*cause = xasprintf("%s:%u: %s: unknown or unsupported token \"%%%.1s\"",
			    ln->path, ln->no, keys[k].name, p + 1);
			return PFAN_E_INPUT;
		}
	}
	return PFAN_OK;
}

static int
do_include(struct sshconfig *cfg, struct line *ln, int cur, int depth, char **cause)
{
	int rc = PFAN_OK;

	if (depth >= MAX_DEPTH) {
		*cause = xasprintf("%s:%u: Include nested too deep", ln->path, ln->no);
		return PFAN_E_INPUT;
	}
	for (int i = 1; i < ln->argc && rc == PFAN_OK; i++) {
		char *pattern = sshconfig_tilde(ln->argv[i], cfg->home);
		glob_t g;

		/* Relative names live in ~/.ssh, as for ssh's user config. */
		if (pattern[0] != '/') {
			char *abs = xasprintf("%s/.ssh/%s", cfg->home, pattern);
			free(pattern);
			pattern = abs;
		}
		int grc = glob(pattern, 0, NULL, &g);
		if (grc == 0) {
			for (size_t j = 0; j < g.gl_pathc && rc == PFAN_OK; j++)
				rc = read_file(cfg, g.gl_pathv[j], cur, depth + 1, false, cause);
		} else if (grc != GLOB_NOMATCH) {
			*cause = xasprintf("%s:%u: Include %s: cannot expand", ln->path, ln->no, pattern);
			rc = PFAN_E_INPUT;
		}
		if (grc != GLOB_NOMATCH)
			globfree(&g);
		free(pattern);
	}
	return rc;
}

static int
do_line(struct sshconfig *cfg, struct line *ln, int base, int *cur, int depth, char **cause)
{
	const char *kw = ln->argv[0];
	enum key k;

	if (strcasecmp(kw, "Host") == 0) {
		if (ln->argc < 2) {
			*cause = xasprintf("%s:%u: Host needs a pattern", ln->path, ln->no);
			return PFAN_E_INPUT;
		}
		*cur = add_block(cfg, B_HOST, base, ln);
		return PFAN_OK;
	}
	if (strcasecmp(kw, "Match") == 0) {
		bool all = ln->argc == 2 && strcasecmp(ln->argv[1], "all") == 0;
		*cur = add_block(cfg, all ? B_ALWAYS : B_NEVER, base, ln);
		return PFAN_OK;
	}
	if (strcasecmp(kw, "Include") == 0)
		return do_include(cfg, ln, *cur, depth, cause);
	for (k = 0; k < K_NONE; k++)
		if (strcasecmp(kw, keys[k].name) == 0)
			break;
	if (k == K_NONE)
		return PFAN_OK;
	if (ln->argc < 2 || ln->argv[1][0] == '\0') {
		*cause = xasprintf("%s:%u: %s needs a value", ln->path, ln->no, keys[k].name);
		return PFAN_E_INPUT;
	}
	if (check_value(k, ln->argv[1], ln, cause) != PFAN_OK)
		return PFAN_E_INPUT;
	cfg->e = xreallocarray(cfg->e, cfg->ne + 1, sizeof *cfg->e);
	cfg->e[cfg->ne].key = k;
	cfg->e[cfg->ne].block = *cur;
	cfg->e[cfg->ne].value = xstrdup(ln->argv[1]);
	cfg->ne++;
	return PFAN_OK;
}

static int
read_file(struct sshconfig *cfg, const char *path, int base, int depth,
    bool missing_ok, char **cause)
{
	struct line ln = { .path = path, .no = 0 };
	char *s = xmalloc(MAX_LINE + 2);
	int cur = base, rc = PFAN_OK;
	struct stat st;
	FILE *f = NULL;
	/* O_NONBLOCK: a FIFO named by an Include must not hang the open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		free(s);
		if (errno == ENOENT && missing_ok)
			return PFAN_OK;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return PFAN_E_SYS;
	}
	/* Only a regular file: `Include /dev/zero` would be read for ever. */
	if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && strcmp(path, "/dev/null") != 0) ||
	    (f = fdopen(fd, "r")) == NULL) {
		*cause = xasprintf("%s: not a regular file", path);
		close(fd);
		free(s);
		return PFAN_E_INPUT;
	}
	errno = 0;
	/* Lines are read into a buffer of MAX_LINE bytes: memory is bounded
	 * whatever the file holds. */
	while (rc == PFAN_OK && fgets(s, MAX_LINE + 2, f) != NULL) {
		ln.no++;
		if (strlen(s) > MAX_LINE) {
			*cause = xasprintf("%s:%u: line too long", path, ln.no);
			rc = PFAN_E_INPUT;
			break;
		}
		rc = split_line(s, &ln, cause);
		if (rc == PFAN_OK && ln.argc > 0)
			rc = do_line(cfg, &ln, base, &cur, depth, cause);
	}
	if (rc == PFAN_OK && ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno ? errno : EIO));
		rc = PFAN_E_SYS;
	}
	free(s);
	fclose(f);
	return rc;
}

int
sshconfig_load(struct sshconfig **cfgp, const char *path, char **cause)
{
	struct sshconfig *cfg = xcalloc(1, sizeof *cfg);
	char *owned = NULL;
	int rc;

	cfg->home = sshconfig_home();
	if (path == NULL)
		path = owned = xasprintf("%s/.ssh/config", cfg->home);
	rc = read_file(cfg, path, -1, 0, true, cause);
	free(owned);
	if (rc != PFAN_OK) {
		sshconfig_free(cfg);
		cfg = NULL;
	}
	*cfgp = cfg;
	return rc;
}

void
sshconfig_free(struct sshconfig *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nb; i++) {
		for (size_t j = 0; j < cfg->b[i].npat; j++)
			free(cfg->b[i].pat[j]);
		free(cfg->b[i].pat);
	}
	for (size_t i = 0; i < cfg->ne; i++)
		free(cfg->e[i].value);
	free(cfg->b);
	free(cfg->e);
	free(cfg->home);
	free(cfg);
}

/* ssh's wildcards: * any run, ? one character; case-insensitive because
 * ssh lowercases the host name before matching. Backtracks only to the
 * last *, so it is linear in practice and never exponential. */
static bool
wildmatch(const char *p, const char *s)
{
	const char *star = NULL, *retry = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = ++p;
			retry = s;
		} else if (*p == '?' || tolower((unsigned char)*p) == tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static bool
block_matches(const struct sshconfig *cfg, int bi, const char *host)
{
	for (; bi >= 0; bi = cfg->b[bi].parent) {
		const struct block *b = &cfg->b[bi];
		bool yes = false;

		if (b->kind == B_NEVER)
			return false;
		for (size_t i = 0; i < b->npat; i++) {
			const char *p = b->pat[i];
			if (p[0] == '!' && wildmatch(p + 1, host))
				return false;
			if (p[0] != '!' && wildmatch(p, host))
				yes = true;
		}
		if (b->kind == B_HOST && !yes)
			return false;
	}
	return true;
}

void
sshconfig_lookup(const struct sshconfig *cfg, const char *host, struct sshconfig_values *v)
{
	bool seen[K_NONE] = { false };

	memset(v, 0, sizeof *v);
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->ne; i++) {
		const struct entry *e = &cfg->e[i];

		if (seen[e->key] || !block_matches(cfg, e->block, host))
			continue;
		seen[e->key] = true;
		switch (e->key) {
		case K_HOSTNAME:
			v->hostname = e->value;
			break;
		case K_USER:
			v->user = e->value;
			break;
		case K_PORT:
			v->port = (unsigned)strtoul(e->value, NULL, 10);
			break;
		case K_IDENTITY:
			if (strcasecmp(e->value, "none") != 0)
				v->identity = e->value;
			break;
		case K_NONE:
			break;
		}
	}
}

char *
sshconfig_expand(const char *raw, const struct sshconfig_tokens *t)
{
	struct buf b = BUF_INIT;
	char *path = sshconfig_tilde(raw, t->home);
	char host[256];

	for (const char *p = path; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			buf_addc(&b, *p);
			continue;
		}
		switch (*++p) {
		case '%': buf_addc(&b, '%'); break;
		case 'd': buf_adds(&b, t->home); break;
		case 'h': buf_adds(&b, t->host); break;
		case 'n': buf_adds(&b, t->alias); break;
		case 'r': buf_adds(&b, t->ruser); break;
		case 'u': buf_adds(&b, t->luser); break;
		case 'p': buf_addf(&b, "%u", t->port); break;
		case 'i': buf_addf(&b, "%u", (unsigned)getuid()); break;
		case 'l':
		case 'L':
			if (gethostname(host, sizeof host) != 0)
				host[0] = '\0';
			host[sizeof host - 1] = '\0';
			if (*p == 'L')
				host[strcspn(host, ".")] = '\0';
			buf_adds(&b, host);
			break;
		default:
			buf_addc(&b, '%');
			buf_addc(&b, *p);
			break;
		}
	}
	free(path);
	return buf_steal(&b);
}
