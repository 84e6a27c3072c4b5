/* rbldbd's part of the configuration: the [server] and [zone NAME] keys only the server reads. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf_acl.h"
#include "conf_parse.h"
#include "conf_server.h"
#include "conf_xfr.h"
#include "rb.h"
#include "timeutil.h"

/*
 * Without `listen` the server takes the standard DNS port on loopback only:
 * nothing is exposed until the operator says where to serve.
 */
#define CONF_DEFAULT_LISTEN "127.0.0.1:53"
#define CONF_MAX_THREADS 1024
#define CONF_DEFAULT_XFR_TIMEOUT 300		/* seconds one zone transfer may take */
#define CONF_DEFAULT_JOURNAL_MAX 10000		/* commits kept for IXFR */
#define CONF_DEFAULT_JOURNAL_AGE (7u * 86400)	/* and none older than this */
#define CONF_MAX_JOURNAL 100000000
#define CONF_DEFAULT_RRL_SLIP 2			/* as NSD, Knot, BIND: every 2nd limited answer */
#define CONF_MAX_RRL_RATE 10000			/* as RRL_MAX_RATE in server/rrl.h */
#define CONF_MAX_RRL_SLIP 100
/* rrl-rate / rrl-slip of a zone that does not set them: the [server] value. */
#define CONF_INHERIT UINT32_MAX
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

static int
nomem(struct conf_parse *p)
{
	return conf_fail(p, "out of memory");
}

static struct conf_server *
server(struct conf_parse *p)
{
	return conf_parse_conf(p)->server;
}

/* ---- [server] ---- */

static int
set_listen(struct conf_parse *p, const char *v)
{
	struct conf_server *s = server(p);
	const char *msg;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item)))
		if (conf_server_add_listen(&s->listen, &s->nlisten, item, &msg) != 0)
			return conf_fail(p, "%s '%s' (use ADDR:PORT or [IPV6]:PORT, e.g. "
			    "127.0.0.1:5300 [::1]:5300)", msg, item);
	return 0;
}

static int
set_threads(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_THREADS, &n))
		return conf_fail(p, "threads '%s' is not a number from 0 to %d (0 = one per core)",
		    v, CONF_MAX_THREADS);
	server(p)->threads = (unsigned)n;
	return 0;
}

static int
set_xfr_timeout(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p, "xfr-timeout '%s' is not a positive duration (use 90s, 5m)", v);
	server(p)->xfr_timeout = secs;
	return 0;
}

static int
set_user(struct conf_parse *p, const char *v)
{
	struct conf_server *s = server(p);

	free(s->user);
	s->user = NULL;
	if (*v != '\0' && (s->user = strdup(v)) == NULL)
		return nomem(p);
	return 0;
}

static int
set_chroot(struct conf_parse *p, const char *v)
{
	struct conf_server *s = server(p);

	free(s->chroot);
	s->chroot = NULL;
	if (*v != '\0' && (s->chroot = conf_resolve_path(conf_parse_conf(p), v)) == NULL)
		return nomem(p);
	return 0;
}

static int
set_rrl_exempt(struct conf_parse *p, const char *v)
{
	struct conf_server *s = server(p);
	struct addr a, *arr;
	const char *why = NULL;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item))) {
		if (addr_parse_cidr(item, &a, &why) != 0)
			return conf_fail(p,
			    "rrl-exempt '%s' is not an address or CIDR range: %s", item,
			    why != NULL ? why : "syntax error");
		if ((arr = conf_push(s->rrl_exempt, s->nrrl_exempt, sizeof(*arr))) == NULL)
			return nomem(p);
		s->rrl_exempt = arr;
		s->rrl_exempt[s->nrrl_exempt++] = a;
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
	server(p)->tcp_max_conns = (unsigned)n;
	return 0;
}

static int
set_tcp_max_conns_client(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_TCP_CONNS, &n))
		return conf_fail(p, "tcp-max-conns-per-client '%s' is not a number from 0 to %d "
		    "(0 = only tcp-max-conns)", v, CONF_MAX_TCP_CONNS);
	server(p)->tcp_max_conns_client = (unsigned)n;
	return 0;
}

