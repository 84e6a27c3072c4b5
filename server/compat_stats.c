/*
 * rbldnsd's -s STATSFILE in the drop-in (compat.c): one line per write,
 *   TIMESTAMP zone:qtot:qok:qnxd:bin:bout ... *:qtot:qok:qnxd:bin:bout
 * the zones in the order of the command line and "*" over every query,
 * written every -c interval, on SIGUSR1, on SIGUSR2 (then the counters
 * start again from zero) and at exit; a bare TIMESTAMP line marks where
 * the counters start from zero (start, SIGUSR2, exit).  "+STATSFILE"
 * writes the change since the last line instead of the totals.  The
 * counters are the serving child's, read from its metrics endpoint
 * (`metrics = 127.0.0.1:PORT` in the configuration compat.c writes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"

enum { ST_QTOT, ST_OK, ST_NXD, ST_IN, ST_OUT, ST_N };

/* The metric of each field ("*" sums rbldb_queries_total for qtot: bad packets too). */
static const char *const st_metric[ST_N] = {
	"rbldb_zone_queries_total", "rbldb_zone_noerror_total", "rbldb_zone_nxdomain_total",
	"rbldb_zone_bytes_in_total", "rbldb_zone_bytes_out_total",
};

/* A free loopback TCP port for the child's metrics endpoint; 0 when none. */
unsigned
compat_stats_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	unsigned port = 0;
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* The child's metrics text (a buffer to free), or NULL when it cannot be read. */
static char *
scrape(unsigned port)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { 5, 0 };
	size_t len = 0, cap = 65536;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1) ||
	    (buf = malloc(cap)) == NULL)
		goto fail;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (strncmp(buf, "HTTP/1.", 7) != 0 || strstr(buf, " 200 ") == NULL) {
		free(buf);
		return NULL;
	}
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* The value of METRIC{KEY="VALUE"} in TEXT, 0 when absent. */
static uint64_t
value_of(const char *text, const char *metric, const char *key, const char *value)
{
	char pat[512];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s{%s=\"%s\"} ", metric, key, value);
	if ((p = strstr(text, pat)) == NULL)
		return 0;
	return strtoull(p + strlen(pat), NULL, 10);
}

/* The counters of zone ZONE (NULL: "*") from TEXT into V. */
static void
read_zone(const char *text, const char *zone, uint64_t v[ST_N])
{
	int k;

	for (k = 0; k < ST_N; k++)
		v[k] = value_of(text, st_metric[k], "zone", zone != NULL ? zone : "*");
	if (zone == NULL)
		v[ST_QTOT] = value_of(text, "rbldb_queries_total", "transport", "udp") +
		    value_of(text, "rbldb_queries_total", "transport", "tcp");
}

/* Append LINE to the statistics file; false (said once per failure) when it cannot be. */
static bool
append(const struct compat_stats *st, const char *line)
{
	FILE *f;

	if ((f = fopen(st->path, "a")) == NULL) {
		log_warnx("%s: %s", st->path, strerror(errno));
		return false;
	}
	fputs(line, f);
	if (fclose(f) != 0) {
		log_warnx("%s: %s", st->path, strerror(errno));
		return false;
	}
	return true;
}

void
compat_stats_mark(struct compat_stats *st)
{
	char line[32];

	if (st->path == NULL)
		return;
	snprintf(line, sizeof(line), "%lld\n", (long long)time(NULL));
	append(st, line);
}

void
compat_stats_write(struct compat_stats *st, bool reset)
{
	uint64_t v[ST_N], *zero, *last;
	char *text, *line = NULL;
	size_t len = 0, i;
	int k;
	FILE *f;

	if (st->path == NULL)
		return;
	if ((text = scrape(st->port)) == NULL) {
		log_warnx("%s: the server's counters cannot be read: no line written", st->path);
		return;
	}
	if ((f = open_memstream(&line, &len)) == NULL) {
		free(text);
		return;
	}
	fprintf(f, "%lld", (long long)time(NULL));
	for (i = 0; i <= st->nzones; i++) {
		read_zone(text, i < st->nzones ? st->zones[i] : NULL, v);
		zero = st->zero[i];
		last = st->last[i];
		fprintf(f, " %s", i < st->nzones ? st->zones[i] : "*");
		for (k = 0; k < ST_N; k++) {
			uint64_t now = v[k] >= zero[k] ? v[k] - zero[k] : 0;

			fprintf(f, ":%" PRIu64, st->delta ? now - (now >= last[k] ? last[k] : now) : now);
			last[k] = now;
			if (reset) {
				zero[k] = v[k];
				last[k] = 0;
			}
		}
	}
	fputc('\n', f);
	fclose(f);
	append(st, line);
	free(line);
	free(text);
	if (reset)
		compat_stats_mark(st);
}
