/* The entries a mapping works on: gathering, filtering, ordering (see zonemap.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "zonemap.h"
#include "zonemap_impl.h"

int
zonemap_cmp(const struct listing *a, const struct listing *b)
{
	int d;

	if (a->net.fam != b->net.fam)
		return a->net.fam < b->net.fam ? -1 : 1;
	if ((d = memcmp(a->net.a, b->net.a, 16)) != 0)
		return d;
	return (int)a->net.plen - (int)b->net.plen;
}

static int
cmp_qsort(const void *a, const void *b)
{
	return zonemap_cmp(a, b);
}

/* Which of the entries a walk meets are kept, besides being live and of the zone's families. */
enum keep {
	KEEP_ALL,		/* every one */
	KEEP_TOP,		/* zonemap_gather_top, probing the apex's child TOP */
	KEEP_INSIDE		/* zonemap_gather_inside: strictly inside one of NETS */
};

/* A walk's stop after the entry that shows a child of the apex has some inside. */
#define STOP 1

/* The listings gathered for a mapping, and what decides which are kept. */
struct vec {
	struct listing_vec l;
	size_t base;		/* l.v[0..base) are the caller's, left as they are */
	uint32_t now;
	int family;
	enum keep keep;
	unsigned top;
	const struct addr *nets;
	size_t nnets;
};

/* Bits of a label at the apex: its children are /8 (IPv4) or /4 (IPv6) prefixes. */
static unsigned
top_bits(const struct addr *a)
{
	return a->fam == ADDR_V4 ? 8 : 4;
}

/* The label of the apex's child holding A's first address. */
static unsigned
top_label(const struct addr *a)
{
	return a->fam == ADDR_V4 ? a->a[0] : a->a[0] >> 4;
}

static bool
wanted(const struct vec *vc, const struct listing *l)
{
	size_t i;

	switch (vc->keep) {
	case KEEP_TOP:
		/* A prefix over several children is met by each one's walk: keep it once. */
		return l->net.plen > top_bits(&l->net) || top_label(&l->net) == vc->top;
	case KEEP_INSIDE:
		for (i = 0; i < vc->nnets; i++)
			if (l->net.plen > vc->nets[i].plen && addr_contains(&vc->nets[i], &l->net))
				return true;
		return false;
	default:
		return true;
	}
}

/* Keep live entries of the zone's families that the walk wants. */
static int
collect_cb(void *arg, const struct listing *l)
{
	struct vec *vc = arg;
	int want = l->net.fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6, rc;

	if (l->expires != 0 && l->expires <= vc->now)
		return 0;
	if (!(vc->family & want) || !wanted(vc, l))
		return 0;
	if ((rc = listing_vec_push(&vc->l, l)) != 0)
		return rc;
	/* One entry inside the child shows it has some; the rest wait for its own walk. */
	return vc->keep == KEEP_TOP && l->net.plen > top_bits(&l->net) ? STOP : 0;
}

/* Put L in its key order place, replacing an entry with the same key. */
static int
vec_overlay(struct vec *vc, const struct listing *l)
{
	size_t lo = vc->base, hi = vc->l.n, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((d = zonemap_cmp(&vc->l.v[mid], l)) == 0) {
			vc->l.v[mid] = *l;
			return 0;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (listing_vec_push(&vc->l, l) != 0)
		return -ENOMEM;
	memmove(&vc->l.v[lo + 1], &vc->l.v[lo], (vc->l.n - 1 - lo) * sizeof(*l));
	vc->l.v[lo] = *l;
	return 0;
}

/*
 * RFC 5782 s5: the test points of FAMILY (ZONE_FAMILY_*) into OUT in key
 * order, served with the zone's code and text; returns how many.
 */
static size_t
test_points(int family, uint16_t zone, struct listing out[4])
{
	static const uint8_t v6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x7f, 0, 0, 0 };
	struct listing l;
	size_t n = 0;

	memset(&l, 0, sizeof(l));
	l.zone = zone;
	if (family & ZONE_FAMILY_V4) {
		l.net.fam = ADDR_V4;
		l.net.plen = 32;
		l.net.a[0] = 127;
		l.net.a[3] = 1;
		l.flags = LISTING_EXCEPTION;
		out[n++] = l;
		l.net.a[3] = 2;
		l.flags = 0;
		out[n++] = l;
	}
	if (family & ZONE_FAMILY_V6) {
		memset(&l.net, 0, sizeof(l.net));
		l.net.fam = ADDR_V6;
		l.net.plen = 128;
		memcpy(l.net.a, v6, 16);
		l.net.a[15] = 1;
		l.flags = LISTING_EXCEPTION;
		out[n++] = l;
		l.net.a[15] = 2;
		l.flags = 0;
		out[n++] = l;
	}
	return n;
}

