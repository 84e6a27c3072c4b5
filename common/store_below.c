/* Partial names (RFC 8020): the "below" summaries, kept exact by every write, read in one lookup. */

#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

/*
 * ---- Partial names ----
 *
 * RFC 8020: the name of a prefix P exists (NOERROR, no data) when a live
 * listing covers P (store_lookup) or lies strictly inside it.  Expired
 * listings wait in the store until the next expiry run, never served
 * (SPEC), so a walk of the entries under P that skipped them cost a step
 * per expired entry, per query: anyone could ask for 0.192.Z while an
 * import's worth of listings expired under it.  Instead the database
 * "below" keeps, for each node prefix N with a listing strictly inside it,
 * the latest expiry among those listings (below_value: UINT32_MAX for
 * never, nothing for an exception).  P exists when that time is after now:
 * one B-tree lookup, whatever lies expired below.
 *
 * Nodes are the prefixes a query name ends on: IPv4 /8, /16, /24 and /0
 * (asked as ::ffff:0:0/96), IPv6 /4 to /124 by nibbles.  Any other P (IPv4
 * /4, /12, /20, /28, asked through IPv4-mapped names) is read from the
 * level under it, below_scan(): at most 16 ranges, whatever lies deeper.
 *
 * Each node's maximum is exact in every committed state.  As entries
 * change (below_update) a value above a node's raises it and the nodes
 * above; the value that was a node's maximum going down (a delisting, an
 * expiry run, a shorter lifetime) marks the node, and at commit each marked
 * node is read again from the level under it, once, deepest first, at most
 * 256 ranges (IPv4) or 16 (IPv6) (below_settle).  An expiry run removes
 * entries oldest first, so it marks a node only when its last listing
 * goes.  Writes pay a lookup and a write per node above a new listing
 * (ingest of new addresses: some 40% more instructions); a query pays one.
 */

/* A node of "below" (see Partial names). */
struct below_node {
	uint16_t zone;
	struct addr node;
};

/* What entry L gives the nodes above it: its expiry, UINT32_MAX for never, 0 for nothing. */
uint32_t
below_value(const struct listing *l)
{
	if (l->flags & LISTING_EXCEPTION)
		return 0;
	return l->expires == 0 ? UINT32_MAX : l->expires;
}

static unsigned
node_step(uint8_t fam)
{
	return fam == ADDR_V4 ? 8 : 4;
}

/* Is a prefix of PLEN bits a node (has a row in below)? */
bool
is_node(uint8_t fam, unsigned plen)
{
	return plen < addr_bits(fam) && plen % node_step(fam) == 0 &&
	    (plen > 0 || fam == ADDR_V4);
}

/* The latest expiry below node N into *MAX, 0 when nothing lies there. */
int
below_get(struct store_reader *r, uint16_t zone, const struct addr *n, uint32_t *max)
{
	unsigned char kb[KEY_MAX];
	MDB_val k, v;
	int rc;

	k.mv_size = below_key(kb, zone, n);
	k.mv_data = kb;
	r->moves++;
	*max = 0;
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_BELOW], &k, &v)) == MDB_NOTFOUND)
		return RB_OK;
	if (rc != 0)
		return from_mdb(rc);
	if (v.mv_size != 4)
		return RB_ESTORE;
	*max = get32(v.mv_data);
	return RB_OK;
}

/* A becomes the first address of the next prefix of LEN (> 0) bits; false when it wraps. */
static bool
next_prefix(struct addr *a, unsigned len)
{
	unsigned add = 0x80u >> ((len - 1) % 8), sum;
	int i;

	for (i = (int)(len - 1) / 8; i >= 0; i--) {
		sum = a->a[i] + add;
		a->a[i] = (uint8_t)sum;
		if (sum < 256)
			return true;
		add = 1;
	}
	return false;
}

/*
 * The latest expiry (below_value) of the entries strictly inside P, read
 * from the level under P: the entries as deep as the next node level L,
 * and the nodes of level L.  Entries that short start a range of level L,
 * so one seek per range holding an entry finds them, and the rest of the
 * range is the node's: at most 2^(L - P's length) seeks, whatever the
 * number of entries deeper down.  CUR is a cursor on entries.
 */
