/* knownhosts.h: the marker lines of known_hosts (@revoked,
 * @cert-authority), which libssh2 1.10 cannot read, for sshauth.c: it
 * hands each line starting with '@' here, then asks about the server's
 * key. names is NULL-terminated: the names the host is looked up by
 * ("addr" on port 22, else "[addr]:port"). kh_type is the key's
 * LIBSSH2_KNOWNHOST_KEY_* type. */
#ifndef PFAN_KNOWNHOSTS_H
#define PFAN_KNOWNHOSTS_H
#include <stdbool.h>
#include <stddef.h>
#include <libssh2.h>

struct knownhosts_marks;

struct knownhosts_marks *knownhosts_marks_new(void);
void knownhosts_marks_free(struct knownhosts_marks *m);   /* NULL-safe */
/* True when line (a known_hosts line, blanks stripped) has a marker this
 * knows, kept or warned about; false for anything else. */
bool knownhosts_marks_add(struct knownhosts_marks *m, const char *path,
    unsigned lineno, const char *line);
/* "FILE:LINE" of an @revoked line for one of names with this key, or NULL. */
const char *knownhosts_revoked(const struct knownhosts_marks *m,
    LIBSSH2_SESSION *s, const char *const *names, const char *key,
    size_t keylen, int kh_type);
/* "FILE:LINE" of an @cert-authority line for one of names, or NULL. */
const char *knownhosts_cert_authority(const struct knownhosts_marks *m,
    LIBSSH2_SESSION *s, const char *const *names, const char *key,
    size_t keylen, int kh_type);
/* OpenSSH's host pattern list: 1 when a pattern matches name, -1 when a
 * negated one (!pattern) does, 0 otherwise. */
int knownhosts_match_patterns(const char *name, const char *patterns);

#endif
