/* Prometheus metrics: worker counters summed at scrape time, store gauges, served by libmicrohttpd. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_impl.h"

/* Upper bounds of the latency buckets, in ns (metrics_http.c writes them as le=""). */
static const uint64_t bucket_ns[METRICS_NBUCKETS] = {
	10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 100000000,
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
	if (action != MA_ACL_DROP && action != MA_RRL_DROP && rcode == 0)
		metrics_add(&z->noerror, 1);
	else if (action != MA_ACL_DROP && action != MA_RRL_DROP && rcode == 3)
		metrics_add(&z->nxdomain, 1);
	if (lookup == ML_HIT)
		metrics_add(&z->hits, 1);
	else if (lookup == ML_MISS)
		metrics_add(&z->misses, 1);
}

void
metrics_count_bytes(struct metrics_worker *w, uint16_t zone, size_t in, size_t out)
{
	struct metrics_zone_ctr *z = &w->zone[zone <= STORE_MAX_ZONES ? zone : 0];

	metrics_add(&z->bytes_in, in);
	metrics_add(&z->bytes_out, out);
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
metrics_watch_keys(struct metrics *m, const struct keyuse_set *k)
{
	m->keys = k;
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
void
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