static int
set_tcp_idle(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs == 0 || secs > 86400)
		return conf_fail(p,
		    "tcp-idle-timeout '%s' is not a duration from 1s to 1d (e.g. 10s)",
		    v);
	server(p)->tcp_idle = secs;
	return 0;
}

static int
set_tcp_message(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs == 0 || secs > 3600)
		return conf_fail(p,
		    "tcp-message-timeout '%s' is not a duration from 1s to 1h (e.g. 10s)",
		    v);
	server(p)->tcp_message = secs;
	return 0;
}

static int
set_tcp_max_queries(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_TCP_QUERIES, &n))
		return conf_fail(p,
		    "tcp-max-queries '%s' is not a number from 0 to %d (0 = no limit)",
		    v, CONF_MAX_TCP_QUERIES);
	server(p)->tcp_max_queries = (unsigned)n;
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
			server(p)->udp_batch_wait = (uint32_t)n;
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
	struct conf_server *s = server(p);
	const char *colon = strrchr(v, ':'), *bracket = strchr(v, ']');
	char buf[INET6_ADDRSTRLEN + 16];
	bool any = colon != NULL && strcmp(colon, ":0") == 0;

	memset(&s->metrics, 0, sizeof(s->metrics));
	s->metrics_len = 0;
	if (*v == '\0')
		return 0;
	/* conf_server_parse_sockaddr takes no port 0: parse port 1, then clear it. */
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(any ? colon - v : (ptrdiff_t)strlen(v)), v,
	    any ? ":1" : "");
	if (colon == NULL || (v[0] == '[' && (bracket == NULL || colon < bracket)) ||
	    (v[0] != '[' && strchr(v, ':') != colon) ||
	    conf_server_parse_sockaddr(buf, &s->metrics, &s->metrics_len) != 0) {
		memset(&s->metrics, 0, sizeof(s->metrics));
		return conf_fail(p, "metrics '%s' is not ADDR:PORT (e.g. 127.0.0.1:9153, "
		    "[::1]:9153; empty = off)", v);
	}
	if (any && s->metrics.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&s->metrics)->sin6_port = 0;
	else if (any)
		((struct sockaddr_in *)&s->metrics)->sin_port = 0;
	return 0;
}

static int
set_query_log(struct conf_parse *p, const char *v)
{
	struct conf_server *s = server(p);

	free(s->query_log);
	s->query_log = NULL;
	if (*v != '\0' && (s->query_log = conf_resolve_path(conf_parse_conf(p), v)) == NULL)
		return nomem(p);
	return 0;
}

/* query-log-format = rbldb | rbldnsd */
static int
set_query_log_format(struct conf_parse *p, const char *v)
{
	if (strcmp(v, "rbldb") == 0)
		server(p)->query_log_format = 0;
	else if (strcmp(v, "rbldnsd") == 0)
		server(p)->query_log_format = 1;
	else
		return conf_fail(p, "query-log-format '%s' is not rbldb or rbldnsd", v);
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
	struct conf_server *s = server(p);
	size_t n = strlen(v), i;
	int hi, lo;

	free(s->nsid);
	s->nsid = NULL;
	s->nsidlen = 0;
	if (n == 0)
		return 0;
	if (strncasecmp(v, "hex:", 4) == 0) {
		v += 4;
		n -= 4;
		if (n == 0 || n % 2 != 0 || n / 2 > CONF_MAX_NSID)
			return conf_fail(p,
			    "nsid 'hex:%s' needs an even number of hex digits, 2 to %d",
			    v, 2 * CONF_MAX_NSID);
		if ((s->nsid = malloc(n / 2)) == NULL)
			return nomem(p);
		for (i = 0; i < n / 2; i++) {
			if ((hi = hexval(v[2 * i])) < 0 || (lo = hexval(v[2 * i + 1])) < 0)
				return conf_fail(p,
				    "nsid 'hex:%s' has a character that is not a hex "
				    "digit", v);
			s->nsid[i] = (uint8_t)(hi << 4 | lo);
		}
		s->nsidlen = n / 2;
		return 0;
	}
	if (n > CONF_MAX_NSID)
		return conf_fail(p, "nsid is longer than %d octets", CONF_MAX_NSID);
	if ((s->nsid = malloc(n)) == NULL)
		return nomem(p);
	memcpy(s->nsid, v, n);
	s->nsidlen = n;
	return 0;
}

