/* Zone transfers: access (allow-transfer), jobs with a producer thread, messages, AXFR; IXFR is ixfr.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf_server.h"
#include "log.h"
#include "rb.h"
#include "store.h"
#include "timeutil.h"
#include "xfr_impl.h"

/* ---- Small wire helpers ---- */

bool
serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) < 0;	/* RFC 1982 s3.2 */
}

/* ---- Messages of a transfer ---- */

static void
msg_start(struct xfr_job *j)
{
	/* Room for the TSIG is kept from the start. */
	wire_init(&j->w, j->msg, MSGMAX - (j->sign ? TSIG_RR_MAX : 0));
	wire_mem(&j->w, j->id, 2);
	wire_u8(&j->w, (uint8_t)(DNS_F_QR | DNS_F_AA | (j->flags & DNS_F_RD)));
	wire_u8(&j->w, 0);
	/* RFC 5936 s2.2.1: the question in every message keeps the apex pointer valid. */
	wire_u16(&j->w, 1);
	wire_u16(&j->w, 0);
	wire_u16(&j->w, 0);
	wire_u16(&j->w, 0);
	wire_mem(&j->w, j->question, j->qlen);
	j->an = 0;
}

/* Hand the finished message to the consumer, waiting while the queue is full. */
static int
msg_push(struct xfr_job *j)
{
	struct xmsg *m;
	size_t len = j->w.len;

	if (j->sign && tsig_sign(&j->tsig, j->msg, &len, MSGMAX, 0, time_now()) != 0)
		return -ENOSPC;
	pthread_mutex_lock(&j->mu);
	while (j->count == XFR_QUEUE && !atomic_load(&j->abandoned))
		pthread_cond_wait(&j->cv, &j->mu);
	if (atomic_load(&j->abandoned)) {
		pthread_mutex_unlock(&j->mu);
		return -ECANCELED;
	}
	m = &j->q[(j->head + j->count) % XFR_QUEUE];
	memcpy(m->buf, j->msg, len);
	m->len = len;
	j->count++;
	j->pushed = true;
	if (j->wake != NULL)
		j->wake(j->wake_arg);
	pthread_mutex_unlock(&j->mu);
	j->nmsg++;
	j->nbytes += len;
	return 0;
}

int
msg_flush(struct xfr_job *j)
{
	int rc;

	wire_set_u16(&j->w, 6, j->an);
	if ((rc = msg_push(j)) != 0)
		return rc;
	msg_start(j);
	return 0;
}

/* One record: OWNER labels above the apex (none for the apex itself), then the apex pointer. */
static int
put_rr(struct xfr_job *j, const uint8_t *owner, size_t ownerlen, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t rdlen)
{
	size_t need = ownerlen + 2 + 10 + rdlen;
	int rc;

	if (atomic_load(&j->abandoned))
		return -ECANCELED;
	if (j->an > 0 && (j->w.len + need > XFR_MSG_TARGET || j->an == 0xffff) &&
	    (rc = msg_flush(j)) != 0)
		return rc;
	wire_mem(&j->w, owner, ownerlen);
	wire_u16(&j->w, PTR_APEX);
	wire_u16(&j->w, type);
	wire_u16(&j->w, DNS_CLASS_IN);
	wire_u32(&j->w, ttl);
	wire_u16(&j->w, (uint16_t)rdlen);
	wire_mem(&j->w, rdata, rdlen);
	if (j->w.err)
		return -EMSGSIZE;
	j->an++;
	j->nrr++;
	return 0;
}

size_t
xfr_apex_rdata(const struct zt_rr *rr, uint32_t serial, uint8_t *buf, size_t cap)
{
	struct wire w;
	unsigned k;

	wire_init(&w, buf, cap);
	for (k = 0; k < rr->nnames; k++) {
		wire_mem(&w, rr->names[k].wire, rr->names[k].len);
		if (rr->names[k].rel)
			wire_u16(&w, PTR_APEX);
	}
	if (rr->type == DNS_T_SOA) {
		wire_u32(&w, serial);
		wire_mem(&w, rr->tail + 4, (size_t)rr->taillen - 4);
	} else {
		wire_mem(&w, rr->tail, rr->taillen);
	}
	return w.err ? 0 : w.len;
}

