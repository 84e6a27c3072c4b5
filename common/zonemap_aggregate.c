/* An aggregate zone's records: the union of its members' mappings, as a stock secondary answers it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonemap.h"

/*
 * Names are kept as keys: the labels from the apex down, each followed by
 * a 0 octet, lower case.  memcmp order on keys is the canonical order
 * (RFC 4034 s6.1) for names without 0 octets in labels, and a name's
 * descendants are exactly the keys it is a prefix of, right after it.
 */
#define KEYMAX 512
#define NAMEMAX 255

struct rec {
	size_t key, rd;		/* offsets into the arena */
	uint16_t klen, rdlen, type;
};

struct member {
	uint8_t *ar;		/* keys and RDATA */
	size_t arlen, arcap;
	struct rec *r;		/* sorted by key, type, RDATA */
	size_t n, cap;
	size_t pos;		/* the merge's cursor */
	int err;
};

static int
ar_add(struct member *m, const void *p, size_t n, size_t *off)
{
	uint8_t *b;
	size_t cap;

	if (m->arlen + n > m->arcap) {
		cap = m->arcap ? m->arcap * 2 : 65536;
		while (cap < m->arlen + n)
			cap *= 2;
		if ((b = realloc(m->ar, cap)) == NULL)
			return -ENOMEM;
		m->ar = b;
		m->arcap = cap;
	}
	memcpy(m->ar + m->arlen, p, n);
	*off = m->arlen;
	m->arlen += n;
	return 0;
}

/* Wire labels W[0..N) (no root) to a key in OUT; its length, 0 when malformed. */
static size_t
wire_to_key(const uint8_t *w, size_t n, uint8_t *out)
{
	size_t start[128], len = 0, i, k = 0, o = 0;

	while (o < n) {
		if (k == 128 || w[o] == 0 || o + 1 + w[o] > n)
			return 0;
		start[k++] = o;
		o += 1 + (size_t)w[o];
	}
	while (k-- > 0) {
		for (i = 0; i < w[start[k]]; i++) {
			uint8_t c = w[start[k] + 1 + i];

			out[len++] = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
		}
		out[len++] = 0;
	}
	return len;
}

/* Key K[0..N) back to wire labels in OUT; their length. */
static size_t
key_to_wire(const uint8_t *k, size_t n, uint8_t *out)
{
	size_t ends[128], nl = 0, i, len = 0, s;

	for (i = 0; i < n && nl < 128; i++)
		if (k[i] == 0)
			ends[nl++] = i;
	while (nl-- > 0) {
		s = nl > 0 ? ends[nl - 1] + 1 : 0;
		out[len++] = (uint8_t)(ends[nl] - s);
		memcpy(out + len, k + s, ends[nl] - s);
		len += ends[nl] - s;
	}
	return len;
}

static int
collect(void *arg, const struct zonemap_rr *rr)
{
	struct member *m = arg;
	uint8_t key[KEYMAX];
	struct rec *r;
	size_t klen;
	int rc;

	if (rr->wirelen > NAMEMAX || (klen = wire_to_key(rr->wire, rr->wirelen, key)) == 0)
		return -EINVAL;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;

		if ((r = realloc(m->r, cap * sizeof(*r))) == NULL)
			return -ENOMEM;
		m->r = r;
		m->cap = cap;
	}
	r = &m->r[m->n];
	if ((rc = ar_add(m, key, klen, &r->key)) != 0 ||
	    (rc = ar_add(m, rr->rdata, rr->rdlen, &r->rd)) != 0)
		return rc;
	r->klen = (uint16_t)klen;
	r->rdlen = (uint16_t)rr->rdlen;
	r->type = rr->type;
	m->n++;
	return 0;
}

static int
bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int d = memcmp(a, b, an < bn ? an : bn);

	return d != 0 ? d : an < bn ? -1 : an > bn;
}

static int
rec_cmp(const void *pa, const void *pb, void *arg)
{
	const struct rec *a = pa, *b = pb;
	const struct member *m = arg;
	int d = bytes_cmp(m->ar + a->key, a->klen, m->ar + b->key, b->klen);

	if (d != 0)
		return d;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return bytes_cmp(m->ar + a->rd, a->rdlen, m->ar + b->rd, b->rdlen);
}

