/* Reads of the store: lookups, partial names, texts, details, walks.  Lock-free. */

#include <string.h>

#include "rb.h"
#include "store_impl.h"

bool
covers(const struct listing *e, const struct addr *a)
{
	struct addr m;

	if (e->net.fam != a->fam || e->net.plen > a->plen)
		return false;
	m = *a;
	addr_mask(&m, e->net.plen);
	return memcmp(m.a, e->net.a, 16) == 0;
}

uint32_t
clamp_time(int64_t t)
{
	if (t <= 0)
		return 1;
	return t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

bool
is_live(const struct listing *l, uint32_t now)
{
	return l->expires == 0 || l->expires > now;
}

/* Read the entry NET (as prefix of A masked to PLEN) into *l and its parent. */
int
get_entry(struct store_reader *r, uint16_t zone, const struct addr *a, uint8_t plen,
    struct listing *l, uint8_t *parent)
{
	unsigned char kb[KEY_MAX];
	MDB_val k, v;
	struct addr net = *a;	/* A may point into L */
	struct hot h;
	int rc;

	memset(l, 0, sizeof(*l));
	l->net = net;
	addr_mask(&l->net, plen);
	k.mv_size = entry_key(kb, zone, &l->net, plen);
	k.mv_data = kb;
	r->moves++;
	if (r->point != NULL)
		rc = mdb_cursor_get(r->point, &k, &v, MDB_SET_KEY);
	else
		rc = mdb_get(r->txn, r->s->dbi[DB_ENTRIES], &k, &v);
	if (rc != 0)
		return from_mdb(rc);
	if (!hot_decode(&v, &h))
		return RB_ESTORE;
	l->zone = zone;
	hot_to_listing(&h, l);
	*parent = h.parent;
	return RB_OK;
}

/*
 * The greatest entry key of ZONE and A's family at or before (A, PLEN),
 * structurally (expired entries included).  RB_ENOTFOUND when none.
 */
int
predecessor(struct store_reader *r, uint16_t zone, const struct addr *a, uint8_t plen,
    struct listing *l, uint8_t *parent)
{
	MDB_cursor *cur = r->cur;
	unsigned char kb[KEY_MAX];
	MDB_val k, v;
	struct hot h;
	size_t klen;
	int rc;

	klen = entry_key(kb, zone, a, plen);
	k.mv_size = klen;
	k.mv_data = kb;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	r->moves++;
	if (rc == 0 && k.mv_size == klen && memcmp(k.mv_data, kb, klen) == 0)
		goto found;	/* exact match */
	r->moves++;
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	else if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	if (rc != 0)
		return from_mdb(rc);
found:
	/* Same zone and family, or there is none before A. */
	if (k.mv_size != klen || memcmp(k.mv_data, kb, 3) != 0)
		return RB_ENOTFOUND;
	if (!entry_key_decode(&k, l) || !hot_decode(&v, &h))
		return RB_ESTORE;
	hot_to_listing(&h, l);
	*parent = h.parent;
	return RB_OK;
}

/*
 * Walk from entry L (at or before A in key order) up its parent chain to
 * the most specific entry covering A that passes LIVE_ONLY.  Every entry
 * covering A contains L when L does not cover A, because prefixes nest or
 * are disjoint, so the chain finds it.
 */
int
climb(struct store_reader *r, uint16_t zone, const struct addr *a, uint32_t now,
    bool live_only, struct listing *l, uint8_t parent)
{
	int rc;

	for (;;) {
		if (covers(l, a) && (!live_only || is_live(l, now)))
			return RB_OK;
		if (parent == NO_PARENT)
			return RB_ENOTFOUND;
		if ((rc = get_entry(r, zone, &l->net, parent, l, &parent)) != 0)
			return rc == RB_ENOTFOUND ? RB_ESTORE : rc;
	}
}

int
store_lookup(struct store_reader *r, uint16_t zone, const struct addr *a, uint32_t now,
    struct listing *out)
{
	uint8_t parent;
	int rc;

	/*
	 * No prefix is longer than the family's bits: the greatest key <= A,
	 * found in one move when A itself is listed.
	 */
	if ((rc = predecessor(r, zone, a, (uint8_t)addr_bits(a->fam), out, &parent)) != 0)
		return rc == RB_ENOTFOUND ? STORE_MATCH_NONE : rc;
	if ((rc = climb(r, zone, a, now, true, out, parent)) != 0)
		return rc == RB_ENOTFOUND ? STORE_MATCH_NONE : rc;
	return (out->flags & LISTING_EXCEPTION) ? STORE_MATCH_EXCEPTED : STORE_MATCH_LISTED;
}

/* Set P's host bits: the last address of the prefix. */
static void
prefix_last(const struct addr *p, struct addr *last)
{
	unsigned i, bits = addr_bits(p->fam);

	*last = *p;
	for (i = p->plen; i < bits; i++)
		last->a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	last->plen = (uint8_t)bits;
}

/*
 * Call CB for each entry strictly inside NET (key order), then return.
 * Shared by the ENT check, overlap walks and parent maintenance.
 */
int
walk_inside(struct store_reader *r, uint16_t zone, const struct addr *net,
    int (*cb)(void *, const struct listing *, uint8_t), void *arg)
{
	unsigned char kb[KEY_MAX], endb[KEY_MAX];
	struct addr last;
	MDB_val k, v;
	struct listing l;
	struct hot h;
	size_t klen;
	int rc;

	klen = entry_key(kb, zone, net, net->plen);
	prefix_last(net, &last);
	entry_key(endb, zone, &last, 0xff);
	k.mv_size = klen;
	k.mv_data = kb;
	rc = mdb_cursor_get(r->cur, &k, &v, MDB_SET_RANGE);
	r->moves++;
	if (rc == 0 && k.mv_size == klen && memcmp(k.mv_data, kb, klen) == 0) {
		rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT);
		r->moves++;
	}
	while (rc == 0) {
		if (k.mv_size != klen || memcmp(k.mv_data, endb, klen) > 0)
			break;
		if (!entry_key_decode(&k, &l) || !hot_decode(&v, &h))
			return RB_ESTORE;
		hot_to_listing(&h, &l);
		if ((rc = cb(arg, &l, h.parent)) != 0)
			return rc;
		rc = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT);
		r->moves++;
	}
	return rc == 0 || rc == MDB_NOTFOUND ? RB_OK : from_mdb(rc);
}

