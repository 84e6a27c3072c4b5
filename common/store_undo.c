/* Undo records: what each commit changed, entry by entry, before and after (revert is store_revert.c). */

#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

/*
 * A write transaction notes, for every entry it changes, the state before
 * its first change and the state after each change: its listing, its
 * details and each report touched.  The entry primitives of store_write.c
 * call undo_note_*, the only writers of those databases, so nothing is
 * missed; they know both states (the before-image of details is the read
 * detail_get just made, or one read here).  At commit undo_write writes
 * one record per entry that ends different into DB_UNDO under the commit's
 * id, with no further read.  Revert then needs no knowledge of the
 * command that made the commit: it sets each entry back.
 *
 * The notes live in memory: a table of entry slots with an open-addressing
 * index, and the reports in a side array chained per slot.  A commit of
 * more than STORE_UNDO_MAX_ENTRIES entries drops them (UNDO_TOO_LARGE),
 * which bounds the memory to some 200 MB; a bulk load's at
 * STORE_UNDO_MAX_BULK (some 40 MB): its new entries, compact, need none.
 */

struct undo_slot {
	unsigned char key[ENTRY_KEY_MAX];
	uint8_t klen;
	uint8_t have;		/* UNDO_HAVE_* and UNDO_*_KEPT, as in the record */
	unsigned char hot[2][UNDO_HOT_LEN];	/* before, after */
	unsigned char detail[2][DETAIL_LEN];
	uint32_t rep;		/* index + 1 of its first report, 0 none */
};

struct undo_rep {
	unsigned char sat[12];	/* source(4) at(8) */
	uint8_t have;		/* bit 0 present before, bit 1 after */
	unsigned char v[2][16];
	uint32_t next;		/* index + 1 of the slot's next report, 0 none */
};

/* Slots are allocated in blocks, so that none moves and none is copied. */
#define SLOT_BLOCK 4096
#define SLOT_BLOCKS ((STORE_UNDO_MAX_ENTRIES + SLOT_BLOCK - 1) / SLOT_BLOCK)

struct undo_cap {
	bool overflow;
	uint64_t *index;	/* hash(32) | slot index + 1 (32); 0 empty */
	uint32_t mask;
	struct undo_slot *blocks[SLOT_BLOCKS];
	uint32_t n;
	struct undo_rep *reps;
	uint32_t nrep, caprep;
	uint32_t last;		/* index + 1 of the slot found last: a report notes three parts */
	/* The last detail_get, whose value is a first change's before-image. */
	unsigned char dkey[ENTRY_KEY_MAX];
	uint8_t dklen;
	bool dfound;
	unsigned char dval[DETAIL_LEN];
};

static struct undo_slot *
slot_at(const struct undo_cap *u, uint32_t i)
{
	return &u->blocks[i / SLOT_BLOCK][i % SLOT_BLOCK];
}

static void
cap_clear(struct undo_cap *u)
{
	uint32_t i;

	free(u->index);
	for (i = 0; i < SLOT_BLOCKS; i++)
		free(u->blocks[i]);
	free(u->reps);
}

void
undo_free(struct undo_cap *u)
{
	if (u == NULL)
		return;
	cap_clear(u);
	free(u);
}

/*
 * FNV-1a over the key, then MurmurHash3's finaliser: entry keys differ in
 * their last octets, and the index takes the low bits.
 */
static uint32_t
key_hash(const unsigned char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ *k++) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static void
overflow(struct undo_cap *u)
{
	cap_clear(u);
	memset(u, 0, sizeof(*u));
	u->overflow = true;
	/* Give the captured images back to the system: a bulk load goes on for long (issue 23). */
	malloc_trim(0);
}

static int
grow_index(struct undo_cap *u)
{
	uint32_t size = u->mask ? (u->mask + 1) * 2 : 1024, i, j;
	uint64_t *index = calloc(size, sizeof(*index));

	if (index == NULL)
		return -ENOMEM;
	for (i = 0; u->mask != 0 && i <= u->mask; i++) {
		if (u->index[i] == 0)
			continue;
		j = (uint32_t)(u->index[i] >> 32) & (size - 1);
		while (index[j] != 0)
			j = (j + 1) & (size - 1);
		index[j] = u->index[i];
	}
	free(u->index);
	u->index = index;
	u->mask = size - 1;
	return RB_OK;
}

