/*
 * Compact entries (issue 23, schema version 9): a bulk load's new entries
 * keep only their hot value, which names one bulk record per commit, zone
 * and shared report (source, at, evidence, lifetime); the details, report,
 * bysource and history records each would have had are read from it, and
 * written (compact_expand) before anything changes such an entry.  The
 * layout is in store_impl.h ("bulk").
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

/* Bulk records one transaction may start (then reports are written in full). */
#define COMPACT_MAX 256
#define COMPACT_SLOTS 512	/* open addressing over COMPACT_MAX */
#define BULK_IDS 65536		/* ids are 16 bits; 0 is none */

struct bulk {
	int64_t at, committed;
	uint64_t seq, commit, count, total;
	uint16_t zone;
	uint8_t op;
	uint32_t lifetime, source, evidence, by;
};

struct tuple {
	bool used;
	uint16_t zone, id;
	uint8_t op;
	int64_t at;
	uint32_t lifetime, source, evidence;
	uint64_t seq, count;
};

struct compact {
	size_t n;
	struct tuple t[COMPACT_SLOTS];
};

void
store_wr_set_compact(struct store_wr *w)
{
	if (w->compact == NULL)
		w->compact = calloc(1, sizeof(*w->compact));
}

void
compact_free(struct compact *c)
{
	free(c);
}

int
upgrade_compact_bulk(struct store *s, MDB_txn *txn)
{
	(void)s;
	(void)txn;	/* DB_BULK is created empty; every hot pad written before is 0 */
	return RB_OK;
}

static void
bulk_encode(unsigned char *v, const struct bulk *b)
{
	put64(v, (uint64_t)b->at);
	put64(v + 8, (uint64_t)b->committed);
	put64(v + 16, b->seq);
	put64(v + 24, b->commit);
	put16(v + 32, b->zone);
	v[34] = b->op;
	put32(v + 35, b->lifetime);
	put32(v + 39, b->source);
	put32(v + 43, b->evidence);
	put32(v + 47, b->by);
	put64(v + 51, b->count);
	put64(v + 59, b->total);
}

static bool
bulk_decode(const MDB_val *v, struct bulk *b)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size < BULK_LEN)
		return false;
	b->at = (int64_t)get64(p);
	b->committed = (int64_t)get64(p + 8);
	b->seq = get64(p + 16);
	b->commit = get64(p + 24);
	b->zone = get16(p + 32);
	b->op = p[34];
	b->lifetime = get32(p + 35);
	b->source = get32(p + 39);
	b->evidence = get32(p + 43);
	b->by = get32(p + 47);
	b->count = get64(p + 51);
	b->total = get64(p + 59);
	return true;
}

static int
bulk_read(MDB_txn *txn, struct store *s, uint16_t id, struct bulk *b)
{
	unsigned char kb[2];
	MDB_val k = { 2, kb }, v;
	int rc;

	put16(kb, id);
	if ((rc = mdb_get(txn, s->dbi[DB_BULK], &k, &v)) != 0)
		return from_mdb(rc);
	return bulk_decode(&v, b) ? RB_OK : RB_ESTORE;
}

static int
bulk_write(struct store_wr *w, uint16_t id, const struct bulk *b)
{
	unsigned char kb[2], vb[BULK_LEN];

	put16(kb, id);
	if (b->count == 0 && b->commit != 0)
		return wdel(w, DB_BULK, kb, 2);
	bulk_encode(vb, b);
	return wput(w, DB_BULK, kb, 2, vb, BULK_LEN, 0);
}

/* A free bulk id (0: none left), after the last one given (meta "bulknext"). */
static int
bulk_alloc(struct store_wr *w, uint16_t *id)
{
	unsigned char kb[2], nb[2];
	MDB_val v;
	uint32_t i, next = 1;
	int rc;

	*id = 0;
	if (wget(w, DB_META, "bulknext", 8, &v) == RB_OK && v.mv_size == 2)
		next = get16(v.mv_data);
	for (i = 0; i < BULK_IDS; i++, next = next % (BULK_IDS - 1) + 1) {
		put16(kb, (uint16_t)next);
		if ((rc = wget(w, DB_BULK, kb, 2, &v)) == RB_ENOTFOUND) {
			*id = (uint16_t)next;
			put16(nb, (uint16_t)(next % (BULK_IDS - 1) + 1));
			return wput(w, DB_META, "bulknext", 8, nb, 2, 0);
		}
		if (rc != RB_OK)
			return rc;
	}
	return RB_OK;
}

