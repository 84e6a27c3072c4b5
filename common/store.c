/* The rbldb store: LMDB schema, key and value codecs, reads and writes. */

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "rb.h"
#include "store.h"

/* Named databases; the order is the index into s->dbi. */
enum {
	DB_META, DB_ENTRIES, DB_DETAILS, DB_REPORTS, DB_BYSOURCE, DB_EXPIRY,
	DB_JOURNAL, DB_HISTORY, DB_STRINGS, DB_STRINDEX, DB_BELOW, DB_COMMITS, DB_COUNT
};
static const char *const db_names[DB_COUNT] = {
	"meta", "entries", "details", "reports", "bysource", "expiry",
	"journal", "history", "strings", "strindex", "below", "commits",
};

#define NO_PARENT 0xff
#define HOT_LEN 16		/* flags, parent, pad2, code, expires, reason */
#define DETAIL_LEN 40
#define ZONE_REC_LEN 22		/* serial, changed, seq, pad */
#define LISTING_LEN 32		/* a listing inside a journal record */
#define JOURNAL_HDR_LEN 20
#define JOURNAL_MAX_CHANGES 100000	/* larger commits force AXFR */
/* Changed entries that make a commit a bulk write (store_wr_commit). */
#define BULK_CHANGES 10000
#define KEY_MAX 32

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	char *dir;
	char *origin;		/* what this process's commits say made them (commit log) */
};

struct zone_change {
	uint16_t zone;
	bool overflow;		/* too many changes to journal */
	uint32_t n, cap;
	unsigned char *buf;	/* n records of 1 + 2 * LISTING_LEN */
	uint32_t ops[4];	/* changes by enum journal_op, journalled or not (commit log) */
};

struct store_wr {
	struct store *s;
	MDB_txn *txn;
	struct store_reader rd;	/* reads inside the write transaction */
	int64_t now;
	int err;		/* sticky: once set, commit aborts */
	uint64_t hist_seq;
	struct zone_change *zc;
	unsigned nzc;
	struct text_cache *tc;	/* texts interned by this transaction, by hash */
	/*
	 * One cursor per database for point reads and writes: a batch sorted
	 * by address finds the next key on the page the cursor is on, and
	 * LMDB then skips the descent from the root (mdb_cursor_set).
	 */
	MDB_cursor *cur[DB_COUNT];
	struct last_key *last;	/* [DB_COUNT], allocated on first use */
	MDB_cursor *scan;	/* on entries, for below_scan() alone */
	struct below_node *dirty;	/* nodes to read again at commit (below_settle) */
	size_t ndirty, capdirty;
};

/* A node of "below" (see Partial names). */
struct below_node {
	uint16_t zone;
	struct addr node;
};

/*
 * The greatest key of a database as this transaction last saw it, as a
 * hint: a key beyond it goes in with MDB_APPEND, so that a load in key
 * order (into an empty store, or past the end of a database) fills its
 * pages instead of splitting them in half.  LMDB checks the order itself
 * and refuses an append out of order untouched (MDB_KEYEXIST), so a stale
 * hint costs one retry, never a wrong write.
 */
#define LAST_KEY_MAX 48
struct last_key {
	bool known;
	size_t len;	/* LAST_KEY_MAX + 1: too long to keep, never append */
	unsigned char k[LAST_KEY_MAX];
};

/*
 * Feeds repeat a few hundred reasons and sources over millions of lines: a
 * small direct-mapped cache spares the index lookups for them.  An entry
 * is valid only inside its transaction (an abort forgets new ids).
 */
#define TEXT_CACHE_SLOTS 4096
struct text_cache {
	uint64_t hash[TEXT_CACHE_SLOTS];
	uint32_t id[TEXT_CACHE_SLOTS];
	char *text[TEXT_CACHE_SLOTS];
};

/* ---- Errors ---- */

static int
from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return RB_OK;
	case MDB_NOTFOUND: return RB_ENOTFOUND;
	case MDB_MAP_FULL: return RB_EMAPFULL;
	case MDB_INVALID: return RB_ENOTSTORE;
	case MDB_VERSION_MISMATCH: return RB_ESCHEMA;
	case MDB_READERS_FULL: return RB_EBUSY;
	default: return rc > 0 ? -rc : RB_ESTORE;
	}
}

/* ---- Fixed-width big-endian codecs ---- */

static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static void put64(unsigned char *p, uint64_t v)
{
	put32(p, v >> 32); put32(p + 4, (uint32_t)v);
}
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ---- Keys ---- */

/* Entry key: zone(2) fam(1) addr(4|16) plen(1). */
static size_t
entry_key(unsigned char *k, uint16_t zone, const struct addr *a, uint8_t plen)
{
	unsigned n = addr_bytes(a->fam);

	put16(k, zone);
	k[2] = a->fam;
	memcpy(k + 3, a->a, n);
	k[3 + n] = plen;
	return 4 + n;
}

static bool
entry_key_decode(const MDB_val *k, struct listing *l)
{
	const unsigned char *p = k->mv_data;
	unsigned n;

	if (k->mv_size != 8 && k->mv_size != 20)
		return false;
	n = k->mv_size == 8 ? 4 : 16;
	memset(&l->net, 0, sizeof(l->net));
	l->zone = get16(p);
	l->net.fam = p[2];
	memcpy(l->net.a, p + 3, n);
	l->net.plen = p[3 + n];
	return true;
}

/*
 * LMDB's default order of keys (octets, then length), compared in 8-octet
 * words.  A server lookup compares some 25 keys, and the default compare (a
 * wrapper around memcmp) was a tenth of a query's instructions.  The order
 * must stay the default's: stores written before, and LMDB's own tools
 * (mdb_dump, mdb_load), rely on it.  Set on every database in store_open.
 */
