/* The commit log: one record per commit that changed a zone (rbldb log); the ingested files. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rb.h"
#include "store_impl.h"

/*
 * One record per commit that changed a zone, keyed by a growing id: when,
 * by whom (uid), what (the process's origin, e.g. the command line), and
 * per zone the serials, journal seq and counts (COMMIT_ZONE_LEN each).
 */
#define COMMIT_HDR_LEN 16	/* at, uid, nzones, origin length */
#define COMMIT_ZONE_LEN 30	/* zone, from, to, seq, added, removed, changed */

/* The id the next logged commit gets. */
uint64_t
commit_next_id(struct store_wr *w)
{
	MDB_val k, v;

	if (mdb_cursor_get(w->cur[DB_COMMITS], &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		return get64(k.mv_data) + 1;
	return 1;
}

int
commit_log_write(struct store_wr *w, uint64_t id)
{
	const char *origin = w->s->origin != NULL ? w->s->origin : "";
	size_t olen = strlen(origin) > 4096 ? 4096 : strlen(origin), vlen, i;
	unsigned char kb[8], *vb, *p;
	struct store_zone z;
	int rc;

	vlen = COMMIT_HDR_LEN + w->nzc * COMMIT_ZONE_LEN + olen;
	if ((vb = malloc(vlen)) == NULL)
		return -ENOMEM;
	put64(vb, (uint64_t)w->now);
	put32(vb + 8, (uint32_t)geteuid());
	put16(vb + 12, (uint16_t)w->nzc);
	put16(vb + 14, (uint16_t)olen);
	for (i = 0, p = vb + COMMIT_HDR_LEN; i < w->nzc; i++, p += COMMIT_ZONE_LEN) {
		const struct zone_change *zc = &w->zc[i];

		/* store_wr_commit has moved the zone on: this is its new serial and seq. */
		if ((rc = zone_read(w->txn, w->s, zc->zone, &z)) != 0) {
			free(vb);
			return rc;
		}
		put16(p, zc->zone);
		put32(p + 2, z.serial - 1);
		put32(p + 6, z.serial);
		put64(p + 10, z.seq);
		put32(p + 18, zc->ops[JOURNAL_ADD]);
		put32(p + 22, zc->ops[JOURNAL_DEL]);
		put32(p + 26, zc->ops[JOURNAL_CHANGE]);
	}
	memcpy(p, origin, olen);
	put64(kb, id);
	rc = wput(w, DB_COMMITS, kb, 8, vb, vlen, 0);
	free(vb);
	return rc;
}

int
store_commits(struct store_reader *r, uint64_t after, store_commit_cb cb, void *arg)
{
	unsigned char kb[8];
	MDB_cursor *cur;
	MDB_val k = { 8, kb }, v;
	struct store_commit c;
	const unsigned char *p;
	unsigned i;
	int rc;

	put64(kb, after + 1);
	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_COMMITS], &cur)) != 0)
		return from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		p = v.mv_data;
		if (k.mv_size != 8 || v.mv_size < COMMIT_HDR_LEN) {
			rc = RB_ESTORE;
			break;
		}
		memset(&c, 0, sizeof(c));
		c.id = get64(k.mv_data);
		c.at = (int64_t)get64(p);
		c.uid = get32(p + 8);
		c.nzones = get16(p + 12);
		c.originlen = get16(p + 14);
		if (c.nzones > STORE_MAX_ZONES ||
		    v.mv_size != COMMIT_HDR_LEN + c.nzones * COMMIT_ZONE_LEN + c.originlen) {
			rc = RB_ESTORE;
			break;
		}
		if ((c.zones = calloc(c.nzones ? c.nzones : 1, sizeof(*c.zones))) == NULL) {
			rc = -ENOMEM;
			break;
		}
		for (i = 0, p += COMMIT_HDR_LEN; i < c.nzones; i++, p += COMMIT_ZONE_LEN) {
			c.zones[i].zone = get16(p);
			c.zones[i].serial_from = get32(p + 2);
			c.zones[i].serial_to = get32(p + 6);
			c.zones[i].seq = get64(p + 10);
			c.zones[i].added = get32(p + 18);
			c.zones[i].removed = get32(p + 22);
			c.zones[i].changed = get32(p + 26);
		}
		c.origin = (const char *)p;
		rc = cb(arg, &c);
		free(c.zones);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? RB_OK : rc > 0 ? from_mdb(rc) : rc;
}

int
store_batch_find(struct store_reader *r, const unsigned char digest[32], int64_t *at,
    uint64_t *commit)
{
	MDB_val k = { BATCH_DIGEST_LEN, (void *)digest }, v;
	int rc;

	if ((rc = mdb_get(r->txn, r->s->dbi[DB_BATCHES], &k, &v)) != 0)
		return from_mdb(rc);
	if (v.mv_size != 16)
		return RB_ESTORE;
	*at = (int64_t)get64(v.mv_data);
	*commit = get64((const unsigned char *)v.mv_data + 8);
	return RB_OK;
}

int
store_batch_add(struct store_wr *w, const unsigned char digest[32])
{
	w->batch = true;
	memcpy(w->batch_digest, digest, BATCH_DIGEST_LEN);
	return RB_OK;
}

/* At commit, once its id (0: not logged) is known. */
int
batch_write(struct store_wr *w, uint64_t id)
{
	unsigned char vb[16];

	put64(vb, (uint64_t)w->now);
	put64(vb + 8, id);
	return wput(w, DB_BATCHES, w->batch_digest, BATCH_DIGEST_LEN, vb, 16, 0);
}

/*
 * A reverted commit's files may be ingested again.  The files are few
 * (one record per ingest), so a walk over them all costs little.
 */
int
batch_forget(struct store_wr *w, uint64_t id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_BATCHES], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (v.mv_size == 16 && get64((const unsigned char *)v.mv_data + 8) == id &&
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? RB_OK : sticky(w, from_mdb(rc));
}
