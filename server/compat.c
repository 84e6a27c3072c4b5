/*
 * rbldnsd's command line (SPEC "rbldnsd compatibility"): `rbldbd` started
 * as rbldnsd was, with `zone:type:file,file...` arguments and no
 * configuration, builds a private store from the data files with the
 * loader (`rbldb init` and `rbldb import --format rbldnsd --dataset TYPE
 * --keep-going`, run as children: the reader is the loader's, and the
 * server links no loader code) and serves it with a configuration written
 * beside it, by running rbldbd on it as a child.  Every -c interval (and
 * on SIGHUP) the files are checked; a changed one is taken in again by
 * `rbldb import --replace` on the same store while the server answers:
 * one commit of the difference, no gap in answers, an IXFR for secondaries.
 * A zone of dnset files is a names zone (`kind = names`, its files read as
 * dnset, with no --dataset); one mixing dnset with IP datasets is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "rb.h"
#include "timeutil.h"

#include "compat_impl.h"

static const char *const compat_types[] = {
	"ip4set", "ip4tset", "ip4trie", "ip6tset", "ip6trie", "combined", "acl", "dnset",
};
static const char *const compat_refused[] = { "generic" };

static volatile sig_atomic_t got_stop, got_hup, got_usr1, got_usr2;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_stop = 1;
}

static bool
known(const char *type, size_t n, const char *const *list, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncasecmp(type, list[i], n) == 0)
			return true;
	return false;
}

bool
compat_wanted(int argc, char **argv)
{
	int i;

	/* rbldbd's own command line has no arguments; rbldnsd's ends in zone:type:file. */
	for (i = 1; i < argc; i++) {
		const char *c1 = strchr(argv[i], ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (argv[i][0] != '-' && c1 != NULL && c2 != NULL && c1 > argv[i] &&
		    (known(c1 + 1, (size_t)(c2 - c1 - 1), compat_types, RB_ARRAY_LEN(compat_types)) ||
		    known(c1 + 1, (size_t)(c2 - c1 - 1), compat_refused,
		    RB_ARRAY_LEN(compat_refused))))
			return true;
	}
	return false;
}

/* F as rbldnsd opens it: inside -r ROOTDIR, relative to -w WORKDIR. */
static char *
resolve(const struct compat *c, const char *f)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s%s%s%s", c->rootdir ? c->rootdir : "",
	    c->rootdir && f[0] != '/' && c->workdir ? "/" : "",
	    f[0] != '/' && c->workdir ? c->workdir : "",
	    f[0] != '/' && (c->rootdir || c->workdir) ? "/" : "", f);
	return xstrdup(path);
}

/* "zone:type:file,file...": one entry per file; false with a reason on stderr. */
static bool
add_zone_arg(struct compat *c, char *arg)
{
	char *zone = arg, *type, *files, *f, *save = NULL;

	type = strchr(zone, ':');
	*type++ = '\0';
	files = strchr(type, ':');
	*files++ = '\0';
	if (known(type, strlen(type), compat_refused, RB_ARRAY_LEN(compat_refused))) {
		log_warnx("%s:%s: the %s dataset is not served in rbldnsd mode: rbldb zones list "
		    "addresses (ip4set, ip4tset, ip4trie, ip6tset, ip6trie, combined; acl for "
		    "the clients' answers) or names (dnset), not arbitrary records; serve this "
		    "zone with rbldnsd", zone, type, type);
		return false;
	}
	for (f = strtok_r(files, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
		if (c->nfiles == COMPAT_MAX) {
			log_warnx("more than %d data files", COMPAT_MAX);
			return false;
		}
		c->files[c->nfiles].zone = zone;
		c->files[c->nfiles].type = type;
		c->files[c->nfiles].path = resolve(c, f);
		c->nfiles++;
	}
	return true;
}

static bool
is_dnset(const struct compat_file *f)
{
	return strcasecmp(f->type, "dnset") == 0;
}

static bool
is_acl(const struct compat_file *f)
{
	return strcasecmp(f->type, "acl") == 0;
}

/* Does ZONE list names (its data files are dnset)? */
static bool
names_zone(const struct compat *c, const char *zone)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i].zone, zone) == 0 && is_dnset(&c->files[i]))
			return true;
	return false;
}

