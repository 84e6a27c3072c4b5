/* Write transactions: begin and commit, puts with append hints, interned texts, entry primitives. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rb.h"
#include "store_impl.h"

int
store_wr_begin(struct store *s, struct store_wr **out)
{
	struct store_wr *w;
	MDB_val k = { 7, "histseq" }, v;
	unsigned i;
	int rc;

	if (s->read_only)
		return RB_EREADONLY;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->s = s;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &w->txn)) != 0)
		goto fail;
	/* After the wait for the writer lock: history records commit times. */
	w->now = time(NULL);
	w->rd.s = s;
	w->rd.txn = w->txn;
	if ((rc = mdb_cursor_open(w->txn, s->dbi[DB_ENTRIES], (MDB_cursor **)&w->rd.cur)) != 0)
		goto fail;
	/* Closed with the transaction, as write transactions' cursors are. */
	for (i = 0; i < DB_COUNT; i++)
		if ((rc = mdb_cursor_open(w->txn, s->dbi[i], &w->cur[i])) != 0)
			goto fail;
	if ((rc = mdb_cursor_open(w->txn, s->dbi[DB_ENTRIES], &w->scan)) != 0)
		goto fail;
	w->rd.point = w->cur[DB_ENTRIES];
	w->rd.txnid = mdb_txn_id(w->txn);
	if (mdb_get(w->txn, s->dbi[DB_META], &k, &v) == 0 && v.mv_size == 8)
		w->hist_seq = get64(v.mv_data);
	{
		MDB_stat st;

		w->has_bulk = mdb_stat(w->txn, s->dbi[DB_BULK], &st) == 0 && st.ms_entries > 0;
	}
	*out = w;
	return RB_OK;
fail:
	if (w->txn != NULL)
		mdb_txn_abort(w->txn);
	free(w);
	return from_mdb(rc);
}

static void
wr_free(struct store_wr *w)
{
	unsigned i;

	for (i = 0; i < w->nzc; i++)
		free(w->zc[i].buf);
	free(w->zc);
	free(w->dirty);
	if (w->tc != NULL)
		for (i = 0; i < TEXT_CACHE_SLOTS; i++)
			free(w->tc->text[i]);
	free(w->tc);
	free(w->last);
	undo_free(w->undo);
	compact_free(w->compact);
	free(w);
}

void
store_wr_abort(struct store_wr *w)
{
	if (w == NULL)
		return;
	mdb_txn_abort(w->txn);	/* closes the cursor too */
	wr_free(w);
}

void
store_wr_set_now(struct store_wr *w, int64_t now)
{
	w->now = now;
}

struct store_reader *
store_wr_reader(struct store_wr *w)
{
	return &w->rd;
}

unsigned
store_wr_changed_zones(const struct store_wr *w)
{
	return w->nzc;
}

int
store_wr_zone_counts(const struct store_wr *w, unsigned i, struct store_commit_zone *out)
{
	if (i >= w->nzc)
		return RB_ENOTFOUND;
	memset(out, 0, sizeof(*out));
	out->zone = w->zc[i].zone;
	out->added = w->zc[i].ops[JOURNAL_ADD];
	out->removed = w->zc[i].ops[JOURNAL_DEL];
	out->changed = w->zc[i].ops[JOURNAL_CHANGE];
	return RB_OK;
}

/* Keep the first error: later calls fail fast and commit aborts. */
int
sticky(struct store_wr *w, int rc)
{
	if (rc != 0 && w->err == 0)
		w->err = rc;
	return rc;
}