static size_t
tuple_hash(const struct tuple *t)
{
	uint64_t h = (uint64_t)t->at * 0x9e3779b97f4a7c15ULL;

	h ^= ((uint64_t)t->source << 32 | t->evidence) * 0xc2b2ae3d27d4eb4fULL;
	h ^= ((uint64_t)t->zone << 40 | (uint64_t)t->op << 32 | t->lifetime) * 0x165667b19e3779f9ULL;
	return (size_t)(h >> 40) % COMPACT_SLOTS;
}

/* The bulk record of this transaction for KEY's shared parts, started if new (NULL: full). */
static struct tuple *
tuple_get(struct store_wr *w, const struct tuple *key, int *rc)
{
	struct compact *c = w->compact;
	size_t i = tuple_hash(key);
	struct tuple *t;
	struct bulk b;

	*rc = RB_OK;
	for (;; i = (i + 1) % COMPACT_SLOTS) {
		t = &c->t[i];
		if (!t->used)
			break;
		if (t->zone == key->zone && t->op == key->op && t->at == key->at &&
		    t->lifetime == key->lifetime && t->source == key->source &&
		    t->evidence == key->evidence)
			return t;
	}
	if (c->n >= COMPACT_MAX)
		return NULL;
	*t = *key;
	t->count = 0;
	if ((*rc = bulk_alloc(w, &t->id)) != 0 || t->id == 0)
		return NULL;
	t->used = true;
	t->seq = ++w->hist_seq;
	c->n++;
	w->has_bulk = true;
	/* Written now so that no other start takes the id; compact_commit completes it. */
	memset(&b, 0, sizeof(b));
	b.at = t->at;
	b.committed = w->now;
	b.seq = t->seq;
	b.zone = t->zone;
	b.op = t->op;
	b.lifetime = t->lifetime;
	b.source = t->source;
	b.evidence = t->evidence;
	*rc = bulk_write(w, t->id, &b);
	return *rc == 0 ? t : NULL;
}

static struct tuple *
tuple_of_id(struct store_wr *w, uint16_t id)
{
	size_t i;

	if (w->compact == NULL)
		return NULL;
	for (i = 0; i < COMPACT_SLOTS; i++)
		if (w->compact->t[i].used && w->compact->t[i].id == id)
			return &w->compact->t[i];
	return NULL;
}

int
compact_report(struct store_wr *w, uint16_t zone, const struct report *r, uint32_t reason,
    uint32_t source, uint32_t evidence, uint8_t parent, enum store_outcome *out)
{
	struct tuple key, *t;
	struct listing l;
	int rc;

	if (w->compact == NULL || r->net.fam == ADDR_NAME)
		return 0;
	memset(&key, 0, sizeof(key));
	key.zone = zone;
	key.op = r->imported ? HISTORY_IMPORT : HISTORY_REPORT;
	key.at = r->at;
	key.lifetime = r->lifetime;
	key.source = source;
	key.evidence = evidence;
	if ((t = tuple_get(w, &key, &rc)) == NULL)
		return sticky(w, rc);
	memset(&l, 0, sizeof(l));
	l.zone = zone;
	l.net = r->net;
	l.code = r->code;
	l.reason_id = reason;
	l.expires = r->lifetime ? clamp_time(r->at + (int64_t)r->lifetime) : 0;
	l.bulk = t->id;
	if ((rc = entry_put(w, zone, &l, NULL, parent)) != 0)
		return rc;
	t->count++;
	*out = STORE_NEW;
	return 1;
}

