/* rbldbd: options, configuration, start-up and shutdown of the DNSBL server. */
#include <getopt.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "conf_server.h"
#include "log.h"
#include "net.h"
#include "presence.h"
#include "privs.h"
#include "query.h"
#include "querylog.h"
#include "compat.h"
#include "rb.h"
#include "sdnotify.h"
#include "store.h"

/* Exit codes, as listed by usage(). */
#define EXIT_OK 0
#define EXIT_FAIL 1	/* configuration, store or sockets */
#define EXIT_USAGE 2	/* bad arguments */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: rbldbd [-dhRs] -c CONF [-D DBDIR] [-l ADDR:PORT]...\n"
	    "       rbldbd --version\n"
	    "  -c, --config CONF     configuration file\n"
	    "  -D, --db DBDIR        store directory (overrides [server] db)\n"
	    "  -l, --listen ADDR:PORT  UDP and TCP address, repeatable, [::1]:5300 for IPv6\n"
	    "                        (overrides [server] listen)\n"
	    "  -R, --read-only       serve the store without writing it (a backup):\n"
	    "                        no expiry commits, expired listings still hidden\n"
	    "  -d, --debug           log debug messages\n"
	    "  -s, --syslog          log to syslog (facility daemon) once CONF is read\n"
	    "                        (as [server] syslog = yes)\n"
	    "  -h, --help            this text\n"
	    "      --version         print the version (rbldbd %s) and exit\n"
	    "signals: SIGHUP rereads CONF and reopens the query log, SIGTERM/SIGINT stop\n"
	    "exit: 0 after SIGTERM/SIGINT, 1 on a configuration, store or socket error,\n"
	    "      2 on bad arguments\n", RB_VERSION);
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

/* What SIGHUP needs to read the configuration again as the command line had it. */
struct reload {
	const char *path;	/* the configuration, as seen after chroot */
	const char *db;		/* the store in use: it cannot change without a restart */
	const char *chroot;	/* likewise, NULL for none */
	const char *query_log;	/* the file in use: it cannot change without a restart */
	const char *query_log_inside;	/* its path inside the chroot, NULL if outside */
	const char **listen;	/* -l overrides */
	size_t nlisten;
};

