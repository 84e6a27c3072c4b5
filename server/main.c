/* rbldbd: options, configuration, start-up and shutdown of the DNSBL server. */
#include <getopt.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "net.h"
#include "query.h"
#include "rb.h"
#include "store.h"

/* Exit codes, as listed by usage(). */
#define EXIT_OK 0
#define EXIT_FAIL 1	/* configuration, store or sockets */
#define EXIT_USAGE 2	/* bad arguments */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rbldbd [-dh] -c CONF [-D DBDIR] [-l ADDR:PORT]...\n"
	    "  -c, --config CONF     configuration file\n"
	    "  -D, --db DBDIR        store directory (overrides [server] db)\n"
	    "  -l, --listen ADDR:PORT  UDP and TCP address, repeatable, [::1]:5300 for IPv6\n"
	    "                        (overrides [server] listen)\n"
	    "  -d, --debug           log debug messages\n"
	    "  -h, --help            this text\n"
	    "exit: 0 after SIGTERM/SIGINT, 1 on a configuration, store or socket error,\n"
	    "      2 on bad arguments\n");
}

/* One line on stderr, exit 2: "rbldbd: unknown option: -x (see rbldbd -h)". */
static noreturn void
bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "rbldbd: %s%s%s (see rbldbd -h)\n", what, arg != NULL ? ": " : "",
	    arg != NULL ? arg : "");
	exit(EXIT_USAGE);
}

/* The option getopt_long stopped at: "-x" for a short one, else the word. */
static const char *
bad_option(char **argv, char *buf, size_t len)
{
	if (optopt != 0) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

/* Drop root for USER after the sockets are bound, before any thread starts. */
static int
drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		log_warnx("not started as root: staying who we are, not user %s", user);
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become user %s: %s", user, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'D' },
		{ "listen", required_argument, NULL, 'l' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confpath = NULL, *dbdir = NULL;
	const char **listen;
	size_t nlisten = 0;
	bool debug = false;
	struct conf *conf = NULL;
	struct store *store = NULL;
	struct zonetab *zt = NULL;
	struct net *net = NULL;
	struct net_opts opts;
	char err[512], ready[1024];
	int ch, rc, status = EXIT_FAIL;

	listen = xcalloc((size_t)argc, sizeof *listen);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:D:l:dh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			confpath = optarg;
			break;
		case 'D':
			dbdir = optarg;
			break;
		case 'l':
			listen[nlisten++] = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			free(listen);
			return EXIT_OK;
		case ':':
			bad_usage("option needs an argument", bad_option(argv, err, sizeof err));
		default:
			bad_usage("unknown option", bad_option(argv, err, sizeof err));
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument", argv[optind]);
	if (confpath == NULL)
		bad_usage("-c CONF is required", NULL);

	log_init("rbldbd", false, debug);
	signal(SIGPIPE, SIG_IGN);

	if ((conf = conf_load(confpath, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	if (dbdir != NULL) {
		free(conf->db);
		conf->db = xstrdup(dbdir);
	}
	if (nlisten > 0 && conf_set_listen(conf, listen, nlisten, err, sizeof err) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	if ((rc = store_open(&store, conf->db, conf->mapsize)) != 0) {
		log_warnx("store %s: %s", conf->db, rb_strerror(rc));
		goto out;
	}
	if ((zt = zonetab_new(conf, store, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	memset(&opts, 0, sizeof opts);
	opts.threads = conf->threads;
	if (net_open(&net, conf, store, zt, &opts, err, sizeof err) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	if (conf->user != NULL && conf->user[0] != '\0' &&
	    drop_privileges(conf->user, err, sizeof err) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	if (net_start(net, err, sizeof err) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	/* The one stable line tests and init scripts wait for. */
	fprintf(stderr, "rbldbd ready: %s\n", net_describe(net, ready, sizeof ready));
	fflush(stderr);
	net_run(net);
	log_info("stopped");
	status = EXIT_OK;
out:
	net_close(net);
	zonetab_free(zt);
	if (store != NULL)
		store_close(store);
	if (conf != NULL)
		conf_free(conf);
	free(listen);
	return status;
}