int
compact_commit(struct store_wr *w, uint64_t id)
{
	struct bulk b;
	size_t i;
	int rc;

	if (w->compact == NULL)
		return RB_OK;
	for (i = 0; i < COMPACT_SLOTS; i++) {
		struct tuple *t = &w->compact->t[i];

		if (!t->used)
			continue;
		if ((rc = bulk_read(w->txn, w->s, t->id, &b)) != 0)
			return sticky(w, rc);
		b.commit = id;
		b.count = b.total = t->count;
		if ((rc = bulk_write(w, t->id, &b)) != 0)
			return rc;
	}
	return RB_OK;
}

/* The history value (HIST_IDS_LEN) of a compact entry L of bulk record B. */
static void
hist_value(unsigned char *vb, const struct bulk *b, const struct listing *l)
{
	put64(vb, (uint64_t)b->at);
	put64(vb + 8, (uint64_t)b->committed);
	put16(vb + 16, b->zone);
	vb[18] = b->op | HIST_OP_IDS;
	put32(vb + 19, l->code);
	put32(vb + 23, b->lifetime);
	put32(vb + 27, l->reason_id);
	put32(vb + 31, b->source);
	put32(vb + 35, b->evidence);
	put32(vb + 39, b->by);
}

static void
detail_of(const struct bulk *b, struct listing_detail *d)
{
	memset(d, 0, sizeof(*d));
	d->first_seen = d->last_seen = b->at;
	d->count = d->nsources = 1;
}

/* The records of compact entry L (bulk B, parent PARENT), its mark cleared; OURS: started here. */
static int
expand_write(struct store_wr *w, struct listing *l, uint8_t parent, const struct bulk *b,
    bool ours)
{
	unsigned char kb[KEY_MAX + 12], vb[HIST_IDS_LEN], rv[16], dv[DETAIL_LEN];
	unsigned char bk[4 + KEY_MAX + 8];
	struct hot h;
	struct listing_detail d;
	size_t klen, rklen;
	int rc;

	l->bulk = 0;
	detail_of(b, &d);
	put32(rv, l->reason_id);
	put32(rv + 4, b->evidence);
	put32(rv + 8, l->code);
	put32(rv + 12, b->lifetime);
	rklen = report_key(kb, l->zone, &l->net, b->source, b->at);
	if (ours) {
		/* New in this transaction: undo takes it as new (revert removes it). */
		if ((rc = undo_note_hot(w, l->zone, &l->net, NULL, l)) != 0 ||
		    (rc = detail_put(w, l->zone, &l->net, &d)) != 0 ||
		    (rc = report_put(w, kb, rklen, rv, true)) != 0)
			return rc;
	} else {
		/* Older: the records are its state before this transaction. */
		detail_encode(dv, &d);
		memcpy(bk, kb + rklen - 12, 4);
		memcpy(bk + 4, kb, rklen - 12);
		memcpy(bk + rklen - 8, kb + rklen - 8, 8);
		if ((rc = wput(w, DB_REPORTS, kb, rklen, rv, 16, 0)) != 0 ||
		    (rc = wput(w, DB_BYSOURCE, bk, rklen, "", 0, 0)) != 0 ||
		    (rc = wput(w, DB_DETAILS, kb, rklen - 12, dv, DETAIL_LEN, 0)) != 0)
			return rc;
	}
	klen = entry_key(kb, l->zone, &l->net, l->net.plen);
	h.flags = l->flags;
	h.parent = parent;
	h.bulk = 0;
	h.code = l->code;
	h.expires = l->expires;
	h.reason_id = l->reason_id;
	hot_encode(vb, &h);
	if ((rc = wput(w, DB_ENTRIES, kb, klen, vb, HOT_LEN, 0)) != 0)
		return rc;
	klen = addr_key(kb, &l->net);
	put64(kb + klen, b->seq);
	hist_value(vb, b, l);
	return wput(w, DB_HISTORY, kb, klen + 8, vb, HIST_IDS_LEN, 0);
}

