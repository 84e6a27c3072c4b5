/* The INI configuration shared by rbldbd and rbldb (libinih): the parser and every key. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>

#include "conf.h"
#include "conf_parse.h"
#include "privs.h"
#include "rb.h"
#include "timeutil.h"

/* Defaults of keys left out. */
#define CONF_DEFAULT_DB "/var/lib/rbldb"
/*
 * Without `listen` the server takes the standard DNS port on loopback only:
 * nothing is exposed until the operator says where to serve.
 */
#define CONF_DEFAULT_LISTEN "127.0.0.1:53"
#define CONF_DEFAULT_CODE 0x7f000002u		/* 127.0.0.2, RFC 5782 s2.1 */
#define CONF_DEFAULT_TTL 2100
#define CONF_DEFAULT_LIFETIME (30u * 86400)
#define CONF_DEFAULT_MAX_RANGE4 16
#define CONF_DEFAULT_MAX_RANGE6 48
#define CONF_MAX_THREADS 1024
#define CONF_MAX_TTL 0x7fffffffu		/* RFC 2181 s8 */
#define CONF_DEFAULT_XFR_TIMEOUT 300		/* seconds one zone transfer may take */
#define CONF_DEFAULT_JOURNAL_MAX 10000		/* commits kept for IXFR */
#define CONF_DEFAULT_JOURNAL_AGE (7u * 86400)	/* and none older than this */
#define CONF_MAX_JOURNAL 100000000
#define CONF_DEFAULT_RRL_SLIP 2			/* as NSD, Knot, BIND: every 2nd limited answer */
#define CONF_MAX_RRL_RATE 10000			/* as RRL_MAX_RATE in server/rrl.h */
#define CONF_MAX_RRL_SLIP 100
#define CONF_DEFAULT_TCP_MAX_CONNS 256
#define CONF_DEFAULT_TCP_IDLE 10		/* seconds; RFC 7766 s6.2.3 suggests seconds */
/*
 * A query is a few hundred octets and arrives in one round trip; 10 s
 * allows for a lossy path, and a sender slower than that holds a slot and
 * a 64 KB buffer for nothing.
 */
#define CONF_DEFAULT_TCP_MESSAGE 10		/* seconds */
/*
 * One client must not take every slot of tcp-max-conns (256): 16 is a
 * sixteenth of them, and resolvers, even large ones, fall back to TCP for
 * few answers and reuse a handful of connections.
 */
#define CONF_DEFAULT_TCP_MAX_CLIENT 16
#define CONF_MAX_TCP_CONNS 65535
#define CONF_MAX_TCP_QUERIES 1000000
#define CONF_DEFAULT_UDP_BATCH_WAIT 1000	/* µs: see udp-batch-wait in rbldb.conf(5) */
#define CONF_MAX_UDP_BATCH_WAIT 10000
#define CONF_MAX_ACL_TEXT 1000			/* octets of an acl answer's TXT */

static const char *const tsig_algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512",
};

enum section { SEC_NONE, SEC_SERVER, SEC_ZONE, SEC_KEY };

/* A "key NAME" reference, resolved once every [key] section is known. */
struct keyref {
	size_t zone;
	bool notify;		/* else allow-transfer */
	size_t item;
	char *name;		/* normalised: lower case, trailing dot */
	int line;
};

struct conf_parse;

enum keykind {
	KEY_SCALAR,		/* one value; given twice is an error */
	KEY_TEXT,		/* one value; continuation lines append to it */
	KEY_LIST,		/* accumulates over repeated keys and continuation lines */
};

struct keydef {
	const char *name;
	enum keykind kind;
	int (*set)(struct conf_parse *p, const char *v);
};

#define MAX_KEYS 32

struct conf_parse {
	struct conf *c;
	FILE *fp;
	char *err;
	size_t errlen;
	int fail_line;		/* line of the first error, 0 = none */
	bool failed;

	/* State of the line inih is working on; the reader sets it. */
	int line;		/* lines handed to inih so far */
	bool cont;		/* an indented line continuing the previous key */
	bool keyed;		/* a key was seen in this section (inih's prev_name) */
	enum section sec;
	char secname[256];	/* "server", "zone relays.example.org" */
	size_t cur;		/* index of the current zone or key */
	int seen[MAX_KEYS];	/* line each scalar key of this section was set on */
	int server_seen[MAX_KEYS];	/* [server] may come back: remembered apart */

	/* allow-transfer and notify: "key NAME" binds to the item before it. */
	int want_key;		/* line of a "key" still waiting for its name */
	bool have_item;		/* the last item of this key can take a key */

	struct keyref *refs;
	size_t nrefs;
	int *apex_line;		/* per zone: line of its apex key */
	int *key_line;		/* per key: line of its [key] header */
	int default_zone_line;
};

static int set_listen(struct conf_parse *, const char *);
static int set_db(struct conf_parse *, const char *);
static int set_threads(struct conf_parse *, const char *);
static int set_user(struct conf_parse *, const char *);
static int set_mapsize(struct conf_parse *, const char *);
static int set_default_zone(struct conf_parse *, const char *);
static int set_xfr_timeout(struct conf_parse *, const char *);
static int set_journal_max(struct conf_parse *, const char *);
static int set_journal_age(struct conf_parse *, const char *);
static int set_chroot(struct conf_parse *, const char *);
static int set_acl(struct conf_parse *, const char *);
static int set_rrl_rate(struct conf_parse *, const char *);
static int set_rrl_slip(struct conf_parse *, const char *);
static int set_rrl_exempt(struct conf_parse *, const char *);
static int set_tcp_max_conns(struct conf_parse *, const char *);
static int set_tcp_max_conns_client(struct conf_parse *, const char *);
static int set_tcp_idle(struct conf_parse *, const char *);
static int set_tcp_message(struct conf_parse *, const char *);
static int set_udp_batch_wait(struct conf_parse *, const char *);
static int set_tcp_max_queries(struct conf_parse *, const char *);
static int set_metrics(struct conf_parse *, const char *);
static int set_query_log(struct conf_parse *, const char *);
static int set_nsid(struct conf_parse *, const char *);
static int set_syslog(struct conf_parse *, const char *);
static int set_apex(struct conf_parse *, const char *);
static int set_family(struct conf_parse *, const char *);
static int set_code(struct conf_parse *, const char *);
static int set_text(struct conf_parse *, const char *);
static int set_ttl(struct conf_parse *, const char *);
static int set_lifetime(struct conf_parse *, const char *);
static int set_max_range(struct conf_parse *, const char *);
static int set_max_range6(struct conf_parse *, const char *);
static int set_never(struct conf_parse *, const char *);
static int set_allow_transfer(struct conf_parse *, const char *);
static int set_notify(struct conf_parse *, const char *);
static int set_algorithm(struct conf_parse *, const char *);
static int set_secret(struct conf_parse *, const char *);