/* Is K beyond the greatest key of DB as last seen?  In LMDB's default order. */
static bool
beyond_last(struct store_wr *w, int db, const MDB_val *k)
{
	struct last_key *h;
	MDB_val lk, lv;
	int c;

	if (w->last == NULL && (w->last = calloc(DB_COUNT, sizeof(*w->last))) == NULL)
		return false;	/* only a hint */
	h = &w->last[db];
	if (!h->known) {
		h->known = true;
		h->len = 0;	/* an empty database: every key is beyond */
		if (mdb_cursor_get(w->cur[db], &lk, &lv, MDB_LAST) == 0) {
			h->len = lk.mv_size <= LAST_KEY_MAX ? lk.mv_size : LAST_KEY_MAX + 1;
			if (h->len <= LAST_KEY_MAX)
				memcpy(h->k, lk.mv_data, h->len);
		}
	}
	if (h->len > LAST_KEY_MAX || k->mv_size > LAST_KEY_MAX)
		return false;
	c = memcmp(k->mv_data, h->k, k->mv_size < h->len ? k->mv_size : h->len);
	return c > 0 || (c == 0 && k->mv_size > h->len);
}

/*
 * Where LMDB mapped the data file: the line of /proc/self/maps with its
 * device and inode (LMDB tells the address only for MDB_FIXEDMAP).
 */
static bool
find_map(struct store *s)
{
	unsigned long lo, hi, ino, maj, min;
	struct stat st;
	char line[512];
	FILE *f;
	int fd;

	if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) != 0 ||
	    (f = fopen("/proc/self/maps", "r")) == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%lx-%lx %*s %*s %lx:%lx %lu", &lo, &hi, &maj, &min, &ino) == 5 &&
		    ino == st.st_ino && makedev(maj, min) == st.st_dev) {
			s->map = (void *)lo;
			s->maplen = hi - lo;
			break;
		}
	fclose(f);
	return s->map != NULL;
}

/* Octets of files this process maps now (statm's "shared"), or 0 when unknown. */
static size_t
mapped_file_bytes(void)
{
	unsigned long size, resident, shared = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu %lu", &size, &resident, &shared) != 3)
		shared = 0;
	fclose(f);
	return (size_t)shared * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * A bulk load (STORE_BULK) holds two kinds of store pages.  The pages its
 * one transaction writes are LMDB's: in its heap, at most its dirty list
 * (131,072 pages, 512 MiB), beyond which LMDB writes the oldest to the file
 * and frees them (spilling).  The pages it reads are the file's, in LMDB's
 * read-only map, where they count as this process's memory while mapped;
 * a read fault maps up to 16 neighbouring cached pages (the kernel's
 * fault-around), so a 100M-entry load that reads all over the tree would
 * map the whole file.  Every BULK_CHECK_PUTS reads and writes (wget, wput,
 * wdel, text lookups: bulk_tick) it looks how much of the file it maps, and
 * past BULK_MAP_MAX unmaps it all (MADV_DONTNEED: for a file mapping that
 * drops only the page table entries; the pages stay in the page cache).
 * LMDB's write map is not used: there the written pages are the file's
 * too, and LMDB's pass over its dirty list at each spill and at commit
 * mapped them all again, with their neighbours (3 GiB at 100M entries).
 */
static void
bulk_tick(struct store_wr *w)
{
	struct store *s = w->s;

	if (!s->bulk)
		return;
	if (!s->map_sought) {
		s->map_sought = true;
		if (!find_map(s))
			return;
		/*
		 * A kernel that maps a file's large folios whole (2 MiB each,
		 * "FilePmdMapped") would count 2 MiB for each page touched: at
		 * 100M entries the touches between releases mapped the whole
		 * 5 GiB store again.  Pages, not folios, then.
		 */
		(void)madvise(s->map, s->maplen, MADV_NOHUGEPAGE);
	}
	if (s->map == NULL || ++w->puts % BULK_CHECK_PUTS != 0 ||
	    mapped_file_bytes() < BULK_MAP_MAX)
		return;
	(void)madvise(s->map, s->maplen, MADV_DONTNEED);
}

int
wput(struct store_wr *w, int db, const void *kd, size_t kl, const void *vd, size_t vl,
    unsigned flags)
{
	MDB_val k = { kl, (void *)kd }, v = { vl, (void *)vd };
	bool append = db != DB_STRINDEX && beyond_last(w, db, &k);
	int rc;

	rc = mdb_cursor_put(w->cur[db], &k, &v, flags | (append ? MDB_APPEND : 0));
	if (rc == MDB_KEYEXIST && append && !(flags & MDB_APPEND)) {
		append = false;
		rc = mdb_cursor_put(w->cur[db], &k, &v, flags);
	}
	if (rc == 0 && append) {
		w->last[db].len = kl;
		memcpy(w->last[db].k, kd, kl);
	}
	bulk_tick(w);
	return sticky(w, from_mdb(rc));
}

/* Point read inside the write transaction; RB_ENOTFOUND is no error. */
int
wget(struct store_wr *w, int db, const void *kd, size_t kl, MDB_val *v)
{
	MDB_val k = { kl, (void *)kd };
	int rc = mdb_cursor_get(w->cur[db], &k, v, MDB_SET_KEY);

	bulk_tick(w);
	return rc == MDB_NOTFOUND ? RB_ENOTFOUND : sticky(w, from_mdb(rc));
}

int
wdel(struct store_wr *w, int db, const void *kd, size_t kl)
{
	MDB_val k = { kl, (void *)kd }, v;
	int rc = mdb_cursor_get(w->cur[db], &k, &v, MDB_SET);

	if (rc == 0)
		rc = mdb_cursor_del(w->cur[db], db == DB_STRINDEX ? MDB_NODUPDATA : 0);
	bulk_tick(w);
	return rc == MDB_NOTFOUND ? RB_OK : sticky(w, from_mdb(rc));
}

/* FNV-1a, to find a text's id without using long texts as keys. */
static uint64_t
text_hash(const char *t, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*t++) * 0x100000001b3ULL;
	return h;
}