static struct undo_cap *
cap_of(struct store_wr *w, int *rc)
{
	*rc = RB_OK;
	if (w->undo == NULL && (w->undo = calloc(1, sizeof(*w->undo))) == NULL)
		*rc = sticky(w, -ENOMEM);
	return w->undo;
}

/*
 * The slot of entry key K, created when new; NULL once the transaction
 * changed too many entries (or without memory: *rc says which).
 */
static struct undo_slot *
slot(struct store_wr *w, const unsigned char *k, size_t klen, int *rc)
{
	struct undo_cap *u;
	struct undo_slot *sl;
	uint32_t j, h;

	if ((u = cap_of(w, rc)) == NULL || u->overflow || klen > ENTRY_KEY_MAX)
		return NULL;
	if (u->last != 0) {
		sl = slot_at(u, u->last - 1);
		if (sl->klen == klen && memcmp(sl->key, k, klen) == 0)
			return sl;
	}
	h = key_hash(k, klen);
	if (u->mask != 0) {
		/* The hash kept beside each index spares reading the slots that differ. */
		for (j = h & u->mask; u->index[j] != 0; j = (j + 1) & u->mask) {
			if ((uint32_t)(u->index[j] >> 32) != h)
				continue;
			sl = slot_at(u, (uint32_t)u->index[j] - 1);
			if (sl->klen == klen && memcmp(sl->key, k, klen) == 0) {
				u->last = (uint32_t)u->index[j];
				return sl;
			}
		}
	}
	/* A bulk load keeps fewer: its new entries are compact, and it must fit in memory. */
	if (u->n >= (w->compact != NULL ? STORE_UNDO_MAX_BULK : STORE_UNDO_MAX_ENTRIES)) {
		overflow(u);
		return NULL;
	}
	if (u->n % SLOT_BLOCK == 0 && (u->blocks[u->n / SLOT_BLOCK] =
	    malloc(SLOT_BLOCK * sizeof(*sl))) == NULL) {
		*rc = sticky(w, -ENOMEM);
		return NULL;
	}
	/* Half full at most: probes stay short. */
	if ((u->n + 1) * 2 > u->mask + 1 && (*rc = grow_index(u)) != 0) {
		sticky(w, *rc);
		return NULL;
	}
	j = h & u->mask;
	while (u->index[j] != 0)
		j = (j + 1) & u->mask;
	u->index[j] = (uint64_t)h << 32 | (u->n + 1);
	u->last = u->n + 1;
	sl = slot_at(u, u->n++);
	/* Only what says which parts are there: the images are written when noted. */
	memcpy(sl->key, k, klen);
	sl->have = 0;
	sl->rep = 0;
	sl->klen = (uint8_t)klen;
	return sl;
}

void
undo_hot_image(unsigned char *p, const struct listing *l)
{
	p[0] = l->flags;
	put32(p + 1, l->code);
	put32(p + 5, l->expires);
	put32(p + 9, l->reason_id);
}

void
undo_hot_listing(const unsigned char *p, uint16_t zone, const struct addr *net,
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
    const struct listing *before, const struct listing *after)
{
	unsigned char kb[KEY_MAX];
	struct undo_slot *sl;
	int rc;

	/* A new compact entry keeps no undo record: revert finds it by its bulk record. */
	if (before == NULL && after != NULL && after->bulk != 0)
		return RB_OK;
	if ((sl = slot(w, kb, entry_key(kb, zone, net, net->plen), &rc)) == NULL)
		return rc;
	if (!(sl->have & UNDO_HOT_KEPT)) {
		sl->have |= UNDO_HOT_KEPT;
		memset(sl->hot[0], 0, UNDO_HOT_LEN);
		if (before != NULL) {
			sl->have |= UNDO_HAVE_HOT_BEFORE;
			undo_hot_image(sl->hot[0], before);
		}
	}
	sl->have &= (uint8_t)~UNDO_HAVE_HOT_AFTER;
	memset(sl->hot[1], 0, UNDO_HOT_LEN);
	if (after != NULL) {
		sl->have |= UNDO_HAVE_HOT_AFTER;
		undo_hot_image(sl->hot[1], after);
	}
	return RB_OK;
}