int
compact_expand(struct store_wr *w, uint16_t zone, const struct addr *net)
{
	struct listing l;
	struct bulk b;
	struct tuple *t;
	uint8_t parent;
	uint16_t id;
	int rc;

	if (!w->has_bulk || w->err != 0)
		return w->err;
	rc = get_entry(&w->rd, zone, net, net->plen, &l, &parent);
	if (rc == RB_ENOTFOUND || (rc == RB_OK && l.bulk == 0))
		return RB_OK;
	if (rc != 0)
		return sticky(w, rc);
	id = l.bulk;
	if ((rc = bulk_read(w->txn, w->s, id, &b)) != 0)
		return sticky(w, rc == RB_ENOTFOUND ? RB_ESTORE : rc);
	t = tuple_of_id(w, id);
	if ((rc = expand_write(w, &l, parent, &b, t != NULL)) != 0)
		return rc;
	if (t != NULL) {
		t->count--;
		return RB_OK;
	}
	b.count = b.count > 0 ? b.count - 1 : 0;
	return bulk_write(w, id, &b);
}

int
compact_source(struct store_wr *w, const struct listing *l, uint32_t *source)
{
	struct bulk b;
	int rc;

	if ((rc = bulk_read(w->txn, w->s, l->bulk, &b)) != 0)
		return sticky(w, rc == RB_ENOTFOUND ? RB_ESTORE : rc);
	*source = b.source;
	return RB_OK;
}

/* The ids of the bulk records MATCH takes, into SET (BULK_IDS bits): how many. */
static int
bulk_select(struct store_wr *w, bool (*match)(const struct bulk *, const void *),
    const void *arg, uint8_t *set, size_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct bulk b;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_BULK], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 2 || !bulk_decode(&v, &b) || !match(&b, arg))
			continue;
		set[get16(k.mv_data) >> 3] |= (uint8_t)(1u << (get16(k.mv_data) & 7));
		(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? RB_OK : sticky(w, from_mdb(rc));
}

