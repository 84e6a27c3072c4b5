/* Undo records: what each commit changed, entry by entry, before and after; and revert. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

/*
 * A write transaction notes the state of every entry it changes the first
 * time it changes it (the entry primitives call undo_note_*): its listing,
 * its details and each report touched.  At commit undo_write reads their
 * state after, and writes one record per entry that ends different into
 * DB_UNDO under the commit's id.  Revert then needs no knowledge of what
 * kind of command made the commit: it sets each entry back.
 *
 * The notes live in memory: a table of entry slots with an open-addressing
 * index, and the reports in a side array chained per slot.  A commit of
 * more than STORE_UNDO_MAX_ENTRIES entries drops them (UNDO_TOO_LARGE),
 * which bounds the memory to some 100 MB.
 */

#define ENTRY_KEY_MAX 20	/* zone(2) fam(1) addr(16) plen(1) */

struct undo_slot {
	unsigned char key[ENTRY_KEY_MAX];
	uint8_t klen;
	uint8_t seen;		/* SEEN_HOT, SEEN_DETAIL: before-image taken */
	uint8_t have;		/* UNDO_HAVE_HOT_BEFORE, UNDO_HAVE_DETAIL_BEFORE */
	unsigned char hot[UNDO_HOT_LEN];
	unsigned char detail[DETAIL_LEN];
	uint32_t rep;		/* index + 1 of its first report, 0 none */
};
#define SEEN_HOT 0x01
#define SEEN_DETAIL 0x02

struct undo_rep {
	unsigned char sat[12];	/* source(4) at(8) */
	uint8_t have;		/* 1: present before */
	unsigned char v[16];
	uint32_t next;		/* index + 1 of the slot's next report, 0 none */
};

struct undo_cap {
	bool overflow;
	uint32_t *index;	/* slot index + 1, 0 empty */
	uint32_t mask;
	struct undo_slot *slots;
	uint32_t n, cap;
	struct undo_rep *reps;
	uint32_t nrep, caprep;
};

void
undo_free(struct undo_cap *u)
{
	if (u == NULL)
		return;
	free(u->index);
	free(u->slots);
	free(u->reps);
	free(u);
}

static uint32_t
key_hash(const unsigned char *k, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ *k++) * 16777619u;
	return h;
}

static void
overflow(struct undo_cap *u)
{
	free(u->index);
	free(u->slots);
	free(u->reps);
	memset(u, 0, sizeof(*u));
	u->overflow = true;
}

static int
grow_index(struct undo_cap *u)
{
	uint32_t size = u->mask ? (u->mask + 1) * 2 : 1024, i, j;
	uint32_t *index = calloc(size, sizeof(*index));

	if (index == NULL)
		return -ENOMEM;
	for (i = 0; i < u->n; i++) {
		j = key_hash(u->slots[i].key, u->slots[i].klen) & (size - 1);
		while (index[j] != 0)
			j = (j + 1) & (size - 1);
		index[j] = i + 1;
	}
	free(u->index);
	u->index = index;
	u->mask = size - 1;
	return RB_OK;
}

/*
 * The slot of entry key K, created when new; NULL once the transaction
 * changed too many entries (or without memory: *rc says which).
 */
static struct undo_slot *
slot(struct store_wr *w, const unsigned char *k, size_t klen, int *rc)
{
	struct undo_cap *u = w->undo;
	struct undo_slot *sl;
	uint32_t j;

	*rc = RB_OK;
	if (u == NULL && (u = w->undo = calloc(1, sizeof(*u))) == NULL) {
		*rc = sticky(w, -ENOMEM);
		return NULL;
	}
	if (u->overflow || klen > ENTRY_KEY_MAX)
		return NULL;
	if (u->mask != 0) {
		j = key_hash(k, klen) & u->mask;
		for (; u->index[j] != 0; j = (j + 1) & u->mask) {
			sl = &u->slots[u->index[j] - 1];
			if (sl->klen == klen && memcmp(sl->key, k, klen) == 0)
				return sl;
		}
	}
	if (u->n >= STORE_UNDO_MAX_ENTRIES) {
		overflow(u);
		return NULL;
	}
	if (u->n == u->cap) {
		uint32_t cap = u->cap ? u->cap * 2 : 256;

		if ((sl = realloc(u->slots, (size_t)cap * sizeof(*sl))) == NULL) {
			*rc = sticky(w, -ENOMEM);
			return NULL;
		}
		u->slots = sl;
		u->cap = cap;
	}
	/* Half full at most: probes stay short. */
	if ((u->n + 1) * 2 > u->mask + 1 && (*rc = grow_index(u)) != 0) {
		sticky(w, *rc);
		return NULL;
	}
	j = key_hash(k, klen) & u->mask;
	while (u->index[j] != 0)
		j = (j + 1) & u->mask;
	u->index[j] = u->n + 1;
	sl = &u->slots[u->n++];
	memset(sl, 0, sizeof(*sl));
	memcpy(sl->key, k, klen);
	sl->klen = (uint8_t)klen;
	return sl;
}

