/* workdir.h: the directory remote jobs run in. By default the one pfan
 * runs in (a cluster shares it); --workdir DIR another (relative: to the
 * remote home); --workdir ... a private directory per host made for the
 * run. Local jobs always run where pfan does. */
#ifndef PFAN_WORKDIR_H
#define PFAN_WORKDIR_H
#include <stdbool.h>

/* --workdir's value that asks for a private directory per host. */
#define WORKDIR_PRIVATE "..."
/* Where its directories are, relative to the home, and their names'
 * start: WORKDIR_PREFIX RUNID _ RAND _ HOST. */
#define WORKDIR_PARENT ".parallel/tmp"
#define WORKDIR_PREFIX "pfan_"

struct workdir {
	char *dir;         /* absolute or home-relative; NULL: the home */
	char *private_tag; /* --workdir ...: this run's part of the name */
	char *local;       /* where local jobs run (pfan's directory), or NULL */
};

/* Decides from opt (--workdir's value, NULL when not given). The current
 * directory is $PWD when it names it (the path the user sees, symlinks
 * and all), else getcwd's; when neither works remote jobs start in the
 * home, with a warning. */
void workdir_init(struct workdir *wd, const char *opt);
/* The directory for one host's jobs (NULL: its home), and whether it
 * must be made (--workdir ...). The caller frees it. */
char *workdir_for_host(const struct workdir *wd, const char *host, bool *create);
void workdir_free(struct workdir *wd);

struct loop;
struct sshhost;
/* --workdir ...: removes each host's directory (dirs[i] on hosts[i]) over
 * its connection, and there the directories of this machine's runs that
 * are dead (killed before their end), running the loop until all are done
 * or secs passed. A directory not removed is said, with where it is. */
void workdir_remove(struct loop *loop, struct sshhost *const *hosts,
    char *const *dirs, size_t n, double secs);

struct exec_file;
/* --basefile --cleanup: removes the files (remote paths relative to each
 * host's directory, as wd says) from every host still connected, running
 * the loop until all are done or secs passed. */
void workdir_remove_files(struct loop *loop, struct sshhost *const *hosts, size_t n,
    const struct workdir *wd, const struct exec_file *files, size_t nfiles, double secs);

#endif
