/* Prometheus metrics: worker counters summed at scrape time, store gauges, served by libmicrohttpd. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "addr.h"
#include "log.h"
#include "metrics.h"
#include "presence.h"
#include "rb.h"

/*
 * Scrapers are few, but connections that never finish a request must not
 * keep them out: the limit leaves room for many such, one address may hold
 * only a quarter of it, and each is closed after HTTP_TIMEOUT seconds
 * without a byte.  A scrape's request arrives in one round trip.  Together
 * with the DNS side's 256 TCP connections this stays well inside the usual
 * 1024 descriptors.
 */
#define HTTP_MAX_CONNS 256
#define HTTP_MAX_PER_IP 64
#define HTTP_TIMEOUT 5		/* seconds a connection may be silent */
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Upper bounds of the latency buckets, in ns and as written in le="". */
static const uint64_t bucket_ns[METRICS_NBUCKETS] = {
	10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 100000000,
};
static const char *const bucket_le[METRICS_NBUCKETS] = {
	"1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005",
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.1",
};

static const char *const qtype_names[METRICS_NQTYPE] = {
	"A", "NS", "SOA", "TXT", "AAAA", "AXFR", "IXFR", "ANY", "other",
};
static const char *const rcode_names[METRICS_NRCODE] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "other",
};
static const char *const transport_names[2] = { "udp", "tcp" };

struct mzone {
	char *name;
	uint16_t id;
};

/* A zone's last entry count and the zone's state when it was taken. */
struct entries {
	bool valid;
	uint64_t seq;
	int64_t at;
	uint64_t n;
};

/* The last transfer of one zone to one secondary (by address: they connect from any port). */
struct xfr_row {
	uint16_t zone;
	uint16_t qtype;
	char peer[ADDR_STRLEN];
	int64_t last;
	uint64_t count;
};

/* One NOTIFY target of one zone. */
struct notify_row {
	char zone[256];
	char target[ADDR_STRLEN + 8];	/* "192.0.2.1:53", "[2001:db8::1]:53" */
	uint16_t id;			/* of the last NOTIFY sent */
	int64_t sent, acked;
	uint64_t nsent;
};

struct metrics {
	struct store *s;
	struct metrics_worker *w;
	unsigned nw;
	int64_t started;
	const atomic_uint *nconns;
	const struct presence *presence;

	pthread_mutex_t mu;		/* the zone list and the two tables */
	struct mzone *zones;
	size_t nzones;
	struct xfr_row xfr[METRICS_MAX_PEERS];
	size_t nxfr;
	struct notify_row nt[METRICS_MAX_PEERS];
	size_t nnt;

	pthread_mutex_t scrape_mu;	/* one scrape at a time: the reader and ENTRIES */
	struct store_reader rd;
	bool rd_init;
	struct entries entries[STORE_MAX_ZONES + 1];

	struct MHD_Daemon *d;
	unsigned port;
};

/* ---- Counting (workers) ---- */

enum metrics_qtype
metrics_qtype_index(uint16_t qtype)
{
	switch (qtype) {
	case 1: return MQ_A;
	case 2: return MQ_NS;
	case 6: return MQ_SOA;
	case 16: return MQ_TXT;
	case 28: return MQ_AAAA;
	case 251: return MQ_IXFR;
	case 252: return MQ_AXFR;
	case 255: return MQ_ANY;
	default: return MQ_OTHER;
	}
}

enum metrics_rcode
metrics_rcode_index(unsigned rcode)
{
	if (rcode <= 5)
		return (enum metrics_rcode)rcode;
	return rcode == 16 ? MR_BADVERS : MR_OTHER;
}