static const struct keydef server_keys[] = {
	{ "listen", KEY_LIST, set_listen },
	{ "db", KEY_SCALAR, set_db },
	{ "threads", KEY_SCALAR, set_threads },
	{ "user", KEY_SCALAR, set_user },
	{ "mapsize", KEY_SCALAR, set_mapsize },
	{ "default-zone", KEY_SCALAR, set_default_zone },
	{ "xfr-timeout", KEY_SCALAR, set_xfr_timeout },
	{ "chroot", KEY_SCALAR, set_chroot },
	{ "acl", KEY_LIST, set_acl },
	{ "rrl-rate", KEY_SCALAR, set_rrl_rate },
	{ "rrl-slip", KEY_SCALAR, set_rrl_slip },
	{ "rrl-exempt", KEY_LIST, set_rrl_exempt },
	{ "tcp-max-conns", KEY_SCALAR, set_tcp_max_conns },
	{ "tcp-max-conns-per-client", KEY_SCALAR, set_tcp_max_conns_client },
	{ "tcp-idle-timeout", KEY_SCALAR, set_tcp_idle },
	{ "tcp-message-timeout", KEY_SCALAR, set_tcp_message },
	{ "tcp-max-queries", KEY_SCALAR, set_tcp_max_queries },
	{ "udp-batch-wait", KEY_SCALAR, set_udp_batch_wait },
	{ "metrics", KEY_SCALAR, set_metrics },
	{ "query-log", KEY_SCALAR, set_query_log },
	{ "nsid", KEY_SCALAR, set_nsid },
	{ "syslog", KEY_SCALAR, set_syslog },
	{ NULL, 0, NULL },
};

static const struct keydef zone_keys[] = {
	{ "apex", KEY_SCALAR, set_apex },
	{ "family", KEY_SCALAR, set_family },
	{ "code", KEY_SCALAR, set_code },
	{ "text", KEY_TEXT, set_text },
	{ "ttl", KEY_SCALAR, set_ttl },
	{ "lifetime", KEY_SCALAR, set_lifetime },
	{ "max-range", KEY_SCALAR, set_max_range },
	{ "max-range6", KEY_SCALAR, set_max_range6 },
	{ "never-list", KEY_LIST, set_never },
	{ "allow-transfer", KEY_LIST, set_allow_transfer },
	{ "notify", KEY_LIST, set_notify },
	{ "journal-max", KEY_SCALAR, set_journal_max },
	{ "journal-age", KEY_SCALAR, set_journal_age },
	{ "acl", KEY_LIST, set_acl },
	{ "rrl-rate", KEY_SCALAR, set_rrl_rate },
	{ "rrl-slip", KEY_SCALAR, set_rrl_slip },
	{ NULL, 0, NULL },
};

static const struct keydef key_keys[] = {
	{ "algorithm", KEY_SCALAR, set_algorithm },
	{ "secret", KEY_SCALAR, set_secret },
	{ NULL, 0, NULL },
};

/* ---- For parsers of values (conf_parse.h) ---- */

static int
vfail(struct conf_parse *p, const char *file, int line, const char *fmt, va_list ap)
{
	int n = 0;

	if (p->failed)
		return -1;
	p->failed = true;
	p->fail_line = line;
	if (p->err == NULL || p->errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", file, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	return -1;
}

int
conf_fail_at(struct conf_parse *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, file != NULL ? file : p->c->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

int
conf_fail(struct conf_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, p->c->path, p->line, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct conf_parse *p)
{
	return conf_fail(p, "out of memory");
}

struct conf *
conf_parse_conf(struct conf_parse *p)
{
	return p->c;
}

struct conf_zone *
conf_parse_zone(struct conf_parse *p)
{
	return p->sec == SEC_ZONE ? &p->c->zones[p->cur] : NULL;
}

int
conf_parse_line(const struct conf_parse *p)
{
	return p->line;
}

void *
conf_push(void *arr, size_t n, size_t size)
{
	char *a = realloc(arr, (n + 1) * size);

	if (a != NULL)
		memset(a + n * size, 0, size);
	return a;
}

char *
conf_resolve_path(const struct conf *c, const char *path)
{
	char *s;

	if (path[0] == '/' || strcmp(c->dir, ".") == 0)
		return strdup(path);
	if (asprintf(&s, "%s/%s", c->dir, path) < 0)
		return NULL;
	return s;
}

bool
conf_next_item(const char **s, char *buf, size_t len)
{
	const char *p = *s;
	size_t n = 0;

	while (*p != '\0' && (isspace((unsigned char)*p) || *p == ','))
		p++;
	if (*p == '\0')
		return false;
	while (*p != '\0' && !isspace((unsigned char)*p) && *p != ',') {
		if (n + 1 < len)
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';
	*s = p;
	return true;
}

/*
 * Zone names are kept lower case without the trailing dot.  Returns false
 * when IN is not a domain name (or is the root).
 */
static bool
norm_zone_name(const char *in, char *out, size_t len)
{
	size_t n = strlen(in), i;
	ldns_rdf *d;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= len || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)in[i]) || in[i] == '\\')
			return false;
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[n] = '\0';
	if ((d = ldns_dname_new_frm_str(out)) == NULL)
		return false;
	ldns_rdf_deep_free(d);
	/* ldns takes "a..b"; an empty label is no name (RFC 1035 s3.1). */
	return strstr(out, "..") == NULL && out[0] != '.';
}

bool
conf_norm_key_name(const char *in, char *out, size_t len)
{
	size_t n;

	if (!norm_zone_name(in, out, len - 1))
		return false;
	n = strlen(out);
	out[n] = '.';
	out[n + 1] = '\0';
	return true;
}

/* Strict base64 (RFC 4648 s4): whole quanta, padding only at the end. */
static bool
is_base64(const char *s)
{
	size_t n = strlen(s), i, pad = 0;

	if (n == 0 || n % 4 != 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !(isalnum(ch) || ch == '+' || ch == '/'))
			return false;
	}
	return pad <= 2;
}

bool
conf_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- Socket addresses ---- */

static void
format_sockaddr(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

/*
 * "192.0.2.1:5300", "[2001:db8::1]:5300"; without a port ("192.0.2.1",
 * "[::1]" or a bare "::1") the DNS port 53 is meant.
 */
int
conf_parse_sockaddr(const char *text, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN];
	const char *port = NULL, *end;
	unsigned long pnum = 53;
	size_t hlen;
	bool v6;

	if (text[0] == '[') {
		if ((end = strchr(text, ']')) == NULL)
			return RB_ESYNTAX;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return RB_ESYNTAX;
		text++;
		hlen = (size_t)(end - text);
		v6 = true;
	} else if ((end = strchr(text, ':')) != NULL && strchr(end + 1, ':') == NULL) {
		port = end + 1;
		hlen = (size_t)(end - text);
		v6 = false;
	} else {
		hlen = strlen(text);
		v6 = end != NULL;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return RB_ESYNTAX;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (port != NULL && !conf_parse_uint(port, 65535, &pnum))
		return RB_ESYNTAX;
	if (pnum == 0)
		return RB_ESYNTAX;

	memset(sa, 0, sizeof(*sa));
	if (v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return RB_ESYNTAX;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)pnum);
		*len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return RB_ESYNTAX;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)pnum);
		*len = sizeof(*in);
	}
	return 0;
}