static void
hot_image(unsigned char *p, const struct listing *l)
{
	p[0] = l->flags;
	put32(p + 1, l->code);
	put32(p + 5, l->expires);
	put32(p + 9, l->reason_id);
}

static void
hot_from_image(const unsigned char *p, uint16_t zone, const struct addr *net,
    struct listing *l)
{
	memset(l, 0, sizeof(*l));
	l->zone = zone;
	l->net = *net;
	l->flags = p[0];
	l->code = get32(p + 1);
	l->expires = get32(p + 5);
	l->reason_id = get32(p + 9);
}

int
undo_note_hot(struct store_wr *w, uint16_t zone, const struct addr *net,
    const struct listing *before)
{
	unsigned char kb[KEY_MAX];
	struct undo_slot *sl;
	int rc;

	if ((sl = slot(w, kb, entry_key(kb, zone, net, net->plen), &rc)) == NULL)
		return rc;
	if (sl->seen & SEEN_HOT)
		return RB_OK;
	sl->seen |= SEEN_HOT;
	if (before != NULL) {
		sl->have |= UNDO_HAVE_HOT_BEFORE;
		hot_image(sl->hot, before);
	}
	return RB_OK;
}

int
undo_note_detail(struct store_wr *w, uint16_t zone, const struct addr *net)
{
	unsigned char kb[KEY_MAX];
	struct undo_slot *sl;
	size_t klen = entry_key(kb, zone, net, net->plen);
	MDB_val v;
	int rc;

	if ((sl = slot(w, kb, klen, &rc)) == NULL)
		return rc;
	if (sl->seen & SEEN_DETAIL)
		return RB_OK;
	if ((rc = wget(w, DB_DETAILS, kb, klen, &v)) == RB_OK) {
		sl->have |= UNDO_HAVE_DETAIL_BEFORE;
		memset(sl->detail, 0, DETAIL_LEN);
		memcpy(sl->detail, v.mv_data, v.mv_size < DETAIL_LEN ? v.mv_size : DETAIL_LEN);
	} else if (rc != RB_ENOTFOUND) {
		return rc;
	}
	sl->seen |= SEEN_DETAIL;
	return RB_OK;
}

int
undo_note_report(struct store_wr *w, const unsigned char *rk, size_t rklen)
{
	struct undo_cap *u;
	struct undo_slot *sl;
	struct undo_rep *r;
	uint32_t i, si;
	MDB_val v;
	int rc;

	if ((sl = slot(w, rk, rklen - 12, &rc)) == NULL)
		return rc;
	u = w->undo;
	for (i = sl->rep; i != 0; i = u->reps[i - 1].next)
		if (memcmp(u->reps[i - 1].sat, rk + rklen - 12, 12) == 0)
			return RB_OK;
	if (u->nrep == u->caprep) {
		uint32_t cap = u->caprep ? u->caprep * 2 : 256;

		/* The slot pointer stays valid: only the report array moves. */
		if ((r = realloc(u->reps, (size_t)cap * sizeof(*r))) == NULL)
			return sticky(w, -ENOMEM);
		u->reps = r;
		u->caprep = cap;
	}
	si = (uint32_t)(sl - u->slots);
	r = &u->reps[u->nrep];
	memset(r, 0, sizeof(*r));
	memcpy(r->sat, rk + rklen - 12, 12);
	if ((rc = wget(w, DB_REPORTS, rk, rklen, &v)) == RB_OK) {
		r->have = 1;
		memcpy(r->v, v.mv_data, v.mv_size < 16 ? v.mv_size : 16);
	} else if (rc != RB_ENOTFOUND) {
		return rc;
	}
	r->next = u->slots[si].rep;
	u->slots[si].rep = ++u->nrep;
	return RB_OK;
}