static int
set_syslog(struct conf_parse *p, const char *v)
{
	if (strcasecmp(v, "yes") == 0)
		server(p)->syslog = true;
	else if (strcasecmp(v, "no") == 0)
		server(p)->syslog = false;
	else
		return conf_fail(p, "syslog '%s' is not yes or no", v);
	return 0;
}

/* ---- [server] and [zone NAME]: rate limits (the query ACL key is conf_acl.c) ---- */

static int
set_rrl_rate(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_RRL_RATE, &n))
		return conf_fail(p,
		    "rrl-rate '%s' is not a number of answers per second from 0 to %d "
		    "(0 = no limit)", v, CONF_MAX_RRL_RATE);
	if (z == NULL)
		server(p)->rrl_rate = (uint32_t)n;
	else
		z->server->rrl_rate = (uint32_t)n;
	return 0;
}

static int
set_rrl_slip(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_RRL_SLIP, &n))
		return conf_fail(p, "rrl-slip '%s' is not a number from 0 to %d (every Nth limited "
		    "answer is sent truncated; 0 = none, 1 = all)", v, CONF_MAX_RRL_SLIP);
	if (z == NULL)
		server(p)->rrl_slip = (uint32_t)n;
	else
		z->server->rrl_slip = (uint32_t)n;
	return 0;
}

/* ---- [zone NAME] ---- */

static int
set_journal_max(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, CONF_MAX_JOURNAL, &n) || n == 0)
		return conf_fail(p, "journal-max '%s' is not a number of commits from 1 to %d", v,
		    CONF_MAX_JOURNAL);
	conf_parse_zone(p)->server->journal_max = (uint32_t)n;
	return 0;
}

static int
set_journal_age(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p, "journal-age '%s' is not a positive duration (use 12h, 7d)", v);
	conf_parse_zone(p)->server->journal_age = secs;
	return 0;
}

static int
set_keys(struct conf_parse *p, const char *v)
{
	static const char *const names[] = { "off", "allowed", "required" };
	struct conf_zone *z = conf_parse_zone(p);
	size_t k;

	for (k = 0; k < RB_ARRAY_LEN(names); k++)
		if (strcasecmp(v, names[k]) == 0) {
			if (z == NULL) {
				server(p)->zone_keys = (enum conf_keys)k;	/* every zone's default */
			} else {
				z->server->keys = (enum conf_keys)k;
				z->server->keys_set = true;
			}
			return 0;
		}
	return conf_fail(p, "keys '%s' is not off, allowed or required", v);
}

/*
 * refuse, nxdomain, or 127.X.Y.Z ["TEXT"]: what a key that may not ask
 * gets, into *REF, *CODE and *TEXT (replaced).
 */
static int
parse_key_refusal(struct conf_parse *p, const char *v, enum conf_key_refusal *ref,
    uint32_t *code, char **text_out)
{
	const char *orig = v;
	char tok[256], text[256] = "";
	struct addr a;
	bool quoted;
	int t;

	if (conf_acl_next_token(&v, tok, sizeof(tok), &quoted) <= 0 || quoted)
		goto bad;
	if (strcasecmp(tok, "refuse") == 0 || strcasecmp(tok, "nxdomain") == 0) {
		*ref = tok[0] == 'r' || tok[0] == 'R' ? CONF_KEYREF_REFUSE : CONF_KEYREF_NXDOMAIN;
	} else {
		if (addr_parse(tok, &a) != 0 || a.fam != ADDR_V4 || a.a[0] != 127)
			goto bad;
		*ref = CONF_KEYREF_ANSWER;
		*code = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 |
		    (uint32_t)a.a[2] << 8 | a.a[3];
		if ((t = conf_acl_next_token(&v, text, sizeof(text), &quoted)) < 0)
			return conf_fail(p, "key-refusal: a quoted text is not closed (end it with \")");
		if (t > 0 && !quoted)
			return conf_fail(p,
			    "key-refusal: put the answer's text in double quotes (\"%s ...\")", text);
		free(*text_out);
		*text_out = NULL;
		if (t > 0 && text[0] != '\0' && (*text_out = strdup(text)) == NULL)
			return nomem(p);
	}
	if (conf_acl_next_token(&v, tok, sizeof(tok), &quoted) != 0)
		return conf_fail(p, "key-refusal: '%s' after the answer", tok);
	return 0;
bad:
	return conf_fail(p, "key-refusal '%s' is not refuse, nxdomain or 127.X.Y.Z \"TEXT\" "
	    "(e.g. 127.255.255.254 \"key over quota\")", orig);
}