/* A zone lists names or addresses, not both: false with a reason on stderr. */
static bool
kinds_agree(const struct compat *c)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++) {
		const struct compat_file *f = &c->files[i];

		if (is_acl(f) || is_dnset(f) || !names_zone(c, f->zone))
			continue;
		log_warnx("%s: zone %s mixes dnset with %s: an rbldb zone lists names or "
		    "addresses, not both; give the names and the addresses zones of their own",
		    f->path, f->zone, f->type);
		return false;
	}
	return true;
}

/* -s [+]STATSFILE: where (as rbldnsd opens it), the zones in order, the child's metrics port. */
static bool
stats_setup(struct compat *c)
{
	struct compat_stats *st = &c->stats;
	size_t i, j;

	if (c->statsarg == NULL)
		return true;
	st->delta = c->statsarg[0] == '+';
	st->path = resolve(c, c->statsarg + st->delta);
	for (i = 0; i < c->nfiles; i++) {
		for (j = 0; j < st->nzones && strcmp(st->zones[j], c->files[i].zone) != 0; j++)
			;
		if (j == st->nzones && st->nzones < COMPAT_STATS_MAX)
			st->zones[st->nzones++] = c->files[i].zone;
	}
	if ((st->port = compat_stats_port()) == 0) {
		log_warnx("-s %s: no loopback port for the server's counters", c->statsarg);
		return false;
	}
	return true;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rbldbd [-n] [-e] [-q] [-b ADDR[/PORT]]... [-u USER[:GROUP]] "
	    "[-r ROOTDIR] [-w WORKDIR] [-t TTL[:MIN:MAX]] [-c CHECK] [-p PIDFILE] [-l LOGFILE] "
	    "[-s STATSFILE] [-a|-A] ZONE:TYPE:FILE[,FILE...]...\n"
	    "  (rbldnsd's command line; rbldbd -c CONF is rbldbd's own: see rbldbd(8))\n");
}

/* rbldnsd's options into C; false when they are wrong (said on stderr). */
static bool
parse(struct compat *c, int argc, char **argv)
{
	uint32_t secs;
	int ch, i;

	c->check = COMPAT_DEFAULT_CHECK;
	opterr = 0;
	optind = 1;
	while ((ch = getopt(argc, argv, ":u:r:w:b:t:c:p:l:s:x:X:F:neEfqdvCaA46")) != -1) {
		switch (ch) {
		case 'u': c->user = optarg; break;
		case 'r': c->rootdir = optarg; break;
		case 'w': c->workdir = optarg; break;
		case 'b':
			if (c->nlisten == COMPAT_MAX)
				return false;
			c->listen[c->nlisten++] = optarg;
			break;
		case 't': c->ttl = optarg; break;
		case 'c':
			if (time_parse_duration(optarg, &secs) != 0) {
				log_warnx("-c %s: not a duration", optarg);
				return false;
			}
			c->check = secs;
			break;
		case 'p': c->pidfile = optarg; break;
		case 'l': c->logarg = optarg[0] == '+' ? optarg + 1 : optarg; break;
		case 's': c->statsarg = optarg; break;
		case 'a': c->lazy = true; break;
		case 'A': c->lazy = false; break;
		case 'n': c->foreground = true; break;
		case 'e': c->accept_in_cidr = true; break;
		case 'd':
			log_warnx("-d (dump as a BIND zone): use rbldb export --format zone");
			return false;
		case 'x': case 'X':
			log_warnx("-%c: rbldbd loads no rbldnsd extensions", ch);
			return false;
		case ':':
			log_warnx("-%c needs an argument", optopt);
			usage();
			return false;
		case '?':
			log_warnx("unknown option -%c", optopt);
			usage();
			return false;
		default:	/* -E -f -q -v -C -4 -6 -F: nothing to do, see README */
			break;
		}
	}
	if (c->nlisten == 0) {
		log_warnx("-b ADDR[/PORT] is required (as in rbldnsd)");
		return false;
	}
	if (optind == argc) {
		usage();
		return false;
	}
	if (c->logarg != NULL)
		c->logfile = resolve(c, c->logarg);
	for (i = optind; i < argc; i++) {
		if (strchr(argv[i], ':') == NULL || strchr(strchr(argv[i], ':') + 1, ':') == NULL) {
			log_warnx("%s: want ZONE:TYPE:FILE[,FILE...]", argv[i]);
			return false;
		}
		if (!add_zone_arg(c, argv[i]))
			return false;
	}
	return kinds_agree(c) && stats_setup(c);
}

