/* sshauth.c: host key check and user authentication for a new session.
 *
 * Host keys: known_hosts is read line by line through libssh2 (a line it
 * cannot parse, such as an sk- key, is skipped rather than failing the
 * whole file, which libssh2_knownhost_readfile would do), from the host's
 * file and then /etc/ssh/ssh_known_hosts. libssh2 1.10 knows no markers:
 * lines with one go to knownhosts.c. As in OpenSSH, a key listed
 * @revoked for the host is refused before anything else. A host vouched
 * for only by an @cert-authority line is refused too, whatever the
 * options: libssh2 1.10 cannot check host certificates, and recording the
 * plain key the server offers would trust what the CA never signed. The name looked
 * up is what OpenSSH writes: `addr` on port 22, else `[addr]:port`, passed
 * with port -1 so that libssh2 does not also accept a plain `addr` entry
 * for another port. Hashed names match: libssh2 hashes what we pass. A key
 * of the same type that differs is refused whatever the options say.
 *
 * Authentication tries, in order, ssh-agent (when SSH_AUTH_SOCK is set,
 * and unless IdentitiesOnly or a hostfile identity) then the host's
 * identity files, or with none of those, ssh-agent and the default keys
 * that exist. Each failure is kept, so the final message says what was
 * tried and why each attempt failed, in our words (a missing file, a
 * passphrase, a key the server refused: each with what to do), not
 * libssh2's. libssh2's agent code talks to the agent over its local
 * socket with blocking I/O; that socket is local and answers in
 * microseconds, so we accept it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "knownhosts.h"
#include "log.h"
#include "sshauth.h"
#include "sshconfig.h"   /* sshconfig_home */
#include "xalloc.h"

#define GLOBAL_KNOWN_HOSTS "/etc/ssh/ssh_known_hosts"

/* Feeds each line libssh2 understands, and the marker lines to marks; a
 * missing file is an empty one. */
static void
read_known_hosts(LIBSSH2_KNOWNHOSTS *kh, struct knownhosts_marks *marks,
    const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;

	if (f == NULL) {
		if (errno != ENOENT)
			log_warn("%s: %s", path, strerror(errno));
		return;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		const char *p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '@') {
			if (!knownhosts_marks_add(marks, path, lineno, p))
				log_debug("%s:%u: skipped (a marker pfan does not know)",
				    path, lineno);
			continue;
		}
		if (libssh2_knownhost_readline(kh, p, strlen(p),
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			log_debug("%s:%u: skipped (libssh2 cannot read it)", path, lineno);
	}
	free(line);
	fclose(f);
}

static const char *
key_type_name(int type, int *kh_type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		*kh_type = LIBSSH2_KNOWNHOST_KEY_SSHRSA;
		return "ssh-rsa";
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		*kh_type = LIBSSH2_KNOWNHOST_KEY_SSHDSS;
		return "ssh-dss";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		*kh_type = LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
		return "ecdsa-sha2-nistp256";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		*kh_type = LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
		return "ecdsa-sha2-nistp384";
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		*kh_type = LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
		return "ecdsa-sha2-nistp521";
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		*kh_type = LIBSSH2_KNOWNHOST_KEY_ED25519;
		return "ssh-ed25519";
	}
	*kh_type = LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	return "unknown";
}

/* "SHA256:" and unpadded base64, as ssh-keygen -l prints it. */
static void
fingerprint(struct buf *out, LIBSSH2_SESSION *s)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *h = (const unsigned char *)
	    libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);

	buf_adds(out, "SHA256:");
	if (h == NULL) {
		buf_adds(out, "?");
		return;
	}
	for (size_t i = 0; i < 32; i += 3) {
		unsigned v = h[i] << 16;
		size_t n = 32 - i < 3 ? 32 - i : 3;
		if (n > 1)
			v |= h[i + 1] << 8;
		if (n > 2)
			v |= h[i + 2];
		buf_addc(out, b64[(v >> 18) & 63]);
		buf_addc(out, b64[(v >> 12) & 63]);
		if (n > 1)
			buf_addc(out, b64[(v >> 6) & 63]);
		if (n > 2)
			buf_addc(out, b64[v & 63]);
	}
}

static char *
lookup_name(const char *host, unsigned port)
{
	if (port == 22 || port == 0)
		return xstrdup(host);
	return xasprintf("[%s]:%u", host, port);
}

