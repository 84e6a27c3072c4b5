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

/* The listings gathered for a mapping, and what decides which are kept. */
struct vec {
	struct listing_vec l;
	uint32_t now;
	int family;
};

/* Keep live entries of the zone's families. */
static int
collect_cb(void *arg, const struct listing *l)
{
	struct vec *vc = arg;
	int want = l->net.fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6;

	if (l->expires != 0 && l->expires <= vc->now)
		return 0;
	if (!(vc->family & want))
		return 0;
	return listing_vec_push(&vc->l, l);
}

/* Put L in its key order place, replacing an entry with the same key. */
static int
vec_overlay(struct vec *vc, const struct listing *l)
{
	size_t lo = 0, hi = vc->l.n, mid;
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

/* RFC 5782 s5: the test points, served with the zone's code and text. */
static int
overlay_test_points(struct vec *vc, uint16_t zone)
{
	static const uint8_t v6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x7f, 0, 0, 0 };
	struct listing l;
	int rc = 0;

	memset(&l, 0, sizeof(l));
	l.zone = zone;
	if (vc->family & ZONE_FAMILY_V4) {
		l.net.fam = ADDR_V4;
		l.net.plen = 32;
		l.net.a[0] = 127;
		l.net.a[3] = 1;
		l.flags = LISTING_EXCEPTION;
		rc = vec_overlay(vc, &l);
		l.net.a[3] = 2;
		l.flags = 0;
		rc = rc ? rc : vec_overlay(vc, &l);
	}
	if (vc->family & ZONE_FAMILY_V6) {
		memset(&l.net, 0, sizeof(l.net));
		l.net.fam = ADDR_V6;
		l.net.plen = 128;
		memcpy(l.net.a, v6, 16);
		l.net.a[15] = 1;
		l.flags = LISTING_EXCEPTION;
		rc = rc ? rc : vec_overlay(vc, &l);
		l.net.a[15] = 2;
		l.flags = 0;
		rc = rc ? rc : vec_overlay(vc, &l);
	}
	return rc;
}

/*
 * The entries of the key-ordered array A[0..n) overlapping NET, as
 * store_foreach_overlapping finds them in the store: one binary search per
 * shorter prefix for those covering NET, then the run of those inside it,
 * which key order keeps together from NET's own key on.
 */
static int
array_overlapping(const struct listing *a, size_t n, const struct addr *net, struct vec *vc)
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
			rc = collect_cb(vc, hit);
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
		rc = collect_cb(vc, &a[lo]);
	return rc;
}

/* The array or the store's entries (those overlapping NETS if given) filtered, sorted, overlaid. */
static int
gather(const struct zonemap_src *src, const struct addr *nets, size_t nnets, struct vec *vc)
{
	size_t i;
	int rc = 0;

	memset(vc, 0, sizeof(*vc));
	vc->now = src->now;
	vc->family = src->cz->family;
	if (src->entries != NULL && nets != NULL) {
		for (i = 0; i < nnets && rc == 0; i++)
			rc = array_overlapping(src->entries, src->nentries, &nets[i], vc);
	} else if (src->entries != NULL) {
		for (i = 0; i < src->nentries && rc == 0; i++)
			rc = collect_cb(vc, &src->entries[i]);
	} else if (nets == NULL) {
		rc = store_foreach(src->rd, src->zone, collect_cb, vc);
	} else {
		for (i = 0; i < nnets && rc == 0; i++)
			rc = store_foreach_overlapping(src->rd, src->zone, &nets[i], collect_cb, vc);
	}
	if (rc != 0) {
		free(vc->l.v);
		vc->l.v = NULL;
		return rc;
	}
	/* The store walks in key order; a caller's array or two walks may not be. */
	for (i = 1; i < vc->l.n; i++)
		if (zonemap_cmp(&vc->l.v[i - 1], &vc->l.v[i]) >= 0)
			break;
	if (i < vc->l.n)
		qsort(vc->l.v, vc->l.n, sizeof(*vc->l.v), cmp_qsort);
	if ((rc = overlay_test_points(vc, src->zone)) != 0) {
		free(vc->l.v);
		vc->l.v = NULL;
	}
	return rc;
}

int
zonemap_gather(const struct zonemap_src *src, const struct addr *nets, size_t nnets,
    struct listing_vec *out)
{
	struct vec vc;
	int rc;

	if ((rc = gather(src, nets, nnets, &vc)) != 0)
		return rc;
	*out = vc.l;
	return 0;
}

int
zonemap_entries(const struct zonemap_src *src, struct listing **out, size_t *n)
{
	struct vec vc;
	int rc;

	if ((rc = gather(src, NULL, 0, &vc)) != 0)
		return rc;
	*out = vc.l.v;
	*n = vc.l.n;
	return 0;
}
