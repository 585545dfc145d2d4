/* log.h: messages to stderr, "pfan: <where>: <what>".
 * log_error/log_warn/log_info print (log_info says what pfan does, on
 * stderr, unless --quiet); fatal() prints and exits 255 and is only for
 * impossible states and out of memory. A job's failure is never fatal. */
#ifndef PFAN_LOG_H
#define PFAN_LOG_H
#include <stdnoreturn.h>

void log_set_verbosity(int level);   /* 0 quiet, 1 normal, 2+ debug */
int log_verbosity(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define PFAN_EXIT_ERROR 255

#endif