/* Appends the key for name to path, as ssh's "accept-new" does. */
static int
record_key(LIBSSH2_KNOWNHOSTS *kh, const char *path, const char *name,
    const char *key, size_t keylen, int typemask, char **cause)
{
	struct libssh2_knownhost *entry = NULL;
	char line[16384];
	size_t len = 0;
	int fd, rc = PFAN_OK;

	if (libssh2_knownhost_addc(kh, name, NULL, key, keylen, NULL, 0,
	    typemask, &entry) != 0 ||
	    libssh2_knownhost_writeline(kh, entry, line, sizeof line - 1, &len,
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
		*cause = xasprintf("cannot format a known_hosts line for %s", name);
		return PFAN_E_SSH;
	}
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			(void)mkdir(dir, 0700);
		}
		free(dir);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd < 0 || write(fd, line, len) != (ssize_t)len) {
		*cause = xasprintf("cannot add the host key of %s to %s: %s", name,
		    path, strerror(errno));
		rc = PFAN_E_SSH;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

const char *
sshauth_key_name(enum sshauth_key k)
{
	static const char *const names[] = {
		[SSHAUTH_KEY_UNCHECKED] = NULL, [SSHAUTH_KEY_KNOWN] = "known",
		[SSHAUTH_KEY_NEW] = "new", [SSHAUTH_KEY_ADDED] = "added",
		[SSHAUTH_KEY_CHANGED] = "changed", [SSHAUTH_KEY_REVOKED] = "revoked",
		[SSHAUTH_KEY_CA] = "ca", [SSHAUTH_KEY_NONE] = "none",
	};

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : NULL;
}

int
sshauth_hostkey(LIBSSH2_SESSION *s, const struct host_spec *spec,
    bool accept_new, enum sshauth_key *found, char **cause)
{
	size_t keylen = 0;
	int type = 0, kh_type, rc = PFAN_OK;
	const char *key = libssh2_session_hostkey(s, &keylen, &type);
	const char *tname = key_type_name(type, &kh_type);
	int typemask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type;
	const char *path = spec->known_hosts, *addr = spec->address;
	char *names[3] = { lookup_name(addr, spec->port), NULL, NULL };
	char port_str[16];
	struct buf fp = BUF_INIT;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct knownhosts_marks *marks = knownhosts_marks_new();
	int check = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
	const char *revoked, *ca;

	fingerprint(&fp, s);
	snprintf(port_str, sizeof port_str, "%u", spec->port);
	*found = SSHAUTH_KEY_NONE;
	if (key == NULL) {
		*cause = xstrdup("the server sent no host key");
		rc = PFAN_E_SSH;
		goto out;
	}
	if (strcmp(addr, spec->name) != 0)
		names[1] = lookup_name(spec->name, spec->port);
	kh = libssh2_knownhost_init(s);
	if (kh == NULL)
		fatal("libssh2_knownhost_init failed");
	read_known_hosts(kh, marks, path);
	read_known_hosts(kh, marks, GLOBAL_KNOWN_HOSTS);
	revoked = knownhosts_revoked(marks, s, (const char *const *)names, key,
	    keylen, kh_type);
	if (revoked != NULL) {
		*found = SSHAUTH_KEY_REVOKED;
		*cause = xasprintf("REVOKED HOST KEY DETECTED: the %s key of %s "
		    "(%s) is REVOKED in %s; refusing to connect", tname, names[0],
		    buf_cstr(&fp), revoked);
		rc = PFAN_E_SSH;
		goto out;
	}
	for (int i = 0; i < 2 && names[i] != NULL; i++) {
		int c = libssh2_knownhost_checkp(kh, names[i], -1, key, keylen,
		    typemask, NULL);
		if (c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ||
		    c == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
			check = c;
			if (c == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
				break;
		}
	}
	switch (check) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		*found = SSHAUTH_KEY_KNOWN;
		break;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		*found = SSHAUTH_KEY_CHANGED;
		*cause = xasprintf("WARNING: HOST KEY CHANGED: the %s key of %s "
		    "(%s) does not match the one in %s. Someone may be intercepting "
		    "the connection, or the host was reinstalled. Refusing to "
		    "connect. If the new key is right, remove the old one with: "
		    "ssh-keygen -R '%s' -f %s", tname, names[0],
		    buf_cstr(&fp), path, names[0], path);
		rc = PFAN_E_SSH;
		break;
	default:
		ca = knownhosts_cert_authority(marks, s, (const char *const *)names,
		    key, keylen, kh_type);
		if (ca != NULL) {
			*found = SSHAUTH_KEY_CA;
			*cause = xasprintf("%s is trusted through a certificate authority "
			    "(@cert-authority in %s), and pfan cannot check host "
			    "certificates (libssh2 %s); not accepting its plain %s key "
			    "(%s), with or without --accept-new-hostkeys. If that key is "
			    "right, add it to %s with: ssh-keyscan%s%s %s >> %s", names[0],
			    ca, LIBSSH2_VERSION, tname, buf_cstr(&fp), path,
			    spec->port != 22 && spec->port != 0 ? " -p " : "",
			    spec->port != 22 && spec->port != 0 ? port_str : "", addr, path);
			rc = PFAN_E_SSH;
			break;
		}
		*found = SSHAUTH_KEY_NEW;
		if (accept_new) {
			rc = record_key(kh, path, names[0], key, keylen, typemask, cause);
			if (rc == PFAN_OK) {
				*found = SSHAUTH_KEY_ADDED;
				log_warn("%s: added the %s host key of %s (%s) to %s",
				    spec->name, tname, names[0], buf_cstr(&fp), path);
			}
			break;
		}
		if (spec->port != 22 && spec->port != 0)
			*cause = xasprintf("host key not in %s (%s %s); add it with: "
			    "ssh-keyscan -p %u %s >> %s, or run pfan with "
			    "--accept-new-hostkeys", path, tname,
			    buf_cstr(&fp), spec->port, addr, path);
		else
			*cause = xasprintf("host key not in %s (%s %s); add it with: "
			    "ssh-keyscan %s >> %s, or run pfan with "
			    "--accept-new-hostkeys", path, tname,
			    buf_cstr(&fp), addr, path);
		rc = PFAN_E_SSH;
		break;
	}
out:
	knownhosts_marks_free(marks);
	libssh2_knownhost_free(kh);
	free(names[0]);
	free(names[1]);
	buf_free(&fp);
	return rc;
}

enum auth_state {
	AUTH_LIST,        /* asking which methods the server takes */
	AUTH_NEXT,        /* picking the next method */
	AUTH_FILE,        /* a key file, in flight */
	AUTH_AGENT,       /* an agent identity, in flight */
	AUTH_DONE,
	AUTH_FAILED,
};

enum method_kind { METHOD_FILE, METHOD_AGENT };

struct method {
	enum method_kind kind;
	char *path;
};

struct sshauth {
	const struct host_spec *spec;
	enum auth_state state;
	struct method *m;
	size_t nm, next;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *id;
	bool id_in_flight;
	unsigned agent_tried;
	struct buf why;   /* "; "-separated failures */
	char *used;       /* how it logged in (sshauth_method) */
};

static void
add_method(struct sshauth *a, enum method_kind kind, char *path)
{
	a->m = xreallocarray(a->m, a->nm + 1, sizeof *a->m);
	a->m[a->nm].kind = kind;
	a->m[a->nm].path = path;
	a->nm++;
}

struct sshauth *
sshauth_new(const struct host_spec *spec)
{
	static const char *const defaults[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	struct sshauth *a = xcalloc(1, sizeof *a);
	const char *sock = getenv("SSH_AUTH_SOCK");
	char *home;

	a->spec = spec;
	if (spec->nidentities > 0) {
		/* As ssh: the agent's keys first unless IdentitiesOnly, then
		 * every file named, in order (missing ones too, to say so). */
		if (!spec->identities_only && sock != NULL && *sock != '\0')
			add_method(a, METHOD_AGENT, NULL);
		for (size_t i = 0; i < spec->nidentities; i++)
			add_method(a, METHOD_FILE, xstrdup(spec->identities[i]));
		return a;
	}
	if (spec->identity != NULL && *spec->identity != '\0') {
		add_method(a, METHOD_FILE, xstrdup(spec->identity));
		return a;
	}
	if (sock != NULL && *sock != '\0')
		add_method(a, METHOD_AGENT, NULL);
	home = sshconfig_home();
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		char *p = xasprintf("%s/.ssh/%s", home, defaults[i]);
		if (access(p, R_OK) == 0)
			add_method(a, METHOD_FILE, p);
		else
			free(p);
	}
	free(home);
	return a;
}

void
sshauth_free(struct sshauth *a)
{
	if (a == NULL)
		return;
	if (a->agent != NULL) {
		libssh2_agent_disconnect(a->agent);
		libssh2_agent_free(a->agent);
	}
	for (size_t i = 0; i < a->nm; i++)
		free(a->m[i].path);
	free(a->m);
	buf_free(&a->why);
	free(a->used);
	free(a);
}

const char *
sshauth_method(const struct sshauth *a)
{
	return a->used != NULL ? a->used : "none";
}

/* Authenticated by method m (NULL: the server asked for nothing). */
static void
succeeded(struct sshauth *a, const struct method *m)
{
	a->state = AUTH_DONE;
	free(a->used);
	a->used = m == NULL ? xstrdup("none") : m->kind == METHOD_AGENT ?
	    xstrdup("agent") : xasprintf("key:%s", m->path);
}

static void
note_failure(struct sshauth *a, LIBSSH2_SESSION *s, const char *fmt, const char *arg)
{
	char *msg = NULL;

	libssh2_session_last_error(s, &msg, NULL, 0);
	if (a->why.len > 0)
		buf_adds(&a->why, "; ");
	buf_addf(&a->why, fmt, arg);
	buf_addf(&a->why, ": %s", msg != NULL && *msg ? msg : "failed");
}

/* True when the error leaves the session unusable for further attempts. */
static bool
fatal_error(int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_RECV ||
	    rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_TIMEOUT ||
	    rc == LIBSSH2_ERROR_SOCKET_TIMEOUT || rc == LIBSSH2_ERROR_BAD_SOCKET;
}

/* As ssh does: a key file its owner lets others read or write is not
 * used (sshkey_perm_ok in OpenSSH). False, with the reason noted, then. */
static bool
key_file_private(struct sshauth *a, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || st.st_uid != getuid() || (st.st_mode & 077) == 0)
		return true;
	if (a->why.len > 0)
		buf_adds(&a->why, "; ");
	buf_addf(&a->why, "key %s: UNPROTECTED PRIVATE KEY FILE: permissions %04o "
	    "are too open, others may read it; ssh ignores such a key, and so "
	    "does pfan; fix with: chmod 600 %s", path,
	    (unsigned)(st.st_mode & 07777), path);
	return false;
}