static bool
same_sockaddr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Append one listen address; Returns -1 with MSG set for the caller's error. */
static int
add_listen(struct conf_listen **arr, size_t *n, const char *text, const char **msg)
{
	struct sockaddr_storage sa;
	struct conf_listen *l;
	socklen_t len;
	size_t i;

	if (conf_parse_sockaddr(text, &sa, &len) != 0) {
		*msg = "bad listen address";
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (same_sockaddr(&(*arr)[i].sa, (*arr)[i].salen, &sa, len)) {
			*msg = "listen address given twice";
			return -1;
		}
	}
	if ((l = conf_push(*arr, *n, sizeof(**arr))) == NULL) {
		*msg = "out of memory";
		return -1;
	}
	*arr = l;
	l = &l[(*n)++];
	l->sa = sa;
	l->salen = len;
	format_sockaddr(&sa, l->text, sizeof(l->text));
	return 0;
}

int
conf_set_listen(struct conf *c, const char **texts, size_t n, char *err, size_t errlen)
{
	struct conf_listen *arr = NULL;
	const char *msg;
	size_t i, na = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (add_listen(&arr, &na, texts[i], &msg) != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s '%s' (use ADDR:PORT or [IPV6]:PORT)",
				    msg, texts[i]);
			free(arr);
			return RB_ESYNTAX;
		}
	}
	free(c->listen);
	c->listen = arr;
	c->nlisten = na;
	return 0;
}

/* ---- [server] ---- */

static int
set_listen(struct conf_parse *p, const char *v)
{
	struct conf *c = p->c;
	const char *msg;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item)))
		if (add_listen(&c->listen, &c->nlisten, item, &msg) != 0)
			return conf_fail(p, "%s '%s' (use ADDR:PORT or [IPV6]:PORT, e.g. "
			    "127.0.0.1:5300 [::1]:5300)", msg, item);
	return 0;
}

static int
set_db(struct conf_parse *p, const char *v)
{
	if (*v == '\0')
		return conf_fail(p, "db is empty (name the store directory, e.g. db = ../var/db)");
	free(p->c->db);
	if ((p->c->db = conf_resolve_path(p->c, v)) == NULL)
		return nomem(p);
	return 0;
}

static int
set_threads(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_THREADS, &n))
		return conf_fail(p, "threads '%s' is not a number from 0 to %d (0 = one per core)",
		    v, CONF_MAX_THREADS);
	p->c->threads = (unsigned)n;
	return 0;
}

static int
set_xfr_timeout(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p, "xfr-timeout '%s' is not a positive duration (use 90s, 5m)", v);
	p->c->xfr_timeout = secs;
	return 0;
}

static int
set_user(struct conf_parse *p, const char *v)
{
	free(p->c->user);
	p->c->user = NULL;
	if (*v != '\0' && (p->c->user = strdup(v)) == NULL)
		return nomem(p);
	return 0;
}

static int
set_mapsize(struct conf_parse *p, const char *v)
{
	static const char units[] = "kmgt";
	unsigned long long n, mult = 1;
	const char *u;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		goto bad;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end != '\0') {
		if ((u = strchr(units, tolower((unsigned char)*end))) == NULL || end[1] != '\0')
			goto bad;
		mult = 1ull << (10 * (u - units + 1));
	}
	if (n > SIZE_MAX / mult)
		goto bad;
	n *= mult;
	/* LMDB needs room for its meta pages and trees; below that it fails oddly. */
	if (n != 0 && n < (1u << 20))
		return conf_fail(p, "mapsize '%s' is too small (use at least 1M, e.g. 16G)", v);
	p->c->mapsize = (size_t)n;
	return 0;
bad:
	return conf_fail(p, "mapsize '%s' is not a size (use bytes or a K, M, G, T suffix, e.g. 16G)", v);
}

static int
set_default_zone(struct conf_parse *p, const char *v)
{
	char name[256];

	if (!norm_zone_name(v, name, sizeof(name)))
		return conf_fail(p, "default-zone '%s' is not a zone name", v);
	free(p->c->default_zone);
	if ((p->c->default_zone = strdup(name)) == NULL)
		return nomem(p);
	p->default_zone_line = p->line;
	return 0;
}

/* ---- [zone NAME] ---- */

static struct conf_zone *
cur_zone(struct conf_parse *p)
{
	return &p->c->zones[p->cur];
}

static int
set_apex(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = cur_zone(p);

	if (*v == '\0')
		return conf_fail(p, "apex is empty (name the zone's apex file: SOA and NS)");
	if ((z->apex_path = conf_resolve_path(p->c, v)) == NULL)
		return nomem(p);
	p->apex_line[p->cur] = p->line;
	return 0;
}

static int
set_family(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = cur_zone(p);

	if (strcasecmp(v, "ipv4") == 0)
		z->family = ZONE_FAMILY_V4;
	else if (strcasecmp(v, "ipv6") == 0)
		z->family = ZONE_FAMILY_V6;
	else if (strcasecmp(v, "both") == 0)
		z->family = ZONE_FAMILY_BOTH;
	else
		return conf_fail(p, "family '%s' is unknown (use ipv4, ipv6 or both)", v);
	return 0;
}

static int
set_code(struct conf_parse *p, const char *v)
{
	struct addr a;

	if (addr_parse(v, &a) != 0 || a.fam != ADDR_V4)
		return conf_fail(p, "code '%s' is not an IPv4 address (use 127.0.0.N)", v);
	/* RFC 5782 s2.1: DNSBL answers are in 127.0.0.0/8. */
	if (a.a[0] != 127)
		return conf_fail(p, "code %s is outside 127.0.0.0/8 (use 127.0.0.N, e.g. 127.0.0.2)", v);
	cur_zone(p)->code = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 |
	    (uint32_t)a.a[2] << 8 | a.a[3];
	return 0;
}

static int
set_text(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = cur_zone(p);
	char *s;

	if (p->cont && z->text != NULL) {
		/* A long text goes on over indented lines, joined by a space. */
		if (asprintf(&s, "%s %s", z->text, v) < 0)
			return nomem(p);
		free(z->text);
		z->text = s;
		return 0;
	}
	free(z->text);
	z->text = NULL;
	if (*v != '\0' && (z->text = strdup(v)) == NULL)
		return nomem(p);
	return 0;
}

