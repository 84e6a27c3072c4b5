/* Logging for rbldbd and rbldb: stderr in the foreground, syslog on request. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char *log_progname;
static bool log_syslog;
static bool log_debugging;
static bool log_stderr_too;

void
log_starting(bool starting)
{
	log_stderr_too = starting;
}

void
log_init(const char *progname, bool use_syslog, bool debug)
{
	log_progname = progname;
	log_syslog = use_syslog;
	log_debugging = debug;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * Format the whole line first and emit it with one call, so lines of
 * different worker threads never interleave (stdio locks per call).
 * ERRNUM is the errno saved on entry to the verb, or 0 for none.
 */
static void __attribute__((format(printf, 3, 0)))
vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		if (errnum != 0)
			syslog(pri, "%s: %s", msg, strerror(errnum));
		else
			syslog(pri, "%s", msg);
		if (!log_stderr_too || pri > LOG_WARNING)
			return;
	}
	/* Before log_init, e.g. a failing xmalloc in option parsing. */
	if (log_progname == NULL)
		log_progname = program_invocation_short_name;
	if (errnum != 0)
		fprintf(stderr, "%s: %s: %s\n", log_progname, msg, strerror(errnum));
	else
		fprintf(stderr, "%s: %s\n", log_progname, msg);
}

#define LOG_VERB(name, pri, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	int errnum = (with_errno) ? errno : 0;			\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	vlog(pri, errnum, fmt, ap);				\
	va_end(ap);						\
}

LOG_VERB(log_err, LOG_ERR, 1)
LOG_VERB(log_errx, LOG_ERR, 0)
LOG_VERB(log_warn, LOG_WARNING, 1)
LOG_VERB(log_warnx, LOG_WARNING, 0)
LOG_VERB(log_info, LOG_INFO, 0)

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debugging)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_limited(struct log_limit *l, const char *fmt, ...)
{
	int64_t now = (int64_t)time(NULL), until = atomic_load(&l->until);
	uint64_t more;
	char msg[1024];
	va_list ap;

	/* One thread wins the interval; the others only count. */
	if (now < until || !atomic_compare_exchange_strong(&l->until, &until,
	    now + LOG_LIMIT_SECONDS)) {
		atomic_fetch_add(&l->suppressed, 1);
		return;
	}
	more = atomic_exchange(&l->suppressed, 0);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (more > 0)
		log_info("%s (and %llu more like it since the last such line)", msg,
		    (unsigned long long)more);
	else
		log_info("%s", msg);
}

noreturn void
fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

noreturn void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/* A zero size still gets a unique pointer, so NULL always means failure. */
void *
xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n != 0 ? n : 1);

	if (q == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("out of memory copying a string of %zu bytes", strlen(s));
	return p;
}