int
put_soa(struct xfr_job *j, uint32_t serial)
{
	const struct zt_zone *z = &j->x->zt->zones[j->zi];
	uint8_t rd[2 * ZT_NAMELEN + 24];
	size_t n = xfr_apex_rdata(&z->rrs[0], serial, rd, sizeof(rd));

	return put_rr(j, NULL, 0, DNS_T_SOA, z->rrs[0].ttl, rd, n);
}

/* The apex records but the SOA, which opens and closes the transfer. */
static int
put_apex(struct xfr_job *j)
{
	const struct zt_zone *z = &j->x->zt->zones[j->zi];
	uint8_t rd[MSGMAX];
	size_t i, n;
	int rc;

	for (i = 1; i < z->nrrs; i++) {
		if (z->rrs[i].type == DNS_T_SOA)
			continue;
		n = xfr_apex_rdata(&z->rrs[i], 0, rd, sizeof(rd));
		if ((rc = put_rr(j, NULL, 0, z->rrs[i].type, z->rrs[i].ttl, rd, n)) != 0)
			return rc;
	}
	return 0;
}

int
put_mapped(void *arg, const struct zonemap_rr *rr)
{
	return put_rr(arg, rr->wire, rr->wirelen, rr->type, rr->ttl, rr->rdata, rr->rdlen);
}

/*
 * The transfer is a pure function of the serial: entries past their
 * lifetime stay until the commit that expires them (rbldbd's own, at least
 * once a minute) moves the serial, so an IXFR can always rebuild what an
 * earlier transfer sent.  Hence NOW 0.
 */
void
map_src(struct xfr_job *j, struct zonemap_src *src, const struct listing *e, size_t n)
{
	memset(src, 0, sizeof(*src));
	src->cz = j->x->cz[j->zi];
	src->rd = &j->rd;
	src->zone = j->x->zt->zones[j->zi].id;
	src->now = 0;
	src->entries = e;
	src->nentries = n;
}

/*
 * Keyed access for a secondary that serves keys (allow-transfer ...
 * serve-keys): KEY.ZONE DNAME ZONE for each enabled key the zone takes
 * (RFC 6672), so that ADDR.KEY.ZONE is answered as ADDR.ZONE.  The
 * secondary keeps no quota and counts nothing; a key disabled or removed
 * leaves it with the next transfer.
 */
#define T_DNAME 39	/* RFC 6672 */

static int
put_key_dname(void *arg, const struct store_key *k)
{
	struct xfr_job *j = arg;
	const struct zt_zone *z = &j->x->zt->zones[j->zi];
	uint8_t owner[1 + STORE_KEY_MAX];
	size_t len = strlen(k->label);

	if (k->disabled || !store_key_allows(k, z->id))
		return 0;
	owner[0] = (uint8_t)len;
	memcpy(owner + 1, k->label, len);
	return put_rr(j, owner, 1 + len, T_DNAME, z->ttl, z->apex, z->apexlen);
}

/* RFC 5936 s2.2: SOA, every other record, SOA; from the job's one snapshot. */
int
axfr_run(struct xfr_job *j)
{
	bool aggregate = j->x->zt->zones[j->zi].kind == ZONE_KIND_AGGREGATE;
	struct zonemap_src src;
	int rc;

	map_src(j, &src, NULL, 0);
	if ((rc = put_soa(j, j->sz.serial)) != 0 || (rc = put_apex(j)) != 0 ||
	    (rc = aggregate ? xfr_aggregate_map(j) : zonemap_zone(&src, put_mapped, j)) != 0 ||
	    (j->serve_keys && (rc = store_key_walk(&j->rd, put_key_dname, j)) != 0) ||
	    (rc = put_soa(j, j->sz.serial)) != 0)
		return rc;
	return msg_flush(j);
}

/* ---- Jobs ---- */