static int
set_ttl(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs > CONF_MAX_TTL)
		return conf_fail(p, "ttl '%s' is not a duration (use seconds or 90s, 15m, 12h, 1d)", v);
	cur_zone(p)->ttl = secs;
	return 0;
}

static int
set_lifetime(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p, "lifetime '%s' is not a positive duration (use 90s, 15m, 12h, 30d)", v);
	cur_zone(p)->lifetime = secs;
	return 0;
}

static int
set_journal_max(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_JOURNAL, &n) || n == 0)
		return conf_fail(p, "journal-max '%s' is not a number of commits from 1 to %d", v,
		    CONF_MAX_JOURNAL);
	cur_zone(p)->journal_max = (uint32_t)n;
	return 0;
}

static int
set_journal_age(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p, "journal-age '%s' is not a positive duration (use 12h, 7d)", v);
	cur_zone(p)->journal_age = secs;
	return 0;
}

static int
set_max_range(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, 32, &n))
		return conf_fail(p, "max-range '%s' is not a prefix length from 0 to 32", v);
	cur_zone(p)->max_range4 = (uint8_t)n;
	return 0;
}

static int
set_max_range6(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, 128, &n))
		return conf_fail(p, "max-range6 '%s' is not a prefix length from 0 to 128", v);
	cur_zone(p)->max_range6 = (uint8_t)n;
	return 0;
}

static int
set_never(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = cur_zone(p);
	struct addr a, *arr;
	const char *why = NULL;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item))) {
		if (addr_parse_cidr(item, &a, &why) != 0)
			return conf_fail(p, "never-list '%s' is not an address or CIDR range: %s",
			    item, why != NULL ? why : "syntax error");
		if ((arr = conf_push(z->never, z->nnever, sizeof(*arr))) == NULL)
			return nomem(p);
		z->never = arr;
		z->never[z->nnever++] = a;
	}
	return 0;
}

/* "key NAME" binds NAME to the last item; remember it for after the parse. */
static int
bind_key(struct conf_parse *p, bool notify, const char *name)
{
	struct conf_zone *z = cur_zone(p);
	struct keyref *r;
	char norm[256];

	if (!conf_norm_key_name(name, norm, sizeof(norm)))
		return conf_fail(p, "key name '%s' is not a domain name", name);
	if ((r = conf_push(p->refs, p->nrefs, sizeof(*r))) == NULL)
		return nomem(p);
	p->refs = r;
	r = &r[p->nrefs];
	r->zone = p->cur;
	r->notify = notify;
	r->item = notify ? z->nnotify - 1 : z->nallow_transfer - 1;
	r->line = p->want_key;
	if ((r->name = strdup(norm)) == NULL)
		return nomem(p);
	p->nrefs++;
	p->have_item = false;
	p->want_key = 0;
	return 0;
}

/*
 * The items of allow-transfer and notify: addresses, each optionally
 * followed by "key NAME".  "key" may end one line and NAME start the next.
 */
static int
set_xfr_list(struct conf_parse *p, const char *v, bool notify)
{
	const char *what = notify ? "notify" : "allow-transfer";
	struct conf_zone *z = cur_zone(p);
	char item[256];

	while (conf_next_item(&v, item, sizeof(item))) {
		if (p->want_key) {
			if (bind_key(p, notify, item) != 0)
				return -1;
			continue;
		}
		if (strcasecmp(item, "key") == 0) {
			if (!p->have_item)
				return conf_fail(p, "%s: 'key' must follow an address (ADDR key NAME)", what);
			p->want_key = p->line;
			continue;
		}
		if (notify) {
			struct conf_notify *n;
			struct sockaddr_storage sa;
			socklen_t len;

			if (conf_parse_sockaddr(item, &sa, &len) != 0)
				return conf_fail(p, "notify target '%s' is not ADDR[:PORT] or "
				    "[IPV6][:PORT]", item);
			if ((n = conf_push(z->notify, z->nnotify, sizeof(*n))) == NULL)
				return nomem(p);
			z->notify = n;
			n = &n[z->nnotify++];
			n->sa = sa;
			n->salen = len;
			format_sockaddr(&sa, n->text, sizeof(n->text));
		} else {
			struct conf_xfr_acl *acl;
			const char *why = NULL;
			struct addr a;

			if (addr_parse_cidr(item, &a, &why) != 0)
				return conf_fail(p, "allow-transfer '%s' is not an address or CIDR "
				    "range: %s", item, why != NULL ? why : "syntax error");
			if ((acl = conf_push(z->allow_transfer, z->nallow_transfer,
			    sizeof(*acl))) == NULL)
				return nomem(p);
			z->allow_transfer = acl;
			acl[z->nallow_transfer++].net = a;
		}
		p->have_item = true;
	}
	return 0;
}

static int
set_allow_transfer(struct conf_parse *p, const char *v)
{
	return set_xfr_list(p, v, false);
}

static int
set_notify(struct conf_parse *p, const char *v)
{
	return set_xfr_list(p, v, true);
}

/* A "key" left without its name when its key's lines end. */
static int
finish_items(struct conf_parse *p)
{
	int line = p->want_key;

	p->have_item = false;
	if (line == 0)
		return 0;
	p->want_key = 0;
	return conf_fail_at(p, NULL, line, "'key' without a name (ADDR key NAME)");
}

/* ---- Abuse: query ACLs, rate limits, TCP limits, chroot ---- */

static int
set_chroot(struct conf_parse *p, const char *v)
{
	free(p->c->chroot);
	p->c->chroot = NULL;
	if (*v != '\0' && (p->c->chroot = conf_resolve_path(p->c, v)) == NULL)
		return nomem(p);
	return 0;
}

/*
 * The next token of an acl rule into BUF: a word ending at a blank or
 * comma, or a "double-quoted text" in which \" and \\ stand for " and \.
 * Returns 1 (*QUOTED tells which), 0 at the end, -1 for a quote left open.
 */
static int
next_token(const char **s, char *buf, size_t len, bool *quoted)
{
	const char *p = *s;
	size_t n = 0;

	while (*p != '\0' && (isspace((unsigned char)*p) || *p == ','))
		p++;
	if (*p == '\0')
		return 0;
	*quoted = *p == '"';
	if (!*quoted)
		return conf_next_item(s, buf, len) ? 1 : 0;
	for (p++; *p != '"'; p++) {
		if (*p == '\0')
			return -1;
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (n + 1 < len)
			buf[n++] = *p;
	}
	buf[n] = '\0';
	*s = p + 1;
	return 1;
}

static const char *const qacl_actions[] = { "allow", "refuse", "drop", "answer" };

