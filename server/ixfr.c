/* IXFR (RFC 1995): the difference between a client's serial and ours, from the journal or by comparing the zone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "xfr_impl.h"


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

/* A state of the zone as a source; empty is an array of none, as NULL means the store's. */
static void
map_state(struct xfr_job *j, struct zonemap_src *src, const struct listing_vec *state)
{
	static const struct listing none[1];

	map_src(j, src, state->v != NULL ? state->v : none, state->n);
}

static int
walk(const struct zonemap_src *src, struct pass *p)
{
	size_t i;
	int rc;

	if (atomic_load(&p->j->abandoned))
		return -ECANCELED;
	rc = p->regions == NULL ? zonemap_zone(src, pass_cb, p) : 0;
	for (i = 0; p->regions != NULL && i < p->nregions && rc == 0; i++)
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

	map_state(j, &sthen, then);
	map_state(j, &snow, now);
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

/* The regions of V[NV] (sorted here) that no other kept one covers, into OUT[*N]. */
static void
keep_uncovered(struct rname *v, size_t nv, struct region *out, size_t *n)
{
	size_t i, k;

	if (nv > 1)
		qsort(v, nv, sizeof(*v), rname_cmp);
	for (i = 0; i < nv; i++) {
		for (k = 0; k < *n; k++)
			if (rname_covers(&v[k], &v[i]))
				break;
		if (k == *n) {
			v[*n] = v[i];
			out[(*n)++] = v[i].g;
		}
	}
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
	size_t i, nv = 0, cap = 0;
	unsigned step;
	struct addr r, prev;
	bool climbed;
	int rc = 0;

	*out = NULL;
	*n = 0;
	/* Names have no prefixes to bound a change by: the whole zone's difference. */
	if (j->x->cz[j->zi]->kind == ZONE_KIND_NAMES)
		return 0;
	if (nch > XFR_MAX_REGIONS)
		return 0;
	map_state(j, &sthen, then);
	map_state(j, &snow, now);
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
	keep_uncovered(v, nv, *out, n);
	free(v);
	if (*n == 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

const char *
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