static void
cache_text(struct store_wr *w, size_t slot, uint64_t h, const char *text, uint32_t id)
{
	char *copy;

	if (w->tc == NULL && (w->tc = calloc(1, sizeof(*w->tc))) == NULL)
		return;		/* the cache is only a shortcut */
	if ((copy = strdup(text)) == NULL)
		return;
	free(w->tc->text[slot]);
	w->tc->text[slot] = copy;
	w->tc->hash[slot] = h;
	w->tc->id[slot] = id;
}

/* The id of TEXT, stored once; 0 for NULL or empty. */
int
intern_find(struct store_wr *w, const char *text, uint32_t *id, bool create)
{
	unsigned char hk[8], ib[4];
	MDB_cursor *cur;
	MDB_val k = { 8, hk }, v, sk = { 4, ib }, sv;
	size_t n, slot;
	uint32_t next = 1;
	uint64_t h;
	int rc;

	*id = 0;
	if (text == NULL || (n = strlen(text)) == 0)
		return RB_OK;
	if (n > STORE_MAX_TEXT)
		return -E2BIG;
	h = text_hash(text, n);
	slot = h % TEXT_CACHE_SLOTS;
	if (w->tc != NULL && w->tc->id[slot] != 0 && w->tc->hash[slot] == h &&
	    strcmp(w->tc->text[slot], text) == 0) {
		*id = w->tc->id[slot];
		return RB_OK;
	}
	put64(hk, h);
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_STRINDEX], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	bulk_tick(w);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		sk.mv_data = v.mv_data;
		sk.mv_size = 4;
		bulk_tick(w);	/* reads count too: a bulk load's lines mostly look texts up */
		if (mdb_get(w->txn, w->s->dbi[DB_STRINGS], &sk, &sv) == 0 &&
		    sv.mv_size == n && memcmp(sv.mv_data, text, n) == 0) {
			*id = get32(v.mv_data);
			mdb_cursor_close(cur);
			cache_text(w, slot, h, text, *id);
			return RB_OK;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return sticky(w, from_mdb(rc));
	if (!create)
		return RB_OK;

	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_STRINGS], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	if (mdb_cursor_get(cur, &sk, &sv, MDB_LAST) == 0 && sk.mv_size == 4)
		next = get32(sk.mv_data) + 1;
	mdb_cursor_close(cur);
	put32(ib, next);
	if ((rc = wput(w, DB_STRINGS, ib, 4, text, n, MDB_APPEND)) != 0)
		return rc;
	if ((rc = wput(w, DB_STRINDEX, hk, 8, ib, 4, 0)) != 0)
		return rc;
	*id = next;
	cache_text(w, slot, h, text, next);
	return RB_OK;
}

