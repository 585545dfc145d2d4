/* hostfile.c: the YAML hostfile (-H FILE). It is loaded whole as a libyaml
 * document (yamldoc.c): every node keeps its position, so each mistake can
 * be reported at its line and column. A host is a mapping at level 3 and
 * its tags a list at level 4, so nesting past MAX_DEPTH is refused before
 * it costs anything. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "buf.h"
#include "errors.h"
#include "hosts.h"
#include "log.h"
#include "sshconfig.h"
#include "xalloc.h"
#include "yamldoc.h"

#define FILE_MAX (16u << 20)
#define MAX_DEPTH 100

enum field { F_NAME, F_ADDRESS, F_USER, F_PORT, F_IDENTITY, F_KNOWN_HOSTS,
	F_SLOTS, F_TAGS, F_COUNT };

static const char *const field_names[F_COUNT] = {
	"name", "address", "user", "port", "identity", "known_hosts", "slots", "tags",
};

#define HOST_FIELDS ((1u << F_COUNT) - 1)
#define DEFAULT_FIELDS ((1u << F_USER) | (1u << F_PORT) | (1u << F_IDENTITY) | \
	(1u << F_KNOWN_HOSTS) | (1u << F_SLOTS))

struct ctx {
	const char *path;
	const char *text;        /* the file, for positions libyaml gives as offsets */
	yaml_document_t *doc;
	char *home;
	char **cause;
};

static int __attribute__((format(printf, 4, 5)))
fail_at(struct ctx *c, unsigned long line, unsigned long col, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_addf(&b, "%s:%lu:%lu: ", c->path, line + 1, col + 1);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	*c->cause = buf_steal(&b);
	return PFAN_E_INPUT;
}

#define fail(c, node, ...) \
	fail_at((c), (node)->start_mark.line, (node)->start_mark.column, __VA_ARGS__)

static char *
where(struct ctx *c, const yaml_node_t *node)
{
	return xasprintf("%s:%lu:%lu", c->path, (unsigned long)node->start_mark.line + 1,
	    (unsigned long)node->start_mark.column + 1);
}

static const char *
kind(const yaml_node_t *node)
{
	return node->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
}

/* The text of a scalar, or an error naming the key it belongs to. */
static int
get_string(struct ctx *c, const char *key, yaml_node_t *v, const char **out)
{
	if (v->type != YAML_SCALAR_NODE)
		return fail(c, v, "%s must be a string, not %s", key, kind(v));
	if (strlen((char *)v->data.scalar.value) != v->data.scalar.length)
		return fail(c, v, "%s must not contain a NUL character", key);
	if (v->data.scalar.length == 0)
		return fail(c, v, "%s must not be empty", key);
	*out = (const char *)v->data.scalar.value;
	return PFAN_OK;
}

static int
set_port(struct ctx *c, yaml_node_t *v, unsigned *port)
{
	const char *s;
	unsigned long n;

	if (v->type != YAML_SCALAR_NODE)
		return fail(c, v, "port must be an integer from 1 to 65535, not %s", kind(v));
	s = (const char *)v->data.scalar.value;
	if (hosts_parse_number(s, 65535, &n) != 0 || n == 0)
		return fail(c, v, "port must be an integer from 1 to 65535, not \"%s\"", s);
	*port = (unsigned)n;
	return PFAN_OK;
}

static int
set_slots(struct ctx *c, yaml_node_t *v, unsigned *slots)
{
	const char *s;
	unsigned long n;

	if (v->type != YAML_SCALAR_NODE)
		return fail(c, v, "slots must be a positive integer or \"auto\", not %s", kind(v));
	s = (const char *)v->data.scalar.value;
	if (strcmp(s, "auto") == 0) {
		*slots = 0;
		return PFAN_OK;
	}
	if (hosts_parse_number(s, ULONG_MAX, &n) != 0 || n == 0)
		return fail(c, v, "slots must be a positive integer or \"auto\", not \"%s\"", s);
	if (n > HOSTS_MAX_SLOTS)
		return fail(c, v, "slots must be at most %d, not \"%s\"", HOSTS_MAX_SLOTS, s);
	*slots = (unsigned)n;
	return PFAN_OK;
}