/* The first record of M whose key is not below K[0..N) in order. */
static size_t
lower_bound(const struct member *m, const uint8_t *k, size_t n)
{
	size_t lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bytes_cmp(m->ar + m->r[mid].key, m->r[mid].klen, k, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
key_eq(const struct member *m, size_t i, const uint8_t *k, size_t n)
{
	return i < m->n && m->r[i].klen == n && memcmp(m->ar + m->r[i].key, k, n) == 0;
}

/* Does K[0..N) exist in M: an owner, or a name above one (the apex always)? */
static bool
exists(const struct member *m, const uint8_t *k, size_t n)
{
	size_t i = lower_bound(m, k, n);

	return n == 0 || (i < m->n && m->r[i].klen >= n && memcmp(m->ar + m->r[i].key, k, n) == 0);
}

/*
 * What member M answers for the name K[0..N) as RFC 4592 says a server of
 * M's records would: *LO..*HI its records there (an empty range for
 * NXDOMAIN or an empty non-terminal).  A query for a literal "*" label
 * follows the same rule as any other.
 */
static void
member_answer(const struct member *m, const uint8_t *k, size_t n, size_t *lo, size_t *hi)
{
	uint8_t w[KEYMAX + 2];
	size_t i = lower_bound(m, k, n), a;

	*lo = *hi = i;
	if (key_eq(m, i, k, n)) {
		while (*hi < m->n && key_eq(m, *hi, k, n))
			(*hi)++;
		return;
	}
	if (exists(m, k, n))
		return;		/* an empty non-terminal */
	/* The closest encloser: the longest name above K that exists in M. */
	for (a = n - 1; a > 0; a--) {
		if (k[a - 1] == 0 && exists(m, k, a))
			break;
	}
	/* Its wildcard answers, when M has one; else NXDOMAIN. */
	memcpy(w, k, a);
	w[a] = '*';
	w[a + 1] = 0;
	i = lower_bound(m, w, a + 2);
	*lo = *hi = i;
	while (*hi < m->n && key_eq(m, *hi, w, a + 2))
		(*hi)++;
}

struct agg {
	struct member *m;
	size_t nm;
	uint32_t ttl;
	bool bitmask;
	zonemap_cb cb;
	void *arg;
};

static bool
is_placeholder(const struct rec *r, const uint8_t *rd)
{
	static const char *const ph[] = { ZONEMAP_TXT_EXCEPTED, ZONEMAP_TXT_UNLISTED };
	size_t i, n;

	if (r->type != ZONEMAP_TYPE_TXT)
		return false;
	for (i = 0; i < 2; i++) {
		n = strlen(ph[i]);
		if (r->rdlen == n + 1 && rd[0] == n && memcmp(rd + 1, ph[i], n) == 0)
			return true;
	}
	return false;
}

/* One record of the aggregate at K, unless the same one went out just before at K. */
struct seen {
	const uint8_t *rd[2 * 64];
	uint16_t rdlen[2 * 64], type[2 * 64];
	size_t n;
};

static int
emit(struct agg *g, struct seen *s, const uint8_t *wire, size_t wlen, uint16_t type,
    const uint8_t *rd, size_t rdlen)
{
	struct zonemap_rr rr;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->type[i] == type && s->rdlen[i] == rdlen && memcmp(s->rd[i], rd, rdlen) == 0)
			return 0;	/* a master file holds an RR once */
	if (s->n < sizeof(s->rd) / sizeof(s->rd[0])) {
		s->rd[s->n] = rd;
		s->rdlen[s->n] = (uint16_t)rdlen;
		s->type[s->n++] = type;
	}
	memset(&rr, 0, sizeof(rr));
	rr.wire = wire;
	rr.wirelen = wlen;
	rr.type = type;
	rr.ttl = g->ttl;
	rr.rdata = rd;
	rr.rdlen = rdlen;
	return g->cb(g->arg, &rr);
}

/*
 * The aggregate's records at K[0..N): the union of what each member
 * answers there.  A name some member lists drops the other members'
 * placeholders ("excepted", "not listed"); a name only placeholders hold
 * keeps one of them, so that it still exists and stops the wildcards
 * above it as in that member.  Nothing at all: the name is left out.
 */
static int
put_name(struct agg *g, const uint8_t *k, size_t n)
{
	uint8_t wire[KEYMAX], bits[4] = { 127, 0, 0, 0 };
	struct seen s = { .n = 0 };
	size_t lo[ZONEMAP_AGG_MAX], hi[ZONEMAP_AGG_MAX], i, r, wlen;
	bool any_a = false, any = false;
	int rc;

	for (i = 0; i < g->nm; i++) {
		member_answer(&g->m[i], k, n, &lo[i], &hi[i]);
		for (r = lo[i]; r < hi[i]; r++) {
			any = true;
			if (g->m[i].r[r].type == ZONEMAP_TYPE_A) {
				any_a = true;
				if (g->m[i].r[r].rdlen == 4)
					bits[3] |= g->m[i].ar[g->m[i].r[r].rd + 3];
			}
		}
	}
	if (!any)
		return 0;
	wlen = key_to_wire(k, n, wire);
	if (any_a && g->bitmask && (rc = emit(g, &s, wire, wlen, ZONEMAP_TYPE_A, bits, 4)) != 0)
		return rc;
	for (i = 0; i < g->nm; i++) {
		for (r = lo[i]; r < hi[i]; r++) {
			const struct rec *e = &g->m[i].r[r];
			const uint8_t *rd = g->m[i].ar + e->rd;

			if ((e->type == ZONEMAP_TYPE_A && g->bitmask) ||
			    (any_a && is_placeholder(e, rd)))
				continue;
			if ((rc = emit(g, &s, wire, wlen, e->type, rd, e->rdlen)) != 0)
				return rc;
			if (!any_a)
				return 0;	/* one placeholder is enough */
		}
	}
	return 0;
}

/* The smallest key at the members' cursors, or false when all are done. */
static bool
next_key(struct agg *g, const uint8_t **k, size_t *n)
{
	const struct member *best = NULL;
	size_t i;

	for (i = 0; i < g->nm; i++) {
		const struct member *m = &g->m[i];

		if (m->pos < m->n && (best == NULL ||
		    bytes_cmp(m->ar + m->r[m->pos].key, m->r[m->pos].klen,
		    best->ar + best->r[best->pos].key, best->r[best->pos].klen) < 0))
			best = m;
	}
	if (best == NULL)
		return false;
	*k = best->ar + best->r[best->pos].key;
	*n = best->r[best->pos].klen;
	return true;
}

/* Past key K at every member's cursor. */
static void
skip_key(struct agg *g, const uint8_t *k, size_t n)
{
	uint8_t copy[KEYMAX];
	size_t i;

	memcpy(copy, k, n);
	for (i = 0; i < g->nm; i++)
		while (key_eq(&g->m[i], g->m[i].pos, copy, n))
			g->m[i].pos++;
}

/* Name K[0..N) of the set O, and its wildcard "*.K" unless a member has that name. */
static int
put_with_wildcard(struct agg *g, const uint8_t *k, size_t n)
{
	uint8_t w[KEYMAX + 2];
	size_t i;
	int rc;

	if (n > 0 && (rc = put_name(g, k, n)) != 0)
		return rc;
	if (n + 2 > KEYMAX)
		return 0;
	memcpy(w, k, n);
	w[n] = '*';
	w[n + 1] = 0;
	for (i = 0; i < g->nm; i++)
		if (exists(&g->m[i], w, n + 2))
			return 0;	/* it is in O0 and is written as such */
	return put_name(g, w, n + 2);
}

/*
 * Walk O0, the members' owner names and every name above them, in
 * canonical order without a set: in key order, the names above K not yet
 * seen are those below the longest common ancestor of K and the key before.
 */
static int
walk(struct agg *g)
{
	uint8_t prev[KEYMAX];
	size_t plen = 0, common, i;
	const uint8_t *k;
	size_t n;
	int rc;

	if ((rc = put_with_wildcard(g, (const uint8_t *)"", 0)) != 0)
		return rc;
	while (next_key(g, &k, &n)) {
		for (common = 0, i = 0; i < n && i < plen && k[i] == prev[i]; i++)
			if (k[i] == 0)
				common = i + 1;
		for (i = common; i < n; i++) {
			if (k[i] != 0)
				continue;
			if ((rc = put_with_wildcard(g, k, i + 1)) != 0)
				return rc;
		}
		memcpy(prev, k, n);
		plen = n;
		skip_key(g, prev, plen);
	}
	return 0;
}

int
zonemap_aggregate(const struct zonemap_src *members, size_t nmembers, uint32_t ttl,
    bool bitmask, zonemap_cb cb, void *arg)
{
	struct member m[ZONEMAP_AGG_MAX];
	struct agg g = { m, nmembers, ttl, bitmask, cb, arg };
	size_t i;
	int rc = 0;

	if (nmembers > ZONEMAP_AGG_MAX)
		return -EINVAL;
	memset(m, 0, sizeof(m));
	for (i = 0; i < nmembers && rc == 0; i++) {
		if ((rc = zonemap_zone(&members[i], collect, &m[i])) == 0)
			qsort_r(m[i].r, m[i].n, sizeof(*m[i].r), rec_cmp, &m[i]);
	}
	if (rc == 0)
		rc = walk(&g);
	for (i = 0; i < nmembers; i++) {
		free(m[i].ar);
		free(m[i].r);
	}
	return rc;
}
