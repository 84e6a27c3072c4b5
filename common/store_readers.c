/* The store's readers (lock-free snapshots) and the cache advice of a serving process. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

int
store_reader_init(struct store *s, struct store_reader *r)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	int rc;

	memset(r, 0, sizeof(*r));
	r->s = s;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return from_mdb(rc);
	if ((rc = mdb_cursor_open(txn, s->dbi[DB_ENTRIES], &cur)) != 0) {
		mdb_txn_abort(txn);
		return from_mdb(rc);
	}
	r->txn = txn;
	r->cur = cur;
	r->txnid = mdb_txn_id(txn);
	return RB_OK;
}

int
store_reader_refresh(struct store_reader *r)
{
	int rc;

	mdb_txn_reset(r->txn);
	if ((rc = mdb_txn_renew(r->txn)) != 0)
		return from_mdb(rc);
	if ((rc = mdb_cursor_renew(r->txn, r->cur)) != 0)
		return from_mdb(rc);
	r->txnid = mdb_txn_id(r->txn);
	return RB_OK;
}

void
store_reader_release(struct store_reader *r)
{
	mdb_txn_reset(r->txn);
}

void
store_reader_fini(struct store_reader *r)
{
	if (r->txn == NULL)
		return;
	mdb_cursor_close(r->cur);
	mdb_txn_abort(r->txn);
	r->txn = NULL;
	r->cur = NULL;
}

/*
 * The memory of a serving process.  A query reads a few pages of the map,
 * at random.  By default the kernel reads around each page it faults in
 * (read-around) and maps along its neighbours that are in the page cache
 * (fault-around).  After a bulk load most of those neighbours are pages of
 * databases the server never reads (details, reports, history, journal),
 * and its resident set grows to the whole file.  So the server opens the
 * store with STORE_RANDOM_READS (MDB_NORDAHEAD: no read-around), and the
 * data file's cached pages that no process maps are dropped when the
 * server starts and after bulk commits.  Mapped pages stay: no answer slows.
 */
int
store_drop_cache(struct store *s)
{
	mdb_filehandle_t fd;
	int rc;

	if ((rc = mdb_env_get_fd(s->env, &fd)) != 0)
		return from_mdb(rc);
	return -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

/*
 * Read every page of one database, in key order.  The read transaction is
 * renewed every 65536 keys, so that a long walk does not hold pages the
 * writer wants back; the next one goes on after the last key seen (a key
 * deleted in between costs one key not read).
 */
static int
prefetch_db(struct store *s, MDB_dbi dbi, const atomic_bool *stop, uint64_t *n)
{
	unsigned char last[KEY_MAX];
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k = { 0, NULL }, v;
	unsigned since;
	int rc = 0, op = MDB_FIRST;

	for (;;) {
		if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
			return from_mdb(rc);
		if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
			mdb_txn_abort(txn);
			return from_mdb(rc);
		}
		if (op == MDB_NEXT)
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		for (since = 0; rc == 0 && since < 65536 && !atomic_load(stop); since++) {
			if ((rc = mdb_cursor_get(cur, &k, &v, op)) != 0)
				break;
			op = MDB_NEXT;
			/* A long value sits on pages of its own (overflow pages). */
			if (v.mv_size > 0)
				(void)((const volatile uint8_t *)v.mv_data)[v.mv_size - 1];
			(*n)++;
		}
		if (rc == 0 && k.mv_size <= sizeof(last)) {
			memcpy(last, k.mv_data, k.mv_size);
			k.mv_data = last;
		} else if (rc == 0) {
			rc = MDB_NOTFOUND;	/* no longer than our keys: cannot happen */
		}
		mdb_cursor_close(cur);
		mdb_txn_abort(txn);
		if (rc != 0 || atomic_load(stop))
			break;
	}
	return rc == 0 || rc == MDB_NOTFOUND ? RB_OK : from_mdb(rc);
}

int
store_prefetch(struct store *s, const atomic_bool *stop, uint64_t *entries,
    uint64_t *texts)
{
	uint64_t nodes = 0;
	int rc;

	*entries = *texts = 0;
	if ((rc = prefetch_db(s, s->dbi[DB_ENTRIES], stop, entries)) != 0 ||
	    (rc = prefetch_db(s, s->dbi[DB_BELOW], stop, &nodes)) != 0)
		return rc;
	return prefetch_db(s, s->dbi[DB_STRINGS], stop, texts);
}