static int
set_tags(struct ctx *c, yaml_node_t *v, struct host_spec *h)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, "tags must be a list, like [gpu, bigmem]");
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		yaml_node_t *t = yaml_document_get_node(c->doc, *it);
		const char *s;

		if (get_string(c, "a tag", t, &s) != PFAN_OK)
			return PFAN_E_INPUT;
		if (strchr(s, ':') != NULL || !hosts_valid_name(s))
			return fail(c, t, "bad tag \"%s\" (only letters, digits, '.', '_' and '-')", s);
		if (host_has_tag(h, s))
			continue;
		h->tags = xreallocarray(h->tags, h->ntags + 1, sizeof *h->tags);
		h->tags[h->ntags++] = xstrdup(s);
	}
	return PFAN_OK;
}

static void
replace(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

static int
set_field(struct ctx *c, enum field f, yaml_node_t *v, struct host_spec *h)
{
	const char *s;

	switch (f) {
	case F_PORT:
		return set_port(c, v, &h->port);
	case F_SLOTS:
		return set_slots(c, v, &h->slots);
	case F_TAGS:
		return set_tags(c, v, h);
	default:
		break;
	}
	if (get_string(c, field_names[f], v, &s) != PFAN_OK)
		return PFAN_E_INPUT;
	switch (f) {
	case F_NAME:
		replace(&h->name, xstrdup(s));
		break;
	case F_ADDRESS:
		if (!hosts_valid_name(s))
			return fail(c, v, "bad address \"%s\" (%s)", s, HOSTS_NAME_CHARS);
		replace(&h->address, xstrdup(s));
		break;
	case F_USER:
		if (!hosts_valid_user(s))
			return fail(c, v, "bad user name \"%s\"", s);
		replace(&h->user, xstrdup(s));
		break;
	case F_IDENTITY:
		replace(&h->identity, sshconfig_tilde(s, c->home));
		break;
	case F_KNOWN_HOSTS:
		replace(&h->known_hosts, sshconfig_tilde(s, c->home));
		break;
	default:
		break;
	}
	return PFAN_OK;
}

static int
unknown_key(struct ctx *c, yaml_node_t *k, const char *in, unsigned allowed)
{
	struct buf b = BUF_INIT;
	int rc;

	for (int f = 0; f < F_COUNT; f++)
		if (allowed & (1u << f))
			buf_addf(&b, "%s%s", b.len ? ", " : "", field_names[f]);
	rc = fail(c, k, "unknown key \"%s\" in %s (valid: %s)",
	    (char *)k->data.scalar.value, in, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* Reads a mapping of host settings into h (which holds the defaults). */
static int
parse_settings(struct ctx *c, yaml_node_t *m, const char *in, unsigned allowed,
    struct host_spec *h, yaml_node_t **name)
{
	unsigned seen = 0;

	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		int f;

		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, "a key in %s must be a plain name, not %s", in, kind(k));
		for (f = 0; f < F_COUNT; f++)
			if (strcmp((char *)k->data.scalar.value, field_names[f]) == 0)
				break;
		if (f == F_COUNT || !(allowed & (1u << f)))
			return unknown_key(c, k, in, allowed);
		if (seen & (1u << f))
			return fail(c, k, "duplicate key \"%s\"", field_names[f]);
		seen |= 1u << f;
		if (set_field(c, (enum field)f, v, h) != PFAN_OK)
			return PFAN_E_INPUT;
		if (f == F_NAME)
			*name = v;
	}
	return PFAN_OK;
}

/* Checks one expanded name and appends a copy of h under it. */
static int
parse_host(struct ctx *c, yaml_node_t *item, const struct host_spec *defaults,
    struct host_list *hl)
{
	struct host_spec h;
	yaml_node_t *name = NULL;
	char *at;
	int rc;

	host_spec_copy(&h, defaults);
	if (item->type == YAML_SCALAR_NODE) {
		rc = set_field(c, F_NAME, item, &h);
		name = item;
	} else if (item->type == YAML_MAPPING_NODE) {
		rc = parse_settings(c, item, "a host", HOST_FIELDS, &h, &name);
		if (rc == PFAN_OK && name == NULL)
			rc = fail(c, item, "host without a name");
	} else {
		rc = fail(c, item, "a host must be a name or a mapping, not a list");
	}
	if (rc == PFAN_OK) {
		at = where(c, name);
		rc = hosts_add_expanded(hl, &h, at, c->cause);
		free(at);
	}
	host_spec_free(&h);
	return rc;
}

static int
parse_document(struct ctx *c, struct host_list *hl)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *hosts = NULL;
	struct host_spec defaults;
	bool seen_defaults = false;
	int rc = PFAN_OK;

	memset(&defaults, 0, sizeof defaults);
	if (root == NULL)
		return fail_at(c, 0, 0, "empty hostfile: expected a \"hosts\" list");
	if (root->type != YAML_MAPPING_NODE)
		return fail(c, root, "a hostfile must be a mapping with a \"hosts\" list, not %s",
		    root->type == YAML_SCALAR_NODE ? "a string" : kind(root));
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top && rc == PFAN_OK; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = k->type == YAML_SCALAR_NODE ? (char *)k->data.scalar.value : "";

		if ((strcmp(key, "hosts") == 0 && hosts != NULL) ||
		    (strcmp(key, "defaults") == 0 && seen_defaults)) {
			rc = fail(c, k, "duplicate key \"%s\"", key);
		} else if (strcmp(key, "hosts") == 0) {
			hosts = v;
		} else if (strcmp(key, "defaults") == 0) {
			seen_defaults = true;
			if (v->type != YAML_MAPPING_NODE)
				rc = fail(c, v, "defaults must be a mapping of settings");
			else
				rc = parse_settings(c, v, "defaults", DEFAULT_FIELDS, &defaults, NULL);
		} else {
			rc = fail(c, k, "unknown key \"%s\" at the top level (valid: defaults, hosts)", key);
		}
	}
	if (rc == PFAN_OK && hosts == NULL)
		rc = fail(c, root, "no \"hosts\" list in the hostfile");
	if (rc == PFAN_OK && hosts->type != YAML_SEQUENCE_NODE)
		rc = fail(c, hosts, "hosts must be a list (each item \"- name: ...\")");
	if (rc == PFAN_OK && hosts->data.sequence.items.start == hosts->data.sequence.items.top)
		rc = fail(c, hosts, "the hosts list is empty");
	for (yaml_node_item_t *it = rc == PFAN_OK ? hosts->data.sequence.items.start : NULL;
	    it != NULL && it < hosts->data.sequence.items.top && rc == PFAN_OK; it++)
		rc = parse_host(c, yaml_document_get_node(c->doc, *it), &defaults, hl);
	host_spec_free(&defaults);
	return rc;
}

