/* Zone transfers and TSIG-signed queries: access, and AXFR/IXFR streams from a producer thread. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"
#include "dns.h"
#include "log.h"
#include "rb.h"
#include "timeutil.h"
#include "wire.h"
#include "xfr.h"
#include "zonemap.h"
#include "zonetab.h"

#define MSGMAX DNS_MSGMAX
#define PTR_APEX (DNS_PTR | DNS_QNAME)	/* the question name, which is the apex */
#define XFR_MAX_CHANGES 1000000	/* journalled changes past which a full transfer is cheaper */
#define XFR_MAX_REGIONS 4096	/* changed entries past which the whole zone is compared */
/* A journal callback's "enough": store_journal passes negative values back as they are. */
#define WALK_STOP (-EALREADY)

struct xfr {
	const struct zonetab *zt;
	struct store *store;
	const struct tsig_keyring *kr;
	const struct conf_zone **cz;	/* per zone of zt */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned live;			/* producer threads running */
};

struct xmsg {
	size_t len;
	uint8_t buf[MSGMAX];
};

struct xfr_job {
	struct xfr *x;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* room in the queue, or abandoned */
	struct xmsg q[XFR_QUEUE];
	unsigned head, count;
	bool done, failed;
	atomic_bool abandoned;
	int refs;			/* the consumer and the producer */
	void (*wake)(void *arg);
	void *wake_arg;

	/* The request. */
	uint8_t id[2], flags;
	uint8_t question[ZT_NAMELEN + 4];
	size_t qlen;
	bool ixfr;
	uint32_t client_serial;
	bool sign;
	struct tsig_ctx tsig;
	size_t zi;
	char peer[ADDR_STRLEN];
	struct store_reader rd;
	struct store_zone sz;

	/* The producer's message under construction, and totals for the log. */
	struct wire w;
	uint16_t an;
	bool pushed;
	uint64_t nrr, nmsg, nbytes;
	uint8_t msg[MSGMAX];
};

/* ---- Small wire helpers ---- */

static bool
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

static int
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

static int
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

static int
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
static void
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

/* RFC 5936 s2.2: SOA, every other record, SOA; from the job's one snapshot. */
static int
axfr_run(struct xfr_job *j)
{
	struct zonemap_src src;
	int rc;

	map_src(j, &src, NULL, 0);
	if ((rc = put_soa(j, j->sz.serial)) != 0 || (rc = put_apex(j)) != 0 ||
	    (rc = zonemap_zone(&src, put_mapped, j)) != 0 ||
	    (rc = put_soa(j, j->sz.serial)) != 0)
		return rc;
	return msg_flush(j);
}

/* ---- IXFR ---- */

/* One journalled change, in journal order. */
struct change {
	struct listing before, after;
	uint8_t op;
	size_t order;
};

struct jwalk {
	uint64_t seq;			/* commit being read; 0 before the first */
	uint64_t next_seq;		/* the commit that must come next */
	uint32_t next_from;		/* and the serial it must start from */
	uint64_t last_seq;		/* the snapshot's newest commit */
	int64_t oldest;			/* journal-age: commits before this are gone */
	unsigned commits;
	bool usable;			/* false: a gap, an overflow, too many changes */
	struct change *v;
	size_t n, cap;
};