void
undo_saw_detail(struct store_wr *w, const unsigned char *k, size_t klen, const MDB_val *v)
{
	struct undo_cap *u;
	int rc;

	if ((u = cap_of(w, &rc)) == NULL || u->overflow || klen > ENTRY_KEY_MAX)
		return;
	memcpy(u->dkey, k, klen);
	u->dklen = (uint8_t)klen;
	u->dfound = v != NULL;
	memset(u->dval, 0, DETAIL_LEN);
	if (v != NULL)
		memcpy(u->dval, v->mv_data, v->mv_size < DETAIL_LEN ? v->mv_size : DETAIL_LEN);
}

int
undo_note_detail(struct store_wr *w, uint16_t zone, const struct addr *net,
    const unsigned char *after)
{
	unsigned char kb[KEY_MAX];
	struct undo_slot *sl;
	size_t klen = entry_key(kb, zone, net, net->plen);
	struct undo_cap *u;
	MDB_val v;
	int rc;

	if ((sl = slot(w, kb, klen, &rc)) == NULL)
		return rc;
	u = w->undo;
	if (!(sl->have & UNDO_DETAIL_KEPT)) {
		/* The before-image: detail_get's read just now, or one read here. */
		if (u->dklen == klen && memcmp(u->dkey, kb, klen) == 0) {
			rc = u->dfound ? RB_OK : RB_ENOTFOUND;
			v.mv_size = DETAIL_LEN;
			v.mv_data = u->dval;
		} else {
			rc = wget(w, DB_DETAILS, kb, klen, &v);
		}
		memset(sl->detail[0], 0, DETAIL_LEN);
		if (rc == RB_OK) {
			sl->have |= UNDO_HAVE_DETAIL_BEFORE;
			memcpy(sl->detail[0], v.mv_data, v.mv_size < DETAIL_LEN ? v.mv_size :
			    DETAIL_LEN);
		} else if (rc != RB_ENOTFOUND) {
			return rc;
		}
		sl->have |= UNDO_DETAIL_KEPT;
	}
	u->dklen = 0;	/* the write makes the last read stale */
	sl->have &= (uint8_t)~UNDO_HAVE_DETAIL_AFTER;
	memset(sl->detail[1], 0, DETAIL_LEN);
	if (after != NULL) {
		sl->have |= UNDO_HAVE_DETAIL_AFTER;
		memcpy(sl->detail[1], after, DETAIL_LEN);
	}
	return RB_OK;
}

int
undo_note_report(struct store_wr *w, const unsigned char *rk, size_t rklen, bool absent,
    const unsigned char *after)
{
	struct undo_cap *u;
	struct undo_slot *sl;
	struct undo_rep *r;
	uint32_t i;
	MDB_val v;
	int rc;

	if ((sl = slot(w, rk, rklen - 12, &rc)) == NULL)
		return rc;
	u = w->undo;
	for (i = sl->rep; i != 0; i = u->reps[i - 1].next)
		if (memcmp(u->reps[i - 1].sat, rk + rklen - 12, 12) == 0)
			break;
	if (i == 0) {
		if (u->nrep == u->caprep) {
			uint32_t cap = u->caprep ? u->caprep * 2 : 256;

			/* The slot pointer stays valid: only the report array moves. */
			if ((r = realloc(u->reps, (size_t)cap * sizeof(*r))) == NULL)
				return sticky(w, -ENOMEM);
			u->reps = r;
			u->caprep = cap;
		}
		r = &u->reps[u->nrep];
		memset(r, 0, sizeof(*r));
		memcpy(r->sat, rk + rklen - 12, 12);
		if (!absent && (rc = wget(w, DB_REPORTS, rk, rklen, &v)) == RB_OK) {
			r->have = 1;
			memcpy(r->v[0], v.mv_data, v.mv_size < 16 ? v.mv_size : 16);
		} else if (!absent && rc != RB_ENOTFOUND) {
			return rc;
		}
		r->next = sl->rep;
		sl->rep = ++u->nrep;
		i = u->nrep;
	}
	r = &u->reps[i - 1];
	r->have &= 1;
	memset(r->v[1], 0, 16);
	if (after != NULL) {
		r->have |= 2;
		memcpy(r->v[1], after, 16);
	}
	return RB_OK;
}

