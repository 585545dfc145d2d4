/* jlread.c: the joblog reader that --resume and --report share: one
 * JSON object per line, checked against docs/JOBLOG.md (§3, §4, §6) in the
 * order of its tables, decoded (escaped bytes back to bytes, nulls to the
 * writer's sentinels) and handed to the caller's callbacks. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "jlread.h"
#include "log.h"
#include "xalloc.h"

#define LOAD_FLAGS (JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES)

enum ftype {
	F_POSINT,       /* integer >= 1 */
	F_UINT,         /* integer >= 0 */
	F_INT_NULL,     /* integer or null */
	F_NUM_NULL,     /* number or null */
	F_STR,
	F_STR_NULL,
	F_STRS,         /* array of strings */
	F_BOOL,
};

struct field {
	const char *key;
	enum ftype type;
	bool required;
};

/* In the order the writer emits them, so a bad line reports its first
 * problem. Unknown keys are ignored: a newer pfan may add some. */
static const struct field record_fields[] = {
	{ "seq", F_POSINT, true },
	{ "attempt", F_POSINT, false },
	{ "host", F_STR_NULL, false },
	{ "slot", F_UINT, false },
	{ "cmd", F_STR, true },
	{ "args", F_STRS, false },
	{ "start", F_NUM_NULL, false },
	{ "runtime", F_NUM_NULL, false },
	{ "exit", F_INT_NULL, false },
	{ "signal", F_INT_NULL, false },
	{ "status", F_STR, true },
	{ "final", F_BOOL, false },
	{ "stdout_bytes", F_UINT, false },
	{ "stderr_bytes", F_UINT, false },
};

static const struct field header_fields[] = {
	{ "pfan", F_STR, true },
	{ "argv", F_STRS, true },
	{ "cwd", F_STR_NULL, true },
	{ "start", F_NUM_NULL, true },
};

#define NFIELDS(a) (sizeof (a) / sizeof (a)[0])

/* The bytes a joblog string stands for: U+0000 followed by U+0080..U+00FF
 * is one raw byte (joblog.c's jstr). False for any other U+0000. */
static bool
unescape(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i], a, b;
		if (c != '\0') {
			buf_addc(out, (char)c);
			continue;
		}
		if (n - i < 3)
			return false;
		a = (unsigned char)s[i + 1];
		b = (unsigned char)s[i + 2];
		if ((a != 0xC2 && a != 0xC3) || (b & 0xC0) != 0x80)
			return false;
		buf_addc(out, (char)(((a & 0x03) << 6) | (b & 0x3F)));
		i += 2;
	}
	return true;
}

static bool
str_ok(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	struct buf b = BUF_INIT;
	bool ok;

	if (memchr(s, '\0', n) == NULL)
		return true;
	ok = unescape(&b, s, n);
	buf_free(&b);
	return ok;
}

/* A malloc'd copy of the bytes the string stands for (checked already). */
static char *
str_bytes(const json_t *v)
{
	struct buf b = BUF_INIT;

	unescape(&b, json_string_value(v), json_string_length(v));
	return buf_steal(&b);
}

/* NULL when v fits t, else what is wrong, to follow "KEY ". */
static const char *
check_type(const json_t *v, enum ftype t)
{
	size_t i;
	json_t *x;

	switch (t) {
	case F_POSINT:
	case F_UINT:
		if (!json_is_number(v))
			return "is not a number";
		if (!json_is_integer(v) || json_integer_value(v) < (t == F_POSINT))
			return t == F_POSINT ? "is not a positive integer" :
			    "is not a non-negative integer";
		return NULL;
	case F_INT_NULL:
		return json_is_null(v) || json_is_integer(v) ? NULL :
		    "is not an integer or null";
	case F_NUM_NULL:
		return json_is_null(v) || json_is_number(v) ? NULL :
		    "is not a number or null";
	case F_STR_NULL:
		if (json_is_null(v))
			return NULL;
		/* FALLTHROUGH */
	case F_STR:
		if (!json_is_string(v))
			return t == F_STR ? "is not a string" : "is not a string or null";
		return str_ok(v) ? NULL : "holds a \\u0000 that is not an escaped byte";
	case F_BOOL:
		return json_is_boolean(v) ? NULL : "is not true or false";
	case F_STRS:
		if (!json_is_array(v))
			return "is not an array of strings";
		json_array_foreach(v, i, x) {
			if (!json_is_string(x))
				return "is not an array of strings";
			if (!str_ok(x))
				return "holds a \\u0000 that is not an escaped byte";
		}
		return NULL;
	}
	return "has an unknown type";
}

