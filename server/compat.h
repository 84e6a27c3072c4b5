/* rbldnsd's command line: rbldbd as a drop-in for rbldnsd (compat.c). */
#ifndef COMPAT_H
#define COMPAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

/* Whether ARGV is rbldnsd's command line: an argument ZONE:TYPE:FILE of a known TYPE. */
bool compat_wanted(int argc, char **argv);

/*
 * Build a private store from rbldnsd's data files, serve it as rbldnsd
 * would (rbldbd on a written configuration, as a child) until SIGTERM,
 * taking a changed file in as its difference (rbldb import --replace) on
 * the store being served.  Returns the exit status.
 */
int compat_main(int argc, char **argv);

/* The ranges an acl already gave a zone a rule for (compat_acl.c). */
struct compat_acl_seen {
	struct addr *v;
	size_t n, cap;
};

/*
 * rbldnsd's acl file PATH as `acl = ` lines of a [zone] section into CONF
 * (compat_acl.c); bad lines are skipped with a FILE:LINE warning.  The
 * number of rules, or -1 when PATH cannot be read.
 */
int compat_acl_write(FILE *conf, const char *path, struct compat_acl_seen *seen);

/* rbldnsd's -s STATSFILE (compat_stats.c). */
#define COMPAT_STATS_MAX 64	/* zones */
struct compat_stats {
	char *path;		/* NULL: no -s */
	bool delta;		/* "+STATSFILE": the change since the last line */
	unsigned port;		/* the serving child's metrics endpoint on 127.0.0.1 */
	const char *zones[COMPAT_STATS_MAX];	/* in the order of the command line */
	size_t nzones;
	uint64_t zero[COMPAT_STATS_MAX + 1][5];	/* the counters at the last reset; "*" last */
	uint64_t last[COMPAT_STATS_MAX + 1][5];	/* as last written, for "+" */
};

/* A free loopback TCP port for the child's metrics endpoint; 0 when none. */
unsigned compat_stats_port(void);
/* A bare timestamp line: the counters start from zero here. */
void compat_stats_mark(struct compat_stats *st);
/* A line of every zone's counters and "*"; RESET (SIGUSR2): then zero again, marked. */
void compat_stats_write(struct compat_stats *st, bool reset);

#endif
