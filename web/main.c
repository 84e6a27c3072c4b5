/* rbldb-web: the public lookup and removal-request pages of an rbldb list, behind a reverse proxy. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "privs.h"
#include "rb.h"

#define MAX_LISTEN 16

static void
usage(FILE *f)
{
	fprintf(f, "usage: rbldb-web -c CONF [-D DBDIR] [-l ADDR:PORT]... [-d]\n"
	    "       rbldb-web -h | --help\n"
	    "       rbldb-web --version\n"
	    "options:\n"
	    "  -c, --config CONF   configuration file (required); [web] is read\n"
	    "  -D, --db DBDIR      store directory, instead of [server] db\n"
	    "  -l, --listen ADDR:PORT  listen here instead of [web] listen (repeatable;\n"
	    "                      [::1]:8080 for IPv6, port 0 for any free port)\n"
	    "  -d, --debug         log debug lines\n"
	    "  -h, --help          this text\n"
	    "      --version       print the version (rbldb-web %s) and exit\n", RB_VERSION);
}

/* "127.0.0.1:8080", "[::1]:8080": a bound, listening socket, or -1 after a message. */
static int
listen_on(const char *spec)
{
	char host[128], *port;
	struct addrinfo hints, *ai;
	int fd, on = 1, rc;

	if (spec[0] == '[') {
		snprintf(host, sizeof(host), "%s", spec + 1);
		if ((port = strstr(host, "]:")) == NULL)
			goto bad;
		*port = '\0';
		port += 2;
	} else {
		snprintf(host, sizeof(host), "%s", spec);
		if ((port = strrchr(host, ':')) == NULL)
			goto bad;
		*port++ = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		goto bad;
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		freeaddrinfo(ai);
		log_err("listen %s: socket", spec);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		log_err("listen %s", spec);
		freeaddrinfo(ai);
		close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
bad:
	log_warnx("listen '%s' is not ADDR:PORT (use 127.0.0.1:8080 or [::1]:8080)", spec);
	return -1;
}

static int
load_secret(struct web *w)
{
	const char *path = w->conf->web.secret_file;
	ssize_t n;
	int fd;

	if (path == NULL)
		return getrandom(w->secret, sizeof(w->secret), 0) == (ssize_t)sizeof(w->secret) ?
		    0 : -1;
	if ((fd = privs_open(path, O_RDONLY, 0)) < 0) {
		log_err("secret-file %s", path);
		return -1;
	}
	n = read(fd, w->secret, sizeof(w->secret));
	close(fd);
	if (n < 16) {
		log_warnx("secret-file %s: fewer than 16 octets (fill it from /dev/urandom)", path);
		return -1;
	}
	return 0;
}

/* Open the store and learn the zones' ids, as the loader does. */
static int
open_store(struct web *w, const char *dbdir)
{
	struct store_zone sz;
	size_t i;
	int rc;

	if ((rc = store_open(&w->store, dbdir, w->conf->mapsize, 0)) != 0) {
		log_warnx("store %s: %s%s", dbdir, rb_strerror(rc), rc == RB_ENOSTORE ?
		    " (rbldb -c CONF init creates it)" : "");
		return -1;
	}
	store_set_origin(w->store, "rbldb-web");
	w->zone_ids = xcalloc(w->conf->nzones ? w->conf->nzones : 1, sizeof(*w->zone_ids));
	for (i = 0; i < w->conf->nzones; i++) {
		if ((rc = store_zone_ensure(w->store, w->conf->zones[i].name,
		    w->conf->zones[i].apex_serial, &sz)) != 0) {
			log_warnx("zone %s: %s", w->conf->zones[i].name, rb_strerror(rc));
			return -1;
		}
		w->zone_ids[i] = sz.id;
	}
	if ((rc = store_reader_init(w->store, &w->rd)) != 0) {
		log_warnx("store: %s", rb_strerror(rc));
		return -1;
	}
	return 0;
}

static int
drop_privileges(const struct web *w)
{
	struct privs_user u;

	if (geteuid() != 0)
		return 0;
	if (w->conf->web.user == NULL) {
		log_warnx("running as root: set user in [web] to drop privileges after binding");
		return 0;
	}
	if (privs_user_by_name(w->conf->web.user, &u) != 0 || privs_become(&u, true) != 0) {
		log_warnx("[web] user %s: cannot become it", w->conf->web.user);
		return -1;
	}
	return 0;
}

/* Serve on the listening sockets FDS until SIGTERM or SIGINT. */
static void
serve(struct web *w, const char *const *listen, const int *fds, size_t nl)
{
	struct MHD_Daemon *d[MAX_LISTEN];
	char ready[1024];
	sigset_t ss;
	size_t i;
	int sig;

	/* The HTTP threads must not take the signals main waits for. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	ready[0] = '\0';
	for (i = 0; i < nl; i++) {
		if ((d[i] = web_http_start(w, fds[i], w->conf->web.nproxies > 0)) == NULL)
			fatalx("cannot serve HTTP on %s", listen[i]);
		snprintf(ready + strlen(ready), sizeof(ready) - strlen(ready), "%s%s port %u",
		    i ? ", " : "", listen[i], web_http_port(d[i]));
	}
	fprintf(stderr, "rbldb-web ready: %s\n", ready);
	sigwait(&ss, &sig);
	for (i = 0; i < nl; i++)
		MHD_stop_daemon(d[i]);
	for (i = 0; i < nl; i++)
		close(fds[i]);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'D' },
		{ "listen", required_argument, NULL, 'l' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confpath = NULL, *dbdir = NULL, *listen[MAX_LISTEN];
	int fds[MAX_LISTEN], opt;
	size_t nl = 0, i;
	bool debug = false;
	char err[1024];
	struct web w;

	memset(&w, 0, sizeof(w));
	while ((opt = getopt_long(argc, argv, "c:D:l:dh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': confpath = optarg; break;
		case 'D': dbdir = optarg; break;
		case 'l':
			if (nl == MAX_LISTEN) {
				fprintf(stderr, "rbldb-web: at most %d -l\n", MAX_LISTEN);
				return 2;
			}
			listen[nl++] = optarg;
			break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rbldb-web %s\n", RB_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (confpath == NULL || optind != argc) {
		fprintf(stderr, "rbldb-web: %s\n", confpath == NULL ? "-c CONF is required" :
		    "unexpected argument");
		return 2;
	}
	log_init("rbldb-web", false, debug);
	if ((w.conf = conf_load(confpath, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rbldb-web: %s\n", err);
		return 1;
	}
	w.site = w.conf->web.title != NULL ? w.conf->web.title : "rbldb lookup";
	for (i = 0; nl == 0 && i < w.conf->web.nlisten && i < MAX_LISTEN; i++)
		listen[i] = w.conf->web.listen[i];
	if (nl == 0 && (nl = i) == 0)
		listen[nl++] = "127.0.0.1:8080";
	for (i = 0; i < nl; i++)
		if ((fds[i] = listen_on(listen[i])) < 0)
			return 1;
	if (drop_privileges(&w) != 0 || load_secret(&w) != 0 ||
	    open_store(&w, dbdir != NULL ? dbdir : w.conf->db) != 0)
		return 1;
	w.per_client = ratelimit_new(4096, w.conf->web.per_client);
	w.per_address = ratelimit_new(4096, w.conf->web.per_address);
	if (w.per_client == NULL || w.per_address == NULL)
		fatalx("out of memory");

	serve(&w, listen, fds, nl);
	store_reader_fini(&w.rd);
	store_close(w.store);
	ratelimit_free(w.per_client);
	ratelimit_free(w.per_address);
	free(w.zone_ids);
	conf_free(w.conf);
	return 0;
}
