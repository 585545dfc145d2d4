/* fold.h: --fold (clush -b): the hosts' output gathered, and each set of
 * hosts whose output is identical printed once, under its folded names.
 * The jobs' output goes to two unlinked temp files (stdout, stderr)
 * instead of pfan's; fold_mark after each job's output is written there
 * says whose bytes those were. */
#ifndef PFAN_FOLD_H
#define PFAN_FOLD_H
#include <stddef.h>
#include <stdint.h>

struct fold;

/* tmpdir: where the files go (NULL: $TMPDIR, else /tmp). */
int fold_new(struct fold **f, const char *tmpdir, char **cause);
/* The file a job's stream (1 stdout, 2 stderr) is to be written to. */
int fold_fd(const struct fold *f, int stream);
/* What was written to the files since the last mark is host's. */
void fold_mark(struct fold *f, size_t host);
/* Bytes host's jobs wrote (both streams). */
uint64_t fold_bytes(const struct fold *f, size_t host);
/* Prints hosts 0..n-1 (names[h] NULL: left out) grouped by identical
 * output: a header with the group's folded names ("node[1-3] (3)"), its
 * stdout to out_fd, its stderr to err_fd. A group that wrote nothing is
 * not printed. */
int fold_print(struct fold *f, char *const *names, size_t n, int out_fd, int err_fd,
    char **cause);
/* names folded into ranges, with their count when more than one:
 * "node[01-12,15] (13)"; malloc'd. */
char *fold_label(char *const *names, size_t n);
void fold_free(struct fold *f);

#endif