int
intern(struct store_wr *w, const char *text, uint32_t *id)
{
	return intern_find(w, text, id, true);
}

static int
expiry_index(struct store_wr *w, uint16_t zone, const struct addr *net, uint32_t expires,
    bool add)
{
	unsigned char kb[4 + KEY_MAX];
	size_t klen;

	if (expires == 0)
		return RB_OK;
	put32(kb, expires);
	klen = 4 + entry_key(kb + 4, zone, net, net->plen);
	return add ? wput(w, DB_EXPIRY, kb, klen, "", 0, 0) : wdel(w, DB_EXPIRY, kb, klen);
}

static int
put_hot(struct store_wr *w, uint16_t zone, const struct listing *l, uint8_t parent)
{
	unsigned char kb[KEY_MAX], vb[HOT_LEN];
	struct hot h = { l->flags, parent, l->bulk, l->code, l->expires, l->reason_id };
	size_t klen = entry_key(kb, zone, &l->net, l->net.plen);

	hot_encode(vb, &h);
	return wput(w, DB_ENTRIES, kb, klen, vb, HOT_LEN, 0);
}

struct reparent {
	struct store_wr *w;
	uint16_t zone;
	uint8_t from_below;	/* re-point entries whose parent is shorter than this */
	uint8_t match;		/* ... or exactly this (when removing) */
	uint8_t to;
	bool removing;
	struct listing_vec found;	/* collected first: the cursor must not move under puts */
};

static int
reparent_cb(void *arg, const struct listing *l, uint8_t parent)
{
	struct reparent *rp = arg;
	bool hit;

	if (rp->removing)
		hit = parent == rp->match;
	else
		hit = parent == NO_PARENT || parent < rp->from_below;
	if (!hit)
		return 0;
	return listing_vec_push(&rp->found, l);
}

/*
 * Keep parent links right when NET appears or disappears: entries inside
 * NET whose parent was outside it now hang under NET, and on removal the
 * entries hanging under NET move up to NET's own parent.
 */
static int
reparent_inside(struct store_wr *w, uint16_t zone, const struct addr *net, bool removing,
    uint8_t net_parent)
{
	struct reparent rp = { w, zone, net->plen, net->plen, 0, removing, { NULL, 0, 0 } };
	size_t i;
	int rc;

	if (addr_is_host(net))
		return RB_OK;	/* nothing lies inside a single address */
	rp.to = removing ? net_parent : net->plen;
	rc = walk_inside(&w->rd, zone, net, reparent_cb, &rp);
	for (i = 0; rc == 0 && i < rp.found.n; i++)
		rc = put_hot(w, zone, &rp.found.v[i], rp.to);
	free(rp.found.v);
	return sticky(w, rc);
}

/*
 * Find the entry NET (*found, into *old) and its structural parent: the
 * most specific entry strictly containing NET, its own parent byte when it
 * exists.  One cursor move for both: containers sort before NET, and the
 * nearest entry at or before it is NET itself or on the parent chain.
 */
int
entry_find(struct store_wr *w, uint16_t zone, const struct addr *net, struct listing *old,
    bool *found, uint8_t *parent)
{
	struct listing l;
	struct addr outer;
	uint8_t p;
	int rc;

	*found = false;
	*parent = NO_PARENT;
	rc = predecessor(&w->rd, zone, net, net->plen, &l, &p);
	if (rc == RB_ENOTFOUND)
		return RB_OK;
	if (rc != 0)
		return sticky(w, rc);
	if (l.net.plen == net->plen && memcmp(l.net.a, net->a, addr_bytes(net->fam)) == 0) {
		*old = l;
		*found = true;
		*parent = p;
		return RB_OK;
	}
	outer = *net;
	addr_mask(&outer, net->plen);
	for (;;) {
		if (l.net.plen < net->plen && covers(&l, &outer)) {
			*parent = l.net.plen;
			return RB_OK;
		}
		if (p == NO_PARENT)
			return RB_OK;
		if ((rc = get_entry(&w->rd, zone, &l.net, p, &l, &p)) != 0)
			return sticky(w, rc == RB_ENOTFOUND ? RB_ESTORE : rc);
	}
}