static void
note(struct sshauth *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct sshauth *a, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	if (a->why.len > 0)
		buf_adds(&a->why, "; ");
	buf_adds(&a->why, msg);
	free(msg);
}

/* Is the private key file protected by a passphrase? PEM keys say so in a
 * header; an OpenSSH key names its cipher right after the magic, and the
 * base64 of an unencrypted key's first bytes is always the same. */
static bool
key_encrypted(const char *path)
{
	static const char plain_openssh[] = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ";
	char head[4096];
	size_t n;
	FILE *f = fopen(path, "r");
	const char *p;

	if (f == NULL)
		return false;
	n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	if (strstr(head, "ENCRYPTED") != NULL)
		return true;
	p = strstr(head, "-----BEGIN OPENSSH PRIVATE KEY-----");
	if (p == NULL)
		return false;
	p += strlen("-----BEGIN OPENSSH PRIVATE KEY-----");
	p += strspn(p, "\r\n");
	return strncmp(p, plain_openssh, strlen(plain_openssh)) != 0;
}

/* What stops a key file before the server sees it, said with what to
 * do: missing, unreadable, or needing a passphrase pfan cannot ask for. */
static bool
key_file_usable(struct sshauth *a, const char *path)
{
	if (access(path, F_OK) != 0) {
		note(a, "key %s: no such file (check the identity in the hostfile, "
		    "or IdentityFile in ~/.ssh/config; make one with: ssh-keygen -f %s)",
		    path, path);
		return false;
	}
	if (access(path, R_OK) != 0) {
		note(a, "key %s: cannot read it: %s", path, strerror(errno));
		return false;
	}
	if (key_encrypted(path)) {
		note(a, "key %s is protected by a passphrase and pfan does not ask "
		    "for one: load it into ssh-agent (ssh-add %s, with SSH_AUTH_SOCK "
		    "set for pfan; not with IdentitiesOnly) or use a key without a "
		    "passphrase", path, path);
		return false;
	}
	return true;
}

