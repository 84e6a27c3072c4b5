/* rbldnsd's command line: rbldbd as a drop-in for rbldnsd (compat.c). */
#ifndef COMPAT_H
#define COMPAT_H

#include <stdbool.h>
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

#endif