/* ---- At commit ---- */

/* LMDB's order of the entry keys, so the records go in by append. */
static int
slot_cmp(const void *a, const void *b, void *base)
{
	const struct undo_slot *x = (const struct undo_slot *)base + *(const uint32_t *)a;
	const struct undo_slot *y = (const struct undo_slot *)base + *(const uint32_t *)b;
	int c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);

	return c != 0 ? c : (int)x->klen - (int)y->klen;
}

static int
header_write(struct store_wr *w, uint64_t id, uint8_t state, uint32_t entries)
{
	unsigned char kb[8], vb[UNDO_HDR_LEN];

	put64(kb, id);
	put64(vb, (uint64_t)w->now);
	vb[8] = state;
	put64(vb + 9, w->reverts);
	put32(vb + 17, entries);
	return wput(w, DB_UNDO, kb, 8, vb, UNDO_HDR_LEN, 0);
}

/*
 * Build the record of slot SL in BUF (the after-states read now); *len 0
 * when the entry ends as it began (nothing to undo).
 */
static int
record_build(struct store_wr *w, const struct undo_slot *sl, unsigned char *buf, size_t *len)
{
	const struct undo_cap *u = w->undo;
	unsigned char *p = buf;
	struct hot h;
	struct listing l;
	MDB_val v;
	uint16_t nrep = 0;
	bool same = true;
	uint32_t i;
	int rc;

	memset(buf, 0, UNDO_REC_LEN);
	p[0] = sl->have & (UNDO_HAVE_HOT_BEFORE | UNDO_HAVE_DETAIL_BEFORE);
	/* Parts never noted are unchanged: before = after, read now. */
	if ((rc = wget(w, DB_ENTRIES, sl->key, sl->klen, &v)) == RB_OK) {
		if (!hot_decode(&v, &h))
			return sticky(w, RB_ESTORE);
		memset(&l, 0, sizeof(l));
		hot_to_listing(&h, &l);
		p[0] |= UNDO_HAVE_HOT_AFTER;
		hot_image(p + 1 + UNDO_HOT_LEN, &l);
	} else if (rc != RB_ENOTFOUND) {
		return rc;
	}
	if (sl->seen & SEEN_HOT)
		memcpy(p + 1, sl->hot, UNDO_HOT_LEN);
	else {
		memcpy(p + 1, p + 1 + UNDO_HOT_LEN, UNDO_HOT_LEN);
		p[0] |= (p[0] & UNDO_HAVE_HOT_AFTER) ? UNDO_HAVE_HOT_BEFORE : 0;
	}
	if ((rc = wget(w, DB_DETAILS, sl->key, sl->klen, &v)) == RB_OK) {
		p[0] |= UNDO_HAVE_DETAIL_AFTER;
		memcpy(p + 1 + 2 * UNDO_HOT_LEN + DETAIL_LEN, v.mv_data,
		    v.mv_size < DETAIL_LEN ? v.mv_size : DETAIL_LEN);
	} else if (rc != RB_ENOTFOUND) {
		return rc;
	}
	if (sl->seen & SEEN_DETAIL)
		memcpy(p + 1 + 2 * UNDO_HOT_LEN, sl->detail, DETAIL_LEN);
	else {
		memcpy(p + 1 + 2 * UNDO_HOT_LEN, p + 1 + 2 * UNDO_HOT_LEN + DETAIL_LEN, DETAIL_LEN);
		p[0] |= (p[0] & UNDO_HAVE_DETAIL_AFTER) ? UNDO_HAVE_DETAIL_BEFORE : 0;
	}
	same = ((p[0] & UNDO_HAVE_HOT_BEFORE) != 0) == ((p[0] & UNDO_HAVE_HOT_AFTER) != 0) &&
	    ((p[0] & UNDO_HAVE_DETAIL_BEFORE) != 0) == ((p[0] & UNDO_HAVE_DETAIL_AFTER) != 0) &&
	    memcmp(p + 1, p + 1 + UNDO_HOT_LEN, UNDO_HOT_LEN) == 0 &&
	    memcmp(p + 1 + 2 * UNDO_HOT_LEN, p + 1 + 2 * UNDO_HOT_LEN + DETAIL_LEN,
	    DETAIL_LEN) == 0;
	p += UNDO_REC_LEN;
	for (i = sl->rep; i != 0; i = u->reps[i - 1].next) {
		const struct undo_rep *r = &u->reps[i - 1];
		unsigned char rk[KEY_MAX + 12];

		memcpy(rk, sl->key, sl->klen);
		memcpy(rk + sl->klen, r->sat, 12);
		memset(p, 0, UNDO_REP_LEN);
		memcpy(p, r->sat, 12);
		p[12] = r->have;
		memcpy(p + 13, r->v, 16);
		if ((rc = wget(w, DB_REPORTS, rk, sl->klen + 12, &v)) == RB_OK) {
			p[12] |= 2;
			memcpy(p + 29, v.mv_data, v.mv_size < 16 ? v.mv_size : 16);
		} else if (rc != RB_ENOTFOUND) {
			return rc;
		}
		if (p[12] == 3 ? memcmp(p + 13, p + 29, 16) == 0 : p[12] == 0)
			continue;	/* unchanged: not kept */
		same = false;
		p += UNDO_REP_LEN;
		nrep++;
	}
	put16(buf + UNDO_REC_LEN - 2, nrep);
	*len = same ? 0 : (size_t)(p - buf);
	return RB_OK;
}