void
metrics_count(struct metrics_worker *w, unsigned transport, uint16_t qtype, unsigned rcode,
    uint16_t zone, enum metrics_lookup lookup, enum metrics_action action)
{
	struct metrics_zone_ctr *z;

	metrics_add(&w->queries[transport & 1], 1);
	if (action == MA_MALFORMED) {
		metrics_add(&w->action[MA_MALFORMED], 1);
		return;
	}
	if (qtype != 0)
		metrics_add(&w->qtype[metrics_qtype_index(qtype)], 1);
	if (action != MA_NONE)
		metrics_add(&w->action[action], 1);
	if (action != MA_ACL_DROP && action != MA_RRL_DROP)
		metrics_add(&w->rcode[metrics_rcode_index(rcode)], 1);
	z = &w->zone[zone <= STORE_MAX_ZONES ? zone : 0];
	metrics_add(&z->queries, 1);
	if (lookup == ML_HIT)
		metrics_add(&z->hits, 1);
	else if (lookup == ML_MISS)
		metrics_add(&z->misses, 1);
}

void
metrics_observe(struct metrics_worker *w, unsigned transport, uint64_t ns, uint64_t n)
{
	unsigned b;

	transport &= 1;
	for (b = 0; b < METRICS_NBUCKETS && ns > bucket_ns[b]; b++)
		;
	metrics_add(&w->lat[transport][b], n);
	metrics_add(&w->lat_sum_ns[transport], ns * n);
}

/* ---- Set-up ---- */

struct metrics *
metrics_new(struct store *s, unsigned nworkers)
{
	struct metrics *m;
	size_t size = sizeof(struct metrics_worker) * (nworkers > 0 ? nworkers : 1);

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	/* aligned_alloc wants a multiple of the alignment, which the struct's size is. */
	if ((m->w = aligned_alloc(alignof(struct metrics_worker), size)) == NULL) {
		free(m);
		return NULL;
	}
	memset(m->w, 0, size);
	m->s = s;
	m->nw = nworkers;
	m->started = (int64_t)time(NULL);
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->scrape_mu, NULL);
	return m;
}

static void
zones_clear(struct mzone *z, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(z[i].name);
	free(z);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->d != NULL)
		MHD_stop_daemon(m->d);
	if (m->rd_init)
		store_reader_fini(&m->rd);
	zones_clear(m->zones, m->nzones);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->scrape_mu);
	free(m->w);
	free(m);
}

struct metrics_worker *
metrics_worker(struct metrics *m, unsigned i)
{
	return &m->w[i];
}

int
metrics_set_zones(struct metrics *m, const char *const *names, const uint16_t *ids, size_t n)
{
	struct mzone *z, *old;
	size_t i, nold;

	if ((z = calloc(n > 0 ? n : 1, sizeof(*z))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if ((z[i].name = strdup(names[i])) == NULL) {
			zones_clear(z, i);
			return -ENOMEM;
		}
		z[i].id = ids[i];
	}
	pthread_mutex_lock(&m->mu);
	old = m->zones;
	nold = m->nzones;
	m->zones = z;
	m->nzones = n;
	pthread_mutex_unlock(&m->mu);
	zones_clear(old, nold);
	return 0;
}

void
metrics_watch_tcp(struct metrics *m, const atomic_uint *nconns)
{
	m->nconns = nconns;
}

void
metrics_watch_presence(struct metrics *m, const struct presence *p)
{
	m->presence = p;
}

/* ---- Transfers and NOTIFY (rare: under the mutex) ---- */

/* "192.0.2.1" (IPv4-mapped IPv6 as IPv4), and with WITH_PORT "192.0.2.1:53" / "[::1]:53". */
static void
peer_text(const struct sockaddr *sa, bool with_port, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	bool v6 = false;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, s6->sin6_addr.s6_addr + 12, host, sizeof(host));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			v6 = true;
		}
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		port = ntohs(s4->sin_port);
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
	}
	if (!with_port)
		snprintf(buf, len, "%s", host);
	else if (v6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
}

