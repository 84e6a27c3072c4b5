/* NOTIFY (RFC 1996) rounds per zone: coalesced, signed when keyed, retried until acknowledged. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "dns.h"
#include "log.h"
#include "notify.h"
#include "timeutil.h"
#include "wire.h"
#include "xfr.h"
#include "zonetab.h"


struct target {
	const struct conf_notify *cn;
	const struct tsig_key *key;
	bool active;			/* a NOTIFY waits for its acknowledgement */
	uint16_t id;
	struct tsig_ctx tsig;		/* the last NOTIFY's signature: its reply must chain on it */
	uint32_t serial;
	unsigned tries;
	uint64_t next_ms;
};

struct nzone {
	const struct zt_zone *z;
	struct target *t;
	size_t nt;
	bool announced;			/* SERIAL went out in a round */
	uint32_t serial;
	uint64_t round_ms;		/* when the last round began */
};

struct notify {
	const struct zonetab *zt;
	struct nzone *zones;
	size_t nzones;
};

struct notify *
notify_new(const struct conf *c, const struct zonetab *zt, const struct tsig_keyring *kr)
{
	struct notify *n;
	size_t i, k;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if (zt->nzones > 0 && (n->zones = calloc(zt->nzones, sizeof(*n->zones))) == NULL)
		goto fail;
	n->nzones = zt->nzones;
	n->zt = zt;
	for (i = 0; i < zt->nzones; i++) {
		const struct conf_zone *cz = conf_zone(c, zt->zones[i].name);
		struct nzone *nz = &n->zones[i];

		nz->z = &zt->zones[i];
		if (cz == NULL || cz->server->nnotify == 0)
			continue;
		if ((nz->t = calloc(cz->server->nnotify, sizeof(*nz->t))) == NULL)
			goto fail;
		nz->nt = cz->server->nnotify;
		for (k = 0; k < cz->server->nnotify; k++) {
			nz->t[k].cn = &cz->server->notify[k];
			if (cz->server->notify[k].key != NULL)
				nz->t[k].key = tsig_keyring_find(kr, cz->server->notify[k].key->name);
		}
	}
	return n;
fail:
	notify_free(n);
	return NULL;
}

void
notify_free(struct notify *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nzones; i++)
		free(n->zones[i].t);
	free(n->zones);
	free(n);
}

int
notify_wants(const struct notify *n, int af)
{
	size_t i, k;

	for (i = 0; i < n->nzones; i++)
		for (k = 0; k < n->zones[i].nt; k++)
			if (n->zones[i].t[k].cn->sa.ss_family == af)
				return 1;
	return 0;
}

/* RFC 1996 s3.7: the question is the zone's SOA, the answer a hint of the new one. */
static size_t
build(const struct nzone *nz, struct target *t, uint8_t *buf, size_t cap)
{
	const struct zt_zone *z = nz->z;
	uint8_t rd[2 * ZT_NAMELEN + 24];
	size_t rdlen = xfr_apex_rdata(&z->rrs[0], t->serial, rd, sizeof(rd));
	struct wire w;

	wire_init(&w, buf, cap);
	wire_u16(&w, t->id);
	wire_u8(&w, (uint8_t)(DNS_OP_NOTIFY << 3 | DNS_F_AA));
	wire_u8(&w, 0);
	wire_u16(&w, 1);
	wire_u16(&w, 1);
	wire_u16(&w, 0);
	wire_u16(&w, 0);
	wire_mem(&w, z->apex, z->apexlen);
	wire_u16(&w, DNS_T_SOA);
	wire_u16(&w, DNS_CLASS_IN);
	wire_u16(&w, DNS_PTR | DNS_QNAME);
	wire_u16(&w, DNS_T_SOA);
	wire_u16(&w, DNS_CLASS_IN);
	wire_u32(&w, z->rrs[0].ttl);
	wire_u16(&w, (uint16_t)rdlen);
	wire_mem(&w, rd, rdlen);
	if (w.err || rdlen == 0)
		return 0;
	if (t->key != NULL) {
		tsig_ctx_request(&t->tsig, t->key);
		if (tsig_sign(&t->tsig, buf, &w.len, cap, 0, time_now()) != 0)
			return 0;
	}
	return w.len;
}

