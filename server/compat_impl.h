/* The drop-in's state, shared by compat.c (command line, build, reload) and compat_apex.c. */
#ifndef COMPAT_IMPL_H
#define COMPAT_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "compat.h"

#define COMPAT_MAX 64		/* -b addresses, zones, files */
#define COMPAT_DEFAULT_TTL 2100	/* rbldnsd's 35m */
#define COMPAT_DEFAULT_CHECK 60

struct compat_file {
	const char *zone, *type;
	char *path;		/* as opened: rootdir and workdir applied */
	struct stat st;		/* when last built */
};

struct compat {
	const char *listen[COMPAT_MAX];
	size_t nlisten;
	const char *user, *rootdir, *workdir, *pidfile;
	char *logfile;		/* resolved as the data files are (rbldnsd opens it in its jail) */
	const char *ttl, *logarg;
	unsigned check;
	bool foreground, accept_in_cidr;
	bool lazy;		/* -a: no NS in the authority of positive answers; -A (the default) */
	struct compat_file files[COMPAT_MAX];
	size_t nfiles;
	char self[PATH_MAX], rbldb[PATH_MAX];
	char base[1024];	/* the private directory; stores in base/1, base/2, ... */
	unsigned gen;
	time_t apex_time;	/* the files' newest time at start: a $SOA serial of 0 */
	const char *statsarg;	/* -s STATSFILE as given */
	struct compat_stats stats;
};

/* compat_apex.c: ZONE's apex file at PATH from its files' $SOA and $NS; 0 or -errno. */
int compat_write_apex(const struct compat *c, const char *zone, const char *path, time_t newest);
/* compat_apex.c: do ZONE's files give its NS records ($NS)? */
bool compat_has_ns(const struct compat *c, const char *zone);

#endif