static int
key_cmp(const MDB_val *a, const MDB_val *b)
{
	const unsigned char *p = a->mv_data, *q = b->mv_data;
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	uint64_t x, y;

	for (; n >= 8; n -= 8, p += 8, q += 8) {
		memcpy(&x, p, 8);
		memcpy(&y, q, 8);
		if (x != y) {
			x = be64toh(x);
			y = be64toh(y);
			return x < y ? -1 : 1;
		}
	}
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/* Address key for history: fam(1) addr(4|16) plen(1). */
static size_t
addr_key(unsigned char *k, const struct addr *a)
{
	unsigned n = addr_bytes(a->fam);

	k[0] = a->fam;
	memcpy(k + 1, a->a, n);
	k[1 + n] = a->plen;
	return 2 + n;
}

/* ---- Values ---- */

struct hot {
	uint8_t flags, parent;
	uint32_t code, expires, reason_id;
};

static void
hot_encode(unsigned char *v, const struct hot *h)
{
	v[0] = h->flags;
	v[1] = h->parent;
	v[2] = v[3] = 0;
	put32(v + 4, h->code);
	put32(v + 8, h->expires);
	put32(v + 12, h->reason_id);
}

static bool
hot_decode(const MDB_val *v, struct hot *h)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size != HOT_LEN)
		return false;
	h->flags = p[0];
	h->parent = p[1];
	h->code = get32(p + 4);
	h->expires = get32(p + 8);
	h->reason_id = get32(p + 12);
	return true;
}

static void
hot_to_listing(const struct hot *h, struct listing *l)
{
	l->flags = h->flags;
	l->code = h->code;
	l->expires = h->expires;
	l->reason_id = h->reason_id;
}

static void
detail_encode(unsigned char *v, const struct listing_detail *d)
{
	put64(v, (uint64_t)d->first_seen);
	put64(v + 8, (uint64_t)d->last_seen);
	put64(v + 16, (uint64_t)d->delisted_at);
	put32(v + 24, d->count);
	put32(v + 28, d->nsources);
	put32(v + 32, d->delist_reason_id);
	put32(v + 36, d->delist_by_id);
}

static void
detail_decode(const MDB_val *v, struct listing_detail *d)
{
	const unsigned char *p = v->mv_data;

	memset(d, 0, sizeof(*d));
	if (v->mv_size < DETAIL_LEN)
		return;
	d->first_seen = (int64_t)get64(p);
	d->last_seen = (int64_t)get64(p + 8);
	d->delisted_at = (int64_t)get64(p + 16);
	d->count = get32(p + 24);
	d->nsources = get32(p + 28);
	d->delist_reason_id = get32(p + 32);
	d->delist_by_id = get32(p + 36);
}

static void
listing_encode(unsigned char *v, const struct listing *l)
{
	memset(v, 0, LISTING_LEN);
	v[0] = l->net.fam;
	v[1] = l->net.plen;
	memcpy(v + 2, l->net.a, 16);
	v[18] = l->flags;
	put32(v + 19, l->code);
	put32(v + 23, l->expires);
	put32(v + 27, l->reason_id);
}

static void
listing_decode(const unsigned char *v, uint16_t zone, struct listing *l)
{
	memset(l, 0, sizeof(*l));
	l->zone = zone;
	l->net.fam = v[0];
	l->net.plen = v[1];
	memcpy(l->net.a, v + 2, 16);
	l->flags = v[18];
	l->code = get32(v + 19);
	l->expires = get32(v + 23);
	l->reason_id = get32(v + 27);
}

/* ---- Open and close ---- */

/*
 * Create DIR and its missing parents: DIR itself private (0700), as the
 * files in it are (0600, store_open); parents 0755, as mkdir -p makes them.
 */
static int
mkdirs(const char *dir)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, dir[i] == '\0' || dir[i + 1] == '\0' ? 0700 : 0755) != 0 &&
		    errno != EEXIST)
			return -errno;
		buf[i] = dir[i];
	}
	if (stat(dir, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? RB_OK : RB_ENOTSTORE;
}

/*
 * As root, LMDB would open DIR's data.mdb and lock.mdb through a link, and
 * it writes the lock file as soon as it opens it: a link to /etc/shadow
 * would be overwritten.  So root opens only a store in a directory no one
 * else may write (nobody can plant a link after this look) and holding no
 * link now.  Another user's store is opened as that user (privs.h).
 */
static int
root_safe(const char *dir)
{
	static const char *const names[] = { "data.mdb", "lock.mdb" };
	char path[PATH_MAX];
	struct stat st;
	unsigned i;

	if (geteuid() != 0)
		return RB_OK;
	if (stat(dir, &st) != 0)
		return -errno;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return RB_EUNSAFE;
	for (i = 0; i < RB_ARRAY_LEN(names); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path))
			return -ENAMETOOLONG;
		if (lstat(path, &st) == 0 ? !S_ISREG(st.st_mode) : errno != ENOENT)
			return RB_EUNSAFE;
	}
	return RB_OK;
}

/*
 * Check what the environment holds before creating anything in it: an empty
 * environment gets our databases, ours is checked for its schema version,
 * anything else is refused untouched.
 */
static int
check_schema(MDB_txn *txn, unsigned *version)
{
	MDB_dbi main, meta;
	MDB_val k = { 6, "schema" }, v;
	MDB_stat st;
	int rc;

	*version = 0;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main)) != 0)
		return from_mdb(rc);
	if ((rc = mdb_stat(txn, main, &st)) != 0)
		return from_mdb(rc);
	if (st.ms_entries == 0)
		return RB_OK;
	if (mdb_dbi_open(txn, "meta", 0, &meta) != 0)
		return RB_ENOTSTORE;
	if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != 4)
		return RB_ENOTSTORE;
	if ((*version = get32(v.mv_data)) > STORE_SCHEMA_VERSION || *version == 0)
		return *version == 0 ? RB_ENOTSTORE : RB_ESCHEMA;
	return RB_OK;
}

static int below_build(struct store *s, MDB_txn *txn);

/*
 * Schema upgrades, one step per version, run in order by the first process
 * that opens an older store, all in the one write transaction that also
 * creates the databases the newer version has (store_open_flags): a crash
 * leaves the store as it was or fully upgraded.  Version 1 was the first.
 * Version 2 added the commit log (DB_COMMITS, starts empty) and the
 * summaries of partial names (DB_BELOW, built from the entries).
 */
