/* Logging for both programs: stderr in the foreground, syslog on request. */
#ifndef LOG_H
#define LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* Send log lines to syslog (facility daemon) instead of stderr. */
void log_init(const char *progname, bool use_syslog, bool debug);
/*
 * While STARTING, warnings and errors sent to syslog go to stderr as well:
 * a server that cannot start (a port taken) says why where it was started.
 */
void log_starting(bool starting);

/* The plain verbs append ": strerror(errno)"; the x variants do not. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A line a stranger can cause once per packet (a bad signature, a refused
 * transfer): at most one per LOG_LIMIT_SECONDS for each LIMIT (one static
 * per call site), logged at info with the count of the lines held back
 * since.  Lock-free, from any thread; a flood never fills the log.
 */
#define LOG_LIMIT_SECONDS 10
struct log_limit {
	_Atomic int64_t until;		/* no line before this time */
	_Atomic uint64_t suppressed;	/* lines held back since the last one */
};
void log_limited(struct log_limit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start-up and CLI allocation that exits on failure; never on a query path. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