static int
check_fields(const json_t *o, const struct field *f, size_t nf,
    const char *where, char **cause)
{
	for (size_t i = 0; i < nf; i++) {
		const json_t *v = json_object_get(o, f[i].key);
		const char *what;

		if (v == NULL) {
			if (!f[i].required)
				continue;
			what = "is missing";
		} else if ((what = check_type(v, f[i].type)) == NULL)
			continue;
		*cause = xasprintf("%s: %s %s", where, f[i].key, what);
		return PFAN_E_INPUT;
	}
	return PFAN_OK;
}

static bool
is_header(const json_t *o)
{
	return json_is_object(o) && json_object_get(o, "pfan") != NULL &&
	    json_object_get(o, "seq") == NULL;
}

static char **
strs_bytes(const json_t *a, size_t *n)
{
	char **v;

	*n = json_array_size(a);
	v = xcalloc(*n + 1, sizeof *v);
	for (size_t i = 0; i < *n; i++)
		v[i] = str_bytes(json_array_get(a, i));
	return v;
}

static void
strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static double
num_or_nan(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void
give_header(const json_t *o, const struct jlread_ops *ops, void *arg)
{
	const json_t *cwd = json_object_get(o, "cwd");
	char *version = str_bytes(json_object_get(o, "pfan"));
	char *dir = json_is_string(cwd) ? str_bytes(cwd) : NULL;
	size_t n;
	char **argv = strs_bytes(json_object_get(o, "argv"), &n);
	struct joblog_header h = {
		.version = version,
		.argc = (int)n,
		.argv = argv,
		.cwd = dir,
		.start = num_or_nan(json_object_get(o, "start")),
	};

	if (ops->header != NULL)
		ops->header(arg, &h);
	strs_free(argv, n);
	free(dir);
	free(version);
}

/* The record's fields were checked: only their presence varies. */
static void
give_record(const json_t *o, enum job_status st, const struct jlread_ops *ops,
    void *arg)
{
	const json_t *v;
	struct joblog_record r = { .attempt = 1, .exit_code = -1, .status = st };
	char *host = NULL, *cmd, **args = NULL;

	r.seq = (unsigned long long)json_integer_value(json_object_get(o, "seq"));
	if ((v = json_object_get(o, "attempt")) != NULL)
		r.attempt = (unsigned)json_integer_value(v);
	if ((v = json_object_get(o, "host")) != NULL && json_is_string(v))
		r.host = host = str_bytes(v);
	if ((v = json_object_get(o, "slot")) != NULL)
		r.slot = (unsigned)json_integer_value(v);
	r.cmd = cmd = str_bytes(json_object_get(o, "cmd"));
	if ((v = json_object_get(o, "args")) != NULL)
		r.args = args = strs_bytes(v, &r.nargs);
	r.start = num_or_nan(json_object_get(o, "start"));
	r.runtime = num_or_nan(json_object_get(o, "runtime"));
	if ((v = json_object_get(o, "exit")) != NULL && json_is_integer(v))
		r.exit_code = (int)json_integer_value(v);
	if ((v = json_object_get(o, "signal")) != NULL && json_is_integer(v))
		r.signal = (int)json_integer_value(v);
	r.will_retry = json_is_false(json_object_get(o, "final"));
	if ((v = json_object_get(o, "stdout_bytes")) != NULL)
		r.stdout_bytes = (unsigned long long)json_integer_value(v);
	if ((v = json_object_get(o, "stderr_bytes")) != NULL)
		r.stderr_bytes = (unsigned long long)json_integer_value(v);
	if ((v = json_object_get(o, "job")) != NULL && json_is_object(v))
		r.job = v;
	if (ops->record != NULL)
		ops->record(arg, &r);
	if (args != NULL)
		strs_free(args, r.nargs);
	free(cmd);
	free(host);
}

/* One parsed line: a header or a record. */
static int
take_object(const json_t *o, const struct jlread_ops *ops, void *arg,
    const char *where, char **cause)
{
	enum job_status st;
	const char *status;
	int rc;

	if (!json_is_object(o)) {
		*cause = xasprintf("%s: not a JSON object", where);
		return PFAN_E_INPUT;
	}
	if (is_header(o)) {
		rc = check_fields(o, header_fields, NFIELDS(header_fields), where, cause);
		if (rc == PFAN_OK)
			give_header(o, ops, arg);
		return rc;
	}
	rc = check_fields(o, record_fields, NFIELDS(record_fields), where, cause);
	if (rc != PFAN_OK)
		return rc;
	status = json_string_value(json_object_get(o, "status"));
	if (job_status_parse(status, &st) != PFAN_OK) {
		*cause = xasprintf("%s: unknown status \"%s\"", where, status);
		return PFAN_E_INPUT;
	}
	give_record(o, st, ops, arg);
	return PFAN_OK;
}

/* A line that is not JSON is a torn write when nothing follows it (the
 * last line, without its '\n'), or when the next line is a header: the
 * writer of the next run sealed it with a '\n' before its own header. */
int
jlread_stream(FILE *f, const char *path, const struct jlread_ops *ops,
    void *arg, char **cause)
{
	char *line = NULL, *where = NULL, *torn = NULL;
	size_t cap = 0;
	unsigned long lineno = 0, torn_line = 0;
	bool torn_nl = false;
	ssize_t n;
	int rc = PFAN_OK;

	while ((n = getline(&line, &cap, f)) >= 0) {
		bool nl = n > 0 && line[n - 1] == '\n';
		size_t len = (size_t)n - nl;
		json_error_t err;
		json_t *o;

		lineno++;
		if (len == 0)
			continue;
		o = json_loadb(line, len, LOAD_FLAGS, &err);
		if (torn != NULL) {
			if (!is_header(o)) {
				json_decref(o);
				*cause = torn;
				torn = NULL;
				rc = PFAN_E_INPUT;
				goto out;
			}
			log_warn("%s:%lu: ignoring a torn line (pfan was killed "
			    "mid-write?)", path, torn_line);
			free(torn);
			torn = NULL;
		}
		free(where);
		where = xasprintf("%s:%lu", path, lineno);
		if (o == NULL) {
			torn = xasprintf("%s: not JSON: %s", where, err.text);
			torn_line = lineno;
			torn_nl = nl;
			continue;
		}
		rc = take_object(o, ops, arg, where, cause);
		json_decref(o);
		if (rc != PFAN_OK)
			goto out;
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		rc = PFAN_E_SYS;
		goto out;
	}
	if (torn != NULL) {
		if (torn_nl) {
			*cause = torn;
			torn = NULL;
			rc = PFAN_E_INPUT;
			goto out;
		}
		log_warn("%s:%lu: ignoring a torn last line (pfan was killed "
		    "mid-write?)", path, torn_line);
	}
out:
	free(torn);
	free(where);
	free(line);
	return rc;
}

int
jlread_file(const char *path, bool missing_ok, const struct jlread_ops *ops,
    void *arg, char **cause)
{
	FILE *f;
	int rc;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return PFAN_OK;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return PFAN_E_SYS;
	}
	rc = jlread_stream(f, path, ops, arg, cause);
	fclose(f);
	return rc;
}

