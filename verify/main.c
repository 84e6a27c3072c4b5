/* rbldb-verify: the relay tester.  Runs the queue of relay tests kept in the store (SPEC "Relay verification"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "conf.h"
#include "privs.h"
#include "rb.h"
#include "run.h"
#include "store.h"
#include "timeutil.h"

enum { OPT_JOB = 256, OPT_ONCE, OPT_JSON, OPT_CONNECT, OPT_AT, OPT_POLL };

static void
usage(FILE *f)
{
	fprintf(f, "usage: rbldb-verify -c CONF [-D DIR] [--once | --job N] [--connect HOST:PORT]\n"
	    "                    [--at TIME] [--poll SECONDS] [--json]\n"
	    "       rbldb-verify -h\n"
	    "Tests the addresses queued for a relay test (reports on verify = required\n"
	    "zones, removal requests, rbldb verify) and records each verdict.\n"
	    "Exit: 0 done, 1 failure, 2 bad arguments.\n");
}

static int bad(const char *fmt, const char *arg) __attribute__((format(printf, 1, 0)));

static int
bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "rbldb-verify: ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
	fprintf(stderr, " (see rbldb-verify -h)\n");
	return 2;
}

/*
 * The command line into O, *CONFPATH and *DIR: -1 to go on, else the exit
 * status (help given, or a mistake said).
 */
static int
parse_args(int argc, char **argv, struct run_opts *o, const char **confpath,
    const char **dir)
{
	static const struct option opts[] = {
		{ "job", required_argument, NULL, OPT_JOB },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "at", required_argument, NULL, OPT_AT },
		{ "poll", required_argument, NULL, OPT_POLL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, ":c:D:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': *confpath = optarg; break;
		case 'D': *dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case OPT_JOB:
			o->job = strtoull(optarg, &end, 10);
			if (*end != '\0' || o->job == 0)
				return bad("--job %s is not a job number", optarg);
			break;
		case OPT_ONCE: o->once = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_CONNECT: o->connect = optarg; break;
		case OPT_AT:
			if (time_parse_rfc3339(optarg, &o->at) != 0)
				return bad("--at %s is not an RFC 3339 time", optarg);
			break;
		case OPT_POLL:
			o->poll = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->poll == 0)
				return bad("--poll %s is not a number of seconds", optarg);
			break;
		case ':': return bad("option %s needs a value", argv[optind - 1]);
		default: return bad("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument %s", argv[optind]);
	if (*confpath == NULL)
		return bad("%s", "-c CONF is required");
	return -1;
}

int
main(int argc, char **argv)
{
	struct run_opts o = { .poll = 60 };
	const char *confpath = NULL, *dir = NULL;
	struct conf *c;
	struct store *s;
	struct store_zone sz;
	uint16_t *ids;
	char err[1024];
	size_t i;
	int rc;

	if ((rc = parse_args(argc, argv, &o, &confpath, &dir)) >= 0)
		return rc;
	if ((c = conf_load(confpath, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rbldb-verify: %s\n", err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (dir == NULL)
		dir = c->db;
	/*
	 * The tester never speaks SMTP as root: started as root, it becomes
	 * the store's owner for good (as rbldb does), and refuses a store of
	 * root's.
	 */
	if (geteuid() == 0) {
		struct privs_user u;

		if (privs_dir_owner(dir, &u) != 0 || u.uid == 0 ||
		    privs_become(&u, true) != 0) {
			fprintf(stderr, "rbldb-verify: store %s: not run as root; give the store "
			    "to an unprivileged user (chown) or start rbldb-verify as one\n", dir);
			conf_free(c);
			return 1;
		}
	}
	if ((rc = store_open(&s, dir, c->mapsize, 0)) != 0 ||
	    (rc = store_set_origin(s, "rbldb-verify")) != 0) {
		fprintf(stderr, "rbldb-verify: store %s: %s\n", dir, rb_strerror(rc));
		conf_free(c);
		return 1;
	}
	if ((ids = calloc(c->nzones, sizeof(*ids))) == NULL)
		return 1;
	for (i = 0; i < c->nzones; i++) {
		if ((rc = store_zone_ensure(s, c->zones[i].name, c->zones[i].apex_serial,
		    &sz)) != 0) {
			fprintf(stderr, "rbldb-verify: store %s: zone %s: %s\n", dir,
			    c->zones[i].name, rb_strerror(rc));
			return 1;
		}
		ids[i] = sz.id;
	}
	rc = run_queue(c, s, ids, &o);
	free(ids);
	store_close(s);
	conf_free(c);
	return rc;
}
