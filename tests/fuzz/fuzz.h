/* fuzz.h: what the fuzz targets share. Each target defines
 * LLVMFuzzerTestOneInput; libFuzzer calls it, or replay.c does on each
 * file of the target's seed corpus (make check). */
#ifndef PFAN_FUZZ_H
#define PFAN_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The loaders read files, so a target writes its input to one. Everything
 * stays in a private directory made on first use (mkdtemp under $TMPDIR,
 * else /tmp) that is also $HOME, so '~' and ~/.ssh lead nowhere else; it
 * is removed at exit. Returns the directory. */
const char *fuzz_dir(void);
/* Writes data to name inside fuzz_dir() (replacing it); returns its path,
 * valid until the next call. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

#endif