void
notify_tick(struct notify *n, struct store_reader *rd, uint64_t now_ms, notify_send_fn send,
    void *arg)
{
	uint8_t buf[1024];
	size_t i, k, len;

	for (i = 0; i < n->nzones; i++) {
		struct nzone *nz = &n->zones[i];
		uint32_t serial;

		if (nz->nt == 0)
			continue;
		/* An aggregate's serial moves with its members' commits (xfr_aggregate.c). */
		serial = xfr_zone_serial(n->zt, i, rd);
		/* A new serial starts a round, but bursts of commits make one round a second. */
		if ((!nz->announced || serial != nz->serial) &&
		    (!nz->announced || now_ms - nz->round_ms >= NOTIFY_COALESCE_MS)) {
			nz->announced = true;
			nz->serial = serial;
			nz->round_ms = now_ms;
			for (k = 0; k < nz->nt; k++) {
				struct target *t = &nz->t[k];

				t->active = true;
				t->serial = serial;
				t->tries = 0;
				t->next_ms = now_ms;
				if (getrandom(&t->id, sizeof(t->id), 0) != sizeof(t->id))
					t->id = (uint16_t)(now_ms * 2654435761u >> 16);
			}
		}
		for (k = 0; k < nz->nt; k++) {
			struct target *t = &nz->t[k];

			if (!t->active || now_ms < t->next_ms)
				continue;
			if (t->tries == NOTIFY_TRIES) {
				log_warnx("notify: %s serial %u: no answer from %s after %u tries",
				    nz->z->name, t->serial, t->cn->text, NOTIFY_TRIES);
				t->active = false;
				continue;
			}
			t->tries++;
			t->next_ms = now_ms + NOTIFY_RETRY_MS;
			if ((len = build(nz, t, buf, sizeof(buf))) > 0) {
				log_debug("notify: %s serial %u to %s (try %u)", nz->z->name,
				    t->serial, t->cn->text, t->tries);
				send(arg, (const struct sockaddr *)&t->cn->sa, t->cn->salen, buf, len);
			}
		}
	}
}

static bool
same_peer(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (b->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/*
 * RFC 1996 s4.7: a reply to the NOTIFY T is a response with opcode NOTIFY,
 * T's id, the zone's SOA as its question and, where T has a key, a TSIG
 * that verifies over our request's MAC.
 */
static bool
is_ack_of(const struct nzone *nz, const struct target *t, const struct dns_msg *m)
{
	return t->active && m->id == t->id && m->hasq && m->qtype == DNS_T_SOA &&
	    m->qclass == DNS_CLASS_IN && m->qnamelen == nz->z->apexlen &&
	    memcmp(m->lname, nz->z->apex, m->qnamelen) == 0 &&
	    (t->key == NULL || tsig_verify_reply(&t->tsig, m, time_now()) == TSIG_NOERROR);
}

bool
notify_ack(struct notify *n, const struct sockaddr *from, const uint8_t *pkt, size_t len)
{
	struct dns_msg m;
	size_t i, k;

	/* Only responses to NOTIFY: anything else on this socket is ignored, never answered. */
	if (len < DNS_HDRLEN || (pkt[2] & DNS_F_QR) == 0 || ((pkt[2] >> 3) & 0x0f) != DNS_OP_NOTIFY)
		return false;
	dns_parse(&m, pkt, len);
	if (!m.ok)
		return false;
	for (i = 0; i < n->nzones; i++) {
		for (k = 0; k < n->zones[i].nt; k++) {
			struct target *t = &n->zones[i].t[k];

			if (!same_peer(&t->cn->sa, from) || !is_ack_of(&n->zones[i], t, &m))
				continue;
			t->active = false;
			if ((pkt[3] & 0x0f) != 0)
				log_warnx("notify: %s serial %u: %s answered rcode %u",
				    n->zones[i].z->name, t->serial, t->cn->text, pkt[3] & 0x0f);
			else
				log_debug("notify: %s serial %u acknowledged by %s",
				    n->zones[i].z->name, t->serial, t->cn->text);
			return true;
		}
	}
	return false;
}