/*
 * One rule per line: "CIDR [CIDR...] ACTION", ACTION being allow, refuse,
 * drop or answer 127.X.Y.Z ["TEXT"].  In [server] the rule covers every
 * zone and every other query; in [zone NAME] that zone's names, before
 * [server]'s rules.  The longest prefix that matches the client wins, so
 * the order of the lines does not matter.
 */
static int
set_acl(struct conf_parse *p, const char *v)
{
	struct conf_query_acl **arr, *r;
	size_t *n, i, k, nnets = 0;
	struct addr nets[32], a;
	const char *why = NULL;
	char tok[256], text[256] = "";
	bool quoted, hastext = false;
	int action = -1, t;
	uint32_t code = 0;

	if (p->sec == SEC_SERVER) {
		arr = &p->c->acl;
		n = &p->c->nacl;
	} else {
		arr = &cur_zone(p)->acl;
		n = &cur_zone(p)->nacl;
	}
	while ((t = next_token(&v, tok, sizeof(tok), &quoted)) > 0) {
		for (k = 0; !quoted && k < RB_ARRAY_LEN(qacl_actions); k++)
			if (strcasecmp(tok, qacl_actions[k]) == 0)
				action = (int)k;
		if (action >= 0)
			break;
		if (quoted || addr_parse_cidr(tok, &a, &why) != 0)
			return conf_fail(p, "acl: '%s' is neither an address or CIDR range nor an action "
			    "(use CIDR... allow|refuse|drop|answer 127.X.Y.Z \"TEXT\")", tok);
		if (nnets == RB_ARRAY_LEN(nets))
			return conf_fail(p, "acl: more than %zu ranges on one line (use more lines)",
			    RB_ARRAY_LEN(nets));
		nets[nnets++] = a;
	}
	if (t < 0)
		return conf_fail(p, "acl: a quoted text is not closed (end it with \")");
	if (nnets == 0)
		return conf_fail(p, "acl: no address or CIDR range before the action (use CIDR... "
		    "allow|refuse|drop|answer 127.X.Y.Z \"TEXT\")");
	if (action < 0)
		return conf_fail(p, "acl: no action after the ranges (use allow, refuse, drop or "
		    "answer 127.X.Y.Z \"TEXT\")");
	if (action == CONF_QACL_ANSWER) {
		if (next_token(&v, tok, sizeof(tok), &quoted) <= 0 || quoted ||
		    addr_parse(tok, &a) != 0 || a.fam != ADDR_V4 || a.a[0] != 127)
			return conf_fail(p, "acl: answer needs an address in 127.0.0.0/8 (e.g. answer "
			    "127.255.255.254 \"TEXT\")");
		code = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 | (uint32_t)a.a[2] << 8 |
		    a.a[3];
		if ((t = next_token(&v, text, sizeof(text), &quoted)) < 0)
			return conf_fail(p, "acl: a quoted text is not closed (end it with \")");
		if (t > 0 && !quoted)
			return conf_fail(p, "acl: put the answer's text in double quotes (\"%s ...\")", text);
		hastext = t > 0 && text[0] != '\0';
	}
	if (next_token(&v, tok, sizeof(tok), &quoted) != 0)
		return conf_fail(p, "acl: '%s' after the action (one rule per line)", tok);

	for (i = 0; i < nnets; i++) {
		for (k = 0; k < *n; k++)
			if (memcmp(&(*arr)[k].net, &nets[i], sizeof(nets[i])) == 0)
				return conf_fail(p, "acl: %s has a rule already (line %d; one rule per "
				    "range and section)", addr_format(&nets[i], tok, sizeof(tok)),
				    (*arr)[k].line);
		if ((r = conf_push(*arr, *n, sizeof(*r))) == NULL)
			return nomem(p);
		*arr = r;
		r = &r[(*n)++];
		r->net = nets[i];
		r->action = (enum conf_qacl_action)action;
		r->code = code;
		r->line = p->line;
		if (hastext && (r->text = strdup(text)) == NULL)
			return nomem(p);
	}
	return 0;
}

static int
set_rrl_rate(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_RRL_RATE, &n))
		return conf_fail(p, "rrl-rate '%s' is not a number of answers per second from 0 to %d "
		    "(0 = no limit)", v, CONF_MAX_RRL_RATE);
	if (p->sec == SEC_SERVER)
		p->c->rrl_rate = (uint32_t)n;
	else
		cur_zone(p)->rrl_rate = (uint32_t)n;
	return 0;
}

static int
set_rrl_slip(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_RRL_SLIP, &n))
		return conf_fail(p, "rrl-slip '%s' is not a number from 0 to %d (every Nth limited "
		    "answer is sent truncated; 0 = none, 1 = all)", v, CONF_MAX_RRL_SLIP);
	if (p->sec == SEC_SERVER)
		p->c->rrl_slip = (uint32_t)n;
	else
		cur_zone(p)->rrl_slip = (uint32_t)n;
	return 0;
}

static int
set_rrl_exempt(struct conf_parse *p, const char *v)
{
	struct conf *c = p->c;
	struct addr a, *arr;
	const char *why = NULL;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item))) {
		if (addr_parse_cidr(item, &a, &why) != 0)
			return conf_fail(p, "rrl-exempt '%s' is not an address or CIDR range: %s", item,
			    why != NULL ? why : "syntax error");
		if ((arr = conf_push(c->rrl_exempt, c->nrrl_exempt, sizeof(*arr))) == NULL)
			return nomem(p);
		c->rrl_exempt = arr;
		c->rrl_exempt[c->nrrl_exempt++] = a;
	}
	return 0;
}

static int
set_tcp_max_conns(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_TCP_CONNS, &n) || n == 0)
		return conf_fail(p, "tcp-max-conns '%s' is not a number from 1 to %d", v,
		    CONF_MAX_TCP_CONNS);
	p->c->tcp_max_conns = (unsigned)n;
	return 0;
}

static int
set_tcp_max_conns_client(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_TCP_CONNS, &n))
		return conf_fail(p, "tcp-max-conns-per-client '%s' is not a number from 0 to %d "
		    "(0 = only tcp-max-conns)", v, CONF_MAX_TCP_CONNS);
	p->c->tcp_max_conns_client = (unsigned)n;
	return 0;
}

static int
set_tcp_idle(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs == 0 || secs > 86400)
		return conf_fail(p, "tcp-idle-timeout '%s' is not a duration from 1s to 1d (e.g. 10s)",
		    v);
	p->c->tcp_idle = secs;
	return 0;
}

static int
set_tcp_message(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs == 0 || secs > 3600)
		return conf_fail(p, "tcp-message-timeout '%s' is not a duration from 1s to 1h (e.g. 10s)",
		    v);
	p->c->tcp_message = secs;
	return 0;
}

static int
set_tcp_max_queries(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_TCP_QUERIES, &n))
		return conf_fail(p, "tcp-max-queries '%s' is not a number from 0 to %d (0 = no limit)",
		    v, CONF_MAX_TCP_QUERIES);
	p->c->tcp_max_queries = (unsigned)n;
	return 0;
}