int
used_cb(void *arg, const struct listing *l, uint8_t parent)
{
	const struct used_arg *u = arg;

	(void)parent;
	return !(l->flags & LISTING_EXCEPTION) && is_live(l, u->now) ? 1 : 0;
}

int
store_prefix_used(struct store_reader *r, uint16_t zone, const struct addr *p,
    uint32_t now)
{
	struct listing l;
	struct addr pm = *p;
	uint32_t max;
	int rc;

	/* Covered by (or equal to) a live listing: its names exist. */
	rc = store_lookup(r, zone, p, now, &l);
	if (rc == STORE_MATCH_LISTED)
		return 1;
	if (rc < 0)
		return rc;
	if (addr_is_host(p))
		return 0;	/* nothing lies inside one address */
	/* Otherwise, a live listing inside: see "Partial names" above. */
	addr_mask(&pm, p->plen);
	if (is_node(pm.fam, pm.plen))
		rc = below_get(r, zone, &pm, &max);
	else
		rc = below_scan(r, r->cur, zone, &pm, &max);
	if (rc != 0)
		return rc;
	return max > now ? 1 : 0;
}

int
store_text(struct store_reader *r, uint32_t id, const char **text, size_t *len)
{
	unsigned char kb[4];
	MDB_val k = { 4, kb }, v;
	int rc;

	if (id == 0)
		return RB_ENOTFOUND;
	put32(kb, id);
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_STRINGS], &k, &v)) != 0)
		return from_mdb(rc);
	*text = v.mv_data;
	*len = v.mv_size;
	return RB_OK;
}

int
store_detail(struct store_reader *r, uint16_t zone, const struct addr *net,
    struct listing_detail *out)
{
	unsigned char kb[KEY_MAX];
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof(*out));
	k.mv_size = entry_key(kb, zone, net, net->plen);
	k.mv_data = kb;
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_DETAILS], &k, &v)) == MDB_NOTFOUND)
		return compact_detail(r, zone, net, out);	/* a compact entry's, if it is one */
	if (rc != 0)
		return from_mdb(rc);
	detail_decode(&v, out);
	return RB_OK;
}

int
store_foreach(struct store_reader *r, uint16_t zone, store_entry_cb cb, void *arg)
{
	unsigned char kb[2];
	MDB_cursor *cur;
	MDB_val k = { 2, kb }, v;
	struct listing l;
	struct hot h;
	int rc;

	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_ENTRIES], &cur)) != 0)
		return from_mdb(rc);
	put16(kb, zone);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= 2 && get16(k.mv_data) == zone) {
		if (!entry_key_decode(&k, &l) || !hot_decode(&v, &h)) {
			rc = RB_ESTORE;
			break;
		}
		hot_to_listing(&h, &l);
		if ((rc = cb(arg, &l)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || (rc == 0))
		return RB_OK;
	return rc < 0 ? rc : from_mdb(rc);
}

struct overlap_arg {
	store_entry_cb cb;
	void *arg;
};

static int
overlap_cb(void *arg, const struct listing *l, uint8_t parent)
{
	struct overlap_arg *o = arg;

	(void)parent;
	return o->cb(o->arg, l);
}

int
store_foreach_overlapping(struct store_reader *r, uint16_t zone, const struct addr *net,
    store_entry_cb cb, void *arg)
{
	struct overlap_arg o = { cb, arg };
	struct listing chain[129];
	struct listing l;
	uint8_t parent;
	int rc, n = 0;

	/* Entries covering NET (NET itself included), outermost first. */
	rc = get_entry(r, zone, net, net->plen, &l, &parent);
	if (rc == RB_ENOTFOUND) {
		rc = predecessor(r, zone, net, net->plen, &l, &parent);
		if (rc == RB_OK)
			rc = climb(r, zone, net, 0, false, &l, parent);
	}
	while (rc == RB_OK && n < 129) {
		chain[n++] = l;
		if (parent == NO_PARENT)
			break;
		rc = get_entry(r, zone, &l.net, parent, &l, &parent);
	}
	if (rc != RB_OK && rc != RB_ENOTFOUND)
		return rc;
	while (n > 0)
		if ((rc = cb(arg, &chain[--n])) != 0)
			return rc;
	return walk_inside(r, zone, net, overlap_cb, &o);
}