static void
job_release(struct xfr_job *j)
{
	bool last;

	pthread_mutex_lock(&j->mu);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void *
producer(void *arg)
{
	struct xfr_job *j = arg;
	struct xfr *x = j->x;
	const char *kind = "AXFR";
	int rc;

	msg_start(j);
	/*
	 * Key changes move no serial, so the journal has none: a secondary that
	 * serves keys gets the whole zone (RFC 1995 s4 allows it) every time.
	 */
	if (j->ixfr && x->zt->zones[j->zi].kind == ZONE_KIND_AGGREGATE)
		kind = ixfr_aggregate_run(j, &rc);
	else if (j->ixfr && !j->serve_keys)
		kind = ixfr_run(j, &rc);
	else
		rc = axfr_run(j);
	store_reader_fini(&j->rd);
	if (rc == 0) {
		log_info("xfr: %s %s serial %u to %s: %llu records, %llu messages, %llu bytes",
		    kind, x->zt->zones[j->zi].name, j->sz.serial, j->peer,
		    (unsigned long long)j->nrr, (unsigned long long)j->nmsg,
		    (unsigned long long)j->nbytes);
	} else if (rc == -ECANCELED) {
		/* The connection went first: the client left, or a deadline cut it off. */
		log_warnx("xfr: %s %s to %s abandoned, the connection closed (%llu records made)",
		    kind, x->zt->zones[j->zi].name, j->peer, (unsigned long long)j->nrr);
	} else {
		log_warnx("xfr: %s %s to %s failed: %s", kind, x->zt->zones[j->zi].name, j->peer,
		    rb_strerror(rc));
		/* RFC 5936 s2.2: an error before any record is a message of its own. */
		if (!j->pushed) {
			j->w.buf[3] = DNS_SERVFAIL;
			j->w.len = DNS_HDRLEN + j->qlen;
			j->an = 0;
			if (msg_push(j) == 0)
				rc = 0;
		}
	}
	pthread_mutex_lock(&j->mu);
	if (rc == 0)
		j->done = true;
	else
		j->failed = true;
	if (j->wake != NULL && !atomic_load(&j->abandoned))
		j->wake(j->wake_arg);
	pthread_mutex_unlock(&j->mu);
	job_release(j);

	pthread_mutex_lock(&x->mu);
	x->live--;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/* The client's address as a /32 or /128, IPv4-mapped IPv6 as IPv4. */
static void
peer_addr(const struct sockaddr *sa, struct addr *a)
{
	struct addr v6;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET6) {
		memset(&v6, 0, sizeof(v6));
		v6.fam = ADDR_V6;
		v6.plen = 128;
		memcpy(v6.a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		if (addr_is_v4mapped(&v6))
			addr_unmap(&v6, a);
		else
			*a = v6;
	} else {
		a->fam = ADDR_V4;
		a->plen = 32;
		memcpy(a->a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	}
}

/*
 * SPEC: allow-transfer items are alternatives; one must match the address
 * and, when it names a key, the request must be signed with that key.
 * Returns 0 when allowed, 1 when no item matches the address, 2 when items
 * match but none takes the request's key (or lack of one).
 */
static int
acl_check(const struct conf_zone *cz, const struct addr *peer, const struct tsig_key *key,
    bool *serve_keys)
{
	size_t i;
	int rc = 1;

	for (i = 0; i < cz->server->nallow_transfer; i++) {
		const struct conf_xfr_acl *a = &cz->server->allow_transfer[i];

		if (!addr_contains(&a->net, peer))
			continue;
		if (a->key == NULL || (key != NULL && strcmp(a->key->name, key->name) == 0)) {
			*serve_keys = a->serve_keys;
			return 0;
		}
		rc = 2;
	}
	return rc;
}

/* The client's SOA serial in an IXFR request's authority section (RFC 1995 s3); -1: none. */
static int
ixfr_client_serial(const struct dns_msg *m, uint32_t *serial)
{
	const uint8_t *p = m->pkt;
	size_t off = m->auth;

	if (m->nscount == 0 || off == 0 || dns_skip_name(p, m->len, &off) != 0 ||
	    m->len - off < 10 || wire_get_u16(p + off) != DNS_T_SOA)
		return -1;
	off += 10;
	if (dns_skip_name(p, m->len, &off) != 0 || dns_skip_name(p, m->len, &off) != 0 ||
	    m->len - off < 4)
		return -1;
	*serial = wire_get_u32(p + off);
	return 0;
}

/* Refused transfers are logged at most this often: a stranger can ask for them in a loop. */
static struct log_limit refused_log;

/*
 * The job of question M to zone ZI from WHO (signed with CTX when not
 * NULL; SERVE_KEYS: a secondary that serves keyed access).  NULL with *RCODE: no memory, or an IXFR without its SOA.
 */
static struct xfr_job *
job_new(struct xfr *x, int zi, const struct dns_msg *m, const struct tsig_ctx *ctx,
    const char *who, bool serve_keys, int *rcode)
{
	struct xfr_job *j;

	*rcode = DNS_SERVFAIL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->x = x;
	j->zi = (size_t)zi;
	j->id[0] = (uint8_t)(m->id >> 8);
	j->id[1] = (uint8_t)m->id;
	j->flags = m->flags;
	j->qlen = (size_t)m->qnamelen + 4;
	memcpy(j->question, m->pkt + DNS_QNAME, j->qlen);
	j->ixfr = m->qtype == DNS_T_IXFR;
	j->serve_keys = serve_keys && x->zt->zones[zi].keys != CONF_KEYS_OFF;
	memcpy(j->peer, who, sizeof(j->peer));
	if (ctx != NULL) {
		j->sign = true;
		j->tsig = *ctx;
	}
	if (j->ixfr && ixfr_client_serial(m, &j->client_serial) != 0) {
		free(j);
		*rcode = DNS_FORMERR;
		return NULL;
	}
	return j;
}

/*
 * Take job J's snapshot and start its producer, in the slot xfr_start
 * counted for it.  0, or DNS_SERVFAIL with J freed and its slot given back.
 */
static int
job_run(struct xfr *x, struct xfr_job *j)
{
	size_t zi = j->zi;
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	/* The snapshot is taken here, on the worker; MDB_NOTLS lets the producer use it. */
	if ((rc = store_reader_init(x->store, &j->rd)) != 0 ||
	    (rc = store_zone_get(&j->rd, x->zt->zones[zi].id, &j->sz)) != 0) {
		log_warnx("xfr: %s: %s", x->zt->zones[zi].name, rb_strerror(rc));
		goto fail;
	}
	/* An aggregate's serial moves with its members' (xfr_aggregate.c). */
	j->sz.serial = xfr_zone_serial(x->zt, zi, &j->rd);
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, producer, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		goto fail;
	}
	return 0;
fail:
	store_reader_fini(&j->rd);
	free(j);
	pthread_mutex_lock(&x->mu);
	x->live--;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return DNS_SERVFAIL;
}

int
xfr_start(struct xfr *x, const struct sockaddr *peer, const struct dns_msg *m,
    const struct tsig_ctx *ctx, struct xfr_job **job)
{
	const struct tsig_key *key = ctx != NULL ? ctx->key : NULL;
	struct xfr_job *j;
	struct addr pa;
	char who[ADDR_STRLEN];
	bool serve_keys = false;
	int zi, rc;

	*job = NULL;
	if (!m->hasq)
		return DNS_FORMERR;
	if ((zi = zonetab_find(x->zt, m->lname, m->qnamelen)) < 0 || x->cz[zi] == NULL)
		return DNS_REFUSED;
	peer_addr(peer, &pa);
	addr_format(&pa, who, sizeof(who));
	if ((rc = acl_check(x->cz[zi], &pa, key, &serve_keys)) != 0) {
		log_limited(&refused_log, "xfr: %s %s from %s refused (%s)",
		    m->qtype == DNS_T_IXFR ? "IXFR" : "AXFR", x->zt->zones[zi].name, who,
		    rc == 1 ? "no allow-transfer item for the address" :
		    key != NULL ? "key not allowed" : "unsigned, a key is needed");
		return DNS_REFUSED;
	}

	if ((j = job_new(x, zi, m, ctx, who, serve_keys, &rc)) == NULL)
		return rc;

	pthread_mutex_lock(&x->mu);
	rc = x->live >= XFR_MAX_JOBS ? -EBUSY : 0;
	if (rc == 0)
		x->live++;
	pthread_mutex_unlock(&x->mu);
	if (rc != 0) {
		log_limited(&refused_log, "xfr: %s to %s refused: %d transfers running",
		    x->zt->zones[zi].name, who, XFR_MAX_JOBS);
		free(j);
		return DNS_REFUSED;
	}
	if ((rc = job_run(x, j)) == 0)
		*job = j;
	return rc;
}

void
xfr_job_set_wake(struct xfr_job *j, void (*wake)(void *arg), void *arg)
{
	pthread_mutex_lock(&j->mu);
	j->wake = wake;
	j->wake_arg = arg;
	pthread_mutex_unlock(&j->mu);
}

enum xfr_next_result
xfr_next(struct xfr_job *j, uint8_t *out, size_t cap, size_t *len)
{
	enum xfr_next_result r;
	struct xmsg *m;

	pthread_mutex_lock(&j->mu);
	if (j->count > 0) {
		m = &j->q[j->head];
		r = XFR_FAIL;
		if (m->len <= cap) {
			memcpy(out, m->buf, m->len);
			*len = m->len;
			r = XFR_MSG;
		}
		j->head = (j->head + 1) % XFR_QUEUE;
		j->count--;
		pthread_cond_signal(&j->cv);
	} else {
		r = j->failed ? XFR_FAIL : j->done ? XFR_END : XFR_AGAIN;
	}
	pthread_mutex_unlock(&j->mu);
	return r;
}

void
xfr_job_free(struct xfr_job *j)
{
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->mu);
	atomic_store(&j->abandoned, true);
	j->wake = NULL;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	job_release(j);
}

/* ---- Service ---- */

struct xfr *
xfr_new(const struct conf *c, const struct zonetab *zt, struct store *s,
    const struct tsig_keyring *kr)
{
	struct xfr *x;
	size_t i;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->cz = calloc(zt->nzones ? zt->nzones : 1, sizeof(*x->cz))) == NULL) {
		free(x);
		return NULL;
	}
	x->zt = zt;
	x->store = s;
	x->kr = kr;
	for (i = 0; i < zt->nzones; i++)
		x->cz[i] = conf_zone(c, zt->zones[i].name);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	return x;
}