/* rbldnsd's ADDR/PORT as rbldb's ADDR:PORT or [ADDR]:PORT. */
static void
listen_text(const char *b, char *out, size_t len)
{
	const char *slash = strrchr(b, '/');
	int n = slash != NULL ? (int)(slash - b) : (int)strlen(b);
	const char *port = slash != NULL ? slash + 1 : "53";

	if (memchr(b, ':', (size_t)n) != NULL)
		snprintf(out, len, "[%.*s]:%s", n, b, port);
	else
		snprintf(out, len, "%.*s:%s", n, b, port);
}

/* ZONE's acl files as its query rules; 0 or -1 (said). */
static int
write_acls(const struct compat *c, const char *zone, FILE *fp)
{
	struct compat_acl_seen seen = { NULL, 0, 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < c->nfiles && rc == 0; i++)
		if (strcmp(c->files[i].zone, zone) == 0 && is_acl(&c->files[i]) &&
		    compat_acl_write(fp, c->files[i].path, &seen) < 0)
			rc = -1;
	free(seen.v);
	return rc;
}

/* The family ZONE's datasets list. */
static const char *
family(const struct compat *c, const char *zone)
{
	bool v4 = false, v6 = false;
	size_t i;

	for (i = 0; i < c->nfiles; i++) {
		if (strcmp(c->files[i].zone, zone) != 0 || is_acl(&c->files[i]))
			continue;
		if (strncasecmp(c->files[i].type, "ip4", 3) == 0)
			v4 = true;
		else if (strncasecmp(c->files[i].type, "ip6", 3) == 0)
			v6 = true;
		else
			v4 = v6 = true;
	}
	return v4 && v6 ? "both" : v6 ? "ipv6" : "ipv4";
}