static int
fail(struct sshauth *a, char **cause, const char *what)
{
	a->state = AUTH_FAILED;
	*cause = xasprintf("authentication as %s failed%s%s%s",
	    a->spec->user != NULL ? a->spec->user : "?", what,
	    a->why.len > 0 ? ": " : "", buf_cstr(&a->why));
	return PFAN_E_SSH;
}

static int
step_list(struct sshauth *a, LIBSSH2_SESSION *s, char **cause)
{
	const char *user = a->spec->user;
	char *list = libssh2_userauth_list(s, user, (unsigned)strlen(user));

	if (list == NULL) {
		if (libssh2_userauth_authenticated(s)) {
			succeeded(a, NULL);
			return PFAN_OK;
		}
		if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
			return PFAN_AGAIN;
		note_failure(a, s, "%s", "asking for methods");
		return fail(a, cause, "");
	}
	if (strstr(list, "publickey") == NULL) {
		buf_addf(&a->why, "the server accepts only %s, pfan uses publickey", list);
		return fail(a, cause, "");
	}
	if (a->nm == 0)
		return fail(a, cause, ": no identity file in the hostfile, no "
		    "SSH_AUTH_SOCK, and none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa");
	a->state = AUTH_NEXT;
	return PFAN_OK;
}

/* One agent identity after another: 0 authenticated, 1 EAGAIN, -1 none
 * accepted (try the next method), -2 the session failed. */