void
metrics_xfr_done(struct metrics *m, uint16_t zone, const struct sockaddr *peer, uint16_t qtype,
    int64_t when)
{
	char who[ADDR_STRLEN];
	struct xfr_row *r = NULL;
	size_t i;

	peer_text(peer, false, who, sizeof(who));
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nxfr && r == NULL; i++)
		if (m->xfr[i].zone == zone && m->xfr[i].qtype == qtype &&
		    strcmp(m->xfr[i].peer, who) == 0)
			r = &m->xfr[i];
	if (r == NULL && m->nxfr < METRICS_MAX_PEERS) {
		r = &m->xfr[m->nxfr++];
	} else if (r == NULL) {
		/* Full: the secondary heard from least recently makes room. */
		r = &m->xfr[0];
		for (i = 1; i < m->nxfr; i++)
			if (m->xfr[i].last < r->last)
				r = &m->xfr[i];
	}
	if (r->zone != zone || r->qtype != qtype || strcmp(r->peer, who) != 0) {
		memset(r, 0, sizeof(*r));
		r->zone = zone;
		r->qtype = qtype;
		snprintf(r->peer, sizeof(r->peer), "%s", who);
	}
	r->last = when;
	r->count++;
	pthread_mutex_unlock(&m->mu);
}

/* The question name of a DNS message as text, lower case, no trailing dot; false if none. */
static bool
qname_text(const uint8_t *pkt, size_t len, char *buf, size_t cap)
{
	size_t off = 12, o = 0;
	unsigned l, i;

	if (len < 12 || pkt[4] != 0 || pkt[5] != 1)
		return false;
	while (off < len && (l = pkt[off]) != 0) {
		if (l > 63 || off + 1 + l > len || o + l + 2 > cap)
			return false;
		if (o > 0)
			buf[o++] = '.';
		for (i = 0; i < l; i++) {
			uint8_t c = pkt[off + 1 + i];
			buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		}
		off += 1 + l;
	}
	if (off >= len)
		return false;
	buf[o] = '\0';
	return true;
}

void
metrics_notify_sent(struct metrics *m, const struct sockaddr *to, const uint8_t *pkt,
    size_t len, int64_t when)
{
	char zone[256], target[ADDR_STRLEN + 8];
	struct notify_row *r = NULL;
	size_t i;

	if (!qname_text(pkt, len, zone, sizeof(zone)))
		return;
	peer_text(to, true, target, sizeof(target));
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nnt && r == NULL; i++)
		if (strcmp(m->nt[i].zone, zone) == 0 && strcmp(m->nt[i].target, target) == 0)
			r = &m->nt[i];
	if (r == NULL) {
		if (m->nnt < METRICS_MAX_PEERS) {
			r = &m->nt[m->nnt++];
		} else {
			r = &m->nt[0];
			for (i = 1; i < m->nnt; i++)
				if (m->nt[i].sent < r->sent)
					r = &m->nt[i];
		}
		memset(r, 0, sizeof(*r));
		snprintf(r->zone, sizeof(r->zone), "%s", zone);
		snprintf(r->target, sizeof(r->target), "%s", target);
	}
	r->id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	r->sent = when;
	r->nsent++;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_notify_reply(struct metrics *m, const struct sockaddr *from, const uint8_t *pkt,
    size_t len, int64_t when)
{
	char zone[256], target[ADDR_STRLEN + 8];
	uint16_t id;
	size_t i;

	/* RFC 1996 s4.7: a response (QR), opcode NOTIFY, NOERROR, with the question. */
	if (len < 12 || (pkt[2] & 0x80) == 0 || ((pkt[2] >> 3) & 0x0f) != 4 ||
	    (pkt[3] & 0x0f) != 0 || !qname_text(pkt, len, zone, sizeof(zone)))
		return;
	id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	peer_text(from, true, target, sizeof(target));
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nnt; i++) {
		struct notify_row *r = &m->nt[i];
		if (r->id == id && strcmp(r->zone, zone) == 0 && strcmp(r->target, target) == 0) {
			r->acked = when;
			break;
		}
	}
	pthread_mutex_unlock(&m->mu);
}

/* ---- Rendering ---- */

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped (format 0.0.4). */
static void
label(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* NAME{KEY="VALUE"} N */
static void
sample1(FILE *f, const char *name, const char *key, const char *value, uint64_t n)
{
	fprintf(f, "%s{%s=\"", name, key);
	label(f, value);
	fprintf(f, "\"} %" PRIu64 "\n", n);
}

static uint64_t
get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Sum of the counter at OFFSET (bytes into struct metrics_worker) over every worker. */
static uint64_t
sum_at(const struct metrics *m, size_t offset)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < m->nw; i++)
		n += get((const _Atomic uint64_t *)((const char *)&m->w[i] + offset));
	return n;
}