/* libyaml gives reader errors as a byte offset; turn it into line:col. */
static void
offset_position(const char *text, size_t off, unsigned long *line, unsigned long *col)
{
	*line = *col = 0;
	for (size_t i = 0; i < off && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 0;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* The text at a libyaml mark (line and column count characters). */
static const char *
at_mark(const char *text, const yaml_mark_t *m)
{
	const char *s = text, *nl;
	size_t col = 0;

	for (size_t l = 0; l < m->line; l++) {
		if ((nl = strchr(s, '\n')) == NULL)
			return s + strlen(s);
		s = nl + 1;
	}
	for (; *s != '\0' && *s != '\n'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80 && col++ == m->column)
			return s;
	return s;
}

static bool
in_indentation(const char *text, const char *at)
{
	while (at > text && (at[-1] == ' ' || at[-1] == '\t'))
		at--;
	return at == text || at[-1] == '\n';
}

static int
yaml_error(struct ctx *c, const yaml_parser_t *p)
{
	unsigned long line, col;
	const char *at;
	struct buf b = BUF_INIT;
	int rc;

	if (p->error == YAML_MEMORY_ERROR)
		fatal("out of memory while reading %s", c->path);
	if (p->error == YAML_READER_ERROR) {
		offset_position(c->text, p->problem_offset, &line, &col);
		return fail_at(c, line, col, "%s", p->problem ? p->problem : "unreadable");
	}
	line = p->problem_mark.line;
	col = p->problem_mark.column;
	at = at_mark(c->text, &p->problem_mark);
	if (*at == '\t' && in_indentation(c->text, at))
		return fail_at(c, line, col, "tab character in indentation (YAML allows only spaces)");
	buf_adds(&b, p->problem ? p->problem : "bad YAML");
	if (p->context != NULL)
		buf_addf(&b, " %s", p->context);
	if (p->context != NULL && p->context_mark.line != p->problem_mark.line)
		buf_addf(&b, " that starts at line %lu", (unsigned long)p->context_mark.line + 1);
	if (at[strspn(at, " \t\r\n")] == '\0')
		buf_adds(&b, "; is the file cut short?");
	else if (*at == '[' && at > c->text && isalnum((unsigned char)at[-1]))
		buf_adds(&b, "; a host range inside [ ] needs quotes: \"n[1-4]\"");
	rc = fail_at(c, line, col, "%s", buf_cstr(&b));
	buf_free(&b);
	return rc;
}

/* yamldoc_load, with its errors in words. */
static int
load(struct ctx *c, yaml_parser_t *p, yaml_document_t *doc)
{
	yaml_mark_t at;

	switch (yamldoc_load(p, doc, MAX_DEPTH, &at)) {
	case YAMLDOC_OK:
		return PFAN_OK;
	case YAMLDOC_TOO_DEEP:
		return fail_at(c, at.line, at.column, "nesting deeper than %d levels", MAX_DEPTH);
	case YAMLDOC_BAD_ALIAS:
		return fail_at(c, at.line, at.column, "found undefined alias");
	default:
		return yaml_error(c, p);
	}
}

static int
read_all(const char *path, char **text, size_t *len, char **cause)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return PFAN_E_SYS;
	}
	errno = EISDIR;    /* what fstat leaves alone if it is a directory */
	if (fstat(fd, &st) == -1 || S_ISDIR(st.st_mode)) {
		int e = errno;
		*cause = xasprintf("%s: %s", path, strerror(e));
		close(fd);
		return PFAN_E_SYS;
	}
	/* It says where to connect and as whom, with which key: anyone who
	 * may write it may send our jobs, and our key, elsewhere. */
	if (st.st_mode & S_IWOTH)
		log_warn("%s: writable by anyone on this machine (mode %04o): "
		    "anyone could change the hosts, users and keys pfan uses; "
		    "fix with: chmod o-w %s", path, (unsigned)(st.st_mode & 07777),
		    path);
	do {
		buf_reserve(&b, 65536);
		r = read(fd, b.data + b.len, 65536);
		if (r > 0)
			b.len += (size_t)r;
		b.data[b.len] = '\0';
	} while ((r > 0 || (r == -1 && errno == EINTR)) && b.len <= FILE_MAX);
	if (r == -1 || b.len > FILE_MAX) {
		*cause = r == -1 ? xasprintf("%s: %s", path, strerror(errno)) :
		    xasprintf("%s: larger than %u MiB; not a hostfile?", path, FILE_MAX >> 20);
		close(fd);
		buf_free(&b);
		return r == -1 ? PFAN_E_SYS : PFAN_E_INPUT;
	}
	close(fd);
	*len = b.len;
	*text = buf_steal(&b);
	return PFAN_OK;
}

int
hosts_load_file(struct host_list *hl, const char *path, char **cause)
{
	struct ctx c = { .path = path, .cause = cause };
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	size_t first = hl->n, len;
	char *text;
	int rc;

	*cause = NULL;
	rc = read_all(path, &text, &len, cause);
	if (rc != PFAN_OK)
		return rc;
	c.text = text;
	c.home = sshconfig_home();
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if ((rc = load(&c, &parser, &doc)) != PFAN_OK)
		goto out;
	c.doc = &doc;
	rc = parse_document(&c, hl);
	if (rc == PFAN_OK) {
		/* A second document is most likely a pasted hostfile. */
		if ((rc = load(&c, &parser, &extra)) == PFAN_OK) {
			yaml_node_t *r = yaml_document_get_root_node(&extra);
			if (r != NULL)
				rc = fail(&c, r, "a hostfile holds one YAML document, found a second");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	free(text);
	free(c.home);
	return hosts_commit(hl, first, rc, cause);
}