/* Microseconds, written with their unit: 0, 250us, 1ms. */
static int
set_udp_batch_wait(struct conf_parse *p, const char *v)
{
	unsigned long n = 0;
	char *end;

	errno = 0;
	if (*v >= '0' && *v <= '9')
		n = strtoul(v, &end, 10);
	else
		end = (char *)v;
	if (errno == 0 && end != v && (strcmp(end, "ms") == 0 || strcmp(end, "us") == 0 ||
	    (*end == '\0' && n == 0))) {
		if (strcmp(end, "ms") == 0)
			n = n <= CONF_MAX_UDP_BATCH_WAIT ? n * 1000 : n;
		if (n <= CONF_MAX_UDP_BATCH_WAIT) {
			p->c->udp_batch_wait = (uint32_t)n;
			return 0;
		}
	}
	return conf_fail(p, "udp-batch-wait '%s' is not 0 or a time from 1us to 10ms with its unit "
	    "(e.g. 300us, 1ms)", v);
}

/* ADDR:PORT with the port required (no DNS default), port 0 for any free one. */
static int
set_metrics(struct conf_parse *p, const char *v)
{
	struct conf *c = p->c;
	const char *colon = strrchr(v, ':'), *bracket = strchr(v, ']');
	char buf[INET6_ADDRSTRLEN + 16];
	bool any = colon != NULL && strcmp(colon, ":0") == 0;

	memset(&c->metrics, 0, sizeof(c->metrics));
	c->metrics_len = 0;
	if (*v == '\0')
		return 0;
	/* conf_parse_sockaddr takes no port 0: parse port 1, then clear it. */
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(any ? colon - v : (ptrdiff_t)strlen(v)), v,
	    any ? ":1" : "");
	if (colon == NULL || (v[0] == '[' && (bracket == NULL || colon < bracket)) ||
	    (v[0] != '[' && strchr(v, ':') != colon) ||
	    conf_parse_sockaddr(buf, &c->metrics, &c->metrics_len) != 0) {
		memset(&c->metrics, 0, sizeof(c->metrics));
		return conf_fail(p, "metrics '%s' is not ADDR:PORT (e.g. 127.0.0.1:9153, "
		    "[::1]:9153; empty = off)", v);
	}
	if (any && c->metrics.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&c->metrics)->sin6_port = 0;
	else if (any)
		((struct sockaddr_in *)&c->metrics)->sin_port = 0;
	return 0;
}