static int
step_agent(struct sshauth *a, LIBSSH2_SESSION *s)
{
	if (a->agent == NULL) {
		a->agent = libssh2_agent_init(s);
		if (a->agent == NULL || libssh2_agent_connect(a->agent) != 0 ||
		    libssh2_agent_list_identities(a->agent) != 0) {
			note_failure(a, s, "%s", "ssh-agent");
			return -1;
		}
		a->id = NULL;
		a->id_in_flight = false;
	}
	for (;;) {
		if (!a->id_in_flight) {
			struct libssh2_agent_publickey *next = NULL;
			if (libssh2_agent_get_identity(a->agent, &next, a->id) != 0) {
				if (a->agent_tried == 0) {
					if (a->why.len > 0)
						buf_adds(&a->why, "; ");
					buf_adds(&a->why, "ssh-agent: it holds no keys");
				}
				return -1;
			}
			a->id = next;
			a->agent_tried++;
			a->id_in_flight = true;
		}
		int rc = libssh2_agent_userauth(a->agent, a->spec->user, a->id);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 1;
		a->id_in_flight = false;
		if (rc == 0)
			return 0;
		note_failure(a, s, "ssh-agent key %s", a->id->comment != NULL &&
		    *a->id->comment ? a->id->comment : "(no comment)");
		if (fatal_error(rc))
			return -2;
	}
}

int
sshauth_step(struct sshauth *a, LIBSSH2_SESSION *s, char **cause)
{
	int rc;

	for (;;) {
		switch (a->state) {
		case AUTH_LIST:
			if ((rc = step_list(a, s, cause)) != PFAN_OK)
				return rc;
			break;
		case AUTH_NEXT:
			if (a->next >= a->nm)
				return fail(a, cause, "");
			a->state = a->m[a->next].kind == METHOD_AGENT ? AUTH_AGENT : AUTH_FILE;
			break;
		case AUTH_AGENT:
			rc = step_agent(a, s);
			if (rc == 1)
				return PFAN_AGAIN;
			if (rc == 0) {
				succeeded(a, &a->m[a->next]);
				break;
			}
			if (rc == -2)
				return fail(a, cause, "");
			a->next++;
			a->state = AUTH_NEXT;
			break;
		case AUTH_FILE: {
			const char *path = a->m[a->next].path;
			if (!key_file_usable(a, path) || !key_file_private(a, path)) {
				a->next++;
				a->state = AUTH_NEXT;
				break;
			}
			rc = libssh2_userauth_publickey_fromfile_ex(s, a->spec->user,
			    (unsigned)strlen(a->spec->user), NULL, path, "");
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return PFAN_AGAIN;
			if (rc == 0) {
				succeeded(a, &a->m[a->next]);
				break;
			}
			if (fatal_error(rc)) {
				note_failure(a, s, "key %s", path);
				return fail(a, cause, "");
			}
			if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED ||
			    rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED)
				note(a, "key %s: refused by the server (is %s.pub in "
				    "~%s/.ssh/authorized_keys on %s? ssh-copy-id -i %s "
				    "-p %u %s@%s puts it there)", path, path,
				    a->spec->user, a->spec->address, path, a->spec->port,
				    a->spec->user, a->spec->address);
			else
				note_failure(a, s, "key %s", path);
			a->next++;
			a->state = AUTH_NEXT;
			break;
		}
		case AUTH_DONE:
			return PFAN_OK;
		case AUTH_FAILED:
			*cause = xstrdup("authentication failed");
			return PFAN_E_SSH;
		}
	}
}