/* Count the reports chained to a slot, for the record's size. */
static uint32_t
slot_reports(const struct undo_cap *u, const struct undo_slot *sl)
{
	uint32_t i, n = 0;

	for (i = sl->rep; i != 0; i = u->reps[i - 1].next)
		n++;
	return n;
}

int
undo_write(struct store_wr *w, uint64_t id)
{
	struct undo_cap *u = w->undo;
	unsigned char kb[8 + ENTRY_KEY_MAX], *buf = NULL;
	uint32_t *order = NULL, i, written = 0;
	size_t cap = 0, need, len = 0;
	int rc = RB_OK;

	if (u != NULL && u->overflow)
		return header_write(w, id, UNDO_TOO_LARGE, 0);
	if (u == NULL || u->n == 0)
		return header_write(w, id, UNDO_KEPT, 0);
	if ((order = malloc((size_t)u->n * sizeof(*order))) == NULL)
		return sticky(w, -ENOMEM);
	for (i = 0; i < u->n; i++)
		order[i] = i;
	qsort_r(order, u->n, sizeof(*order), slot_cmp, u->slots);
	put64(kb, id);
	for (i = 0; rc == 0 && i < u->n; i++) {
		const struct undo_slot *sl = &u->slots[order[i]];

		need = UNDO_REC_LEN + (size_t)slot_reports(u, sl) * UNDO_REP_LEN;
		if (need > cap) {
			unsigned char *nb = realloc(buf, need);

			if (nb == NULL) {
				rc = sticky(w, -ENOMEM);
				break;
			}
			buf = nb;
			cap = need;
		}
		if ((rc = record_build(w, sl, buf, &len)) != 0 || len == 0)
			continue;
		memcpy(kb + 8, sl->key, sl->klen);
		rc = wput(w, DB_UNDO, kb, 8 + sl->klen, buf, len, 0);
		written++;
	}
	free(buf);
	free(order);
	return rc != 0 ? rc : header_write(w, id, UNDO_KEPT, written);
}

/*
 * Delete the undo records of commits older than STORE_UNDO_KEEP, oldest
 * first; a commit's header sorts before its entries.
 */
int
undo_trim(struct store_wr *w)
{
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned char id[8];
	bool old = false;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_UNDO], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 && k.mv_size >= 8) {
		if (k.mv_size == 8) {
			if (v.mv_size < UNDO_HDR_LEN ||
			    (int64_t)get64(v.mv_data) + STORE_UNDO_KEEP >= w->now)
				break;
			memcpy(id, k.mv_data, 8);
			old = true;
		} else if (!old || memcmp(k.mv_data, id, 8) != 0) {
			/* Entries without their header (cannot happen): keep them. */
			break;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
	}
	mdb_cursor_close(cur);
	if (rc == 0 || rc == MDB_NOTFOUND || rc == EINVAL)
		return RB_OK;
	return sticky(w, from_mdb(rc));
}

/* ---- Revert ---- */