int
below_scan(struct store_reader *r, MDB_cursor *cur, uint16_t zone, const struct addr *p,
    uint32_t *max)
{
	unsigned bits = addr_bits(p->fam), nb = addr_bytes(p->fam), step = node_step(p->fam);
	unsigned lvl = (p->plen / step + 1) * step;
	unsigned char kb[KEY_MAX];
	struct addr pm = *p, a, c, t;
	struct listing l;
	struct hot h;
	MDB_val k, v;
	size_t klen;
	uint32_t m = 0, x;
	int rc;

	*max = 0;
	if (lvl > bits)
		lvl = bits;
	addr_mask(&pm, p->plen);
	a = pm;
	for (;;) {
		/* The first entry at or after the range A of level L. */
		klen = entry_key(kb, zone, &a, 0);
		k.mv_size = klen;
		k.mv_data = kb;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		r->moves++;
		if (rc == 0 && (k.mv_size != klen || memcmp(k.mv_data, kb, 3) != 0))
			rc = MDB_NOTFOUND;	/* another zone or family */
		if (rc == 0 && !entry_key_decode(&k, &l))
			return RB_ESTORE;
		if (rc == 0) {
			t = l.net;
			addr_mask(&t, pm.plen);
			if (memcmp(t.a, pm.a, nb) != 0)
				rc = MDB_NOTFOUND;	/* past P */
		}
		if (rc == MDB_NOTFOUND)
			break;
		if (rc != 0)
			return from_mdb(rc);
		c = l.net;
		addr_mask(&c, lvl);
		/* At the range's first address, outermost first: those as deep as L. */
		while (memcmp(l.net.a, c.a, nb) == 0 && l.net.plen <= lvl) {
			if (l.net.plen > pm.plen) {
				if (!hot_decode(&v, &h))
					return RB_ESTORE;
				hot_to_listing(&h, &l);
				if ((x = below_value(&l)) > m)
					m = x;
			}
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			r->moves++;
			if (rc != 0 || k.mv_size != klen || memcmp(k.mv_data, kb, 3) != 0 ||
			    !entry_key_decode(&k, &l))
				break;
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			return from_mdb(rc);
		if (is_node(c.fam, lvl)) {
			if ((rc = below_get(r, zone, &c, &x)) != 0)
				return rc;
			if (x > m)
				m = x;
		}
		/* On to the next range of level L, while it is inside P. */
		a = c;
		if (!next_prefix(&a, lvl))
			break;
		t = a;
		addr_mask(&t, pm.plen);
		if (memcmp(t.a, pm.a, nb) != 0)
			break;
	}
	*max = m;
	return RB_OK;
}

/*
 * Node N of ZONE lost the value that was its maximum: read it again at
 * commit, once however many of its listings go in this transaction (a
 * purge of the newest reports would otherwise read the top nodes again for
 * each one).  Until then N and the nodes above it may hold a time later
 * than the truth, never an earlier one; only committed values are served.
 */
static int
below_dirty(struct store_wr *w, uint16_t zone, const struct addr *n)
{
	struct below_node *p;
	size_t cap;

	if (w->ndirty == w->capdirty) {
		cap = w->capdirty ? w->capdirty * 2 : 64;
		if ((p = realloc(w->dirty, cap * sizeof(*p))) == NULL)
			return sticky(w, -ENOMEM);
		w->dirty = p;
		w->capdirty = cap;
	}
	w->dirty[w->ndirty].zone = zone;
	w->dirty[w->ndirty++].node = *n;
	return RB_OK;
}

/* Deepest first, then in key order, so that equal nodes sit together. */
static int
below_node_cmp(const void *a, const void *b)
{
	const struct below_node *x = a, *y = b;

	if (x->node.plen != y->node.plen)
		return x->node.plen > y->node.plen ? -1 : 1;
	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->node.fam != y->node.fam)
		return x->node.fam < y->node.fam ? -1 : 1;
	return memcmp(x->node.a, y->node.a, sizeof(x->node.a));
}

/* Node N's value in the write transaction, 0 when it has none. */
static int
below_wget(struct store_wr *w, uint16_t zone, const struct addr *n, uint32_t *max)
{
	unsigned char kb[KEY_MAX];
	MDB_val v;
	int rc;

	w->rd.moves++;
	*max = 0;
	if ((rc = wget(w, DB_BELOW, kb, below_key(kb, zone, n), &v)) == RB_ENOTFOUND)
		return RB_OK;
	if (rc != 0)
		return rc;
	if (v.mv_size != 4)
		return sticky(w, RB_ESTORE);
	*max = get32(v.mv_data);
	return RB_OK;
}

static int
below_wput(struct store_wr *w, uint16_t zone, const struct addr *n, uint32_t max)
{
	unsigned char kb[KEY_MAX], vb[4];
	size_t klen = below_key(kb, zone, n);

	put32(vb, max);
	return max == 0 ? wdel(w, DB_BELOW, kb, klen) : wput(w, DB_BELOW, kb, klen, vb, 4, 0);
}

/*
 * Before commit: read the dirty nodes again from the level under them,
 * deepest first, so that every node under one is exact when it is read.
 * A node that went down marks its parent when it held the parent's
 * maximum; the parent is a level up and is read in a later round.
 */