void
xfr_free(struct xfr *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->mu);
	while (x->live > 0)
		pthread_cond_wait(&x->cv, &x->mu);
	pthread_mutex_unlock(&x->mu);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	free(x->cz);
	free(x);
}

/* ---- Journal bounds ---- */

struct cutoff {
	uint64_t seq;
	uint32_t max;
	int64_t oldest;
	uint64_t keep;
};

static int
cutoff_cb(void *arg, const struct journal_commit *c, const struct journal_change *ch)
{
	struct cutoff *k = arg;

	(void)ch;
	if ((k->max > 0 && c->seq + k->max <= k->seq) || (k->oldest > 0 && c->when < k->oldest))
		return 0;
	k->keep = c->seq;
	return WALK_STOP;
}

int
xfr_journal_cutoff(struct store_reader *r, uint16_t zone, uint64_t seq, uint32_t max,
    uint32_t age, int64_t now, uint64_t *keep)
{
	struct cutoff k = { seq, max, age > 0 ? now - (int64_t)age : 0, seq + 1 };
	int rc;

	if ((rc = store_journal(r, zone, 0, cutoff_cb, &k)) < 0 && rc != WALK_STOP)
		return rc;
	*keep = k.keep;
	return 0;
}

int
xfr_journal_trim(const struct xfr *x, struct store_wr *w, int64_t now, uint64_t *n)
{
	struct store_reader *r = store_wr_reader(w);
	struct store_zone sz;
	uint64_t keep, dropped;
	size_t i;
	int rc;

	*n = 0;
	for (i = 0; i < x->zt->nzones; i++) {
		const struct conf_zone *cz = x->cz[i];
		uint16_t id = x->zt->zones[i].id;

		if ((rc = store_zone_get(r, id, &sz)) != 0 ||
		    (rc = xfr_journal_cutoff(r, id, sz.seq, cz->server->journal_max,
		    cz->server->journal_age, now, &keep)) != 0 ||
		    (rc = store_journal_trim(w, id, keep, &dropped)) != 0)
			return rc;
		*n += dropped;
	}
	return 0;
}