static int
set_key_refusal(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	struct conf_server *s = server(p);

	if (z == NULL)
		return parse_key_refusal(p, v, &s->key_refusal, &s->key_refusal_code,
		    &s->key_refusal_text);
	z->server->key_refusal_set = true;
	return parse_key_refusal(p, v, &z->server->key_refusal, &z->server->key_refusal_code,
	    &z->server->key_refusal_text);
}

/* HH:MM (UTC): when a quota day of keyed access starts. */
static int
set_key_day_start(struct conf_parse *p, const char *v)
{
	unsigned h, m;
	int n = 0;

	if (sscanf(v, "%2u:%2u%n", &h, &m, &n) != 2 || v[n] != '\0' || h > 23 || m > 59)
		return conf_fail(p, "key-day-start '%s' is not a time of day HH:MM in UTC "
		    "(e.g. 00:00, 06:30)", v);
	server(p)->key_day_start = h * 3600 + m * 60;
	return 0;
}

/* Zones that say nothing of keys take [server]'s keys and key-refusal. */
static int
inherit_keys(struct conf_parse *p, const struct conf_server *s, struct conf_zone_server *zs)
{
	if (!zs->keys_set)
		zs->keys = s->zone_keys;
	if (zs->key_refusal_set)
		return 0;
	zs->key_refusal = s->key_refusal;
	zs->key_refusal_code = s->key_refusal_code;
	if (s->key_refusal_text != NULL && (zs->key_refusal_text = strdup(s->key_refusal_text)) == NULL)
		return nomem(p);
	return 0;
}

/* ---- The hooks ---- */

static int
begin(struct conf_parse *p)
{
	struct conf_server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return nomem(p);
	s->rrl_slip = CONF_DEFAULT_RRL_SLIP;
	s->udp_batch_wait = CONF_DEFAULT_UDP_BATCH_WAIT;
	s->tcp_max_conns_client = CONF_DEFAULT_TCP_MAX_CLIENT;
	conf_parse_conf(p)->server = s;
	return 0;
}

static int
open_zone(struct conf_parse *p, struct conf_zone *z)
{
	struct conf_zone_server *zs;

	if ((zs = calloc(1, sizeof(*zs))) == NULL)
		return nomem(p);
	zs->journal_max = CONF_DEFAULT_JOURNAL_MAX;
	zs->journal_age = CONF_DEFAULT_JOURNAL_AGE;
	zs->rrl_rate = CONF_INHERIT;
	zs->rrl_slip = CONF_INHERIT;
	z->server = zs;
	return 0;
}

/* Key references first, as before the split; then the defaults of keys left out. */
static int
finish(struct conf_parse *p)
{
	struct conf *c = conf_parse_conf(p);
	struct conf_server *s = c->server;
	const char *msg;
	size_t i;

	if (conf_xfr_finish(p) != 0)
		return -1;
	if (s->nlisten == 0 &&
	    conf_server_add_listen(&s->listen, &s->nlisten, CONF_DEFAULT_LISTEN, &msg) != 0)
		return nomem(p);
	if (s->xfr_timeout == 0)
		s->xfr_timeout = CONF_DEFAULT_XFR_TIMEOUT;
	for (i = 0; i < c->nzones; i++) {
		struct conf_zone_server *zs = c->zones[i].server;

		if (zs->rrl_rate == CONF_INHERIT)
			zs->rrl_rate = s->rrl_rate;
		if (zs->rrl_slip == CONF_INHERIT)
			zs->rrl_slip = s->rrl_slip;
		if (inherit_keys(p, s, zs) != 0)
			return -1;
	}
	if (s->tcp_max_conns == 0)
		s->tcp_max_conns = CONF_DEFAULT_TCP_MAX_CONNS;
	if (s->tcp_idle == 0)
		s->tcp_idle = CONF_DEFAULT_TCP_IDLE;
	if (s->tcp_message == 0)
		s->tcp_message = CONF_DEFAULT_TCP_MESSAGE;
	/* Parsing is over: what conf_xfr.c kept for it goes. */
	conf_xfr_free_parse(s);
	return 0;
}