int
below_settle(struct store_wr *w)
{
	struct below_node x, up;
	uint32_t m, m2, pm;
	size_t i, k;
	unsigned step;
	int rc;

	while (w->ndirty > 0) {
		qsort(w->dirty, w->ndirty, sizeof(*w->dirty), below_node_cmp);
		for (k = 0; k < w->ndirty && w->dirty[k].node.plen == w->dirty[0].node.plen; k++)
			;
		for (i = 0; i < k; i++) {
			if (i > 0 && below_node_cmp(&w->dirty[i - 1], &w->dirty[i]) == 0)
				continue;
			x = w->dirty[i];
			if ((rc = below_wget(w, x.zone, &x.node, &m)) != 0 ||
			    (rc = below_scan(&w->rd, w->scan, x.zone, &x.node, &m2)) != 0)
				return sticky(w, rc);
			if (m2 == m)
				continue;
			if ((rc = below_wput(w, x.zone, &x.node, m2)) != 0)
				return rc;
			/* Read again from scratch, a node is never above its truth: m2 < m. */
			step = node_step(x.node.fam);
			if (x.node.plen < step || !is_node(x.node.fam, x.node.plen - step))
				continue;
			up = x;
			addr_mask(&up.node, x.node.plen - step);
			if ((rc = below_wget(w, up.zone, &up.node, &pm)) != 0)
				return rc;
			if (pm == m && (rc = below_dirty(w, up.zone, &up.node)) != 0)
				return rc;
		}
		memmove(w->dirty, w->dirty + k, (w->ndirty - k) * sizeof(*w->dirty));
		w->ndirty -= k;
	}
	return RB_OK;
}

/*
 * Entry NET's value for the nodes above it (below_value) went from O to N,
 * the entry already written or removed: carry the change up, node by node,
 * while it raises a node's maximum; a node that loses its maximum is read
 * again at commit (below_dirty).  See "Partial names".
 */
int
below_update(struct store_wr *w, uint16_t zone, const struct addr *net, uint32_t o,
    uint32_t n)
{
	unsigned step = node_step(net->fam);
	struct addr node;
	uint32_t m, m2;
	int lvl, rc;

	if (net->fam == ADDR_NAME)
		return names_below_update(w, zone, net, o, n);	/* store_names.c */
	if (o == n || net->plen == 0)
		return RB_OK;
	/* From the deepest node strictly containing NET up to the root. */
	for (lvl = (int)((net->plen - 1u) / step * step); lvl >= 0; lvl -= (int)step) {
		if (!is_node(net->fam, (unsigned)lvl))
			break;
		node = *net;
		addr_mask(&node, (unsigned)lvl);
		/* Through the write cursor: the put then finds its page without a descent. */
		if ((rc = below_wget(w, zone, &node, &m)) != 0)
			return rc;
		if (n > m)
			m2 = n;
		else if (o == m && n < o)
			return below_dirty(w, zone, &node);
		else
			break;	/* the maximum was another's: it stands */
		if (m2 == m)
			break;
		if ((rc = below_wput(w, zone, &node, m2)) != 0)
			return rc;
		/* For the node above, this node's part went from M to M2. */
		o = m;
		n = m2;
	}
	return RB_OK;
}

/*
 * Make "below" from the entries, in the transaction that upgrades a store
 * of schema version 1 (which had none).  Values only rise here, so each
 * entry costs a lookup and at most a write per node above it.
 */
int
below_build(struct store *s, MDB_txn *txn)
{
	unsigned char kb[KEY_MAX], vb[4];
	MDB_cursor *cur;
	MDB_val k, v, bk, bv;
	struct listing l;
	struct addr node;
	struct hot h;
	uint32_t x;
	int lvl, rc;

	if ((rc = mdb_drop(txn, s->dbi[DB_BELOW], 0)) != 0)
		return from_mdb(rc);
	if ((rc = mdb_cursor_open(txn, s->dbi[DB_ENTRIES], &cur)) != 0)
		return from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!entry_key_decode(&k, &l) || !hot_decode(&v, &h)) {
			rc = RB_ESTORE;
			break;
		}
		hot_to_listing(&h, &l);
		if ((x = below_value(&l)) == 0 || l.net.plen == 0)
			continue;
		lvl = (int)((l.net.plen - 1u) / node_step(l.net.fam) * node_step(l.net.fam));
		for (; lvl >= 0 && is_node(l.net.fam, (unsigned)lvl); lvl -= (int)node_step(l.net.fam)) {
			node = l.net;
			addr_mask(&node, (unsigned)lvl);
			bk.mv_size = below_key(kb, l.zone, &node);
			bk.mv_data = kb;
			rc = mdb_get(txn, s->dbi[DB_BELOW], &bk, &bv);
			if (rc == 0 && bv.mv_size == 4 && get32(bv.mv_data) >= x)
				continue;
			put32(vb, x);
			bv.mv_size = 4;
			bv.mv_data = vb;
			if ((rc = mdb_put(txn, s->dbi[DB_BELOW], &bk, &bv, 0)) != 0)
				break;
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		rc = 0;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? RB_OK : rc < 0 ? rc : from_mdb(rc);
}