/* One record, decoded; reports point into a copy the caller owns. */
struct undo_rec {
	uint16_t zone;
	struct addr net;
	uint8_t have;
	unsigned char hot[2][UNDO_HOT_LEN];
	unsigned char detail[2][DETAIL_LEN];
	uint16_t nrep;
	const unsigned char *reps;
	unsigned char key[ENTRY_KEY_MAX];
	size_t klen;
};

static bool
rec_decode(const MDB_val *k, const unsigned char *p, size_t len, struct undo_rec *r)
{
	MDB_val ek = { k->mv_size - 8, (unsigned char *)k->mv_data + 8 };
	struct listing l;

	if (len < UNDO_REC_LEN || !entry_key_decode(&ek, &l))
		return false;
	r->zone = l.zone;
	r->net = l.net;
	r->klen = ek.mv_size;
	memcpy(r->key, ek.mv_data, ek.mv_size);
	r->have = p[0];
	memcpy(r->hot[0], p + 1, UNDO_HOT_LEN);
	memcpy(r->hot[1], p + 1 + UNDO_HOT_LEN, UNDO_HOT_LEN);
	memcpy(r->detail[0], p + 1 + 2 * UNDO_HOT_LEN, DETAIL_LEN);
	memcpy(r->detail[1], p + 1 + 2 * UNDO_HOT_LEN + DETAIL_LEN, DETAIL_LEN);
	r->nrep = get16(p + UNDO_REC_LEN - 2);
	r->reps = p + UNDO_REC_LEN;
	return len == UNDO_REC_LEN + (size_t)r->nrep * UNDO_REP_LEN;
}

/* How a part is now: as it was before the commit, as the commit left it, or neither. */
enum part { PART_BEFORE, PART_AFTER, PART_OTHER };

static enum part
part_state(bool had, const unsigned char *before, bool left, const unsigned char *after,
    bool has, const unsigned char *now, size_t n)
{
	if (has == had && (!has || memcmp(now, before, n) == 0))
		return PART_BEFORE;
	if (has == left && (!has || memcmp(now, after, n) == 0))
		return PART_AFTER;
	return PART_OTHER;
}

static void
fold(enum part p, bool *after, bool *other)
{
	*after |= p == PART_AFTER;
	*other |= p == PART_OTHER;
}

/*
 * Classify entry R against the store now, filling E: already as before
 * the commit (every part), in conflict (some part neither as before nor
 * as the commit left it), or to be set back.
 */
static int
classify(struct store_wr *w, const struct undo_rec *r, struct store_revert_entry *e)
{
	unsigned char now[UNDO_HOT_LEN], dnow[DETAIL_LEN];
	MDB_val v;
	struct hot h;
	uint16_t i;
	bool after = false, other = false;
	int rc;

	memset(e, 0, sizeof(*e));
	memset(now, 0, sizeof(now));
	e->zone = r->zone;
	e->net = r->net;
	e->had = (r->have & UNDO_HAVE_HOT_BEFORE) != 0;
	if (e->had)
		hot_from_image(r->hot[0], r->zone, &r->net, &e->before);
	if ((rc = wget(w, DB_ENTRIES, r->key, r->klen, &v)) == RB_OK) {
		if (!hot_decode(&v, &h))
			return sticky(w, RB_ESTORE);
		e->has = true;
		e->now.zone = r->zone;
		e->now.net = r->net;
		hot_to_listing(&h, &e->now);
		hot_image(now, &e->now);
	} else if (rc != RB_ENOTFOUND) {
		return rc;
	}
	fold(part_state(e->had, r->hot[0], r->have & UNDO_HAVE_HOT_AFTER, r->hot[1], e->has,
	    now, UNDO_HOT_LEN), &after, &other);
	memset(dnow, 0, sizeof(dnow));
	if ((rc = wget(w, DB_DETAILS, r->key, r->klen, &v)) == RB_OK)
		memcpy(dnow, v.mv_data, v.mv_size < DETAIL_LEN ? v.mv_size : DETAIL_LEN);
	else if (rc != RB_ENOTFOUND)
		return rc;
	fold(part_state(r->have & UNDO_HAVE_DETAIL_BEFORE, r->detail[0],
	    r->have & UNDO_HAVE_DETAIL_AFTER, r->detail[1], rc == RB_OK, dnow, DETAIL_LEN),
	    &after, &other);
	for (i = 0; i < r->nrep; i++) {
		const unsigned char *p = r->reps + (size_t)i * UNDO_REP_LEN;
		unsigned char rk[KEY_MAX + 12], rnow[16];

		memcpy(rk, r->key, r->klen);
		memcpy(rk + r->klen, p, 12);
		memset(rnow, 0, sizeof(rnow));
		if ((rc = wget(w, DB_REPORTS, rk, r->klen + 12, &v)) == RB_OK)
			memcpy(rnow, v.mv_data, v.mv_size < 16 ? v.mv_size : 16);
		else if (rc != RB_ENOTFOUND)
			return rc;
		fold(part_state(p[12] & 1, p + 13, p[12] & 2, p + 29, rc == RB_OK, rnow, 16),
		    &after, &other);
	}
	e->state = other ? STORE_REVERT_CONFLICT : after ? STORE_REVERT_DONE :
	    STORE_REVERT_ALREADY;
	return RB_OK;
}