/* The structural parent of NET, whether NET is an entry or not. */
static int
find_parent(struct store_wr *w, uint16_t zone, const struct addr *net, uint8_t *parent)
{
	struct listing l;
	bool found;

	return entry_find(w, zone, net, &l, &found, parent);
}

/*
 * Write entry L, which was OLD with parent PARENT or, OLD NULL, is new
 * under PARENT (entry_find), keeping parents, expiry index and journal.
 */
int
entry_put(struct store_wr *w, uint16_t zone, const struct listing *l,
    const struct listing *old, uint8_t parent)
{
	int rc;

	if ((rc = undo_note_hot(w, zone, &l->net, old, l)) != 0)
		return rc;
	if (old != NULL) {
		if (old->expires != l->expires) {
			if ((rc = expiry_index(w, zone, &l->net, old->expires, false)) != 0 ||
			    (rc = expiry_index(w, zone, &l->net, l->expires, true)) != 0)
				return rc;
		}
		if (!served_same(old, l) &&
		    (rc = journal_note(w, zone, JOURNAL_CHANGE, old, l)) != 0)
			return rc;
		if ((rc = put_hot(w, zone, l, parent)) != 0)
			return rc;
		return below_update(w, zone, &l->net, below_value(old), below_value(l));
	}
	if ((rc = reparent_inside(w, zone, &l->net, false, 0)) != 0 ||
	    (rc = expiry_index(w, zone, &l->net, l->expires, true)) != 0 ||
	    (rc = journal_note(w, zone, JOURNAL_ADD, NULL, l)) != 0)
		return sticky(w, rc);
	if ((rc = put_hot(w, zone, l, parent)) != 0)
		return rc;
	return below_update(w, zone, &l->net, 0, below_value(l));
}

/* Write entry L (new or changed). */
int
entry_write(struct store_wr *w, uint16_t zone, const struct listing *l)
{
	struct listing old;
	uint8_t parent;
	bool found;
	int rc;

	if ((rc = entry_find(w, zone, &l->net, &old, &found, &parent)) != 0)
		return rc;
	return entry_put(w, zone, l, found ? &old : NULL, parent);
}

