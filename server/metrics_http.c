/* The metrics endpoint: the text format rendered at scrape time, served by libmicrohttpd. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "presence.h"
#include "keyuse.h"
#include "rb.h"
#include "metrics_impl.h"

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

/* The latency buckets' upper bounds as written in le="" (bucket_ns in metrics.c). */
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

/*
 * Keyed access: per key, summed over the workers.  A key is named by the
 * first 4 octets of its label and the store's keyed hash, never in full.
 */
static void
render_keys(struct metrics *m, FILE *f)
{
	static const struct { const char *name, *help; size_t off; } c[] = {
		{ "rbldb_key_queries_total", "Queries answered under a key, by key.",
		    offsetof(struct keyuse_slot, queries) },
		{ "rbldb_key_hits_total", "Of those, queries of a listed name.",
		    offsetof(struct keyuse_slot, hits) },
		{ "rbldb_key_refusals_total", "Queries of a key refused: disabled, not for "
		    "the zone, or over its limits.", offsetof(struct keyuse_slot, refusals) },
	};
	const struct keyuse_set *ks = m->keys;
	const struct keyuse_slot *s, *o;
	uint64_t h, n;
	unsigned k, i, j, w;
	bool seen;

	if (ks == NULL)
		return;
	for (k = 0; k < RB_ARRAY_LEN(c); k++) {
		head(f, c[k].name, "counter", c[k].help);
		for (w = 0; w < ks->n; w++) {
			for (i = 0; i < KEYUSE_SLOTS; i++) {
				s = &ks->t[w]->slot[i];
				if ((h = atomic_load_explicit(&s->hash, memory_order_acquire)) == 0)
					continue;
				for (j = 0, seen = false; j < w && !seen; j++)
					seen = keyuse_slot(ks->t[j], h, NULL, false) != NULL;
				if (seen)
					continue;
				for (j = w, n = 0; j < ks->n; j++)
					if ((o = keyuse_slot(ks->t[j], h, NULL, false)) != NULL)
						n += get((const _Atomic uint64_t *)((const char *)o +
						    c[k].off));
				fprintf(f, "%s{key=\"", c[k].name);
				for (j = 0; j < KEYUSE_PREFIX && s->prefix[j] != '\0'; j++)
					fputc(isalnum((unsigned char)s->prefix[j]) || s->prefix[j] == '-' ?
					    s->prefix[j] : '?', f);
				fprintf(f, "\",hash=\"%016" PRIx64 "\"} %" PRIu64 "\n", h, n);
			}
		}
	}
}

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

static void
render_udp(struct metrics *m, FILE *f)
{
	head(f, "rbldb_udp_batch_pauses_total", "counter",
	    "Pauses of udp-batch-wait: a loaded worker waiting to answer a batch.");
	fprintf(f, "rbldb_udp_batch_pauses_total %" PRIu64 "\n", SUM(m, udp_pauses));
	head(f, "rbldb_udp_batch_pause_seconds_total", "counter",
	    "Time spent in those pauses.");
	fprintf(f, "rbldb_udp_batch_pause_seconds_total %.6f\n", (double)SUM(m, udp_pause_ns) / 1e9);
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

/* The gauges of zone state ST[i] (read from the store) for Z[i], N of them. */
static void
render_zone_state(FILE *f, const struct mzone *z, const struct zone_state *st, size_t n,
    int64_t now)
{
	size_t i;

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
}

/* Per zone and over all (zone "*", outside every zone too): rbldnsd's -s statistics. */
static void
render_zone_answers(struct metrics *m, FILE *f, const struct mzone *z, size_t n)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
		{ "rbldb_zone_noerror_total", "Answers sent NOERROR.",
		    offsetof(struct metrics_zone_ctr, noerror) },
		{ "rbldb_zone_nxdomain_total", "Answers sent NXDOMAIN.",
		    offsetof(struct metrics_zone_ctr, nxdomain) },
		{ "rbldb_zone_bytes_in_total", "Octets of the queries answered.",
		    offsetof(struct metrics_zone_ctr, bytes_in) },
		{ "rbldb_zone_bytes_out_total", "Octets of the answers sent.",
		    offsetof(struct metrics_zone_ctr, bytes_out) },
	};
	size_t i, k, zi, base;
	uint64_t all;

	for (k = 0; k < RB_ARRAY_LEN(fam); k++) {
		head(f, fam[k].name, "counter", fam[k].help);
		for (i = 0; i < n; i++) {
			if (z[i].name == NULL || z[i].id > STORE_MAX_ZONES)
				continue;
			base = offsetof(struct metrics_worker, zone) +
			    z[i].id * sizeof(struct metrics_zone_ctr);
			sample1(f, fam[k].name, "zone", z[i].name, sum_at(m, base + fam[k].off));
		}
		for (zi = 0, all = 0; zi <= STORE_MAX_ZONES; zi++)
			all += sum_at(m, offsetof(struct metrics_worker, zone) +
			    zi * sizeof(struct metrics_zone_ctr) + fam[k].off);
		sample1(f, fam[k].name, "zone", "*", all);
	}
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
	render_zone_answers(m, f, z, n);
	render_zone_state(f, z, st, n, now);
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
	render_udp(m, f);
	render_keys(m, f);
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