#define SUM(m, field) sum_at((m), offsetof(struct metrics_worker, field))

static void
render_queries(struct metrics *m, FILE *f)
{
	unsigned i;

	head(f, "rbldb_queries_total", "counter", "DNS messages received, answered or not.");
	for (i = 0; i < 2; i++)
		sample1(f, "rbldb_queries_total", "transport", transport_names[i],
		    SUM(m, queries[i]));
	head(f, "rbldb_queries_qtype_total", "counter", "Queries by question type.");
	for (i = 0; i < METRICS_NQTYPE; i++)
		sample1(f, "rbldb_queries_qtype_total", "qtype", qtype_names[i], SUM(m, qtype[i]));
	head(f, "rbldb_responses_total", "counter", "Answers sent, by rcode.");
	for (i = 0; i < METRICS_NRCODE; i++)
		sample1(f, "rbldb_responses_total", "rcode", rcode_names[i], SUM(m, rcode[i]));
	head(f, "rbldb_dropped_total", "counter", "Queries left unanswered, by reason.");
	sample1(f, "rbldb_dropped_total", "reason", "acl", SUM(m, action[MA_ACL_DROP]));
	sample1(f, "rbldb_dropped_total", "reason", "rrl", SUM(m, action[MA_RRL_DROP]));
	sample1(f, "rbldb_dropped_total", "reason", "malformed", SUM(m, action[MA_MALFORMED]));
	head(f, "rbldb_acl_total", "counter", "Queries a query ACL rule decided, by action.");
	sample1(f, "rbldb_acl_total", "action", "drop", SUM(m, action[MA_ACL_DROP]));
	sample1(f, "rbldb_acl_total", "action", "refuse", SUM(m, action[MA_ACL_REFUSE]));
	sample1(f, "rbldb_acl_total", "action", "answer", SUM(m, action[MA_ACL_ANSWER]));
	head(f, "rbldb_rrl_total", "counter", "Answers response rate limiting held back, by action.");
	sample1(f, "rbldb_rrl_total", "action", "drop", SUM(m, action[MA_RRL_DROP]));
	sample1(f, "rbldb_rrl_total", "action", "truncate", SUM(m, action[MA_RRL_TRUNCATE]));
}

static void
render_latency(struct metrics *m, FILE *f)
{
	const char *name = "rbldb_query_duration_seconds";
	uint64_t cum;
	unsigned t, b;

	head(f, name, "histogram",
	    "Time from reading a query to sending its answer: per UDP batch, per TCP answer.");
	for (t = 0; t < 2; t++) {
		cum = 0;
		for (b = 0; b <= METRICS_NBUCKETS; b++) {
			cum += SUM(m, lat[t][b]);
			fprintf(f, "%s_bucket{transport=\"%s\",le=\"%s\"} %" PRIu64 "\n", name,
			    transport_names[t], b < METRICS_NBUCKETS ? bucket_le[b] : "+Inf", cum);
		}
		fprintf(f, "%s_sum{transport=\"%s\"} %.9f\n", name, transport_names[t],
		    (double)SUM(m, lat_sum_ns[t]) / 1e9);
		fprintf(f, "%s_count{transport=\"%s\"} %" PRIu64 "\n", name, transport_names[t], cum);
	}
}

static void
render_tcp(struct metrics *m, FILE *f)
{
	head(f, "rbldb_tcp_connections", "gauge", "TCP connections open now.");
	fprintf(f, "rbldb_tcp_connections %u\n", m->nconns != NULL ? atomic_load(m->nconns) : 0);
	head(f, "rbldb_tcp_accepted_total", "counter", "TCP connections accepted.");
	fprintf(f, "rbldb_tcp_accepted_total %" PRIu64 "\n", SUM(m, tcp_accepted));
	head(f, "rbldb_tcp_closed_total", "counter", "TCP connections closed, for any reason.");
	fprintf(f, "rbldb_tcp_closed_total %" PRIu64 "\n", SUM(m, tcp_closed));
	head(f, "rbldb_tcp_evicted_total", "counter",
	    "Idle TCP connections closed to make room under tcp-max-conns.");
	fprintf(f, "rbldb_tcp_evicted_total %" PRIu64 "\n", SUM(m, tcp_evicted));
	head(f, "rbldb_tcp_refused_total", "counter",
	    "TCP connections closed at once: the client was at tcp-max-conns-per-client, "
	    "or tcp-max-conns was reached with none idle.");
	fprintf(f, "rbldb_tcp_refused_total %" PRIu64 "\n", SUM(m, tcp_refused));
	head(f, "rbldb_querylog_dropped_total", "counter",
	    "Query log lines lost because the logger fell behind.");
	fprintf(f, "rbldb_querylog_dropped_total %" PRIu64 "\n", SUM(m, querylog_dropped));
}