static int
set_query_log(struct conf_parse *p, const char *v)
{
	free(p->c->query_log);
	p->c->query_log = NULL;
	if (*v != '\0' && (p->c->query_log = conf_resolve_path(p->c, v)) == NULL)
		return nomem(p);
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* RFC 5001: opaque octets, given as text or as hex:HEXDIGITS. */
static int
set_nsid(struct conf_parse *p, const char *v)
{
	struct conf *c = p->c;
	size_t n = strlen(v), i;
	int hi, lo;

	free(c->nsid);
	c->nsid = NULL;
	c->nsidlen = 0;
	if (n == 0)
		return 0;
	if (strncasecmp(v, "hex:", 4) == 0) {
		v += 4;
		n -= 4;
		if (n == 0 || n % 2 != 0 || n / 2 > CONF_MAX_NSID)
			return conf_fail(p, "nsid 'hex:%s' needs an even number of hex digits, 2 to %d",
			    v, 2 * CONF_MAX_NSID);
		if ((c->nsid = malloc(n / 2)) == NULL)
			return nomem(p);
		for (i = 0; i < n / 2; i++) {
			if ((hi = hexval(v[2 * i])) < 0 || (lo = hexval(v[2 * i + 1])) < 0)
				return conf_fail(p, "nsid 'hex:%s' has a character that is not a hex "
				    "digit", v);
			c->nsid[i] = (uint8_t)(hi << 4 | lo);
		}
		c->nsidlen = n / 2;
		return 0;
	}
	if (n > CONF_MAX_NSID)
		return conf_fail(p, "nsid is longer than %d octets", CONF_MAX_NSID);
	if ((c->nsid = malloc(n)) == NULL)
		return nomem(p);
	memcpy(c->nsid, v, n);
	c->nsidlen = n;
	return 0;
}

static int
set_syslog(struct conf_parse *p, const char *v)
{
	if (strcasecmp(v, "yes") == 0)
		p->c->syslog = true;
	else if (strcasecmp(v, "no") == 0)
		p->c->syslog = false;
	else
		return conf_fail(p, "syslog '%s' is not yes or no", v);
	return 0;
}

/* ---- [key NAME] ---- */

static int
set_algorithm(struct conf_parse *p, const char *v)
{
	struct conf_key *k = &p->c->keys[p->cur];
	size_t i;

	for (i = 0; i < RB_ARRAY_LEN(tsig_algorithms); i++) {
		if (strcasecmp(v, tsig_algorithms[i]) == 0) {
			if ((k->algorithm = strdup(tsig_algorithms[i])) == NULL)
				return nomem(p);
			return 0;
		}
	}
	return conf_fail(p, "algorithm '%s' is unknown (use hmac-sha256, or hmac-md5, hmac-sha1, "
	    "hmac-sha224, hmac-sha384, hmac-sha512)", v);
}

static int
set_secret(struct conf_parse *p, const char *v)
{
	struct conf_key *k = &p->c->keys[p->cur];

	if (!is_base64(v))
		return conf_fail(p, "secret of key %s is not base64 (e.g. from "
		    "`openssl rand -base64 32`)", k->name);
	if ((k->secret = strdup(v)) == NULL)
		return nomem(p);
	return 0;
}

/* ---- Sections and the inih callbacks ---- */

static int
open_zone(struct conf_parse *p, const char *arg)
{
	struct conf *c = p->c;
	struct conf_zone *z;
	char name[256], origin[260];
	int *lines;
	size_t i;

	if (*arg == '\0')
		return conf_fail(p, "[zone] needs the zone's name ([zone relays.example.org])");
	if (!norm_zone_name(arg, name, sizeof(name)))
		return conf_fail(p, "[zone %s]: '%s' is not a domain name", arg, arg);
	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return conf_fail(p, "zone %s defined twice (first on line %d; merge the "
			    "sections)", name, c->zones[i].line);
	if ((z = conf_push(c->zones, c->nzones, sizeof(*z))) == NULL)
		return nomem(p);
	c->zones = z;
	if ((lines = conf_push(p->apex_line, c->nzones, sizeof(*lines))) == NULL)
		return nomem(p);
	p->apex_line = lines;
	z = &z[c->nzones++];
	p->cur = c->nzones - 1;

	z->family = ZONE_FAMILY_BOTH;
	z->code = CONF_DEFAULT_CODE;
	z->ttl = CONF_DEFAULT_TTL;
	z->lifetime = CONF_DEFAULT_LIFETIME;
	z->max_range4 = CONF_DEFAULT_MAX_RANGE4;
	z->max_range6 = CONF_DEFAULT_MAX_RANGE6;
	z->journal_max = CONF_DEFAULT_JOURNAL_MAX;
	z->journal_age = CONF_DEFAULT_JOURNAL_AGE;
	z->rrl_rate = CONF_INHERIT;
	z->rrl_slip = CONF_INHERIT;
	z->line = p->line;
	snprintf(origin, sizeof(origin), "%s.", name);
	if ((z->name = strdup(name)) == NULL || (z->file = strdup(c->path)) == NULL ||
	    (z->origin = ldns_dname_new_frm_str(origin)) == NULL)
		return nomem(p);
	return 0;
}

static int
open_key(struct conf_parse *p, const char *arg)
{
	struct conf *c = p->c;
	struct conf_key *k;
	char name[260];
	int *lines;
	size_t i;

	if (*arg == '\0')
		return conf_fail(p, "[key] needs the key's name ([key xfr])");
	if (!conf_norm_key_name(arg, name, sizeof(name)))
		return conf_fail(p, "[key %s]: '%s' is not a domain name", arg, arg);
	for (i = 0; i < c->nkeys; i++)
		if (strcmp(c->keys[i].name, name) == 0)
			return conf_fail(p, "key %s defined twice (first on line %d)", arg,
			    p->key_line[i]);
	if ((k = conf_push(c->keys, c->nkeys, sizeof(*k))) == NULL)
		return nomem(p);
	c->keys = k;
	if ((lines = conf_push(p->key_line, c->nkeys, sizeof(*lines))) == NULL)
		return nomem(p);
	p->key_line = lines;
	p->key_line[c->nkeys] = p->line;
	k = &k[c->nkeys++];
	p->cur = c->nkeys - 1;
	if ((k->name = strdup(name)) == NULL)
		return nomem(p);
	return 0;
}

/* "[ server ]", "[zone NAME]", "[key NAME]": the text between the brackets. */
static int
open_section(struct conf_parse *p, const char *line)
{
	char buf[256], *s = buf, *end, *arg;

	/* inih reads the line after us: work on a copy. */
	snprintf(buf, sizeof(buf), "%s", line);
	if ((end = strchr(s, ']')) == NULL)
		return conf_fail(p, "section header without ']'");
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	while (isspace((unsigned char)*s))
		s++;
	snprintf(p->secname, sizeof(p->secname), "%s", s);
	memset(p->seen, 0, sizeof(p->seen));
	for (arg = s; *arg != '\0' && !isspace((unsigned char)*arg); arg++)
		;
	if (*arg != '\0')
		*arg++ = '\0';
	while (isspace((unsigned char)*arg))
		arg++;

	if (strcasecmp(s, "server") == 0 && *arg == '\0') {
		p->sec = SEC_SERVER;
		return 0;
	}
	if (strcasecmp(s, "zone") == 0) {
		p->sec = SEC_ZONE;
		return open_zone(p, arg);
	}
	if (strcasecmp(s, "key") == 0) {
		p->sec = SEC_KEY;
		return open_key(p, arg);
	}
	return conf_fail(p, "unknown section [%s] (use [server], [zone NAME] or [key NAME])",
	    p->secname);
}

/*
 * inih's line reader.  Counting lines here gives the handler its line
 * number (Debian builds inih without INI_HANDLER_LINENO); section headers
 * are read here too, so a section is known with its full name and line even
 * when it holds no keys.  Returning NULL after an error stops inih.
 */
static char *
reader(char *buf, int size, void *arg)
{
	struct conf_parse *p = arg;
	size_t len;
	char *s;
	int ch;

	if (p->failed || fgets(buf, size, p->fp) == NULL)
		return NULL;
	p->line++;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && (ch = getc(p->fp)) != EOF) {
		/* inih would read the rest as a line of its own. */
		while (ch != EOF && ch != '\n')
			ch = getc(p->fp);
		conf_fail(p, "line longer than %d characters (split the list over repeated keys "
		    "or indented continuation lines)", size - 2);
		return NULL;
	}

	s = buf;
	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	/* As inih: an indented line after a key continues that key's value. */
	p->cont = isspace((unsigned char)*s) && p->keyed;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[' && !p->cont) {
		if (finish_items(p) != 0)
			return NULL;
		p->keyed = false;
		if (open_section(p, s + 1) != 0)
			return NULL;
	}
	return buf;
}

static const char *
section_label(enum section sec)
{
	switch (sec) {
	case SEC_SERVER:
		return "[server]";
	case SEC_ZONE:
		return "[zone NAME]";
	default:
		return "[key NAME]";
	}
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct conf_parse *p = arg;
	const struct keydef *defs, *d;
	char known[512];
	size_t n = 0;
	int *seen;

	(void)section;		/* inih cuts it at 50 characters; the reader has it whole */
	if (p->failed)
		return 0;
	if (!p->cont && finish_items(p) != 0)
		return 0;
	p->keyed = true;
	switch (p->sec) {
	case SEC_SERVER:
		defs = server_keys;
		seen = p->server_seen;
		break;
	case SEC_ZONE:
		defs = zone_keys;
		seen = p->seen;
		break;
	case SEC_KEY:
		defs = key_keys;
		seen = p->seen;
		break;
	default:
		conf_fail(p, "'%s' outside any section (put it under [server], [zone NAME] or "
		    "[key NAME])", name);
		return 0;
	}
	for (d = defs; d->name != NULL; d++)
		if (strcasecmp(d->name, name) == 0)
			break;
	if (d->name == NULL) {
		known[0] = '\0';
		for (d = defs; d->name != NULL && n < sizeof(known); d++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
			    n > 0 ? ", " : "", d->name);
		conf_fail(p, "unknown key '%s' in %s (known: %s)", name, section_label(p->sec),
		    known);
		return 0;
	}
	if (d->kind != KEY_LIST) {
		if (p->cont && d->kind == KEY_SCALAR) {
			conf_fail(p, "'%s' takes one value (remove the indentation if this line "
			    "is a key of its own)", d->name);
			return 0;
		}
		if (!p->cont && seen[d - defs] != 0) {
			conf_fail(p, "'%s' given twice in [%s] (first on line %d)", d->name,
			    p->secname, seen[d - defs]);
			return 0;
		}
		seen[d - defs] = p->line;
	}
	if (p->cont) {
		/* inih strips " ;comment" from key lines but not from continuations. */
		char buf[256], *c;

		snprintf(buf, sizeof(buf), "%s", value);
		for (c = buf; *c != '\0'; c++)
			if (*c == ';' && c > buf && isspace((unsigned char)c[-1]))
				break;
		while (c > buf && isspace((unsigned char)c[-1]))
			c--;
		*c = '\0';
		return d->set(p, buf) == 0;
	}
	return d->set(p, value) == 0;
}

