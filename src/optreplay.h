/* optreplay.h: the command line `pfan --resume FILE` alone runs: FILE's
 * recorded one, with the options given now merged into it, or refused
 * when they would change which jobs the run has. */
#ifndef PFAN_OPTREPLAY_H
#define PFAN_OPTREPLAY_H

/* rec_argv is FILE's recorded command line; argv is the one given now.
 * The result (*out_argv, malloc'd, NULL-ended, its strings borrowed) is
 * rec_argv with argv's options (but --resume FILE) added after the
 * recorded ones, so that they win. PFAN_E_INPUT naming the first option
 * of argv that would change the run's jobs. */
int optreplay_argv(int rec_argc, char **rec_argv, int argc, char **argv,
    int *out_argc, char ***out_argv, char **cause);

#endif