/* The test points laid over the entries gathered, where the walk wants them. */
static int
overlay_test_points(struct vec *vc, uint16_t zone)
{
	struct listing tp[4];
	size_t n = test_points(vc->family, zone, tp), i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		if (wanted(vc, &tp[i]))
			rc = vec_overlay(vc, &tp[i]);
	return rc;
}

/*
 * The entries of the key-ordered array A[0..n) overlapping NET, as
 * store_foreach_overlapping finds them in the store: one binary search per
 * shorter prefix for those covering NET, then the run of those inside it,
 * which key order keeps together from NET's own key on.
 */
static int
array_overlapping(const struct listing *a, size_t n, const struct addr *net, store_entry_cb cb,
    void *arg)
{
	struct listing key;
	const struct listing *hit;
	size_t lo = 0, hi = n, mid;
	unsigned plen;
	int rc = 0;

	memset(&key, 0, sizeof(key));
	for (plen = 0; plen < net->plen && rc == 0; plen++) {
		key.net = *net;
		addr_mask(&key.net, plen);
		if ((hit = bsearch(&key, a, n, sizeof(*a), cmp_qsort)) != NULL)
			rc = cb(arg, hit);
	}
	key.net = *net;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (zonemap_cmp(&a[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && rc == 0 && addr_contains(net, &a[lo].net); lo++)
		rc = cb(arg, &a[lo]);
	return rc;
}

/* The entries overlapping NET, from the caller's array or the store, to CB. */
static int
overlapping(const struct zonemap_src *src, const struct addr *net, store_entry_cb cb, void *arg)
{
	if (src->entries != NULL)
		return array_overlapping(src->entries, src->nentries, net, cb, arg);
	return store_foreach_overlapping(src->rd, src->zone, net, cb, arg);
}

static void
vec_init(struct vec *vc, const struct zonemap_src *src, enum keep keep)
{
	memset(vc, 0, sizeof(*vc));
	vc->now = src->now;
	vc->family = src->cz->family;
	vc->keep = keep;
}

/* Sort what VC gathered after its base, and overlay the test points. */
static int
finish(const struct zonemap_src *src, struct vec *vc)
{
	size_t i;

	/* The store walks in key order; a caller's array or two walks may not be. */
	for (i = vc->base + 1; i < vc->l.n; i++)
		if (zonemap_cmp(&vc->l.v[i - 1], &vc->l.v[i]) >= 0)
			break;
	if (i < vc->l.n)
		qsort(vc->l.v + vc->base, vc->l.n - vc->base, sizeof(*vc->l.v), cmp_qsort);
	return overlay_test_points(vc, src->zone);
}

/*
 * Into VC after its base: the array's or the store's entries (those
 * overlapping NETS if given) filtered, sorted, overlaid.  On error VC
 * holds what was gathered so far; its owner frees it.
 */
static int
gather(const struct zonemap_src *src, const struct addr *nets, size_t nnets, struct vec *vc)
{
	size_t i;
	int rc = 0;

	if (nets != NULL) {
		for (i = 0; i < nnets && rc == 0; i++)
			rc = overlapping(src, &nets[i], collect_cb, vc);
	} else if (src->entries != NULL) {
		for (i = 0; i < src->nentries && rc == 0; i++)
			rc = collect_cb(vc, &src->entries[i]);
	} else {
		rc = store_foreach(src->rd, src->zone, collect_cb, vc);
	}
	return rc != 0 ? rc : finish(src, vc);
}

/* After a gather that returned RC: VC's listings into *OUT, or freed on an error; RC. */
static int
vec_give(struct vec *vc, int rc, struct listing_vec *out)
{
	if (rc != 0) {
		free(vc->l.v);
		return rc;
	}
	*out = vc->l;
	return 0;
}

int
zonemap_gather(const struct zonemap_src *src, const struct addr *nets, size_t nnets,
    struct listing_vec *out)
{
	struct vec vc;

	vec_init(&vc, src, KEEP_ALL);
	return vec_give(&vc, gather(src, nets, nnets, &vc), out);
}

int
zonemap_gather_top(const struct zonemap_src *src, struct listing_vec *out)
{
	struct vec vc;
	struct addr net;
	unsigned f, ci;
	int rc = 0;

	vec_init(&vc, src, KEEP_TOP);
	for (f = 0; f < 2 && rc == 0; f++) {
		memset(&net, 0, sizeof(net));
		net.fam = f == 0 ? ADDR_V4 : ADDR_V6;
		if (!(vc.family & (f == 0 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6)))
			continue;
		net.plen = (uint8_t)top_bits(&net);
		for (ci = 0; ci < 1u << net.plen && rc == 0; ci++) {
			net.a[0] = (uint8_t)(ci << (8 - net.plen));
			vc.top = ci;
			if ((rc = overlapping(src, &net, collect_cb, &vc)) == STOP)
				rc = 0;
		}
	}
	return vec_give(&vc, rc != 0 ? rc : finish(src, &vc), out);
}

int
zonemap_gather_inside(const struct zonemap_src *src, const struct addr *nets, size_t nnets,
    struct listing_vec *out)
{
	struct vec vc;
	int rc;

	vec_init(&vc, src, KEEP_INSIDE);
	vc.l = *out;
	vc.base = out->n;
	vc.nets = nets;
	vc.nnets = nnets;
	rc = gather(src, nets, nnets, &vc);
	*out = vc.l;
	return rc;
}

int
zonemap_entries(const struct zonemap_src *src, struct listing **out, size_t *n)
{
	struct listing_vec l;
	struct vec vc;
	int rc;

	vec_init(&vc, src, KEEP_ALL);
	if ((rc = vec_give(&vc, gather(src, NULL, 0, &vc), &l)) != 0)
		return rc;
	*out = l.v;
	*n = l.n;
	return 0;
}

/* zonemap_foreach_entry's walk: live entries of the zone's families, test points merged in. */
struct merge {
	uint32_t now;
	int family;
	struct listing tp[4];
	size_t ntp, next;
	store_entry_cb cb;
	void *arg;
};

static int
merge_cb(void *arg, const struct listing *l)
{
	struct merge *m = arg;
	int want = l->net.fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6, d = 1, rc;

	if (l->expires != 0 && l->expires <= m->now)
		return 0;
	if (!(m->family & want))
		return 0;
	while (m->next < m->ntp && (d = zonemap_cmp(&m->tp[m->next], l)) < 0)
		if ((rc = m->cb(m->arg, &m->tp[m->next++])) != 0)
			return rc;
	/* A test point stands in for the entry with its key, as in zonemap_entries. */
	if (d == 0)
		return m->cb(m->arg, &m->tp[m->next++]);
	return m->cb(m->arg, l);
}

int
zonemap_foreach_entry(const struct zonemap_src *src, uint8_t fam, store_entry_cb cb, void *arg)
{
	struct merge m;
	struct addr all;
	int rc;

	memset(&m, 0, sizeof(m));
	m.now = src->now;
	m.family = src->cz->family & (fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6);
	m.ntp = test_points(m.family, src->zone, m.tp);
	m.cb = cb;
	m.arg = arg;
	memset(&all, 0, sizeof(all));
	all.fam = fam;
	if (m.family == 0)
		return 0;
	if ((rc = overlapping(src, &all, merge_cb, &m)) != 0)
		return rc;
	for (; m.next < m.ntp; m.next++)
		if ((rc = cb(arg, &m.tp[m.next])) != 0)
			return rc;
	return 0;
}