static void
free_server(struct conf *c)
{
	struct conf_server *s = c->server;
	size_t i;

	for (i = 0; i < c->nzones; i++) {
		struct conf_zone_server *zs = c->zones[i].server;

		if (zs == NULL)
			continue;
		free(zs->allow_transfer);
		free(zs->notify);
		conf_acl_free(zs->acl, zs->nacl);
		free(zs->key_refusal_text);
		free(zs);
		c->zones[i].server = NULL;
	}
	if (s == NULL)
		return;
	conf_xfr_free(s);
	free(s->listen);
	free(s->user);
	free(s->chroot);
	conf_acl_free(s->acl, s->nacl);
	free(s->rrl_exempt);
	free(s->query_log);
	free(s->nsid);
	free(s->key_refusal_text);
	free(s);
	c->server = NULL;
}

static const struct conf_hooks hooks = {
	.set = {
		[CONF_HOOK_LISTEN] = set_listen,
		[CONF_HOOK_THREADS] = set_threads,
		[CONF_HOOK_USER] = set_user,
		[CONF_HOOK_XFR_TIMEOUT] = set_xfr_timeout,
		[CONF_HOOK_CHROOT] = set_chroot,
		[CONF_HOOK_RRL_EXEMPT] = set_rrl_exempt,
		[CONF_HOOK_TCP_MAX_CONNS] = set_tcp_max_conns,
		[CONF_HOOK_TCP_MAX_CONNS_CLIENT] = set_tcp_max_conns_client,
		[CONF_HOOK_TCP_IDLE] = set_tcp_idle,
		[CONF_HOOK_TCP_MESSAGE] = set_tcp_message,
		[CONF_HOOK_TCP_MAX_QUERIES] = set_tcp_max_queries,
		[CONF_HOOK_UDP_BATCH_WAIT] = set_udp_batch_wait,
		[CONF_HOOK_METRICS] = set_metrics,
		[CONF_HOOK_QUERY_LOG] = set_query_log,
		[CONF_HOOK_QUERY_LOG_FORMAT] = set_query_log_format,
		[CONF_HOOK_NSID] = set_nsid,
		[CONF_HOOK_SYSLOG] = set_syslog,
		[CONF_HOOK_ACL] = conf_acl_set,
		[CONF_HOOK_RRL_RATE] = set_rrl_rate,
		[CONF_HOOK_RRL_SLIP] = set_rrl_slip,
		[CONF_HOOK_ALLOW_TRANSFER] = conf_xfr_set_allow_transfer,
		[CONF_HOOK_NOTIFY] = conf_xfr_set_notify,
		[CONF_HOOK_JOURNAL_MAX] = set_journal_max,
		[CONF_HOOK_JOURNAL_AGE] = set_journal_age,
		[CONF_HOOK_KEYS] = set_keys,
		[CONF_HOOK_KEY_REFUSAL] = set_key_refusal,
		[CONF_HOOK_KEY_DAY_START] = set_key_day_start,
		[CONF_HOOK_ALGORITHM] = conf_xfr_set_algorithm,
		[CONF_HOOK_SECRET] = conf_xfr_set_secret,
	},
	.begin = begin,
	.zone = open_zone,
	.key = conf_xfr_open_key,
	.value_end = conf_xfr_value_end,
	.finish = finish,
	.free = free_server,
};

struct conf *
conf_server_load(const char *path, char *err, size_t errlen)
{
	return conf_load(path, &hooks, err, errlen);
}
