/* Revert: a commit set back, entry by entry, from its undo records (store_undo.c writes them). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

/*
 * One record, decoded with every state in place (zeros when absent); its
 * reports expanded to UNDO_REP_LEN each, source(4) at(8) have(1) before(16)
 * after(16), into an array the caller owns.
 */
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

/* Take N octets into DST when bit B of HAVE is set; false when P would pass END. */
static bool
get_if(const unsigned char **p, const unsigned char *end, uint8_t have, uint8_t b,
    unsigned char *dst, size_t n)
{
	memset(dst, 0, n);
	if (!(have & b))
		return true;
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(dst, *p, n);
	*p += n;
	return true;
}

static bool
rec_decode(const MDB_val *k, const MDB_val *v, unsigned char **reps, size_t *capreps,
    struct undo_rec *r)
{
	MDB_val ek = { k->mv_size - 8, (unsigned char *)k->mv_data + 8 };
	const unsigned char *p = v->mv_data, *end = p + v->mv_size;
	unsigned char *q;
	struct listing l;
	uint16_t i;

	if (v->mv_size < 3 || ek.mv_size > ENTRY_KEY_MAX || !entry_key_decode(&ek, &l))
		return false;
	r->zone = l.zone;
	r->net = l.net;
	r->klen = ek.mv_size;
	memcpy(r->key, ek.mv_data, ek.mv_size);
	r->have = *p++;
	if (!get_if(&p, end, r->have, UNDO_HAVE_HOT_BEFORE, r->hot[0], UNDO_HOT_LEN) ||
	    !get_if(&p, end, r->have, UNDO_HAVE_HOT_AFTER, r->hot[1], UNDO_HOT_LEN) ||
	    !get_if(&p, end, r->have, UNDO_HAVE_DETAIL_BEFORE, r->detail[0], DETAIL_LEN) ||
	    !get_if(&p, end, r->have, UNDO_HAVE_DETAIL_AFTER, r->detail[1], DETAIL_LEN) ||
	    end - p < 2)
		return false;
	r->nrep = get16(p);
	p += 2;
	if ((size_t)r->nrep * UNDO_REP_LEN > *capreps) {
		if ((q = realloc(*reps, (size_t)r->nrep * UNDO_REP_LEN)) == NULL)
			return false;
		*reps = q;
		*capreps = (size_t)r->nrep * UNDO_REP_LEN;
	}
	for (i = 0, q = *reps; i < r->nrep; i++, q += UNDO_REP_LEN) {
		if (end - p < 13)
			return false;
		memcpy(q, p, 13);
		p += 13;
		if (!get_if(&p, end, q[12], 1, q + 13, 16) || !get_if(&p, end, q[12], 2, q + 29, 16))
			return false;
	}
	r->reps = *reps;
	return p == end;
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
	if ((rc = wget(w, DB_ENTRIES, r->key, r->klen, &v)) == RB_OK) {
		if (!hot_decode(&v, &h))
			return sticky(w, RB_ESTORE);
		e->has = true;
		e->now.zone = r->zone;
		e->now.net = r->net;
		hot_to_listing(&h, &e->now);
		undo_hot_image(now, &e->now);
	} else if (rc != RB_ENOTFOUND) {
		return rc;
	}
	/* A part the commit did not change is left alone, as it is now. */
	if (r->have & UNDO_HOT_KEPT) {
		e->had = (r->have & UNDO_HAVE_HOT_BEFORE) != 0;
		if (e->had)
			undo_hot_listing(r->hot[0], r->zone, &r->net, &e->before);
		fold(part_state(e->had, r->hot[0], r->have & UNDO_HAVE_HOT_AFTER, r->hot[1],
		    e->has, now, UNDO_HOT_LEN), &after, &other);
	} else {
		e->had = e->has;
		e->before = e->now;
	}
	if (r->have & UNDO_DETAIL_KEPT) {
		memset(dnow, 0, sizeof(dnow));
		if ((rc = wget(w, DB_DETAILS, r->key, r->klen, &v)) == RB_OK)
			memcpy(dnow, v.mv_data, v.mv_size < DETAIL_LEN ? v.mv_size : DETAIL_LEN);
		else if (rc != RB_ENOTFOUND)
			return rc;
		fold(part_state(r->have & UNDO_HAVE_DETAIL_BEFORE, r->detail[0],
		    r->have & UNDO_HAVE_DETAIL_AFTER, r->detail[1], rc == RB_OK, dnow,
		    DETAIL_LEN), &after, &other);
	}
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
	bool kept = (r->have & UNDO_HOT_KEPT) != 0;
	bool had = kept ? (r->have & UNDO_HAVE_HOT_BEFORE) != 0 : (mark & MARK_HAS) != 0;
	char note[96];
	uint16_t i;
	int rc;

	memset(&before, 0, sizeof(before));
	if (kept && had)
		undo_hot_listing(r->hot[0], r->zone, &r->net, &before);
	else if (had)
		before.flags = (mark & MARK_EXC) ? LISTING_EXCEPTION : 0;
	if (phase == 0) {
		if (!kept || had || !(mark & MARK_HAS))
			return RB_OK;
		memset(&gone, 0, sizeof(gone));
		gone.zone = r->zone;
		gone.net = r->net;
		/* Gone already when a range removed before took it along. */
		return entry_remove(w, r->zone, &gone);
	}
	if (kept && had && (rc = entry_write(w, r->zone, &before)) != 0)
		return rc;
	if (r->have & UNDO_DETAIL_KEPT) {
		if (r->have & UNDO_HAVE_DETAIL_BEFORE) {
			MDB_val dv = { DETAIL_LEN, (void *)r->detail[0] };

			detail_decode(&dv, &d);
			rc = detail_put(w, r->zone, &r->net, &d);
		} else {
			rc = detail_del(w, r->zone, &r->net);
		}
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < r->nrep; i++) {
		const unsigned char *p = r->reps + (size_t)i * UNDO_REP_LEN;
		unsigned char rk[KEY_MAX + 12];

		memcpy(rk, r->key, r->klen);
		memcpy(rk + r->klen, p, 12);
		if ((p[12] & 1) != 0)
			rc = report_put(w, rk, r->klen + 12, p + 13, false);
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
	unsigned char *reps = NULL;
	size_t capreps = 0, n = 0;
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
		/* Decoded into copies: the writes below may move pages under the cursor. */
		if (!rec_decode(&k, &v, &reps, &capreps, &r)) {
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
	free(reps);
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
	if ((rc = revert_pass(w, &rw, 0)) == 0)
		rc = compact_revert(w, commit, false, cb, arg, c);
	if (rc == 0 && c->conflicts > 0 && !(flags & STORE_REVERT_FORCE))
		rc = RB_ECONFLICT;
	/* Removals first: a range that goes takes its orphan exceptions along. */
	if (rc == 0 && (rc = revert_pass(w, &rw, 1)) == 0 && (rc = revert_pass(w, &rw, 2)) == 0 &&
	    (rc = compact_revert(w, commit, true, NULL, NULL, c)) == 0) {
		w->reverts = commit;
		rc = batch_forget(w, commit);
	}
	free(rw.marks);
	return rc;
}