/* ---- At commit ---- */

/* LMDB's order of the entry keys, so the records go in by append. */
static int
slot_cmp(const void *a, const void *b, void *cap)
{
	const struct undo_slot *x = slot_at(cap, *(const uint32_t *)a);
	const struct undo_slot *y = slot_at(cap, *(const uint32_t *)b);
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

/* Is a part's state the same before and after (both absent, or equal)? */
static bool
same_part(uint8_t have, uint8_t b, uint8_t a, const unsigned char *x, const unsigned char *y,
    size_t n)
{
	if (((have & b) != 0) != ((have & a) != 0))
		return false;
	return !(have & b) || memcmp(x, y, n) == 0;
}

/* Append the N octets at SRC when bit B of HAVE is set. */
static unsigned char *
put_if(unsigned char *p, uint8_t have, uint8_t b, const unsigned char *src, size_t n)
{
	if (!(have & b))
		return p;
	memcpy(p, src, n);
	return p + n;
}

/*
 * Build the record of slot SL in BUF (only the states that exist: see
 * store_impl.h); *len 0 when the entry ends as it began (nothing to
 * undo).  Parts the transaction did not change are not kept: revert
 * leaves them alone.
 */
static void
record_build(const struct undo_cap *u, const struct undo_slot *sl, unsigned char *buf,
    size_t *len)
{
	unsigned char *p = buf, *np;
	uint8_t have = sl->have;
	uint16_t nrep = 0;
	bool same = true;
	uint32_t i;

	if (!(have & UNDO_HOT_KEPT))
		have &= (uint8_t)~(UNDO_HAVE_HOT_BEFORE | UNDO_HAVE_HOT_AFTER);
	else
		same &= same_part(have, UNDO_HAVE_HOT_BEFORE, UNDO_HAVE_HOT_AFTER,
		    sl->hot[0], sl->hot[1], UNDO_HOT_LEN);
	if (!(have & UNDO_DETAIL_KEPT))
		have &= (uint8_t)~(UNDO_HAVE_DETAIL_BEFORE | UNDO_HAVE_DETAIL_AFTER);
	else
		same &= same_part(have, UNDO_HAVE_DETAIL_BEFORE, UNDO_HAVE_DETAIL_AFTER,
		    sl->detail[0], sl->detail[1], DETAIL_LEN);
	*p++ = have;
	p = put_if(p, have, UNDO_HAVE_HOT_BEFORE, sl->hot[0], UNDO_HOT_LEN);
	p = put_if(p, have, UNDO_HAVE_HOT_AFTER, sl->hot[1], UNDO_HOT_LEN);
	p = put_if(p, have, UNDO_HAVE_DETAIL_BEFORE, sl->detail[0], DETAIL_LEN);
	p = put_if(p, have, UNDO_HAVE_DETAIL_AFTER, sl->detail[1], DETAIL_LEN);
	np = p;
	p += 2;
	for (i = sl->rep; i != 0; i = u->reps[i - 1].next) {
		const struct undo_rep *r = &u->reps[i - 1];

		if (same_part(r->have, 1, 2, r->v[0], r->v[1], 16))
			continue;	/* unchanged: not kept */
		memcpy(p, r->sat, 12);
		p[12] = r->have;
		p = put_if(p + 13, r->have, 1, r->v[0], 16);
		p = put_if(p, r->have, 2, r->v[1], 16);
		same = false;
		nrep++;
	}
	put16(np, nrep);
	*len = same ? 0 : (size_t)(p - buf);
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
	qsort_r(order, u->n, sizeof(*order), slot_cmp, u);
	put64(kb, id);
	for (i = 0; rc == 0 && i < u->n; i++) {
		const struct undo_slot *sl = slot_at(u, order[i]);

		need = UNDO_REC_MAX + (size_t)slot_reports(u, sl) * UNDO_REP_LEN;
		if (need > cap) {
			unsigned char *nb = realloc(buf, need);

			if (nb == NULL) {
				rc = sticky(w, -ENOMEM);
				break;
			}
			buf = nb;
			cap = need;
		}
		record_build(u, sl, buf, &len);
		if (len == 0)
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