static int
jwalk_cb(void *arg, const struct journal_commit *c, const struct journal_change *ch)
{
	struct jwalk *w = arg;
	struct change *p;

	if (c->seq > w->last_seq)
		return WALK_STOP;	/* later than the snapshot's zone record: cannot happen */
	if (c->seq != w->seq) {
		/* Commits must chain from the client's serial without a gap (apex serial bumps). */
		if (c->seq != w->next_seq || c->serial_from != w->next_from ||
		    (w->commits == 0 && c->when < w->oldest)) {
			w->usable = false;
			return WALK_STOP;
		}
		w->seq = c->seq;
		w->next_seq = c->seq + 1;
		w->next_from = c->serial_to;
		w->commits++;
	}
	if (ch == NULL || w->n >= XFR_MAX_CHANGES) {
		w->usable = false;	/* too large to journal: only a full transfer says it */
		return WALK_STOP;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;

		if ((p = realloc(w->v, cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		w->v = p;
		w->cap = cap;
	}
	p = &w->v[w->n];
	p->before = ch->before;
	p->after = ch->after;
	p->op = ch->op;
	p->order = w->n++;
	return 0;
}

static const struct listing *
change_key(const struct change *c)
{
	return c->op == JOURNAL_ADD ? &c->after : &c->before;
}

static int
change_cmp(const void *pa, const void *pb)
{
	const struct change *a = pa, *b = pb;
	int d = zonemap_cmp(change_key(a), change_key(b));

	if (d != 0)
		return d;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int
collect_all(void *arg, const struct listing *l)
{
	return listing_vec_push(arg, l);
}

/*
 * The entries at the client's serial: the current ones with the journal
 * undone.  Per entry the first change in journal order tells its state
 * before them all (absent before an ADD, its BEFORE otherwise).
 */
static int
revert(const struct listing_vec *now, struct change *ch, size_t nch, struct listing_vec *then)
{
	size_t i = 0, k = 0, g;
	int d, rc = 0;

	if (nch > 1)
		qsort(ch, nch, sizeof(*ch), change_cmp);
	memset(then, 0, sizeof(*then));
	while (rc == 0 && (i < now->n || k < nch)) {
		d = i >= now->n ? 1 : k >= nch ? -1 : zonemap_cmp(&now->v[i], change_key(&ch[k]));
		if (d < 0) {
			rc = listing_vec_push(then, &now->v[i++]);
			continue;
		}
		if (d == 0)
			i++;	/* changed since: replaced by what it was */
		if (ch[k].op != JOURNAL_ADD)
			rc = listing_vec_push(then, &ch[k].before);
		g = k;
		while (k < nch && zonemap_cmp(change_key(&ch[k]), change_key(&ch[g])) == 0)
			k++;
	}
	return rc;
}

/* Records compared by a 128-bit digest of owner, type and RDATA. */
struct rrkey {
	uint64_t a, b;
};

struct keyset {
	struct rrkey *v;
	size_t n, cap;
};

static struct rrkey
rr_key(const struct zonemap_rr *rr)
{
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	uint8_t meta[5] = { (uint8_t)rr->wirelen, (uint8_t)(rr->type >> 8), (uint8_t)rr->type,
	    (uint8_t)(rr->rdlen >> 8), (uint8_t)rr->rdlen };
	const uint8_t *parts[3] = { meta, rr->wire, rr->rdata };
	size_t lens[3] = { sizeof(meta), rr->wirelen, rr->rdlen }, i, k;
	struct rrkey key;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < lens[k]; i++) {
			a = (a ^ parts[k][i]) * 0x100000001b3ULL;	/* FNV-1a */
			b = (b ^ parts[k][i]) * 0x9e3779b97f4a7c15ULL;
			b ^= b >> 29;
		}
	}
	key.a = a;
	key.b = b;
	return key;
}

static int
key_cmp(const void *pa, const void *pb)
{
	const struct rrkey *a = pa, *b = pb;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static bool
keyset_has(const struct keyset *s, struct rrkey k)
{
	return s->n > 0 && bsearch(&k, s->v, s->n, sizeof(k), key_cmp) != NULL;
}

/* Open addressing on the same keys; a zero key stands for an empty slot. */
static bool
hashset_has(const struct keyset *s, struct rrkey k)
{
	size_t i;

	if (s->cap == 0)
		return false;
	if (k.a == 0 && k.b == 0)
		k.a = 1;
	for (i = k.a & (s->cap - 1); s->v[i].a != 0 || s->v[i].b != 0; i = (i + 1) & (s->cap - 1))
		if (s->v[i].a == k.a && s->v[i].b == k.b)
			return true;
	return false;
}

static int
hashset_add(struct keyset *s, struct rrkey k)
{
	struct keyset bigger;
	size_t i;

	if (k.a == 0 && k.b == 0)
		k.a = 1;	/* never the empty slot */
	if ((s->n + 1) * 2 > s->cap) {
		bigger.cap = s->cap ? s->cap * 2 : 256;
		bigger.n = 0;
		if ((bigger.v = calloc(bigger.cap, sizeof(*bigger.v))) == NULL)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->v[i].a != 0 || s->v[i].b != 0)
				hashset_add(&bigger, s->v[i]);
		free(s->v);
		*s = bigger;
	}
	for (i = k.a & (s->cap - 1); s->v[i].a != 0 || s->v[i].b != 0; i = (i + 1) & (s->cap - 1))
		;
	s->v[i] = k;
	s->n++;
	return 0;
}

static int
keyset_add(struct keyset *s, struct rrkey k)
{
	struct rrkey *p;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 1024;
		if ((p = realloc(s->v, cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = k;
	return 0;
}

/* A name whose records (SHALLOW: its own and its children's names only) may differ. */
struct region {
	struct addr r;
	bool shallow;
};

/* One pass over a state's records: remember them in ADD, emit those missing from NOTIN. */
struct pass {
	struct xfr_job *j;
	struct keyset *add;
	const struct keyset *notin;
	const struct region *regions;	/* where records may differ; NULL: the whole zone */
	size_t nregions;
	struct keyset *sent;		/* emitted already: regions may overlap */
};

static int
pass_cb(void *arg, const struct zonemap_rr *rr)
{
	struct pass *p = arg;
	struct rrkey k = rr_key(rr);
	int rc;

	if (p->add != NULL && (rc = keyset_add(p->add, k)) != 0)
		return rc;
	if (p->notin == NULL || keyset_has(p->notin, k))
		return 0;
	if (p->regions != NULL) {
		/* Overlapping regions give some records twice; each goes out once. */
		if (hashset_has(p->sent, k))
			return 0;
		if ((rc = hashset_add(p->sent, k)) != 0)
			return rc;
	}
	return put_mapped(p->j, rr);
}

static int
walk(const struct zonemap_src *src, struct pass *p)
{
	int rc;

	size_t i;

	if (atomic_load(&p->j->abandoned))
		return -ECANCELED;
	if (p->regions == NULL)
		rc = zonemap_zone(src, pass_cb, p);
	for (i = 0, rc = 0; p->regions != NULL && i < p->nregions && rc == 0; i++)
		rc = p->regions[i].shallow ? zonemap_shallow(src, &p->regions[i].r, pass_cb, p) :
		    zonemap_region(src, &p->regions[i].r, pass_cb, p);
	if (rc != 0)
		return rc;
	if (p->add != NULL && p->add->n > 1)
		qsort(p->add->v, p->add->n, sizeof(*p->add->v), key_cmp);
	return 0;
}

/*
 * RFC 1995 s4: one condensed difference sequence, old SOA, deletions, new
 * SOA, additions, between the new SOA that opens and closes the answer.
 */
static int
ixfr_diff(struct xfr_job *j, const struct listing_vec *then, const struct listing_vec *now,
    const struct region *regions, size_t nregions)
{
	struct zonemap_src sthen, snow;
	struct keyset know = { 0 }, kthen = { 0 }, sent = { 0 };
	struct pass p;
	int rc;

	map_src(j, &sthen, then->v, then->n);
	map_src(j, &snow, now->v, now->n);
	p.j = j;
	p.regions = regions;
	p.nregions = nregions;
	p.sent = &sent;
	p.add = &know;
	p.notin = NULL;
	if ((rc = walk(&snow, &p)) != 0)
		goto out;
	if ((rc = put_soa(j, j->sz.serial)) != 0 || (rc = put_soa(j, j->client_serial)) != 0)
		goto out;
	p.add = &kthen;
	p.notin = &know;
	if ((rc = walk(&sthen, &p)) != 0 || (rc = put_soa(j, j->sz.serial)) != 0)
		goto out;
	p.add = NULL;
	p.notin = &kthen;
	sent.n = 0;
	if (sent.cap > 0)
		memset(sent.v, 0, sent.cap * sizeof(*sent.v));
	if ((rc = walk(&snow, &p)) != 0 || (rc = put_soa(j, j->sz.serial)) != 0)
		goto out;
	rc = msg_flush(j);
out:
	free(know.v);
	free(kthen.v);
	free(sent.v);
	return rc;
}

/* A region and its name as text ("2.0.192", "" for the apex), for nesting tests. */
struct rname {
	struct region g;
	char text[2 * 32 + 1];
	size_t len;
};

static int
rname_cmp(const void *pa, const void *pb)
{
	const struct rname *a = pa, *b = pb;
	int d;

	/* Shorter names first, a whole region before a shallow one of the same name. */
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if ((d = strcmp(a->text, b->text)) != 0)
		return d;
	return (int)a->g.shallow - (int)b->g.shallow;
}

/* True when the records of B are among those of A. */
static bool
rname_covers(const struct rname *a, const struct rname *b)
{
	if (a->len == b->len && strcmp(a->text, b->text) == 0)
		return !a->g.shallow || b->g.shallow;
	if (a->g.shallow)
		return false;
	if (a->len == 0)
		return true;
	return b->len > a->len && b->text[b->len - a->len - 1] == '.' &&
	    strcmp(b->text + b->len - a->len, a->text) == 0;
}

static int
rname_add(struct rname **v, size_t *n, size_t *cap, const struct addr *r, bool shallow)
{
	struct rname *p;
	int t;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		if ((p = realloc(*v, c * sizeof(*p))) == NULL)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	p = &(*v)[(*n)++];
	memset(p, 0, sizeof(*p));
	p->g.r = *r;
	p->g.shallow = shallow;
	t = r->plen > 0 ? addr_rname_text(r, p->text, sizeof(p->text)) : 0;
	p->len = t > 0 ? (size_t)t : 0;
	p->text[p->len] = '\0';
	return 0;
}

/*
 * Where records may differ between THEN and NOW.  From each changed
 * entry's name go up while the name's answer as a whole differs
 * (zonemap_node); the first name N that answers alike bounds the change.
 * If N was reached from a child C and is mixed both times, only N's own
 * records and the names it gives its children can differ besides C's:
 * zonemap_shallow(N) and zonemap_region(C), so a big zone is not walked
 * for one new subtree.  *N 0 means the whole zone.
 */
static int
ixfr_regions(struct xfr_job *j, const struct listing_vec *then, const struct listing_vec *now,
    const struct change *ch, size_t nch, struct region **out, size_t *n)
{
	struct zonemap_src sthen, snow;
	struct zonemap_answer a, b;
	struct rname *v = NULL;
	size_t i, k, nv = 0, cap = 0;
	unsigned step;
	struct addr r, prev;
	bool climbed;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (nch > XFR_MAX_REGIONS)
		return 0;
	map_src(j, &sthen, then->v, then->n);
	map_src(j, &snow, now->v, now->n);
	for (i = 0; i < nch && rc == 0; i++) {
		if (i > 0 && zonemap_cmp(change_key(&ch[i]), change_key(&ch[i - 1])) == 0)
			continue;	/* sorted by revert(): one climb per entry */
		r = change_key(&ch[i])->net;
		step = r.fam == ADDR_V4 ? 8 : 4;
		addr_mask(&r, r.plen / step * step);
		climbed = false;
		if (r.plen == 0) {
			free(v);
			return 0;	/* an entry for all addresses: the whole zone */
		}
		for (;;) {
			/* Nothing is above the apex: its own records and its children's names. */
			if (r.plen == 0) {
				a.mixed = true;
				break;
			}
			if ((rc = zonemap_node(&sthen, &r, &a)) != 0 ||
			    (rc = zonemap_node(&snow, &r, &b)) != 0)
				break;
			if (zonemap_answer_alike(&a, &b))
				break;
			prev = r;
			climbed = true;
			addr_mask(&r, r.plen - step);
		}
		if (rc == 0 && climbed && a.mixed)
			rc = rname_add(&v, &nv, &cap, &r, true) ||
			    rname_add(&v, &nv, &cap, &prev, false);
		else if (rc == 0)
			rc = rname_add(&v, &nv, &cap, &r, false);
		if (rc != 0)
			rc = -ENOMEM;
	}
	if (rc != 0 || (*out = calloc(nv ? nv : 1, sizeof(**out))) == NULL) {
		free(v);
		return rc != 0 ? rc : -ENOMEM;
	}
	/*
	 * Drop what a kept region covers: an IPv4 and an IPv6 name can be the
	 * same labels (digits), and many changes the same region.
	 */
	if (nv > 1)
		qsort(v, nv, sizeof(*v), rname_cmp);
	for (i = 0; i < nv; i++) {
		for (k = 0; k < *n; k++)
			if (rname_covers(&v[k], &v[i]))
				break;
		if (k == *n) {
			v[*n] = v[i];
			(*out)[(*n)++] = v[i].g;
		}
	}
	free(v);
	if (*n == 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

static const char *
ixfr_run(struct xfr_job *j, int *rcp)
{
	uint16_t zone = j->x->zt->zones[j->zi].id;
	uint32_t d = j->sz.serial - j->client_serial;
	struct jwalk w;
	struct listing_vec now = { 0 }, then = { 0 };
	struct region *regions = NULL;
	size_t nregions = 0;
	int rc;

	/* RFC 1995 s2: a client as new as we are gets the SOA alone. */
	if (!serial_lt(j->client_serial, j->sz.serial)) {
		*rcp = (rc = put_soa(j, j->sz.serial)) != 0 ? rc : msg_flush(j);
		return "IXFR, up to date";
	}
	/*
	 * The journal as configured (journal-max, journal-age) holds the
	 * commits IXFR may use, whether or not older ones are trimmed yet.
	 */
	memset(&w, 0, sizeof(w));
	w.usable = d <= j->sz.seq && d <= j->x->cz[j->zi]->server->journal_max;
	w.oldest = j->x->cz[j->zi]->server->journal_age > 0 ?
	    time_now() - (int64_t)j->x->cz[j->zi]->server->journal_age : 0;
	w.next_seq = j->sz.seq - d + 1;
	w.next_from = j->client_serial;
	w.last_seq = j->sz.seq;
	if (w.usable && (rc = store_journal(&j->rd, zone, w.next_seq, jwalk_cb, &w)) < 0 &&
	    rc != WALK_STOP) {
		free(w.v);
		*rcp = rc;
		return "IXFR";
	}
	if (!w.usable || w.commits != d || w.next_from != j->sz.serial) {
		/* RFC 1995 s4: the whole zone, AXFR-style, answers an IXFR too. */
		free(w.v);
		*rcp = axfr_run(j);
		return "IXFR answered in full (serial not in the journal)";
	}
	if ((rc = store_foreach(&j->rd, zone, collect_all, &now)) == 0 &&
	    (rc = revert(&now, w.v, w.n, &then)) == 0 &&
	    (rc = ixfr_regions(j, &then, &now, w.v, w.n, &regions, &nregions)) == 0)
		rc = ixfr_diff(j, &then, &now, nregions > 0 ? regions : NULL, nregions);
	free(regions);
	free(w.v);
	free(now.v);
	free(then.v);
	*rcp = rc;
	return "IXFR";
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
	if (j->ixfr)
		kind = ixfr_run(j, &rc);
	else
		rc = axfr_run(j);
	store_reader_fini(&j->rd);
	if (rc == 0) {
		log_info("xfr: %s %s serial %u to %s: %llu records, %llu messages, %llu bytes",
		    kind, x->zt->zones[j->zi].name, j->sz.serial, j->peer,
		    (unsigned long long)j->nrr, (unsigned long long)j->nmsg,
		    (unsigned long long)j->nbytes);
	} else if (rc != -ECANCELED) {
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
acl_check(const struct conf_zone *cz, const struct addr *peer, const struct tsig_key *key)
{
	size_t i;
	int rc = 1;

	for (i = 0; i < cz->server->nallow_transfer; i++) {
		const struct conf_xfr_acl *a = &cz->server->allow_transfer[i];

		if (!addr_contains(&a->net, peer))
			continue;
		if (a->key == NULL || (key != NULL && strcmp(a->key->name, key->name) == 0))
			return 0;
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

int
xfr_start(struct xfr *x, const struct sockaddr *peer, const struct dns_msg *m,
    const struct tsig_ctx *ctx, struct xfr_job **job)
{
	const struct tsig_key *key = ctx != NULL ? ctx->key : NULL;
	struct xfr_job *j;
	struct addr pa;
	char who[ADDR_STRLEN];
	pthread_attr_t attr;
	pthread_t th;
	int zi, rc;

	*job = NULL;
	if (!m->hasq)
		return DNS_FORMERR;
	if ((zi = zonetab_find(x->zt, m->lname, m->qnamelen)) < 0 || x->cz[zi] == NULL)
		return DNS_REFUSED;
	peer_addr(peer, &pa);
	addr_format(&pa, who, sizeof(who));
	if ((rc = acl_check(x->cz[zi], &pa, key)) != 0) {
		log_limited(&refused_log, "xfr: %s %s from %s refused (%s)",
		    m->qtype == DNS_T_IXFR ? "IXFR" : "AXFR", x->zt->zones[zi].name, who,
		    rc == 1 ? "no allow-transfer item for the address" :
		    key != NULL ? "key not allowed" : "unsigned, a key is needed");
		return DNS_REFUSED;
	}

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return DNS_SERVFAIL;
	j->x = x;
	j->zi = (size_t)zi;
	j->id[0] = (uint8_t)(m->id >> 8);
	j->id[1] = (uint8_t)m->id;
	j->flags = m->flags;
	j->qlen = (size_t)m->qnamelen + 4;
	memcpy(j->question, m->pkt + DNS_QNAME, j->qlen);
	j->ixfr = m->qtype == DNS_T_IXFR;
	memcpy(j->peer, who, sizeof(who));
	if (ctx != NULL) {
		j->sign = true;
		j->tsig = *ctx;
	}
	if (j->ixfr && ixfr_client_serial(m, &j->client_serial) != 0) {
		free(j);
		return DNS_FORMERR;
	}

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
	/* The snapshot is taken here, on the worker; MDB_NOTLS lets the producer use it. */
	if ((rc = store_reader_init(x->store, &j->rd)) != 0 ||
	    (rc = store_zone_get(&j->rd, x->zt->zones[zi].id, &j->sz)) != 0) {
		log_warnx("xfr: %s: %s", x->zt->zones[zi].name, rb_strerror(rc));
		goto fail;
	}
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
	*job = j;
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
