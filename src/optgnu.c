/* optgnu.c: see optgnu.h. */
#include <string.h>

#include "optgnu.h"
#include "xalloc.h"

/* With what to use instead where there is something. */
static const struct { const char *name; const char *instead; } gnu_only[] = {
	{ "total-jobs", NULL }, { "total", NULL },
	{ "transfer", NULL },
	{ "regexp", NULL }, { "remove-rec-sep", NULL }, { "removerecsep", NULL },
	{ "rrs", NULL }, { "cat", NULL }, { "fifo", NULL },
	{ "round-robin", NULL }, { "round", NULL }, { "block-timeout", NULL },
	{ "bt", NULL }, { "spreadstdin", NULL }, { "tee", NULL },
	{ "shard", NULL }, { "bin", NULL }, { "group-by", NULL },
	{ "ssh", "-S/-H with ~/.ssh/config (pfan speaks SSH itself)" },
	{ "ssh-delay", NULL }, { "controlmaster", "nothing: pfan keeps one connection per host open already" },
	{ "sshdelay", NULL }, { "filter-hosts", "pfan --check" },
	{ "rsync-opts", NULL }, { "sql", NULL }, { "sqlmaster", NULL },
	{ "sql-master", NULL }, { "sqlandworker", NULL }, { "sql-and-worker", NULL },
	{ "sqlworker", NULL }, { "sql-worker", NULL }, { "semaphore", NULL },
	{ "sem", NULL }, { "semaphore-name", NULL }, { "semaphoretimeout", NULL },
	{ "semaphore-timeout", NULL }, { "fg", NULL }, { "bg", NULL },
	{ "wait", NULL }, { "id", NULL }, { "shebang", NULL },
	{ "hashbang", NULL }, { "shebang-wrap", NULL }, { "embed", NULL },
	{ "profile", NULL }, { "tmux", NULL }, { "tmuxpane", NULL },
	{ "tty", NULL }, { "open-tty", NULL }, { "interactive", NULL },
	{ "xapply", "--link" }, { "csv", "--colsep ," },
	{ "color", NULL }, { "color-failed", NULL }, { "ctag", "--tag" },
	{ "ctagstring", NULL }, { "compress", NULL }, { "compress-program", NULL },
	{ "decompress-program", NULL }, { "latest-line", "--line-buffer" },
	{ "ll", "--line-buffer" }, { "limit", NULL }, { "noswap", NULL },
	{ "memsuspend", NULL }, { "no-keep-order", NULL },
	{ "keeporder", "--keep-order" }, { "record-env", NULL },
	{ "parens", NULL }, { "rpl", NULL }, { "gnu", NULL }, { "minversion", NULL },
	{ "number-of-cpus", NULL }, { "number-of-cores", NULL },
	{ "number-of-sockets", NULL }, { "number-of-threads", NULL },
	{ "use-cores-instead-of-threads", NULL }, { "use-cpus-instead-of-cores", NULL },
	{ "use-sockets-instead-of-threads", NULL }, { "show-limits", NULL },
	{ "shell-quote", NULL }, { "shell-completion", NULL }, { "silent", NULL },
	{ "skip-first-line", NULL }, { "hgrp", NULL }, { "hostgroups", NULL },
	{ "template", NULL }, { "tmpl", NULL }, { "term-seq", NULL },
	{ "plain", NULL }, { "retry-failed", "--resume-failed FILE" },
	{ "exit", NULL }, { "filter", NULL }, { "max-chars", NULL },
	{ "max-line-length-allowed", NULL }, { "max-lines", NULL },
	{ "process-slot-var", "{%} or $PFAN_SLOT" },
	{ "seqreplace", NULL }, { "slotreplace", NULL }, { "basenamereplace", NULL },
	{ "bnr", NULL }, { "dirnamereplace", NULL }, { "dnr", NULL },
	{ "extensionreplace", NULL }, { "er", NULL },
	{ "basenameextensionreplace", NULL }, { "bner", NULL },
	{ "replace", NULL },
};
#define NGNU_ONLY (sizeof gnu_only / sizeof gnu_only[0])
/* And their letters. */
static const char gnu_only_short[] = "JLMlpstxieo";

/* The gnu_only row for a long option name of len bytes, or NULL. */
static const char *const *
gnu_only_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NGNU_ONLY; i++)
		if (strlen(gnu_only[i].name) == len && strncmp(gnu_only[i].name, name, len) == 0)
			return &gnu_only[i].name;
	return NULL;
}

char *
optgnu_not_an_option(const char *tok, int shortopt)
{
	if (shortopt != 0) {
		if (strchr(gnu_only_short, shortopt) != NULL)
			return xasprintf("-%c is a GNU parallel option that pfan does not have "
			    "(see pfan --help)", shortopt);
		return xasprintf("unknown option -%c (see pfan --help)", shortopt);
	}
	size_t len = strcspn(tok + 2, "=");
	const char *const *g = gnu_only_find(tok + 2, len);
	if (g == NULL)
		return xasprintf("unknown option %.*s (see pfan --help)", (int)len + 2, tok);
	if (g[1] != NULL)
		return xasprintf("--%s is a GNU parallel option that pfan does not have; use %s",
		    g[0], g[1]);
	return xasprintf("--%s is a GNU parallel option that pfan does not have", g[0]);
}

void
optgnu_usage(FILE *fp)
{
	size_t col = 0;

	fputs("\nGNU parallel options that pfan does not have (each says so when used):\n", fp);
	for (size_t i = 0; i < NGNU_ONLY; i++) {
		size_t w = strlen(gnu_only[i].name) + 3;
		if (col + w > 78) {
			fputc('\n', fp);
			col = 0;
		}
		col += (size_t)fprintf(fp, "%s--%s", col ? " " : "", gnu_only[i].name);
	}
	for (const char *c = gnu_only_short; *c; c++) {
		if (col + 3 > 78) {
			fputc('\n', fp);
			col = 0;
		}
		col += (size_t)fprintf(fp, "%s-%c", col ? " " : "", *c);
	}
}