/* ---- After the parse: keys, zones, apex files, defaults ---- */

static const struct conf_key *
find_key(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nkeys; i++)
		if (strcmp(c->keys[i].name, name) == 0)
			return &c->keys[i];
	return NULL;
}

static int
check_keys(struct conf_parse *p)
{
	struct conf *c = p->c;
	const struct conf_key *k;
	size_t i;

	for (i = 0; i < c->nkeys; i++) {
		if (c->keys[i].algorithm == NULL)
			return conf_fail_at(p, NULL, p->key_line[i], "key %s has no algorithm "
			    "(add algorithm = hmac-sha256)", c->keys[i].name);
		if (c->keys[i].secret == NULL)
			return conf_fail_at(p, NULL, p->key_line[i], "key %s has no secret "
			    "(add secret = BASE64)", c->keys[i].name);
	}
	for (i = 0; i < p->nrefs; i++) {
		struct keyref *r = &p->refs[i];
		struct conf_zone *z = &c->zones[r->zone];

		if ((k = find_key(c, r->name)) == NULL)
			return conf_fail_at(p, NULL, r->line, "unknown key %s (define it in a "
			    "[key NAME] section)", r->name);
		if (r->notify)
			z->notify[r->item].key = k;
		else
			z->allow_transfer[r->item].key = k;
	}
	return 0;
}

static int
finish(struct conf_parse *p)
{
	struct conf *c = p->c;
	const char *msg;
	size_t i;

	if (check_keys(p) != 0)
		return -1;
	if (c->nzones == 0)
		return conf_fail_at(p, NULL, 0, "no zone defined (add a [zone NAME] section "
		    "with apex = FILE)");
	for (i = 0; i < c->nzones; i++) {
		struct conf_zone *z = &c->zones[i];

		if (z->apex_path == NULL)
			return conf_fail_at(p, NULL, z->line, "zone %s has no apex (add apex = "
			    "FILE, the master file with its SOA and NS)", z->name);
		if (conf_apex_load(p, z, p->apex_line[i]) != 0)
			return -1;
	}
	if (c->default_zone != NULL) {
		if (conf_zone(c, c->default_zone) == NULL)
			return conf_fail_at(p, NULL, p->default_zone_line, "default-zone %s is "
			    "not a zone of this file (name one of its [zone NAME] sections)",
			    c->default_zone);
	} else if (c->nzones == 1 && (c->default_zone = strdup(c->zones[0].name)) == NULL) {
		return nomem(p);
	}
	if (c->nlisten == 0 &&
	    add_listen(&c->listen, &c->nlisten, CONF_DEFAULT_LISTEN, &msg) != 0)
		return nomem(p);
	if (c->db == NULL && (c->db = strdup(CONF_DEFAULT_DB)) == NULL)
		return nomem(p);
	if (c->xfr_timeout == 0)
		c->xfr_timeout = CONF_DEFAULT_XFR_TIMEOUT;
	for (i = 0; i < c->nzones; i++) {
		if (c->zones[i].rrl_rate == CONF_INHERIT)
			c->zones[i].rrl_rate = c->rrl_rate;
		if (c->zones[i].rrl_slip == CONF_INHERIT)
			c->zones[i].rrl_slip = c->rrl_slip;
	}
	if (c->tcp_max_conns == 0)
		c->tcp_max_conns = CONF_DEFAULT_TCP_MAX_CONNS;
	if (c->tcp_idle == 0)
		c->tcp_idle = CONF_DEFAULT_TCP_IDLE;
	if (c->tcp_message == 0)
		c->tcp_message = CONF_DEFAULT_TCP_MESSAGE;
	return 0;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf_parse p;
	struct conf *c;
	const char *slash;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->path = strdup(path)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", path);
		free(c);
		return NULL;
	}
	p.c = c;
	c->rrl_slip = CONF_DEFAULT_RRL_SLIP;
	c->udp_batch_wait = CONF_DEFAULT_UDP_BATCH_WAIT;
	c->tcp_max_conns_client = CONF_DEFAULT_TCP_MAX_CLIENT;
	if ((slash = strrchr(path, '/')) == NULL)
		c->dir = strdup(".");
	else
		c->dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (c->dir == NULL) {
		conf_fail_at(&p, path, 0, "out of memory");
		goto out;
	}
	if ((p.fp = privs_fopen_read(path)) == NULL) {
		conf_fail_at(&p, path, 0, "cannot read: %s", rb_strerror(-errno));
		goto out;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.fp);
	/* inih's own complaint: a line that is no key, section or comment. */
	if (rc > 0 && (!p.failed || rc < p.fail_line)) {
		p.failed = false;
		p.line = rc;
		conf_fail(&p, "expected 'key = value', '[section]' or a comment");
	} else if (rc < 0) {
		conf_fail_at(&p, path, 0, "out of memory");
	}
	if (!p.failed && finish_items(&p) == 0)
		finish(&p);
out:
	for (i = 0; i < p.nrefs; i++)
		free(p.refs[i].name);
	free(p.refs);
	free(p.apex_line);
	free(p.key_line);
	if (p.failed) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static void
free_qacl(struct conf_query_acl *acl, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(acl[i].text);
	free(acl);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nzones; i++) {
		struct conf_zone *z = &c->zones[i];

		free(z->name);
		if (z->origin != NULL)
			ldns_rdf_deep_free(z->origin);
		free(z->apex_path);
		/* z->soa is one of z->apex's records. */
		ldns_rr_list_deep_free(z->apex);
		free(z->text);
		free(z->never);
		free(z->allow_transfer);
		free(z->notify);
		free_qacl(z->acl, z->nacl);
		free(z->file);
	}
	for (i = 0; i < c->nkeys; i++) {
		free(c->keys[i].name);
		free(c->keys[i].algorithm);
		free(c->keys[i].secret);
	}
	free(c->zones);
	free(c->keys);
	free(c->listen);
	free(c->db);
	free(c->user);
	free(c->default_zone);
	free(c->chroot);
	free_qacl(c->acl, c->nacl);
	free(c->rrl_exempt);
	free(c->query_log);
	free(c->nsid);
	free(c->dir);
	free(c->path);
	free(c);
}

struct conf_zone *
conf_zone(const struct conf *c, const char *name)
{
	size_t i, n;

	if (name == NULL) {
		if (c->default_zone != NULL)
			name = c->default_zone;
		else
			return c->nzones == 1 ? &c->zones[0] : NULL;
	}
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		n--;
	for (i = 0; i < c->nzones; i++)
		if (strlen(c->zones[i].name) == n && strncasecmp(c->zones[i].name, name, n) == 0)
			return &c->zones[i];
	return NULL;
}