static int
count_entry(void *arg, const struct listing *l)
{
	uint64_t *n = arg;

	/* Served entries only: listed, not yet expired (SPEC: expired ones are not served). */
	if (!(l->flags & LISTING_EXCEPTION) && (l->expires == 0 || l->expires > (uint32_t)n[1]))
		n[0]++;
	return 0;
}

static int
first_commit(void *arg, const struct journal_commit *c, const struct journal_change *ch)
{
	uint64_t *first = arg;

	(void)ch;
	*first = c->seq;
	return 1;	/* stop: only the oldest is wanted */
}

/* One zone's gauges, from the reader's snapshot; -1 lines when the store cannot say. */
struct zone_state {
	bool ok;
	struct store_zone sz;
	uint64_t entries;
	uint64_t journal;
};

static void
zone_state(struct metrics *m, uint16_t id, int64_t now, struct zone_state *zs)
{
	struct entries *e = &m->entries[id];
	uint64_t walk[2], first = 0;

	memset(zs, 0, sizeof(*zs));
	if (store_zone_get(&m->rd, id, &zs->sz) != 0)
		return;
	zs->ok = true;
	/* Entries that expire are removed by a commit within a minute, which moves seq. */
	if (!e->valid || (e->seq != zs->sz.seq && now - e->at >= METRICS_ENTRIES_EVERY)) {
		walk[0] = 0;
		walk[1] = (uint64_t)now;
		if (store_foreach(&m->rd, id, count_entry, walk) == 0) {
			e->valid = true;
			e->seq = zs->sz.seq;
			e->at = now;
			e->n = walk[0];
		}
	}
	zs->entries = e->n;
	store_journal(&m->rd, id, 0, first_commit, &first);
	if (first > 0 && zs->sz.seq >= first)
		zs->journal = zs->sz.seq - first + 1;
}

/* Labels zone="Z",KEY="V" of a table row. */
static void
labels2(FILE *f, const char *name, const char *zone, const char *key, const char *value)
{
	fprintf(f, "%s{zone=\"", name);
	label(f, zone);
	fprintf(f, "\",%s=\"", key);
	label(f, value);
	fputs("\"", f);
}

static const char *
zone_name(const struct mzone *z, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (z[i].id == id && z[i].name != NULL)
			return z[i].name;
	return NULL;
}