int
listing_vec_push(struct listing_vec *vc, const struct listing *l)
{
	struct listing *p;
	size_t cap;

	if (vc->n == vc->cap) {
		cap = vc->cap ? vc->cap * 2 : 16;
		if ((p = realloc(vc->v, cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		vc->v = p;
		vc->cap = cap;
	}
	vc->v[vc->n++] = *l;
	return 0;
}

int
collect_cb(void *arg, const struct listing *l, uint8_t parent)
{
	(void)parent;
	return listing_vec_push(arg, l);
}

static int
exception_cb(void *arg, const struct listing *l, uint8_t parent)
{
	(void)parent;
	return (l->flags & LISTING_EXCEPTION) ? collect_cb(arg, l, parent) : 0;
}

/* Is NET inside a live listing other than itself? */
static int
listed_above(struct store_wr *w, uint16_t zone, const struct addr *net)
{
	struct listing l;
	uint8_t parent, p;
	int rc;

	if ((rc = find_parent(w, zone, net, &parent)) != 0 || parent == NO_PARENT)
		return rc;
	if ((rc = get_entry(&w->rd, zone, net, parent, &l, &p)) != 0)
		return rc;
	rc = climb(&w->rd, zone, net, clamp_time(w->now), true, &l, p);
	if (rc == RB_ENOTFOUND)
		return 0;
	return rc != 0 ? rc : !(l.flags & LISTING_EXCEPTION);
}

/* After a range goes, its exceptions with nothing listed above them go too. */
static int
drop_orphan_exceptions(struct store_wr *w, uint16_t zone, const struct addr *net)
{
	struct listing_vec ex = { NULL, 0, 0 };
	size_t i;
	int rc;

	rc = walk_inside(&w->rd, zone, net, exception_cb, &ex);
	for (i = 0; rc == 0 && i < ex.n; i++) {
		if ((rc = listed_above(w, zone, &ex.v[i].net)) == 0)
			rc = entry_remove(w, zone, &ex.v[i]);
		else if (rc == 1)
			rc = 0;
	}
	free(ex.v);
	return sticky(w, rc);
}

int
entry_remove(struct store_wr *w, uint16_t zone, const struct listing *l)
{
	unsigned char kb[KEY_MAX];
	struct listing old;
	uint8_t parent;
	int rc;

	rc = get_entry(&w->rd, zone, &l->net, l->net.plen, &old, &parent);
	if (rc == RB_ENOTFOUND)
		return RB_OK;
	if (rc != 0 ||
	    (rc = undo_note_hot(w, zone, &old.net, &old, NULL)) != 0 ||
	    (rc = reparent_inside(w, zone, &l->net, true, parent)) != 0 ||
	    (rc = expiry_index(w, zone, &l->net, old.expires, false)) != 0 ||
	    (rc = journal_note(w, zone, JOURNAL_DEL, &old, NULL)) != 0 ||
	    (rc = wdel(w, DB_ENTRIES, kb, entry_key(kb, zone, &l->net, l->net.plen))) != 0 ||
	    (rc = below_update(w, zone, &old.net, below_value(&old), 0)) != 0)
		return sticky(w, rc);
	if (!(old.flags & LISTING_EXCEPTION) && !addr_is_host(&old.net))
		return drop_orphan_exceptions(w, zone, &old.net);
	return RB_OK;
}

int
detail_get(struct store_wr *w, uint16_t zone, const struct addr *net,
    struct listing_detail *d)
{
	unsigned char kb[KEY_MAX];
	MDB_val v;
	int rc;

	size_t klen = entry_key(kb, zone, net, net->plen);

	memset(d, 0, sizeof(*d));
	rc = wget(w, DB_DETAILS, kb, klen, &v);
	/* A compact entry gets its records first (store_compact.c), then reads as any. */
	if (rc == RB_ENOTFOUND && w->has_bulk && (rc = compact_expand(w, zone, net)) == RB_OK)
		rc = wget(w, DB_DETAILS, kb, klen, &v);
	if (rc == RB_OK)
		detail_decode(&v, d);
	/* A write that follows takes this as its before-image (undo). */
	if (rc == RB_OK || rc == RB_ENOTFOUND)
		undo_saw_detail(w, kb, klen, rc == RB_OK ? &v : NULL);
	return rc == RB_ENOTFOUND ? RB_OK : rc;
}

int
detail_put(struct store_wr *w, uint16_t zone, const struct addr *net,
    const struct listing_detail *d)
{
	unsigned char kb[KEY_MAX], vb[DETAIL_LEN];
	int rc;

	detail_encode(vb, d);
	if ((rc = undo_note_detail(w, zone, net, vb)) != 0)
		return rc;
	return wput(w, DB_DETAILS, kb, entry_key(kb, zone, net, net->plen), vb, DETAIL_LEN, 0);
}

int
detail_del(struct store_wr *w, uint16_t zone, const struct addr *net)
{
	unsigned char kb[KEY_MAX];
	int rc;

	if ((rc = undo_note_detail(w, zone, net, NULL)) != 0)
		return rc;
	return wdel(w, DB_DETAILS, kb, entry_key(kb, zone, net, net->plen));
}

/* The bysource key of report key RK: source(4) | entry key | at(8). */
static size_t
bysource_key(unsigned char *bk, const unsigned char *rk, size_t rklen)
{
	memcpy(bk, rk + rklen - 12, 4);
	memcpy(bk + 4, rk, rklen - 12);
	memcpy(bk + 4 + rklen - 12, rk + rklen - 8, 8);
	return rklen;
}

/*
 * Write report RK (report_key) with value RV (16 octets) and its bysource
 * key; ABSENT when the caller just saw there is none (undo reads it otherwise).
 */
int
report_put(struct store_wr *w, const unsigned char *rk, size_t rklen, const unsigned char *rv,
    bool absent)
{
	unsigned char bk[4 + KEY_MAX + 8];
	int rc;

	if ((rc = undo_note_report(w, rk, rklen, absent, rv)) != 0 ||
	    (rc = wput(w, DB_REPORTS, rk, rklen, rv, 16, 0)) != 0)
		return rc;
	return wput(w, DB_BYSOURCE, bk, bysource_key(bk, rk, rklen), "", 0, 0);
}

int
report_del(struct store_wr *w, const unsigned char *rk, size_t rklen)
{
	unsigned char bk[4 + KEY_MAX + 8];
	int rc;

	if ((rc = undo_note_report(w, rk, rklen, false, NULL)) != 0 ||
	    (rc = wdel(w, DB_REPORTS, rk, rklen)) != 0)
		return rc;
	return wdel(w, DB_BYSOURCE, bk, bysource_key(bk, rk, rklen));
}

static bool
disk_full(const char *dir)
{
	struct statvfs st;

	return statvfs(dir, &st) == 0 && st.f_bavail * st.f_frsize < 1024 * 1024;
}

int
store_wr_commit(struct store_wr *w)
{
	unsigned char sb[8];
	struct store_zone z;
	struct store *s = w->s;
	uint64_t changes = 0, id = 0;
	unsigned i;
	int rc = w->err;

	if (rc == 0)
		rc = names_settle(w);
	if (rc == 0)
		rc = max_change_check(w);
	if (rc == 0)
		rc = below_settle(w);
	if (rc == 0)
		rc = count_listings_commit(w);
	for (i = 0; rc == 0 && i < w->nzc; i++) {
		uint32_t from;

		changes += w->zc[i].overflow ? JOURNAL_MAX_CHANGES : w->zc[i].n;

		if ((rc = zone_read(w->txn, w->s, w->zc[i].zone, &z)) != 0)
			break;
		from = z.serial;
		z.serial++;	/* RFC 1982 arithmetic wraps */
		z.seq++;
		z.changed = w->now;
		if ((rc = zone_write(w->txn, w->s, &z, NULL, 0)) != 0 ||
		    (rc = journal_write(w, &w->zc[i], &z, from)) != 0)
			break;
	}
	if (rc == 0) {
		put64(sb, w->hist_seq);
		rc = wput(w, DB_META, "histseq", 7, sb, 8, 0);
	}
	/* A commit that changed a zone is logged, with what undoes it. */
	if (rc == 0 && w->nzc > 0) {
		id = commit_next_id(w);
		if ((rc = compact_commit(w, id)) == 0 && (rc = undo_write(w, id)) == 0 &&
		    (rc = commit_log_write(w, id)) == 0)
			rc = undo_trim(w);
	}
	if (rc == 0 && w->batch)
		rc = batch_write(w, id);
	if (rc != 0) {
		store_wr_abort(w);
		return rc;
	}
	rc = mdb_txn_commit(w->txn);
	/* LMDB reports a short write on a full disk as EIO: say what it is. */
	if (rc == EIO && disk_full(w->s->dir))
		rc = ENOSPC;
	rc = from_mdb(rc);
	wr_free(w);
	/*
	 * A bulk write (ingest, import, expire, purge) left the pages it read
	 * and wrote in the page cache; drop them so that no server maps them
	 * along with its own (store_drop_cache).  Advice only.
	 */
	if (rc == 0 && changes >= BULK_CHANGES)
		(void)store_drop_cache(s);
	return rc;
}
