/* The change journal of each zone, for IXFR: noted per change, written per commit, trimmed. */

#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

int
store_journal(struct store_reader *r, uint16_t zone, uint64_t from, store_journal_cb cb,
    void *arg)
{
	unsigned char kb[10];
	MDB_cursor *cur;
	MDB_val k = { 10, kb }, v;
	struct journal_commit c;
	struct journal_change ch;
	int rc;

	put16(kb, zone);
	put64(kb + 2, from);
	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_JOURNAL], &cur)) != 0)
		return from_mdb(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == 10 && get16(k.mv_data) == zone) {
		const unsigned char *p = v.mv_data;
		uint32_t i;

		if (v.mv_size < JOURNAL_HDR_LEN) {
			rc = RB_ESTORE;
			break;
		}
		c.seq = get64((const unsigned char *)k.mv_data + 2);
		c.serial_from = get32(p);
		c.serial_to = get32(p + 4);
		c.when = (int64_t)get64(p + 8);
		c.nchanges = get32(p + 16);
		if (v.mv_size != JOURNAL_HDR_LEN + (size_t)c.nchanges * (1 + 2 * LISTING_LEN)) {
			rc = RB_ESTORE;
			break;
		}
		p += JOURNAL_HDR_LEN;
		for (i = 0; i < c.nchanges && rc == 0; i++, p += 1 + 2 * LISTING_LEN) {
			ch.op = p[0];
			listing_decode(p + 1, zone, &ch.before);
			listing_decode(p + 1 + LISTING_LEN, zone, &ch.after);
			rc = cb(arg, &c, &ch);
		}
		/* A commit too large to journal still reports itself, with no change. */
		if (c.nchanges == 0 && rc == 0)
			rc = cb(arg, &c, NULL);
		if (rc != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		return RB_OK;
	return rc < 0 ? rc : from_mdb(rc);
}

static struct zone_change *
zone_changes(struct store_wr *w, uint16_t zone)
{
	struct zone_change *zc;
	unsigned i;

	for (i = 0; i < w->nzc; i++)
		if (w->zc[i].zone == zone)
			return &w->zc[i];
	if ((zc = realloc(w->zc, (w->nzc + 1) * sizeof(*zc))) == NULL)
		return NULL;
	w->zc = zc;
	zc = &w->zc[w->nzc++];
	memset(zc, 0, sizeof(*zc));
	zc->zone = zone;
	return zc;
}

/* Record what a change does to the served zone: journal for IXFR, serial. */
int
journal_note(struct store_wr *w, uint16_t zone, uint8_t op, const struct listing *before,
    const struct listing *after)
{
	struct zone_change *zc = zone_changes(w, zone);
	unsigned char *p;

	if (zc == NULL)
		return sticky(w, -ENOMEM);
	zc->ops[op & 3]++;
	/* An exception is no listing: what max-change counts goes by the flag. */
	if (before != NULL && !(before->flags & LISTING_EXCEPTION) &&
	    (after == NULL || (after->flags & LISTING_EXCEPTION)))
		zc->listed_removed++;
	if (after != NULL && !(after->flags & LISTING_EXCEPTION) &&
	    (before == NULL || (before->flags & LISTING_EXCEPTION)))
		zc->listed_added++;
	if (zc->overflow)
		return RB_OK;
	if (zc->n >= JOURNAL_MAX_CHANGES) {
		/* Past this, a full transfer is cheaper than the journal. */
		zc->overflow = true;
		free(zc->buf);
		zc->buf = NULL;
		zc->n = zc->cap = 0;
		return RB_OK;
	}
	if (zc->n == zc->cap) {
		uint32_t cap = zc->cap ? zc->cap * 2 : 16;

		if ((p = realloc(zc->buf, (size_t)cap * (1 + 2 * LISTING_LEN))) == NULL)
			return sticky(w, -ENOMEM);
		zc->buf = p;
		zc->cap = cap;
	}
	p = zc->buf + (size_t)zc->n++ * (1 + 2 * LISTING_LEN);
	p[0] = op;
	if (before != NULL)
		listing_encode(p + 1, before);
	else
		memset(p + 1, 0, LISTING_LEN);
	if (after != NULL)
		listing_encode(p + 1 + LISTING_LEN, after);
	else
		memset(p + 1 + LISTING_LEN, 0, LISTING_LEN);
	return RB_OK;
}

int
journal_write(struct store_wr *w, struct zone_change *zc, struct store_zone *z,
    uint32_t from)
{
	unsigned char kb[10], *vb;
	size_t rec = 1 + 2 * LISTING_LEN, vlen;
	uint32_t n = zc->overflow ? 0 : zc->n;
	int rc;

	vlen = JOURNAL_HDR_LEN + (size_t)n * rec;
	if ((vb = malloc(vlen)) == NULL)
		return -ENOMEM;
	put32(vb, from);
	put32(vb + 4, z->serial);
	put64(vb + 8, (uint64_t)w->now);
	put32(vb + 16, n);
	if (n > 0)
		memcpy(vb + JOURNAL_HDR_LEN, zc->buf, (size_t)n * rec);
	put16(kb, z->id);
	put64(kb + 2, z->seq);
	rc = wput(w, DB_JOURNAL, kb, 10, vb, vlen, 0);
	free(vb);
	return rc;
}

int
store_journal_trim(struct store_wr *w, uint16_t zone, uint64_t before, uint64_t *n)
{
	unsigned char kb[10];
	MDB_cursor *cur;
	MDB_val k = { 10, kb }, v;
	uint64_t count = 0;
	int rc;

	if (w->err != 0)
		return w->err;
	put16(kb, zone);
	put64(kb + 2, 0);
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_JOURNAL], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == 10 && get16(k.mv_data) == zone &&
	    get64((const unsigned char *)k.mv_data + 2) < before) {
		/* mdb_cursor_del leaves the cursor on the next record. */
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		count++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
	}
	mdb_cursor_close(cur);
	if (n != NULL)
		*n = count;
	if (rc == MDB_NOTFOUND || rc == 0 || rc == EINVAL)
		return RB_OK;
	return sticky(w, from_mdb(rc));
}