/* Transfers per secondary and NOTIFY per target, of the zones Z still served. */
static void
render_peers(struct metrics *m, FILE *f, const struct mzone *z, size_t n)
{
	const char *zn;
	size_t i;

	pthread_mutex_lock(&m->mu);
	head(f, "rbldb_xfr_last_timestamp_seconds", "gauge",
	    "When the last zone transfer to the secondary was sent whole (Unix time).");
	for (i = 0; i < m->nxfr; i++) {
		if ((zn = zone_name(z, n, m->xfr[i].zone)) == NULL)
			continue;
		labels2(f, "rbldb_xfr_last_timestamp_seconds", zn, "secondary", m->xfr[i].peer);
		fprintf(f, ",type=\"%s\"} %" PRId64 "\n",
		    qtype_names[metrics_qtype_index(m->xfr[i].qtype)], m->xfr[i].last);
	}
	head(f, "rbldb_xfr_total", "counter", "Zone transfers sent whole to the secondary.");
	for (i = 0; i < m->nxfr; i++) {
		if ((zn = zone_name(z, n, m->xfr[i].zone)) == NULL)
			continue;
		labels2(f, "rbldb_xfr_total", zn, "secondary", m->xfr[i].peer);
		fprintf(f, ",type=\"%s\"} %" PRIu64 "\n",
		    qtype_names[metrics_qtype_index(m->xfr[i].qtype)], m->xfr[i].count);
	}
	head(f, "rbldb_notify_sent_timestamp_seconds", "gauge",
	    "When the last NOTIFY went to the target (Unix time).");
	for (i = 0; i < m->nnt; i++) {
		labels2(f, "rbldb_notify_sent_timestamp_seconds", m->nt[i].zone, "target",
		    m->nt[i].target);
		fprintf(f, "} %" PRId64 "\n", m->nt[i].sent);
	}
	head(f, "rbldb_notify_acked_timestamp_seconds", "gauge",
	    "When the target last acknowledged the NOTIFY sent to it (Unix time).");
	for (i = 0; i < m->nnt; i++) {
		if (m->nt[i].acked == 0)
			continue;
		labels2(f, "rbldb_notify_acked_timestamp_seconds", m->nt[i].zone, "target",
		    m->nt[i].target);
		fprintf(f, "} %" PRId64 "\n", m->nt[i].acked);
	}
	head(f, "rbldb_notify_sent_total", "counter", "NOTIFY messages sent to the target, retries included.");
	for (i = 0; i < m->nnt; i++) {
		labels2(f, "rbldb_notify_sent_total", m->nt[i].zone, "target", m->nt[i].target);
		fprintf(f, "} %" PRIu64 "\n", m->nt[i].nsent);
	}
	pthread_mutex_unlock(&m->mu);
}

static void
render_zones(struct metrics *m, FILE *f, int64_t now)
{
	struct zone_state *st = NULL;
	struct mzone *z;
	size_t i, n;
	bool rd = false;

	/* Copied under the lock, so a reload may replace the list meanwhile. */
	pthread_mutex_lock(&m->mu);
	n = m->nzones;
	z = calloc(n > 0 ? n : 1, sizeof(*z));
	st = calloc(n > 0 ? n : 1, sizeof(*st));
	for (i = 0; z != NULL && i < n; i++) {
		z[i].id = m->zones[i].id;
		z[i].name = strdup(m->zones[i].name);
	}
	pthread_mutex_unlock(&m->mu);
	if (z == NULL || st == NULL)
		goto out;

	if (!m->rd_init && store_reader_init(m->s, &m->rd) == 0)
		m->rd_init = true;
	if (m->rd_init && store_reader_refresh(&m->rd) == 0)
		rd = true;
	for (i = 0; rd && i < n; i++)
		if (z[i].name != NULL && z[i].id <= STORE_MAX_ZONES)
			zone_state(m, z[i].id, now, &st[i]);
	if (m->rd_init)
		store_reader_release(&m->rd);

	head(f, "rbldb_zone_queries_total", "counter", "Queries for names in the zone.");
	for (i = 0; i < n; i++)
		if (z[i].name != NULL)
			sample1(f, "rbldb_zone_queries_total", "zone", z[i].name,
			    SUM(m, zone[z[i].id].queries));
	head(f, "rbldb_zone_hits_total", "counter", "DNSBL lookups that found the address listed.");
	for (i = 0; i < n; i++)
		if (z[i].name != NULL)
			sample1(f, "rbldb_zone_hits_total", "zone", z[i].name,
			    SUM(m, zone[z[i].id].hits));
	head(f, "rbldb_zone_misses_total", "counter",
	    "DNSBL lookups that found the address not listed.");
	for (i = 0; i < n; i++)
		if (z[i].name != NULL)
			sample1(f, "rbldb_zone_misses_total", "zone", z[i].name,
			    SUM(m, zone[z[i].id].misses));
	head(f, "rbldb_zone_serial", "gauge", "SOA serial of the zone.");
	for (i = 0; i < n; i++)
		if (st[i].ok)
			sample1(f, "rbldb_zone_serial", "zone", z[i].name, st[i].sz.serial);
	head(f, "rbldb_zone_entries", "gauge",
	    "Listed entries served (a minute late at most while the zone changes).");
	for (i = 0; i < n; i++)
		if (st[i].ok)
			sample1(f, "rbldb_zone_entries", "zone", z[i].name, st[i].entries);
	head(f, "rbldb_zone_last_change_age_seconds", "gauge",
	    "Seconds since the last commit that changed the zone.");
	for (i = 0; i < n; i++)
		if (st[i].ok && st[i].sz.changed > 0)
			sample1(f, "rbldb_zone_last_change_age_seconds", "zone", z[i].name,
			    now > st[i].sz.changed ? (uint64_t)(now - st[i].sz.changed) : 0);
	head(f, "rbldb_zone_journal_commits", "gauge",
	    "Commits kept in the zone's IXFR journal.");
	for (i = 0; i < n; i++)
		if (st[i].ok)
			sample1(f, "rbldb_zone_journal_commits", "zone", z[i].name, st[i].journal);
	head(f, "rbldb_zone_presence_marked", "gauge",
	    "IPv4 /24s marked in the zone's presence map: those with entries, and those "
	    "whose entries went since the start.");
	for (i = 0; m->presence != NULL && i < n; i++)
		if (z[i].name != NULL && z[i].id < STORE_MAX_ZONES &&
		    m->presence->maps[z[i].id] != NULL)
			sample1(f, "rbldb_zone_presence_marked", "zone", z[i].name,
			    presence_marked(m->presence, z[i].id));
	render_peers(m, f, z, n);
out:
	for (i = 0; z != NULL && i < n; i++)
		free(z[i].name);
	free(z);
	free(st);
}