static int
upgrade(struct store *s, MDB_txn *txn, unsigned from)
{
	int rc = RB_OK;

	switch (from) {
	case 1:
		if ((rc = below_build(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	default:
		return rc;
	}
}

int
store_open_flags(struct store **out, const char *dir, size_t mapsize, unsigned flags)
{
	struct store *s;
	MDB_txn *txn = NULL;
	int rc, dead, create;
	unsigned i, version;
	unsigned char ver[4];
	MDB_val k = { 6, "schema" }, v = { 4, ver };

	*out = NULL;
	if ((rc = mkdirs(dir)) != 0 || (rc = root_safe(dir)) != 0)
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	if ((rc = mdb_env_create(&s->env)) != 0)
		goto fail;
	mdb_env_set_maxdbs(s->env, DB_COUNT + 2);
	mdb_env_set_maxreaders(s->env, 1024);
	mdb_env_set_mapsize(s->env, mapsize ? mapsize : STORE_DEFAULT_MAPSIZE);
	/* MDB_NOTLS: read transactions belong to our objects, not to threads. */
	if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS |
	    (flags & STORE_RANDOM_READS ? MDB_NORDAHEAD : 0), 0600)) != 0)
		goto fail;
	mdb_reader_check(s->env, &dead);

	/*
	 * A store that exists opens in a read transaction, so opening never
	 * waits for another process's writer; only a new store needs the lock.
	 */
	for (create = 0; create < 2; create++) {
		if ((rc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn)) != 0)
			goto fail;
		if ((rc = check_schema(txn, &version)) != 0) {
			mdb_txn_abort(txn);
			mdb_env_close(s->env);
			free(s->dir);
			free(s);
			return rc;
		}
		for (i = 0, rc = 0; rc == 0 && i < DB_COUNT; i++) {
			unsigned dbflags = create ? MDB_CREATE : 0;

			if (i == DB_STRINDEX)
				dbflags |= MDB_DUPSORT;
			rc = mdb_dbi_open(txn, db_names[i], dbflags, &s->dbi[i]);
			if (rc == 0)
				rc = mdb_set_compare(txn, s->dbi[i], key_cmp);
		}
		if (rc == 0 && version == STORE_SCHEMA_VERSION)
			break;
		if (create) {
			/* New, or older: created or upgraded in this one transaction. */
			if (rc != 0 || (version != 0 && (rc = upgrade(s, txn, version)) != 0))
				goto fail;
			put32(ver, STORE_SCHEMA_VERSION);
			if ((rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0)) != 0)
				goto fail;
			break;
		}
		mdb_txn_abort(txn);
		txn = NULL;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto fail;
	*out = s;
	return RB_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s->dir);
	free(s);
	return from_mdb(rc);
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	mdb_env_close(s->env);
	free(s->dir);
	free(s->origin);
	free(s);
}

int
store_set_origin(struct store *s, const char *origin)
{
	char *o = strdup(origin);

	if (o == NULL)
		return -ENOMEM;
	free(s->origin);
	s->origin = o;
	return RB_OK;
}

int
store_backup(struct store *s, const char *dir)
{
	char path[PATH_MAX];
	int rc, fd;

	if ((rc = mkdirs(dir)) != 0)
		return rc;
	/* A read transaction inside: consistent while writers go on. */
	if ((rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT)) != 0)
		return from_mdb(rc);
	/* LMDB creates the copy 0666 less the umask; a store is private (0600). */
	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	rc = fchmod(fd, 0600) != 0 ? -errno : RB_OK;
	close(fd);
	return rc;
}

int
store_size(struct store *s, uint64_t *file_bytes, uint64_t *map_bytes)
{
	MDB_envinfo info;
	MDB_stat st;
	char path[PATH_MAX];
	struct stat sb;

	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &st);
	*map_bytes = info.me_mapsize;
	snprintf(path, sizeof(path), "%s/data.mdb", s->dir);
	*file_bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size
	    : (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	return RB_OK;
}

/* ---- Zones ---- */

static void
zone_id_key(unsigned char *k, uint16_t id)
{
	k[0] = 'z';
	put16(k + 1, id);
}

static int
zone_read(MDB_txn *txn, struct store *s, uint16_t id, struct store_zone *z)
{
	unsigned char kb[3];
	MDB_val k = { 3, kb }, v;
	const unsigned char *p;
	int rc;

	zone_id_key(kb, id);
	if ((rc = mdb_get(txn, s->dbi[DB_META], &k, &v)) != 0)
		return from_mdb(rc);
	if (v.mv_size < ZONE_REC_LEN)
		return RB_ESTORE;
	p = v.mv_data;
	z->id = id;
	z->serial = get32(p);
	z->changed = (int64_t)get64(p + 4);
	z->seq = get64(p + 12);
	return RB_OK;
}

/* The record is followed by the zone's name, for store_zone_name. */
static int
zone_write(MDB_txn *txn, struct store *s, const struct store_zone *z, const char *name,
    size_t namelen)
{
	unsigned char kb[3], vb[ZONE_REC_LEN + 256];
	MDB_val k = { 3, kb }, v, old;

	if (name == NULL) {
		zone_id_key(kb, z->id);
		if (mdb_get(txn, s->dbi[DB_META], &k, &old) != 0 ||
		    old.mv_size < ZONE_REC_LEN)
			return RB_ESTORE;
		name = (const char *)old.mv_data + ZONE_REC_LEN;
		namelen = old.mv_size - ZONE_REC_LEN;
	}
	if (namelen > 255)
		return -EINVAL;
	zone_id_key(kb, z->id);
	put32(vb, z->serial);
	put64(vb + 4, (uint64_t)z->changed);
	put64(vb + 12, z->seq);
	vb[20] = vb[21] = 0;
	memmove(vb + ZONE_REC_LEN, name, namelen);
	v.mv_size = ZONE_REC_LEN + namelen;
	v.mv_data = vb;
	return from_mdb(mdb_put(txn, s->dbi[DB_META], &k, &v, 0));
}