/* What the history says of an entry set back, from its state before the revert. */
static const char *
revert_note(bool had, const struct listing *before, bool has, uint8_t now_flags)
{
	if (!had)
		return has ? "removed" : "details restored";
	if (before->flags & LISTING_EXCEPTION)
		return has && (now_flags & LISTING_EXCEPTION) ? "exception restored" :
		    "excepted again";
	if (!has || (now_flags & LISTING_EXCEPTION))
		return "listed again";
	return "listing restored";
}

/*
 * Per record, what pass 0 found: the state, and whether there was an
 * entry then and whether it was an exception (for the history's words).
 */
#define MARK_STATE 0x03
#define MARK_HAS 0x04
#define MARK_EXC 0x08

/* Set entry R back to its state before the commit: PHASE 0 removals, 1 the rest. */
static int
apply(struct store_wr *w, const struct undo_rec *r, uint8_t mark, int phase, uint64_t commit)
{
	struct listing_detail d;
	struct listing before, gone;
	struct hist_text ht = { NULL, NULL, NULL, NULL };
	bool had = (r->have & UNDO_HAVE_HOT_BEFORE) != 0;
	char note[96];
	uint16_t i;
	int rc;

	if (had)
		hot_from_image(r->hot[0], r->zone, &r->net, &before);
	if (phase == 0) {
		if (had || !(mark & MARK_HAS))
			return RB_OK;
		memset(&gone, 0, sizeof(gone));
		gone.zone = r->zone;
		gone.net = r->net;
		/* Gone already when a range removed before took it along. */
		return entry_remove(w, r->zone, &gone);
	}
	if (had && (rc = entry_write(w, r->zone, &before)) != 0)
		return rc;
	if (r->have & UNDO_HAVE_DETAIL_BEFORE) {
		MDB_val dv = { DETAIL_LEN, (void *)r->detail[0] };

		detail_decode(&dv, &d);
		rc = detail_put(w, r->zone, &r->net, &d);
	} else {
		rc = detail_del(w, r->zone, &r->net);
	}
	if (rc != 0)
		return rc;
	for (i = 0; i < r->nrep; i++) {
		const unsigned char *p = r->reps + (size_t)i * UNDO_REP_LEN;
		unsigned char rk[KEY_MAX + 12];

		memcpy(rk, r->key, r->klen);
		memcpy(rk + r->klen, p, 12);
		if ((p[12] & 1) != 0)
			rc = report_put(w, rk, r->klen + 12, p + 13);
		else
			rc = report_del(w, rk, r->klen + 12);
		if (rc != 0)
			return rc;
	}
	snprintf(note, sizeof(note), "commit %llu reverted: %s", (unsigned long long)commit,
	    revert_note(had, &before, (mark & MARK_HAS) != 0,
	    (mark & MARK_EXC) ? LISTING_EXCEPTION : 0));
	ht.reason = note;
	return history_add(w, r->zone, &r->net, HISTORY_REVERT, w->now,
	    had && !(before.flags & LISTING_EXCEPTION) ? before.code : 0, 0, &ht);
}

struct revert_walk {
	uint64_t commit;
	store_revert_cb cb;
	void *arg;
	struct store_revert_counts *c;
	uint8_t *marks;		/* per record, from pass 0 */
	size_t nmarks, capmarks;
};

/*
 * One pass over the commit's records, in key order: PASS 0 classifies,
 * counts, calls CB and keeps a mark per record; 1 and 2 apply the
 * removals and then the rest to the records pass 0 found to set back.
 */
