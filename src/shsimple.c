/* shsimple.c: see shsimple.h.
 *
 * Refusing is always safe (the job keeps `/bin/sh -c`), so the accepted
 * language is small: only what every POSIX sh (dash, bash in or out of
 * POSIX mode, busybox ash, ksh) reads the same way, as literal words.
 * That rules out, unquoted: operators and redirections (; & | < > ( )),
 * expansions ($ `), globs (* ? [ ]), tilde (bash expands ~ after = even in
 * an argument), braces (bash's {a,b}), ! (a reserved word), ^ (the old
 * Bourne pipe), a newline or backslash-newline (a line break), a comment,
 * and any other byte; an unterminated quote (the shell's own syntax
 * error message is kept). A builtin as the command word stays in the
 * shell too: it is what the shell would run, its output is the builtin's
 * (dash's echo reads backslashes, /bin/echo does not), and running it in
 * the shell costs no exec of its own anyway.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "shsimple.h"
#include "xalloc.h"

/* The reserved words and the builtins of dash, bash, busybox ash, ksh93
 * and mksh (a command word without '/' that is one of these is run by the
 * shell itself, not looked up in PATH), bar ksh93's sleep, which does
 * what /bin/sleep does. */
static const char *const shell_words[] = {
	"!", ".", ":", "[", "[[", "]]", "{", "}", "alias", "alarm", "autoload",
	"bg", "bind", "break", "builtin", "builtins", "caller", "case", "cd",
	"chdir", "command", "compgen", "complete", "compopt", "compound",
	"continue", "coproc", "declare", "dirs", "disown", "do", "done", "echo",
	"elif", "else", "enable", "enum", "esac", "eval", "exec", "exit",
	"export", "false", "fc", "fg", "fi", "float", "for", "function",
	"functions", "getconf", "getopts", "global", "hash", "help", "hist",
	"history", "if", "in", "integer", "jobs", "kill", "let", "local", "login",
	"logout", "mapfile", "namespace", "nameref", "newgrp", "popd", "print",
	"printf", "pushd", "pwd", "r", "read", "readarray", "readonly",
	"redirect", "rename", "return", "select", "set", "setvar", "shift",
	"shopt", "source", "stop", "suspend", "test", "then", "time",
	"times", "trap", "true", "type", "typeset", "ulimit", "umask",
	"unalias", "unset", "until", "vpath", "wait", "whence", "while",
};

static bool
shell_word(const char *w)
{
	if (strchr(w, '/') != NULL)
		return false;   /* a path is never a builtin nor a reserved word */
	for (size_t i = 0; i < sizeof shell_words / sizeof shell_words[0]; i++)
		if (strcmp(w, shell_words[i]) == 0)
			return true;
	return false;
}

static bool
plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("_@%+:,./=#-", c) != NULL);
}

/* One word from *pp into out (NUL-terminated). False: not plain. */
static bool
word(const char **pp, struct buf *out, bool *unquoted_eq)
{
	const char *p = *pp;

	if (*p == '#')
		return false;   /* a comment */
	while (*p != '\0' && *p != ' ' && *p != '\t') {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (q == NULL)
				return false;
			buf_add(out, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0' || *p == '$' || *p == '`')
					return false;
				if (*p == '\\') {
					if (p[1] == '\n' || p[1] == '\0')
						return false;
					if (strchr("$`\"\\", p[1]) != NULL)
						p++;
				}
				buf_addc(out, *p);
			}
			p++;
		} else if (*p == '\\') {
			if (p[1] == '\n' || p[1] == '\0')
				return false;
			buf_addc(out, p[1]);
			p += 2;
		} else if (plain_byte((unsigned char)*p)) {
			*unquoted_eq |= *p == '=';
			buf_addc(out, *p++);
		} else {
			return false;
		}
	}
	buf_addc(out, '\0');
	*pp = p;
	return true;
}

char **
shsimple_argv(const char *cmd)
{
	struct buf words = BUF_INIT;
	const char *p = cmd;
	size_t n = 0;
	bool eq = false;
	char **argv = NULL;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		bool *eqp = n == 0 ? &eq : &(bool){ false };
		if (!word(&p, &words, eqp))
			goto out;
		n++;
	}
	if (n == 0 || eq || words.data[0] == '\0' || shell_word(words.data))
		goto out;
	argv = xmalloc((n + 1) * sizeof *argv + words.len);
	char *s = (char *)(argv + n + 1);
	memcpy(s, words.data, words.len);
	for (size_t i = 0; i < n; i++) {
		argv[i] = s;
		s += strlen(s) + 1;
	}
	argv[n] = NULL;
out:
	buf_free(&words);
	return argv;
}