/* RFC 1982: is serial A behind serial B? */
static bool
serial_lt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(b - a) > 0;
}

int
store_zone_ensure(struct store *s, const char *name, uint32_t apex_serial,
    struct store_zone *out)
{
	char kname[300];
	MDB_val k, v;
	MDB_txn *txn;
	unsigned char idb[2];
	uint16_t id;
	int rc, n;

	n = snprintf(kname, sizeof(kname), "zone:%s", name);
	if (n < 0 || n >= (int)sizeof(kname) || strlen(name) > 255)
		return -EINVAL;
	k.mv_size = (size_t)n;
	k.mv_data = kname;
	/* Usually nothing to write: look first without taking the writer lock. */
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return from_mdb(rc);
	if (mdb_get(txn, s->dbi[DB_META], &k, &v) == 0 && v.mv_size == 2 &&
	    zone_read(txn, s, get16(v.mv_data), out) == 0 &&
	    !serial_lt(out->serial, apex_serial)) {
		mdb_txn_abort(txn);
		return RB_OK;
	}
	mdb_txn_abort(txn);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return from_mdb(rc);
	if ((rc = mdb_get(txn, s->dbi[DB_META], &k, &v)) == 0 && v.mv_size == 2) {
		id = get16(v.mv_data);
		if ((rc = zone_read(txn, s, id, out)) != 0)
			goto out;
		if (!serial_lt(out->serial, apex_serial)) {
			mdb_txn_abort(txn);
			return RB_OK;
		}
		/* The operator moved the apex file's serial ahead: follow it. */
		out->serial = apex_serial;
		rc = zone_write(txn, s, out, NULL, 0);
	} else if (rc == MDB_NOTFOUND) {
		MDB_val nk = { 8, "nextzone" }, nv;

		id = 1;
		if (mdb_get(txn, s->dbi[DB_META], &nk, &nv) == 0 && nv.mv_size == 2)
			id = get16(nv.mv_data);
		if (id == 0 || id > STORE_MAX_ZONES) {
			rc = -ENOSPC;
			goto out;
		}
		put16(idb, id + 1);
		nv.mv_size = 2;
		nv.mv_data = idb;
		if ((rc = mdb_put(txn, s->dbi[DB_META], &nk, &nv, 0)) != 0)
			goto out;
		put16(idb, id);
		v.mv_size = 2;
		v.mv_data = idb;
		if ((rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0)) != 0)
			goto out;
		memset(out, 0, sizeof(*out));
		out->id = id;
		out->serial = apex_serial;
		rc = zone_write(txn, s, out, name, strlen(name));
	} else if (rc == 0) {
		rc = RB_ESTORE;
	}
	if (rc != 0)
		goto out;
	return from_mdb(mdb_txn_commit(txn));
out:
	mdb_txn_abort(txn);
	return rc < 0 ? rc : from_mdb(rc);
}

int
store_zone_get(struct store_reader *r, uint16_t zone, struct store_zone *out)
{
	return zone_read(r->txn, r->s, zone, out);
}

int
store_zone_name(struct store_reader *r, uint16_t zone, char *buf, size_t len)
{
	unsigned char kb[3];
	MDB_val k = { 3, kb }, v;
	size_t n;
	int rc;

	zone_id_key(kb, zone);
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_META], &k, &v)) != 0)
		return from_mdb(rc);
	if (v.mv_size < ZONE_REC_LEN || len == 0)
		return RB_ESTORE;
	n = v.mv_size - ZONE_REC_LEN;
	if (n >= len)
		n = len - 1;
	memcpy(buf, (const char *)v.mv_data + ZONE_REC_LEN, n);
	buf[n] = '\0';
	return RB_OK;
}

/* ---- Readers ---- */

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

/* ---- Lookups ---- */

static bool
covers(const struct listing *e, const struct addr *a)
{
	struct addr m;

	if (e->net.fam != a->fam || e->net.plen > a->plen)
		return false;
	m = *a;
	addr_mask(&m, e->net.plen);
	return memcmp(m.a, e->net.a, 16) == 0;
}

static uint32_t
clamp_time(int64_t t)
{
	if (t <= 0)
		return 1;
	return t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static bool
is_live(const struct listing *l, uint32_t now)
{
	return l->expires == 0 || l->expires > now;
}

/* Read the entry NET (as prefix of A masked to PLEN) into *l and its parent. */
static int
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
static int
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
static int
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
static int
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

/* What entry L gives the nodes above it: its expiry, UINT32_MAX for never, 0 for nothing. */
static uint32_t
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
static bool
is_node(uint8_t fam, unsigned plen)
{
	return plen < addr_bits(fam) && plen % node_step(fam) == 0 &&
	    (plen > 0 || fam == ADDR_V4);
}

/* below key: zone(2) fam(1) plen(1) addr(4|16); value: the latest expiry (4). */
static size_t
below_key(unsigned char *k, uint16_t zone, const struct addr *n)
{
	unsigned b = addr_bytes(n->fam);

	put16(k, zone);
	k[2] = n->fam;
	k[3] = n->plen;
	memcpy(k + 4, n->a, b);
	return 4 + b;
}

/* The latest expiry below node N into *MAX, 0 when nothing lies there. */
static int
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
static int
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

struct used_arg {
	uint32_t now;
};

static int
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
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_DETAILS], &k, &v)) != 0)
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

/* ---- History ---- */

static const char *
hist_str(const unsigned char **p, const unsigned char *end)
{
	uint16_t n;
	const char *s;

	if (end - *p < 2)
		return NULL;
	n = get16(*p);
	*p += 2;
	if (n == 0 || end - *p < n)
		return NULL;
	s = (const char *)*p;
	*p += n;
	return s[n - 1] == '\0' ? s : NULL;
}