static int
revert_pass(struct store_wr *w, struct revert_walk *rw, int pass)
{
	unsigned char kb[8];
	unsigned char *copy = NULL;
	size_t cap = 0, n = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	struct undo_rec r;
	struct store_revert_entry e;
	int rc;

	put64(kb, rw->commit);
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_UNDO], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	k.mv_size = 8;
	k.mv_data = kb;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	while (rc == 0 && k.mv_size > 8 && memcmp(k.mv_data, kb, 8) == 0) {
		/* A copy: the writes below may move pages under the cursor's data. */
		if (v.mv_size > cap) {
			unsigned char *nc = realloc(copy, v.mv_size);

			if (nc == NULL) {
				rc = -ENOMEM;
				break;
			}
			copy = nc;
			cap = v.mv_size;
		}
		memcpy(copy, v.mv_data, v.mv_size);
		if (!rec_decode(&k, copy, v.mv_size, &r)) {
			rc = RB_ESTORE;
			break;
		}
		if (pass == 0) {
			if ((rc = classify(w, &r, &e)) != 0)
				break;
			if (rw->nmarks == rw->capmarks) {
				size_t mc = rw->capmarks ? rw->capmarks * 2 : 1024;
				uint8_t *m = realloc(rw->marks, mc);

				if (m == NULL) {
					rc = -ENOMEM;
					break;
				}
				rw->marks = m;
				rw->capmarks = mc;
			}
			rw->marks[rw->nmarks++] = (uint8_t)(e.state | (e.has ? MARK_HAS : 0) |
			    (e.has && (e.now.flags & LISTING_EXCEPTION) ? MARK_EXC : 0));
			rw->c->entries++;
			rw->c->done += e.state == STORE_REVERT_DONE;
			rw->c->already += e.state == STORE_REVERT_ALREADY;
			rw->c->conflicts += e.state == STORE_REVERT_CONFLICT;
			if (rw->cb != NULL && (rc = rw->cb(rw->arg, &e)) != 0)
				break;
		} else if (n >= rw->nmarks) {
			rc = RB_ESTORE;	/* the records changed between passes: cannot happen */
			break;
		} else if ((rw->marks[n] & MARK_STATE) == STORE_REVERT_DONE &&
		    (rc = apply(w, &r, rw->marks[n], pass - 1, rw->commit)) != 0) {
			break;
		}
		n++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	free(copy);
	if (rc == 0 || rc == MDB_NOTFOUND)
		return RB_OK;
	return rc < 0 ? sticky(w, rc) : sticky(w, from_mdb(rc));
}

int
store_revert(struct store_wr *w, uint64_t commit, unsigned flags, store_revert_cb cb,
    void *arg, struct store_revert_counts *c)
{
	struct revert_walk rw = { commit, cb, arg, c, NULL, 0, 0 };
	unsigned char kb[8];
	MDB_val v;
	int rc;

	memset(c, 0, sizeof(*c));
	if (w->err != 0)
		return w->err;
	put64(kb, commit);
	if ((rc = wget(w, DB_COMMITS, kb, 8, &v)) != 0)
		return rc;
	if (v.mv_size >= 8)
		c->at = (int64_t)get64(v.mv_data);
	if ((rc = wget(w, DB_UNDO, kb, 8, &v)) == RB_ENOTFOUND)
		return RB_ENOUNDO;
	if (rc != 0)
		return rc;
	if (v.mv_size < UNDO_HDR_LEN)
		return sticky(w, RB_ESTORE);
	c->reverts = get64((const unsigned char *)v.mv_data + 9);
	if (((const unsigned char *)v.mv_data)[8] == UNDO_TOO_LARGE) {
		c->too_large = true;
		return RB_ENOUNDO;
	}
	/* Classify everything first: a refusal writes nothing. */
	if ((rc = revert_pass(w, &rw, 0)) == 0 && c->conflicts > 0 &&
	    !(flags & STORE_REVERT_FORCE))
		rc = RB_ECONFLICT;
	/* Removals first: a range that goes takes its orphan exceptions along. */
	if (rc == 0 && (rc = revert_pass(w, &rw, 1)) == 0 && (rc = revert_pass(w, &rw, 2)) == 0) {
		w->reverts = commit;
		rc = batch_forget(w, commit);
	}
	free(rw.marks);
	return rc;
}