/* Every compact entry (all zones) of a bulk record in SET, into V: a scan of entries. */
static int
compact_collect(struct store_wr *w, const uint8_t *set, struct listing_vec *vc)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct listing l;
	struct hot h;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_ENTRIES], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!hot_decode(&v, &h) || h.bulk == 0 ||
		    !(set[h.bulk >> 3] & (1u << (h.bulk & 7))) || !entry_key_decode(&k, &l))
			continue;
		hot_to_listing(&h, &l);
		if ((rc = listing_vec_push(vc, &l)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return RB_OK;
	return sticky(w, rc < 0 ? rc : from_mdb(rc));
}

struct by_source {
	uint32_t source;
	int64_t since;
};

static bool
match_source(const struct bulk *b, const void *arg)
{
	const struct by_source *s = arg;

	return b->source == s->source && b->at >= s->since;
}

int
compact_expand_source(struct store_wr *w, uint32_t source, int64_t since)
{
	struct by_source bs = { source, since };
	struct listing_vec vc = { NULL, 0, 0 };
	uint8_t *set;
	size_t n, i;
	int rc;

	if (!w->has_bulk)
		return RB_OK;
	if ((set = calloc(BULK_IDS / 8, 1)) == NULL)
		return sticky(w, -ENOMEM);
	rc = bulk_select(w, match_source, &bs, set, &n);
	if (rc == 0 && n > 0)
		rc = compact_collect(w, set, &vc);
	for (i = 0; rc == 0 && i < vc.n; i++)
		rc = compact_expand(w, vc.v[i].zone, &vc.v[i].net);
	free(vc.v);
	free(set);
	return rc;
}

struct by_commit {
	uint64_t commit;
	uint64_t changed;	/* entries expanded since: changed by a later commit */
};

static bool
match_commit(const struct bulk *b, const void *arg)
{
	struct by_commit *bc = (struct by_commit *)arg;

	if (b->commit != bc->commit)
		return false;
	bc->changed += b->total - b->count;
	return true;
}

/* Compact entry L of COMMIT goes: the records it stood for, then removed as revert removes. */
static int
revert_one(struct store_wr *w, const struct listing *l, uint64_t commit)
{
	struct hist_text ht = { NULL, NULL, NULL, NULL };
	unsigned char rk[KEY_MAX + 12];
	char note[96];
	struct bulk b;
	int rc;

	if ((rc = bulk_read(w->txn, w->s, l->bulk, &b)) != 0 ||
	    (rc = compact_expand(w, l->zone, &l->net)) != 0 ||
	    (rc = entry_remove(w, l->zone, l)) != 0 ||
	    (rc = detail_del(w, l->zone, &l->net)) != 0 ||
	    (rc = report_del(w, rk, report_key(rk, l->zone, &l->net, b.source, b.at))) != 0)
		return sticky(w, rc);
	snprintf(note, sizeof(note), "commit %llu reverted: removed", (unsigned long long)commit);
	ht.reason = note;
	return history_add(w, l->zone, &l->net, HISTORY_REVERT, w->now, 0, 0, &ht);
}

int
compact_revert(struct store_wr *w, uint64_t commit, bool apply, store_revert_cb cb,
    void *arg, struct store_revert_counts *c)
{
	struct listing_vec vc = { NULL, 0, 0 };
	struct by_commit bc = { commit, 0 };
	struct store_revert_entry e;
	uint8_t *set;
	size_t n, i;
	int rc;

	if (!w->has_bulk)
		return RB_OK;
	if ((set = calloc(BULK_IDS / 8, 1)) == NULL)
		return sticky(w, -ENOMEM);
	rc = bulk_select(w, match_commit, &bc, set, &n);
	/* Expanded since: changed by a later commit; revert leaves them (conflicts). */
	if (!apply) {
		c->entries += bc.changed;
		c->conflicts += bc.changed;
	}
	if (rc == 0 && n > 0)
		rc = compact_collect(w, set, &vc);
	for (i = 0; rc == 0 && i < vc.n; i++) {
		if (apply) {
			rc = revert_one(w, &vc.v[i], commit);
			continue;
		}
		memset(&e, 0, sizeof(e));
		e.zone = vc.v[i].zone;
		e.net = vc.v[i].net;
		e.has = true;
		e.now = vc.v[i];
		e.state = STORE_REVERT_DONE;
		c->entries++;
		c->done++;
		if (cb != NULL)
			rc = cb(arg, &e);
	}
	free(vc.v);
	free(set);
	return rc;
}

int
compact_detail(struct store_reader *r, uint16_t zone, const struct addr *net,
    struct listing_detail *d)
{
	struct listing l;
	struct bulk b;
	uint8_t parent;
	int rc;

	if ((rc = get_entry(r, zone, net, net->plen, &l, &parent)) != 0)
		return rc;
	if (l.bulk == 0)
		return RB_ENOTFOUND;
	if ((rc = bulk_read(r->txn, r->s, l.bulk, &b)) != 0)
		return rc == RB_ENOTFOUND ? RB_ESTORE : rc;
	detail_of(&b, d);
	return RB_OK;
}

size_t
compact_history(struct store_reader *r, const struct addr *net, struct compact_hist *out,
    size_t max)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t n = 0, i;

	if (mdb_cursor_open(r->txn, r->s->dbi[DB_META], &cur) != 0)
		return 0;
	k.mv_size = 1;
	k.mv_data = "z";
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct compact_hist *c = &out[n];
		struct listing l;
		struct bulk b;
		uint8_t parent;

		if (((const unsigned char *)k.mv_data)[0] != 'z')
			break;
		if (k.mv_size != 3 || get_entry(r, get16((const unsigned char *)k.mv_data + 1),
		    net, net->plen, &l, &parent) != 0 || l.bulk == 0 ||
		    bulk_read(r->txn, r->s, l.bulk, &b) != 0)
			continue;
		memset(c, 0, sizeof(*c));
		c->seq = b.seq;
		c->h.net = *net;
		c->h.zone = l.zone;
		c->h.op = b.op;
		c->h.at = b.at;
		c->h.recorded = b.committed;
		c->h.code = l.code;
		c->h.lifetime = b.lifetime;
		c->ids[0] = l.reason_id;
		c->ids[1] = b.source;
		c->ids[2] = b.evidence;
		c->ids[3] = b.by;
		/* In seq order, as the records they stand for. */
		for (i = n++; i > 0 && out[i - 1].seq > c->seq; i--) {
			struct compact_hist x = out[i];

			out[i] = out[i - 1];
			out[i - 1] = x;
		}
	}
	mdb_cursor_close(cur);
	return n;
}