/* DIR/rbldb.conf and the apex files: what rbldnsd's options mean in rbldb's terms. */
static int
write_conf(const struct compat *c, const char *dir)
{
	char path[PATH_MAX], l[300], ttl[32];
	time_t newest = c->apex_time;
	size_t i, j;
	FILE *fp;
	int rc;

	if (snprintf(path, sizeof(path), "%s/rbldb.conf", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((fp = fopen(path, "w")) == NULL)
		return -errno;
	fprintf(fp, "; written by rbldbd from rbldnsd's command line: do not edit\n[server]\n");
	for (i = 0; i < c->nlisten; i++) {
		listen_text(c->listen[i], l, sizeof(l));
		fprintf(fp, "listen = %s\n", l);
	}
	fprintf(fp, "db = db\n");
	if (c->user != NULL && geteuid() == 0)
		fprintf(fp, "user = %.*s\n", (int)strcspn(c->user, ":"), c->user);
	if (c->logfile != NULL)
		fprintf(fp, "query-log = %s\nquery-log-format = rbldnsd\n", c->logfile);
	if (c->stats.path != NULL)	/* -s: the counters compat_stats.c reads */
		fprintf(fp, "metrics = 127.0.0.1:%u\n", c->stats.port);
	snprintf(ttl, sizeof(ttl), "%.*s", c->ttl != NULL ? (int)strcspn(c->ttl, ":") : 0,
	    c->ttl != NULL ? c->ttl : "");
	for (i = 0; i < c->nfiles; i++) {
		for (j = 0; j < i && strcmp(c->files[j].zone, c->files[i].zone) != 0; j++)
			;
		if (j < i)
			continue;	/* the zone is written */
		fprintf(fp, "\n[zone %s]\napex = %s.zone\n", c->files[i].zone, c->files[i].zone);
		if (names_zone(c, c->files[i].zone))
			fprintf(fp, "kind = names\n");
		/* rbldnsd -A, its default: the $NS records in the authority of positive answers. */
		if (!c->lazy && compat_has_ns(c, c->files[i].zone))
			fprintf(fp, "authority-ns = yes\n");
		fprintf(fp, "family = %s\ncode = 127.0.0.2\n"
		    "ttl = %s\nmax-range = 0\nmax-range6 = 0\n"
		    /* rbldnsd transfers nothing; a secondary on this host may (IXFR of each change). */
		    "allow-transfer = 127.0.0.1 ::1\n",
		    family(c, c->files[i].zone), ttl[0] != '\0' ? ttl : "2100");
		if (write_acls(c, c->files[i].zone, fp) != 0) {
			fclose(fp);
			return -EINVAL;
		}
		rc = snprintf(path, sizeof(path), "%s/%s.zone", dir, c->files[i].zone) >=
		    (int)sizeof(path) ? -ENAMETOOLONG : compat_write_apex(c, c->files[i].zone, path, newest);
		if (rc != 0) {
			fclose(fp);
			return rc;
		}
	}
	return fclose(fp) == 0 ? 0 : -errno;
}

/* Run ARGV (the loader) and wait; 0 when it exited 0. */
static int
run(char *const argv[])
{
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "rbldbd: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* `rbldb import` of file I into the store of base/GEN, whole or (REPLACE) as a difference. */
static int
import_file(struct compat *c, size_t i, const char *conf, bool replace)
{
	char *argv[20];
	int n = 0;

	argv[n++] = c->rbldb;
	argv[n++] = "-c";
	argv[n++] = (char *)conf;
	argv[n++] = "import";
	argv[n++] = "--format";
	argv[n++] = "rbldnsd";
	if (!is_dnset(&c->files[i])) {	/* a names zone reads its files as dnset */
		argv[n++] = "--dataset";
		argv[n++] = (char *)c->files[i].type;
	}
	argv[n++] = "--keep-going";
	argv[n++] = "--force";
	argv[n++] = "--apex-from-file";	/* write_apex applies $SOA and $NS */
	if (replace)
		argv[n++] = "--replace";
	if (c->accept_in_cidr)
		argv[n++] = "--accept-in-cidr";
	argv[n++] = "--zone";
	argv[n++] = (char *)c->files[i].zone;
	argv[n++] = c->files[i].path;
	argv[n] = NULL;
	if (run(argv) != 0) {
		log_warnx("%s: not imported", c->files[i].path);
		return -1;
	}
	return 0;
}

/* Does dnset file I hold an exclusion ("!name", "!*.name", "!.name")? */
static bool
has_exclusion(const struct compat *c, size_t i)
{
	char line[1024];
	bool found = false;
	FILE *f;

	if (!is_dnset(&c->files[i]) || (f = fopen(c->files[i].path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = line[strspn(line, " \t")] == '!';
	fclose(f);
	return found;
}

/*
 * rbldnsd applies a dnset's exclusions to the names of every file of the
 * zone whatever their order, where an import excepts only what is listed
 * when it runs: once the files of ZONE (NULL: every zone) are in, those
 * with exclusions are taken in again as their difference (nothing, or the
 * exceptions that now have a listing above them), when the zone has more
 * than one file.
 */
static void
resync_exclusions(struct compat *c, const char *zone, const char *conf)
{
	size_t i, j, n;

	for (i = 0; i < c->nfiles; i++) {
		if (zone != NULL && strcmp(c->files[i].zone, zone) != 0)
			continue;
		for (j = 0, n = 0; j < c->nfiles; j++)
			n += strcmp(c->files[j].zone, c->files[i].zone) == 0 && is_dnset(&c->files[j]);
		if (n > 1 && has_exclusion(c, i))
			import_file(c, i, conf, true);
	}
}

/* A new store in base/GEN from the files as they are now; 0 or -1 (said). */
static int
build(struct compat *c, unsigned gen)
{
	char dir[PATH_MAX], conf[PATH_MAX];
	size_t i;
	int rc;

	if (snprintf(dir, sizeof(dir), "%s/%u", c->base, gen) >= (int)sizeof(dir) ||
	    snprintf(conf, sizeof(conf), "%s/rbldb.conf", dir) >= (int)sizeof(conf))
		return -1;
	for (i = 0; i < c->nfiles; i++) {
		if (stat(c->files[i].path, &c->files[i].st) != 0) {
			log_warnx("%s: %s", c->files[i].path, strerror(errno));
			return -1;
		}
		if (c->files[i].st.st_mtime > c->apex_time)
			c->apex_time = c->files[i].st.st_mtime;
	}
	/* 0711: -u's user reaches its store (0700, its own) and reads the configuration. */
	if (mkdir(dir, 0711) != 0 || chmod(dir, 0711) != 0 || (rc = write_conf(c, dir)) != 0) {
		log_warnx("%s: %s", dir, strerror(errno));
		return -1;
	}
	{
		char *const argv[] = { c->rbldb, "-c", conf, "init", NULL };

		if (run(argv) != 0)
			return -1;
	}
	for (i = 0; i < c->nfiles; i++)
		if (!is_acl(&c->files[i]) && import_file(c, i, conf, false) != 0)
			return -1;
	resync_exclusions(c, NULL, conf);
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : 0;
}

static void
remove_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* rbldbd -c base/GEN/rbldb.conf as a child. */
static pid_t
serve(struct compat *c, unsigned gen)
{
	char conf[PATH_MAX];
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/%u/rbldb.conf", c->base, gen);
	if ((pid = fork()) == 0) {
		/* A daemon logs to syslog, as rbldnsd does. */
		char *const argv[] = { c->self, "-c", conf, c->foreground ? NULL : "-s", NULL };

		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execv(c->self, argv);
		fprintf(stderr, "rbldbd: %s: %s\n", c->self, strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Has file I changed since it was last taken in (time, size, inode: rsync's rename)? */
static bool
file_changed(const struct compat *c, size_t i, struct stat *st)
{
	const struct stat *o = &c->files[i].st;

	if (stat(c->files[i].path, st) != 0)
		return false;	/* rbldnsd keeps the data of a file gone for now */
	return st->st_mtime != o->st_mtime || st->st_size != o->st_size ||
	    st->st_ino != o->st_ino;
}

/*
 * Take the changed files in again on the store being served: one `rbldb
 * import --replace` each, one commit of the difference, while the server
 * answers from the store as it was until the commit is in (its readers see
 * the commit within a second; secondaries get an IXFR of the difference).
 */
static void
refresh(struct compat *c, pid_t child)
{
	char conf[PATH_MAX], dir[PATH_MAX - 16];
	bool acl = false, redo[COMPAT_MAX] = { false };
	struct stat st;
	size_t i, j;

	if (snprintf(dir, sizeof(dir), "%s/%u", c->base, c->gen) >= (int)sizeof(dir))
		return;
	snprintf(conf, sizeof(conf), "%s/rbldb.conf", dir);
	for (i = 0; i < c->nfiles; i++) {
		if (!file_changed(c, i, &st))
			continue;
		if (is_acl(&c->files[i])) {
			c->files[i].st = st;
			acl = true;
			continue;
		}
		log_info("%s changed: taking in the difference", c->files[i].path);
		if (import_file(c, i, conf, true) == 0)
			c->files[i].st = st;
		else
			log_warnx("%s: the old data of this file is served", c->files[i].path);
		redo[i] = is_dnset(&c->files[i]);
	}
	for (i = 0; i < c->nfiles; i++) {
		for (j = 0; j < i && !(redo[j] && strcmp(c->files[j].zone, c->files[i].zone) == 0); j++)
			;
		if (redo[i] && j == i)	/* each zone once */
			resync_exclusions(c, c->files[i].zone, conf);
	}
	/* An acl is the configuration's: written again, and the server reloads it. */
	if (acl && write_conf(c, dir) == 0) {
		log_info("an acl file changed: the server reloads its rules");
		kill(child, SIGHUP);
	}
}

static void
stop_child(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* Serve until SIGTERM/SIGINT, taking changed files in; the exit status. */
static int
loop(struct compat *c)
{
	pid_t child = serve(c, c->gen), p;
	time_t next = time(NULL) + c->check;
	int st;

	compat_stats_mark(&c->stats);
	while (!got_stop) {
		sleep(1);
		if ((p = waitpid(child, &st, WNOHANG)) == child) {
			log_warnx("the server exited (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			return EXIT_FAILURE;
		}
		if (got_usr1 || got_usr2) {	/* rbldnsd's: the counters now (USR2: then from zero) */
			compat_stats_write(&c->stats, got_usr2 != 0);
			got_usr1 = got_usr2 = 0;
		}
		if (!got_hup && (c->check == 0 || time(NULL) < next))
			continue;
		if (!got_hup)
			compat_stats_write(&c->stats, false);	/* -s: a line every -c interval */
		next = time(NULL) + c->check;
		if (got_hup)	/* rbldnsd's SIGHUP also reopens the query log */
			kill(child, SIGHUP);
		got_hup = 0;
		refresh(c, child);
	}
	compat_stats_write(&c->stats, false);	/* at exit: the last line, then a bare mark */
	compat_stats_mark(&c->stats);
	stop_child(child);
	return EXIT_SUCCESS;
}

int
compat_main(int argc, char **argv)
{
	static struct compat c;
	char tmpl[1024], *dir;
	ssize_t n;
	int status;
	FILE *pf;

	log_init("rbldbd", false, false);
	if (!parse(&c, argc, argv))
		return 2;
	if ((n = readlink("/proc/self/exe", c.self, sizeof(c.self) - 1)) <= 0) {
		log_warnx("/proc/self/exe: %s", strerror(errno));
		return 1;
	}
	c.self[n] = '\0';
	if (snprintf(tmpl, sizeof(tmpl), "%s", c.self) >= (int)sizeof(tmpl))
		return 1;
	snprintf(c.rbldb, sizeof(c.rbldb), "%s/rbldb", dirname(tmpl));
	snprintf(tmpl, sizeof(tmpl), "%s/rbldbd-rbldnsd.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if ((dir = mkdtemp(tmpl)) == NULL) {
		log_warnx("%s: %s", tmpl, strerror(errno));
		return 1;
	}
	snprintf(c.base, sizeof(c.base), "%s", dir);
	if (chmod(dir, 0711) != 0)
		log_warnx("%s: %s", dir, strerror(errno));
	c.gen = 1;
	status = 1;
	if (build(&c, c.gen) != 0)
		goto out;
	if (!c.foreground && daemon(1, 0) != 0) {
		log_warnx("daemon: %s", strerror(errno));
		goto out;
	}
	if (!c.foreground)
		log_init("rbldbd", true, false);
	if (c.pidfile != NULL && (pf = fopen(c.pidfile, "w")) != NULL) {
		fprintf(pf, "%ld\n", (long)getpid());
		fclose(pf);
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	status = loop(&c);
out:
	remove_tree(c.base);
	return status;
}