int
store_history(struct store_reader *r, const struct addr *net, store_history_cb cb,
    void *arg)
{
	unsigned char kb[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	struct history h;
	size_t klen;
	int rc;

	klen = addr_key(kb, net);
	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_HISTORY], &cur)) != 0)
		return from_mdb(rc);
	k.mv_size = klen;
	k.mv_data = kb;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == klen + 8 && memcmp(k.mv_data, kb, klen) == 0) {
		const unsigned char *p = v.mv_data, *end = p + v.mv_size;

		if (v.mv_size < 27) {
			rc = RB_ESTORE;
			break;
		}
		memset(&h, 0, sizeof(h));
		h.net = *net;
		h.at = (int64_t)get64(p);
		h.recorded = (int64_t)get64(p + 8);
		h.zone = get16(p + 16);
		h.op = p[18];
		h.code = get32(p + 19);
		h.lifetime = get32(p + 23);
		p += 27;
		h.reason = hist_str(&p, end);
		h.source = hist_str(&p, end);
		h.evidence = hist_str(&p, end);
		h.by = hist_str(&p, end);
		if ((rc = cb(arg, &h)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		return RB_OK;
	return rc < 0 ? rc : from_mdb(rc);
}

/* ---- Journal ---- */

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

/* ---- Writing ---- */

int
store_wr_begin(struct store *s, struct store_wr **out)
{
	struct store_wr *w;
	MDB_val k = { 7, "histseq" }, v;
	unsigned i;
	int rc;

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

/* Keep the first error: later calls fail fast and commit aborts. */
static int
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

static int
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
	return sticky(w, from_mdb(rc));
}

/* Point read inside the write transaction; RB_ENOTFOUND is no error. */
static int
wget(struct store_wr *w, int db, const void *kd, size_t kl, MDB_val *v)
{
	MDB_val k = { kl, (void *)kd };
	int rc = mdb_cursor_get(w->cur[db], &k, v, MDB_SET_KEY);

	return rc == MDB_NOTFOUND ? RB_ENOTFOUND : sticky(w, from_mdb(rc));
}

static int
wdel(struct store_wr *w, int db, const void *kd, size_t kl)
{
	MDB_val k = { kl, (void *)kd }, v;
	int rc = mdb_cursor_get(w->cur[db], &k, &v, MDB_SET);

	if (rc == 0)
		rc = mdb_cursor_del(w->cur[db], db == DB_STRINDEX ? MDB_NODUPDATA : 0);
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
static int
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
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		sk.mv_data = v.mv_data;
		sk.mv_size = 4;
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

static int
intern(struct store_wr *w, const char *text, uint32_t *id)
{
	return intern_find(w, text, id, true);
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
static int
journal_note(struct store_wr *w, uint16_t zone, uint8_t op, const struct listing *before,
    const struct listing *after)
{
	struct zone_change *zc = zone_changes(w, zone);
	unsigned char *p;

	if (zc == NULL)
		return sticky(w, -ENOMEM);
	zc->ops[op & 3]++;
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

/* Only what a DNS answer shows counts as a change of the zone. */
static bool
served_same(const struct listing *a, const struct listing *b)
{
	return a->flags == b->flags && a->code == b->code && a->reason_id == b->reason_id;
}

struct hist_text {
	const char *reason, *source, *evidence, *by;
};

static int
history_add(struct store_wr *w, uint16_t zone, const struct addr *net, uint8_t op,
    int64_t at, uint32_t code, uint32_t lifetime, const struct hist_text *t)
{
	unsigned char kb[KEY_MAX], vb[27 + 4 * (3 + STORE_MAX_TEXT)];
	const char *strs[4] = { t->reason, t->source, t->evidence, t->by };
	size_t klen, vlen = 27;
	unsigned i;

	klen = addr_key(kb, net);
	put64(kb + klen, ++w->hist_seq);
	put64(vb, (uint64_t)at);
	put64(vb + 8, (uint64_t)w->now);
	put16(vb + 16, zone);
	vb[18] = op;
	put32(vb + 19, code);
	put32(vb + 23, lifetime);
	for (i = 0; i < 4; i++) {
		size_t n = strs[i] ? strlen(strs[i]) : 0;

		if (n > STORE_MAX_TEXT)
			n = STORE_MAX_TEXT;
		/* Stored with their NUL so readers get C strings from the map. */
		put16(vb + vlen, (uint16_t)(n ? n + 1 : 0));
		memcpy(vb + vlen + 2, strs[i] ? strs[i] : "", n);
		if (n > 0)
			vb[vlen + 2 + n++] = '\0';
		vlen += 2 + n;
	}
	return wput(w, DB_HISTORY, kb, klen + 8, vb, vlen, 0);
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
	struct hot h = { l->flags, parent, l->code, l->expires, l->reason_id };
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
static int
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
static int
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
static int
below_update(struct store_wr *w, uint16_t zone, const struct addr *net, uint32_t o,
    uint32_t n)
{
	unsigned step = node_step(net->fam);
	struct addr node;
	uint32_t m, m2;
	int lvl, rc;

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
static int
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

/*
 * Write entry L, which was OLD with parent PARENT or, OLD NULL, is new
 * under PARENT (entry_find), keeping parents, expiry index and journal.
 */
static int
entry_put(struct store_wr *w, uint16_t zone, const struct listing *l,
    const struct listing *old, uint8_t parent)
{
	int rc;

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
static int
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

static int
collect_cb(void *arg, const struct listing *l, uint8_t parent)
{
	(void)parent;
	return listing_vec_push(arg, l);
}

static int entry_remove(struct store_wr *w, uint16_t zone, const struct listing *l);

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

static int
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

static int
detail_get(struct store_wr *w, uint16_t zone, const struct addr *net,
    struct listing_detail *d)
{
	unsigned char kb[KEY_MAX];
	MDB_val v;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = wget(w, DB_DETAILS, kb, entry_key(kb, zone, net, net->plen), &v);
	if (rc == RB_OK)
		detail_decode(&v, d);
	return rc == RB_ENOTFOUND ? RB_OK : rc;
}

static int
detail_put(struct store_wr *w, uint16_t zone, const struct addr *net,
    const struct listing_detail *d)
{
	unsigned char kb[KEY_MAX], vb[DETAIL_LEN];

	detail_encode(vb, d);
	return wput(w, DB_DETAILS, kb, entry_key(kb, zone, net, net->plen), vb, DETAIL_LEN, 0);
}

/* Report key: entry key | source(4) | at(8).  Same layout reversed in bysource. */
static size_t
report_key(unsigned char *k, uint16_t zone, const struct addr *net, uint32_t source,
    int64_t at)
{
	size_t n = entry_key(k, zone, net, net->plen);

	put32(k + n, source);
	put64(k + n + 4, (uint64_t)at);
	return n + 12;
}

/* Has SOURCE reported NET at or after SINCE? */
static int
source_seen(struct store_wr *w, const unsigned char *rk, size_t rklen, int64_t since)
{
	unsigned char kb[KEY_MAX + 12];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, seen = 0;

	memcpy(kb, rk, rklen - 8);
	put64(kb + rklen - 8, (uint64_t)since);
	k.mv_size = rklen;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_REPORTS], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	if (mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size == rklen &&
	    memcmp(k.mv_data, kb, rklen - 8) == 0)
		seen = 1;
	mdb_cursor_close(cur);
	return seen;
}


int
store_report(struct store_wr *w, uint16_t zone, const struct report *r,
    enum store_outcome *out)
{
	unsigned char rk[KEY_MAX + 12], rv[16], bk[4 + KEY_MAX + 8];
	struct listing_detail d;
	struct listing cur, l;
	struct hist_text ht = { r->reason, r->source, r->evidence, NULL };
	uint32_t source, reason, evidence, expires;
	uint8_t parent;
	size_t rklen, elen;
	bool found, live, listed;
	int rc, seen;

	if (w->err != 0)
		return w->err;
	if ((rc = detail_get(w, zone, &r->net, &d)) != 0)
		return rc;
	/* A later delisting outranks this report. */
	if (d.delisted_at != 0 && r->at < d.delisted_at) {
		*out = STORE_OUTRANKED;
		return RB_OK;
	}
	if ((rc = intern(w, r->source, &source)) != 0)
		return sticky(w, rc);
	rklen = report_key(rk, zone, &r->net, source, r->at);
	{
		MDB_val v;

		if ((rc = wget(w, DB_REPORTS, rk, rklen, &v)) == RB_OK) {
			*out = STORE_DUPLICATE;
			return RB_OK;
		}
		if (rc != RB_ENOTFOUND)
			return rc;
	}
	if ((rc = intern(w, r->reason, &reason)) != 0 ||
	    (rc = intern(w, r->evidence, &evidence)) != 0)
		return sticky(w, rc);

	if ((rc = entry_find(w, zone, &r->net, &cur, &found, &parent)) != 0)
		return rc;
	live = found && is_live(&cur, clamp_time(w->now));
	listed = live && !(cur.flags & LISTING_EXCEPTION);

	if (!listed) {
		/* A new listing: counts start again; history keeps the old ones. */
		d.first_seen = d.last_seen = r->at;
		d.count = d.nsources = 0;
	}
	seen = listed ? source_seen(w, rk, rklen, d.first_seen) : 0;
	if (seen < 0)
		return seen;
	d.count++;
	if (!seen)
		d.nsources++;
	if (r->at < d.first_seen)
		d.first_seen = r->at;
	if (r->at > d.last_seen)
		d.last_seen = r->at;

	/* Lifetime 0 (imports) never expires; otherwise the latest expiry wins. */
	expires = r->lifetime ? clamp_time(r->at + (int64_t)r->lifetime) : 0;
	if (listed && (cur.expires == 0 || (expires != 0 && cur.expires > expires)))
		expires = cur.expires;
	memset(&l, 0, sizeof(l));
	l.zone = zone;
	l.net = r->net;
	l.code = r->code ? r->code : (listed ? cur.code : 0);
	l.reason_id = reason ? reason : (listed ? cur.reason_id : 0);
	l.expires = expires;

	put32(rv, reason);
	put32(rv + 4, evidence);
	put32(rv + 8, r->code);
	put32(rv + 12, r->lifetime);
	put32(bk, source);
	elen = entry_key(bk + 4, zone, &r->net, r->net.plen);
	put64(bk + 4 + elen, (uint64_t)r->at);
	if ((rc = entry_put(w, zone, &l, found ? &cur : NULL, parent)) != 0 ||
	    (rc = detail_put(w, zone, &r->net, &d)) != 0 ||
	    (rc = wput(w, DB_REPORTS, rk, rklen, rv, sizeof(rv), 0)) != 0 ||
	    (rc = wput(w, DB_BYSOURCE, bk, 4 + elen + 8, "", 0, 0)) != 0 ||
	    (rc = history_add(w, zone, &r->net, r->imported ? HISTORY_IMPORT : HISTORY_REPORT,
	    r->at, l.code, r->lifetime, &ht)) != 0)
		return rc;
	*out = listed ? STORE_REFRESHED : STORE_NEW;
	return RB_OK;
}

/* Remove entry L for a delisting D: mark its details and record history. */
static int
delist_one(struct store_wr *w, uint16_t zone, const struct listing *l,
    const struct delisting *d, uint32_t reason, uint32_t by)
{
	struct listing_detail det;
	struct hist_text ht = { d->reason, NULL, NULL, d->by };
	int rc;

	if ((rc = detail_get(w, zone, &l->net, &det)) != 0)
		return rc;
	if (d->at > det.delisted_at) {
		det.delisted_at = d->at;
		det.delist_reason_id = reason;
		det.delist_by_id = by;
	}
	if ((rc = entry_remove(w, zone, l)) != 0 ||
	    (rc = detail_put(w, zone, &l->net, &det)) != 0)
		return rc;
	return history_add(w, zone, &l->net, HISTORY_DELIST, d->at, 0, 0, &ht);
}

int
store_delist(struct store_wr *w, uint16_t zone, const struct delisting *d,
    enum store_outcome *out)
{
	struct listing_vec inside = { NULL, 0, 0 };
	struct listing_detail det;
	struct listing self, cover;
	struct hist_text ht = { d->reason, NULL, NULL, d->by };
	uint32_t reason, by, now = clamp_time(w->now);
	uint8_t parent;
	bool removed = false, self_found, self_exception;
	size_t i;
	int rc;

	if (w->err != 0)
		return w->err;
	if ((rc = intern(w, d->reason, &reason)) != 0 || (rc = intern(w, d->by, &by)) != 0)
		return sticky(w, rc);
	if ((rc = detail_get(w, zone, &d->net, &det)) != 0)
		return rc;
	rc = get_entry(&w->rd, zone, &d->net, d->net.plen, &self, &parent);
	if (rc != RB_OK && rc != RB_ENOTFOUND)
		return sticky(w, rc);
	/* A report later than this delisting stands (SPEC: later `at` wins). */
	if (rc == RB_OK && !(self.flags & LISTING_EXCEPTION) && is_live(&self, now) &&
	    det.last_seen > d->at) {
		*out = STORE_OUTRANKED;
		return RB_OK;
	}

	self_found = rc == RB_OK;
	self_exception = self_found && (self.flags & LISTING_EXCEPTION);
	/* The same delisting again, with nothing listed since: nothing to do. */
	if (det.delisted_at == d->at) {
		struct used_arg u = { now };

		rc = store_lookup(&w->rd, zone, &d->net, now, &cover);
		if (rc != STORE_MATCH_LISTED && rc >= 0)
			rc = walk_inside(&w->rd, zone, &d->net, used_cb, &u);
		if (rc < 0)
			return sticky(w, rc);
		if (rc == 0) {
			*out = STORE_DUPLICATE;
			return RB_OK;
		}
	}

	/* NET and everything inside it stop being listed; an exception at NET stays. */
	if (self_found && !self_exception && (rc = collect_cb(&inside, &self, parent)) != 0)
		return sticky(w, rc);
	if ((rc = walk_inside(&w->rd, zone, &d->net, collect_cb, &inside)) != 0) {
		free(inside.v);
		return sticky(w, rc);
	}
	for (i = 0; i < inside.n && rc == 0; i++) {
		if (!(inside.v[i].flags & LISTING_EXCEPTION) && is_live(&inside.v[i], now))
			removed = true;
		rc = delist_one(w, zone, &inside.v[i], d, reason, by);
	}
	free(inside.v);
	if (rc != 0)
		return rc;

	/* Still covered by a listed range: NET becomes an exception there. */
	rc = store_lookup(&w->rd, zone, &d->net, now, &cover);
	if (rc < 0)
		return sticky(w, rc);
	if (rc == STORE_MATCH_LISTED || self_exception) {
		memset(&self, 0, sizeof(self));
		self.zone = zone;
		self.net = d->net;
		self.flags = LISTING_EXCEPTION;
		if ((rc = entry_write(w, zone, &self)) != 0)
			return rc;
		*out = STORE_EXCEPTED;
	} else {
		*out = removed ? STORE_DELISTED : STORE_NOT_LISTED;
	}
	if ((rc = detail_get(w, zone, &d->net, &det)) != 0)
		return rc;
	if (d->at >= det.delisted_at) {
		det.delisted_at = d->at;
		det.delist_reason_id = reason;
		det.delist_by_id = by;
	}
	if ((rc = detail_put(w, zone, &d->net, &det)) != 0)
		return rc;
	/* delist_one recorded the history of NET's own entry if it had one. */
	if (!self_found || self_exception)
		return history_add(w, zone, &d->net, HISTORY_DELIST, d->at, 0, 0, &ht);
	return RB_OK;
}

int
store_expire(struct store_wr *w, uint32_t now, bool dry_run, store_entry_cb cb, void *arg,
    uint64_t *n)
{
	struct hist_text ht = { NULL, NULL, NULL, NULL };
	MDB_cursor *cur;
	MDB_val k, v;
	struct listing l;
	uint8_t parent;
	unsigned char kb[4];
	int rc;

	*n = 0;
	if (w->err != 0)
		return w->err;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_EXPIRY], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	put32(kb, 0);
	k.mv_size = 4;
	k.mv_data = kb;
	/* Due entries are at the front of the index: cost follows their number. */
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 && k.mv_size > 4 && get32(k.mv_data) <= now) {
		MDB_val ek = { k.mv_size - 4, (unsigned char *)k.mv_data + 4 };
		struct listing key;

		if (!entry_key_decode(&ek, &key)) {
			rc = RB_ESTORE;
			break;
		}
		(*n)++;
		if (dry_run) {
			if (cb != NULL && (rc = get_entry(&w->rd, key.zone, &key.net,
			    key.net.plen, &l, &parent)) == 0 && (rc = cb(arg, &l)) != 0)
				break;
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		rc = get_entry(&w->rd, key.zone, &key.net, key.net.plen, &l, &parent);
		if (rc == RB_OK) {
			if (cb != NULL && (rc = cb(arg, &l)) != 0)
				break;
			if ((rc = entry_remove(w, key.zone, &l)) != 0 ||
			    (rc = history_add(w, key.zone, &l.net, HISTORY_EXPIRE, l.expires,
			    l.code, 0, &ht)) != 0)
				break;
		} else if (rc == RB_ENOTFOUND) {
			/* Index without entry: drop the stray index key. */
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
		} else {
			break;
		}
		/* entry_remove deleted the index key under us: start again at the front. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		return RB_OK;
	return sticky(w, rc < 0 ? rc : from_mdb(rc));
}

static int
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

/* ---- The commit log ---- */

/*
 * One record per commit that changed a zone, keyed by a growing id: when,
 * by whom (uid), what (the process's origin, e.g. the command line), and
 * per zone the serials, journal seq and counts (COMMIT_ZONE_LEN each).
 */
#define COMMIT_HDR_LEN 16	/* at, uid, nzones, origin length */
#define COMMIT_ZONE_LEN 30	/* zone, from, to, seq, added, removed, changed */

static int
commit_log_write(struct store_wr *w)
{
	const char *origin = w->s->origin != NULL ? w->s->origin : "";
	size_t olen = strlen(origin) > 4096 ? 4096 : strlen(origin), vlen, i;
	unsigned char kb[8], *vb, *p;
	MDB_val k, v;
	uint64_t id = 1;
	struct store_zone z;
	int rc;

	if (mdb_cursor_get(w->cur[DB_COMMITS], &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		id = get64(k.mv_data) + 1;
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
	uint64_t changes = 0;
	unsigned i;
	int rc = w->err;

	if (rc == 0)
		rc = below_settle(w);
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
	if (rc == 0 && w->nzc > 0)
		rc = commit_log_write(w);
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

struct purged {
	unsigned char key[KEY_MAX];	/* entry key */
	size_t klen;
	int64_t at;
};

/*
 * Recount entry KEY from its reports, leaving out SOURCE's since SINCE:
 * removed when none remains, else times, counts and expiry follow the rest.
 */
static int
purge_recount(struct store_wr *w, const unsigned char *key, size_t klen, uint32_t source,
    int64_t since, bool dry_run, store_entry_cb cb, void *arg, uint64_t *removed)
{
	struct hist_text ht = { NULL, NULL, NULL, NULL };
	struct listing_detail det, nd;
	struct listing l;
	MDB_cursor *cur;
	MDB_val k = { klen, (void *)key }, v;
	uint32_t last_source = 0, expires = 0;
	bool never = false;
	uint8_t parent;
	int rc;

	if (!entry_key_decode(&k, &l))
		return RB_ESTORE;
	rc = get_entry(&w->rd, l.zone, &l.net, l.net.plen, &l, &parent);
	if (rc == RB_ENOTFOUND || (rc == 0 && (l.flags & LISTING_EXCEPTION)))
		return RB_OK;
	if (rc != 0 || (rc = detail_get(w, l.zone, &l.net, &det)) != 0)
		return rc;
	nd = det;
	nd.count = nd.nsources = 0;
	nd.first_seen = INT64_MAX;
	nd.last_seen = INT64_MIN;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_REPORTS], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == klen + 12 && memcmp(k.mv_data, key, klen) == 0) {
		const unsigned char *p = (const unsigned char *)k.mv_data + klen;
		uint32_t src = get32(p), lifetime = v.mv_size >= 16 ?
		    get32((const unsigned char *)v.mv_data + 12) : 0;
		int64_t at = (int64_t)get64(p + 4);

		if (at >= det.first_seen && !(src == source && at >= since)) {
			if (nd.count == 0 || src != last_source)
				nd.nsources++;
			last_source = src;
			nd.count++;
			if (at < nd.first_seen)
				nd.first_seen = at;
			if (at > nd.last_seen)
				nd.last_seen = at;
			if (lifetime == 0)
				never = true;
			else if (clamp_time(at + (int64_t)lifetime) > expires)
				expires = clamp_time(at + (int64_t)lifetime);
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return sticky(w, from_mdb(rc));
	if (nd.count == 0) {
		(*removed)++;
		if (cb != NULL && (rc = cb(arg, &l)) != 0)
			return rc;
		if (dry_run)
			return RB_OK;
		if ((rc = entry_remove(w, l.zone, &l)) != 0)
			return rc;
		return history_add(w, l.zone, &l.net, HISTORY_PURGE, w->now, l.code, 0, &ht);
	}
	if (dry_run)
		return RB_OK;
	l.expires = never ? 0 : expires;
	if ((rc = entry_write(w, l.zone, &l)) != 0)
		return rc;
	return detail_put(w, l.zone, &l.net, &nd);
}

int
store_purge(struct store_wr *w, const char *source, int64_t since, bool dry_run,
    store_entry_cb cb, void *arg, uint64_t *reports, uint64_t *removed)
{
	struct purged *list = NULL, *p;
	size_t n = 0, cap = 0, i;
	unsigned char kb[4 + KEY_MAX + 8];
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t sid;
	int rc;

	*reports = *removed = 0;
	if (w->err != 0)
		return w->err;
	if ((rc = intern_find(w, source, &sid, false)) != 0 || sid == 0)
		return rc;
	/* bysource: source | entry key | at.  Collect first; the deletes follow. */
	put32(kb, sid);
	k.mv_size = 4;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_BYSOURCE], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size > 12 && k.mv_size <= 4 + KEY_MAX + 8 &&
	    get32(k.mv_data) == sid) {
		const unsigned char *kp = k.mv_data;
		int64_t at = (int64_t)get64(kp + k.mv_size - 8);

		if (at >= since) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((p = realloc(list, cap * sizeof(*p))) == NULL) {
					rc = -ENOMEM;
					break;
				}
				list = p;
			}
			p = &list[n++];
			p->klen = k.mv_size - 12;
			memcpy(p->key, kp + 4, p->klen);
			p->at = at;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(list);
		return sticky(w, rc < 0 && rc > -1000 ? rc : from_mdb(rc));
	}
	rc = RB_OK;
	*reports = n;
	/* Entries come grouped: recount each once, before deleting (dry run too). */
	for (i = 0; rc == 0 && i < n; i++)
		if (i == 0 || list[i].klen != list[i - 1].klen ||
		    memcmp(list[i].key, list[i - 1].key, list[i].klen) != 0)
			rc = purge_recount(w, list[i].key, list[i].klen, sid, since, dry_run,
			    cb, arg, removed);
	for (i = 0; rc == 0 && !dry_run && i < n; i++) {
		unsigned char rk[KEY_MAX + 12];

		memcpy(rk, list[i].key, list[i].klen);
		put32(rk + list[i].klen, sid);
		put64(rk + list[i].klen + 4, (uint64_t)list[i].at);
		memcpy(kb + 4, list[i].key, list[i].klen);
		put64(kb + 4 + list[i].klen, (uint64_t)list[i].at);
		if ((rc = wdel(w, DB_REPORTS, rk, list[i].klen + 12)) == 0)
			rc = wdel(w, DB_BYSOURCE, kb, 4 + list[i].klen + 8);
	}
	free(list);
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

int
store_open(struct store **out, const char *dir, size_t mapsize)
{
	return store_open_flags(out, dir, mapsize, 0);
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