/* net_reload_fn: runs on a thread of the libuv pool. */
static struct conf *
reload_conf(void *arg, char *err, size_t errlen)
{
	const struct reload *r = arg;
	struct conf *c;

	if ((c = conf_server_load(r->path, err, errlen)) == NULL)
		return NULL;
	/* Inside a chroot paths read differently; db and chroot stay what they are. */
	free(c->db);
	free(c->server->chroot);
	c->db = strdup(r->db);
	c->server->chroot = r->chroot != NULL ? strdup(r->chroot) : NULL;
	if (r->chroot != NULL) {
		/* Resolved inside the chroot it reads differently; it cannot change anyway. */
		free(c->server->query_log);
		c->server->query_log = r->query_log != NULL ? strdup(r->query_log) : NULL;
	}
	if (c->db == NULL || (r->chroot != NULL && c->server->chroot == NULL) ||
	    (r->chroot != NULL && r->query_log != NULL && c->server->query_log == NULL)) {
		snprintf(err, errlen, "out of memory");
		conf_free(c);
		return NULL;
	}
	if (r->nlisten > 0 && conf_server_set_listen(c, r->listen, r->nlisten, err, errlen) != 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* PATH as seen inside the chroot ROOT, or NULL when it lies outside. */
static const char *
inside(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (path == NULL || strncmp(path, root, n) != 0 || path[n] != '/')
		return NULL;
	return path + n;
}

/*
 * After the sockets are bound and the store is open, before any worker
 * starts: confine the process to CHROOTDIR (when set), then drop root for
 * USER (when set).  The user is looked up first, as /etc/passwd is
 * usually outside the chroot.  R->path becomes the configuration's path
 * inside the chroot, for SIGHUP, and R->query_log_inside the query log's.
 */
static int
drop_privileges(const char *user, const char *chrootdir, const char *realconf,
    struct reload *r, char *err, size_t errlen)
{
	struct passwd *pw = NULL;
	char root[PATH_MAX];
	uid_t uid = 0;
	gid_t gid = 0;

	if (user != NULL && geteuid() != 0) {
		log_warnx("not started as root: staying who we are, not user %s", user);
		user = NULL;
	}
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			snprintf(err, errlen, "user %s: no such user", user);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (chrootdir != NULL) {
		if (realpath(chrootdir, root) == NULL || chroot(root) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", chrootdir, strerror(errno));
			return -1;
		}
		if (strcmp(root, "/") == 0) {
			r->query_log_inside = r->query_log;
		} else {
			if (realconf != NULL && inside(root, realconf) != NULL)
				r->path = inside(root, realconf);
			else
				log_warnx("configuration %s is outside chroot %s: SIGHUP cannot "
				    "reread it", realconf != NULL ? realconf : r->path, root);
			r->query_log_inside = inside(root, r->query_log);
			if (r->query_log != NULL && r->query_log_inside == NULL)
				log_warnx("query-log %s is outside chroot %s: SIGHUP cannot reopen it",
				    r->query_log, root);
		}
	}
	if (user == NULL) {
		if (geteuid() == 0)
			log_warnx("running as root: set user in [server] to drop privileges "
			    "after binding");
		return 0;
	}
	/* Groups first: after setuid there is no right left to change them. */
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "cannot become user %s: %s", user, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Open the store.  Started as root, rbldbd opens it as the user who will
 * use it: [server] user (the store is made that user's first, so that
 * `sudo -u USER rbldb` works on it), else the store's owner.  The files
 * LMDB creates then belong to that user, and a link planted in the store
 * reaches only what that user may (privs.h).  Root itself opens only a
 * store of root's.  *U gets the user looked up (uid 0: none).  A missing
 * store is refused, naming the rbldb init line that makes it (DBOPT: the
 * -D given, or NULL).
 */
static int
open_store(const struct conf *c, const char *user, const char *dbopt, bool read_only,
    struct privs_user *u, struct store **out, char *err, size_t errlen)
{
	bool lend = false;
	int rc, rc2;

	/* Only rbldb init creates a store: a mistyped -D must not serve an empty list. */
	rc = privs_dir_owner(c->db, u) == -ENOENT ? RB_ENOSTORE : RB_OK;
	memset(u, 0, sizeof(*u));
	if (rc != RB_OK)
		goto nostore;
	/* Read-only, the store is not made the user's: it is opened as its owner. */
	if (geteuid() == 0 && user != NULL && !read_only) {
		if (privs_user_by_name(user, u) != 0) {
			snprintf(err, errlen, "user %s: no such user", user);
			return -1;
		}
		if (privs_store_claim(c->db, u, err, errlen) != 0)
			return -1;
		lend = u->uid != 0;
	} else if (geteuid() == 0 && privs_dir_owner(c->db, u) == 0 && u->uid != 0) {
		if (privs_store_claim(c->db, u, err, errlen) != 0)
			return -1;
		lend = true;
	}
	if (lend && (rc = privs_become(u, false)) != 0) {
		snprintf(err, errlen, "store %s: cannot act as %s: %s", c->db, u->name,
		    rb_strerror(rc));
		return -1;
	}
	rc = store_open(out, c->db, c->mapsize,
	    STORE_RANDOM_READS | (read_only ? STORE_READ_ONLY : 0));
	if (rc == 0)
		rc = store_set_origin(*out, "rbldbd expiry");
	if (lend && (rc2 = privs_resume()) != 0)
		fatalx("store %s: cannot become root again after opening it as %s: %s", c->db,
		    u->name, rb_strerror(rc2));
nostore:
	if (rc == RB_ENOSTORE) {
		snprintf(err, errlen, "store %s does not exist; create it with rbldb -c %s%s%s "
		    "init", c->db, c->path, dbopt != NULL ? " -D " : "", dbopt != NULL ? dbopt : "");
		return -1;
	}
	if (rc == RB_EREADONLY) {
		snprintf(err, errlen, "store %s was made by an older rbldb and needs an upgrade, "
		    "which writes: open it once without --read-only (any rbldb command does it)",
		    c->db);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "store %s: %s%s%s", c->db, rb_strerror(rc),
		    lend ? ", opening it as " : "", lend ? u->name : "");
		return -1;
	}
	return 0;
}

/*
 * Beside the workers, one thread looks after what they read.  First it
 * reads the store's query pages into memory: a fresh start maps nothing
 * (store_drop_cache), and without this the first pass over the listings
 * waits for the disk one query at a time.  Then it builds the presence maps
 * (presence.h) and keeps them up with each commit.  Workers answer
 * meanwhile, looking every address up until a map covers their snapshot.
 */
#define PRESENCE_POLL_MS 20	/* a new commit is looked up, not mapped, this long */

struct store_thread {
	struct store *store;
	struct presence *presence;	/* NULL: no maps */
	uv_thread_t tid;
	atomic_bool stop;
	bool started;
};

static void
store_thread_run(void *arg)
{
	struct store_thread *t = arg;
	struct store_reader r;
	uint64_t entries, texts, t0 = uv_hrtime();
	bool failing = false;
	int rc;

	if ((rc = store_prefetch(t->store, &t->stop, &entries, &texts)) != 0)
		log_warnx("store: reading it into memory: %s", rb_strerror(rc));
	else if (!atomic_load(&t->stop))
		log_info("store: %llu entries and %llu texts in memory after %llu ms",
		    (unsigned long long)entries, (unsigned long long)texts,
		    (unsigned long long)((uv_hrtime() - t0) / 1000000));
	if (t->presence == NULL)
		return;
	if ((rc = store_reader_init(t->store, &r)) != 0) {
		log_warnx("store: no reader for the presence maps: %s: every address is "
		    "looked up", rb_strerror(rc));
		return;
	}
	while (!atomic_load(&t->stop)) {
		rc = presence_update(t->presence, &r, &t->stop);
		/* Say it when it starts failing and when it recovers, not every poll. */
		if (rc != 0 && !failing)
			log_warnx("store: presence maps: %s: addresses are looked up until "
			    "they catch up", rb_strerror(rc));
		else if (rc == 0 && failing)
			log_info("store: presence maps caught up");
		failing = rc != 0;
		uv_sleep(PRESENCE_POLL_MS);
	}
	store_reader_fini(&r);
}

static void
store_thread_start(struct store_thread *t, struct store *s, struct presence *p)
{
	t->store = s;
	t->presence = p;
	atomic_init(&t->stop, false);
	t->started = uv_thread_create(&t->tid, store_thread_run, t) == 0;
	if (!t->started)
		log_warnx("store: no thread to read it into memory: first queries read from "
		    "disk, every address is looked up");
}

static void
store_thread_stop(struct store_thread *t)
{
	if (!t->started)
		return;
	atomic_store(&t->stop, true);
	uv_thread_join(&t->tid);
	t->started = false;
}

/* The command line, as main takes it. */
struct options {
	const char *confpath, *dbdir;
	const char **listen;		/* -l, argc long; NLISTEN used */
	size_t nlisten;
	bool debug, use_syslog, read_only;
};

/*
 * Read ARGV into *O: -1 to go on, or the exit status when it was all
 * (--help, --version).  Bad usage exits here with a one-line reason.
 */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'D' },
		{ "listen", required_argument, NULL, 'l' },
		{ "debug", no_argument, NULL, 'd' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "syslog", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	int ch;

	memset(o, 0, sizeof(*o));
	o->listen = xcalloc((size_t)argc, sizeof *o->listen);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:D:l:dhRs", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->confpath = optarg;
			break;
		case 'D':
			o->dbdir = optarg;
			break;
		case 'l':
			o->listen[o->nlisten++] = optarg;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'R':
			o->read_only = true;
			break;
		case 's':
			o->use_syslog = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("rbldbd %s\n", RB_VERSION);
			return EXIT_OK;
		case ':':
			bad_usage("option needs an argument", bad_option(argv, err, sizeof err));
		default:
			bad_usage("unknown option", bad_option(argv, err, sizeof err));
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument", argv[optind]);
	if (o->confpath == NULL)
		bad_usage("-c CONF is required", NULL);
	return -1;
}

/*
 * The configuration, with the command line's -D and -l over it, and the
 * logging and service manager socket it asks for.  NULL after the message.
 */
static struct conf *
load_conf(const struct options *o)
{
	struct conf *conf;
	char err[512];
	int rc;

	if ((conf = conf_server_load(o->confpath, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		return NULL;
	}
	/* From here on to syslog when asked: a configuration error stays where it was typed. */
	if (o->use_syslog || conf->server->syslog) {
		log_init("rbldbd", true, o->debug);
		log_starting(true);	/* until say_ready */
	}
	/* The service manager's socket, connected before a chroot hides it. */
	if ((rc = sdnotify_open()) != 0)
		log_warnx("NOTIFY_SOCKET: %s: the service manager will not hear from us",
		    strerror(-rc));
	if (o->dbdir != NULL) {
		free(conf->db);
		conf->db = xstrdup(o->dbdir);
	}
	if (o->nlisten > 0 &&
	    conf_server_set_listen(conf, o->listen, o->nlisten, err, sizeof err) != 0) {
		log_warnx("%s", err);
		conf_free(conf);
		return NULL;
	}
	return conf;
}

/*
 * The zones in wire form, and into *PRESENCE the maps over them (NULL
 * without memory: slower, not wrong).  NULL after the message.
 */
static struct zonetab *
open_zones(const struct conf *conf, struct store *store, struct presence **presence)
{
	struct zonetab *zt;
	char err[512];

	if ((zt = zonetab_new(conf, store, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		return NULL;
	}
	/* Without the maps every address is looked up: slower, not wrong. */
	if ((*presence = presence_new(zt)) == NULL)
		log_warnx("store: no memory for presence maps: every address is looked up");
	return zt;
}

/* The sockets and workers over STORE and ZT, not yet started.  NULL after the message. */
static struct net *
open_net(const struct conf *conf, struct store *store, const struct zonetab *zt,
    struct presence *presence, bool read_only)
{
	struct net_opts opts;
	struct net *net;
	char err[512];

	memset(&opts, 0, sizeof opts);
	opts.threads = conf->server->threads;
	opts.presence = presence;
	opts.read_only = read_only;
	/* In milliseconds for the timer; a day is as long as any transfer may need. */
	opts.xfr_timeout_ms = (conf->server->xfr_timeout < 86400 ? conf->server->xfr_timeout :
	    86400) * 1000u;
	if (net_open(&net, conf, store, zt, &opts, err, sizeof err) != 0) {
		log_warnx("%s", err);
		return NULL;
	}
	return net;
}

/* The reload of R: the configuration and the command line as first read. */
static void
reload_init(struct reload *r, const struct options *o, const struct conf *conf)
{
	memset(r, 0, sizeof *r);
	r->path = o->confpath;
	r->db = conf->db;
	r->chroot = conf->server->chroot;
	r->query_log = conf->server->query_log;
	r->listen = o->listen;
	r->nlisten = o->nlisten;
}

/* The one stable line tests and init scripts wait for, and the service manager's. */
static void
say_ready(struct net *net, const struct options *o, const struct conf *conf)
{
	char ready[1024];

	log_starting(false);
	fprintf(stderr, "rbldbd ready: %s\n", net_describe(net, ready, sizeof ready));
	fflush(stderr);
	if (o->use_syslog || conf->server->syslog)
		log_info("ready: %s", ready);
	if (o->read_only)
		log_info("store %s served read-only: no expiry commits; expired listings are "
		    "hidden, not removed", conf->db);
	sdnotify("READY=1\nSTATUS=serving");
}

/*
 * From open sockets to serving: drop privileges (chroot, user), point the
 * query log inside the chroot, hand SIGHUP to RELOAD, start the workers.
 * RELOAD lives as long as NET.  Says what failed; -1 then.
 */
static int
start_serving(struct net *net, const struct options *o, const struct conf *conf,
    const char *realconf, struct reload *reload)
{
	char err[512];

	reload_init(reload, o, conf);
	if (drop_privileges(conf->server->user, conf->server->chroot, realconf, reload, err,
	    sizeof err) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	if (conf->server->chroot != NULL && reload->query_log_inside != NULL &&
	    net_querylog_path(net, reload->query_log_inside) != 0) {
		log_warnx("out of memory");
		return -1;
	}
	net_on_reload(net, reload_conf, reload);
	if (net_start(net, err, sizeof err) != 0) {
		log_warnx("%s", err);
		return -1;
	}
	say_ready(net, o, conf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct conf *conf = NULL;
	struct store *store = NULL;
	struct zonetab *zt = NULL;
	struct net *net = NULL;
	struct store_thread store_thread = { .started = false };
	struct presence *presence = NULL;
	struct privs_user owner;
	struct reload reload;
	char err[512], *realconf = NULL;
	int rc, status = EXIT_FAIL;

	/* rbldnsd's command line: the drop-in (compat.c). */
	if (compat_wanted(argc, argv))
		return compat_main(argc, argv);
	if ((status = parse_options(argc, argv, &o)) >= 0) {
		free(o.listen);
		return status;
	}
	status = EXIT_FAIL;

	log_init("rbldbd", false, o.debug);
	signal(SIGPIPE, SIG_IGN);
	/* Before anything else: SIGHUP may arrive before the loop catches it. */
	signal(SIGHUP, SIG_IGN);
	/* The configuration's full path, to find it again after a chroot. */
	realconf = realpath(o.confpath, NULL);

	if ((conf = load_conf(&o)) == NULL)
		goto out;
	if (open_store(conf, conf->server->user, o.dbdir, o.read_only, &owner, &store, err,
	    sizeof err) != 0) {
		log_warnx("%s", err);
		goto out;
	}
	/* Map only what queries read (store.h); a failure costs memory, not answers. */
	if ((rc = store_drop_cache(store)) != 0)
		log_warnx("store %s: %s: resident memory may grow to the whole file", conf->db,
		    rb_strerror(rc));
	if ((zt = open_zones(conf, store, &presence)) == NULL)
		goto out;
	/* The query log, opened with the sockets, becomes the user's too. */
	if (geteuid() == 0 && conf->server->user != NULL && owner.uid != 0)
		querylog_set_owner(owner.uid, owner.gid);
	if ((net = open_net(conf, store, zt, presence, o.read_only)) == NULL)
		goto out;
	if (start_serving(net, &o, conf, realconf, &reload) != 0)
		goto out;
	store_thread_start(&store_thread, store, presence);
	net_run(net);
	log_info("stopped");
	status = EXIT_OK;
out:
	store_thread_stop(&store_thread);
	net_close(net);
	presence_free(presence);
	zonetab_free(zt);
	if (store != NULL)
		store_close(store);
	if (conf != NULL)
		conf_free(conf);
	free(o.listen);
	free(realconf);
	sdnotify_close();
	return status;
}