int
metrics_render(struct metrics *m, int64_t now, char **out, size_t *outlen)
{
	uint64_t file = 0, map = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	*out = NULL;
	*outlen = 0;
	pthread_mutex_lock(&m->scrape_mu);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		pthread_mutex_unlock(&m->scrape_mu);
		return -errno;
	}
	head(f, "rbldb_start_time_seconds", "gauge", "When the server started (Unix time).");
	fprintf(f, "rbldb_start_time_seconds %" PRId64 "\n", m->started);
	render_queries(m, f);
	render_latency(m, f);
	render_tcp(m, f);
	render_zones(m, f, now);
	if (store_size(m->s, &file, &map) == 0) {
		head(f, "rbldb_store_file_bytes", "gauge", "Size of the store's data file.");
		fprintf(f, "rbldb_store_file_bytes %" PRIu64 "\n", file);
		head(f, "rbldb_store_map_bytes", "gauge",
		    "The store's map size: the most the data file may grow to.");
		fprintf(f, "rbldb_store_map_bytes %" PRIu64 "\n", map);
	}
	pthread_mutex_unlock(&m->scrape_mu);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* ---- HTTP (libmicrohttpd) ---- */

/* libmicrohttpd's own messages: details of what metrics_listen or a scrape reports. */
static void
http_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("metrics: %s", msg);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type, char *body, size_t len,
    enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if ((r = MHD_create_response_from_buffer(len, body, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /metrics; anything else is 404 or 405. */
static enum MHD_Result
http_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "only GET and HEAD\n";
	struct metrics *m = cls;
	char *body;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
		    sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
		    sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (metrics_render(m, (int64_t)time(NULL), &body, &len) != 0)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, CONTENT_TYPE, body, len, MHD_RESPMEM_MUST_FREE);
}

int
metrics_listen(struct metrics *m, const struct sockaddr *sa, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	/* One thread polling every connection (epoll): a silent one blocks nothing. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	char where[ADDR_STRLEN + 8];

	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, http_request, m,
	    MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT,
	    MHD_OPTION_END);
	if (m->d == NULL) {
		peer_text(sa, true, where, sizeof(where));
		snprintf(err, errlen, "metrics %s: cannot listen (%s)", where,
		    errno != 0 ? strerror(errno) : "libmicrohttpd failed");
		return errno != 0 ? -errno : -EINVAL;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info != NULL ? info->port : 0;
	return 0;
}

unsigned
metrics_port(const struct metrics *m)
{
	return m->port;
}
