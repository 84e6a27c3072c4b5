/* The store's environment: open (schema check and upgrades), close, zones; readers in store_readers.c. */
#include <sys/stat.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rb.h"
#include "store_impl.h"

const char *const db_names[DB_COUNT] = {
	"meta", "entries", "details", "reports", "bysource", "expiry",
	"journal", "history", "strings", "strindex", "below", "commits", "undo", "batches",
	"keys",
	"requests",
	"names",
	"verify",
	"bulk",
};

int
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

/*
 * Schema upgrades, one step per version, run in order by the first process
 * that opens an older store, all in the one write transaction that also
 * creates the databases the newer version has (store_open): a crash
 * leaves the store as it was or fully upgraded.  Version 1 was the first.
 * Version 2 added the commit log (DB_COMMITS, starts empty) and the
 * summaries of partial names (DB_BELOW, built from the entries).  Version 3
 * added the undo records (DB_UNDO) and the ingested files (DB_BATCHES),
 * both starting empty (commits made before keep no undo record), and each
 * zone's count of listings ('l' in meta), counted here from the entries.
 * Version 4 added the query keys of keyed access (DB_KEYS, starts empty)
 * and their hash secret.  Version 5 added the removal requests of rbldb-web
 * (DB_REQUESTS, starts empty); version 6 the names of name-based zones
 * (DB_NAMES, starts empty: upgrade_add_names); version 7 the relay tests'
 * jobs (DB_VERIFY).  Version 9 the bulk records of compact entries
 * (DB_BULK, starts empty; the hot value's pad, always 0 before, is the
 * bulk id: upgrade_compact_bulk in store_compact.c).
 */
static int
count_listings(struct store *s, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned char kb[3], vb[8];
	MDB_val ck = { 3, kb }, cv = { 8, vb };
	uint64_t n = 0;
	int zone = -1, rc;

	if ((rc = mdb_cursor_open(txn, s->dbi[DB_ENTRIES], &cur)) != 0)
		return from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); ; rc = mdb_cursor_get(cur, &k, &v,
	    MDB_NEXT)) {
		int z = rc == 0 && k.mv_size >= 2 ? get16(k.mv_data) : -1;

		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		if (z != zone && zone >= 0) {
			kb[0] = 'l';
			put16(kb + 1, (uint16_t)zone);
			put64(vb, n);
			if ((rc = mdb_put(txn, s->dbi[DB_META], &ck, &cv, 0)) != 0)
				break;
			n = 0;
		}
		if (z < 0) {
			rc = 0;
			break;
		}
		zone = z;
		if (v.mv_size == HOT_LEN && !(((const unsigned char *)v.mv_data)[0] &
		    LISTING_EXCEPTION))
			n++;
	}
	mdb_cursor_close(cur);
	return from_mdb(rc);
}

/* Version 5: the relay tests' database, created by store_open, starts with job 1. */
static int
upgrade_add_verify(struct store *s, MDB_txn *txn)
{
	unsigned char vb[8];
	MDB_val k = { 1, "n" }, v = { 8, vb };

	put64(vb, 1);
	return from_mdb(mdb_put(txn, s->dbi[DB_VERIFY], &k, &v, MDB_NOOVERWRITE));
}

/*
 * Version 8 (issue 23) writes history records with their texts as ids into
 * strings (HIST_OP_IDS, store_history.c).  The records written before keep
 * their inline texts, which store_history reads as before, so the step
 * rewrites nothing: the version only keeps an older rbldb, which could not
 * read the new records, from opening the store.
 */
static int
upgrade_compact_history(struct store *s, MDB_txn *txn)
{
	(void)s;
	(void)txn;
	return RB_OK;
}

static int
upgrade(struct store *s, MDB_txn *txn, unsigned from)
{
	int rc = RB_OK;

	switch (from) {
	case 1:
		if ((rc = below_build(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 2:
		if ((rc = count_listings(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 3:
		if ((rc = keys_secret_init(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 4:
		if ((rc = upgrade_add_requests(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 5:
		if ((rc = upgrade_add_names(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 6:
		if ((rc = upgrade_add_verify(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 7:
		if ((rc = upgrade_compact_history(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	case 8:
		if ((rc = upgrade_compact_bulk(s, txn)) != 0)
			return rc;
		/* FALLTHROUGH */
	default:
		return rc;
	}
}

/*
 * Without STORE_CREATE, DIR must hold a store already: a mistyped path must
 * not become a new, empty list.  Looked at before LMDB creates anything:
 * the directory (is_store_dir), then, once root_safe() passed, its data file.
 */
static int
is_store_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? RB_ENOSTORE : -errno;
	return S_ISDIR(st.st_mode) ? RB_OK : RB_ENOTSTORE;
}

static int
has_data_file(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? RB_ENOSTORE : -errno;
	return RB_OK;
}

/* Create and open S's LMDB environment at DIR.  Returns an LMDB code. */
static int
env_open(struct store *s, const char *dir, size_t mapsize, unsigned flags)
{
	int rc, dead;

	if ((rc = mdb_env_create(&s->env)) != 0)
		return rc;
	mdb_env_set_maxdbs(s->env, DB_COUNT + 2);
	mdb_env_set_maxreaders(s->env, 1024);
	mdb_env_set_mapsize(s->env, mapsize ? mapsize : STORE_DEFAULT_MAPSIZE);
	/* MDB_NOTLS: read transactions belong to our objects, not to threads. */
	if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS |
	    (flags & STORE_RANDOM_READS ? MDB_NORDAHEAD : 0) |
	    (s->read_only ? MDB_RDONLY : 0), 0600)) != 0)
		return rc;
	mdb_reader_check(s->env, &dead);
	return 0;
}

/* Open the schema's databases in TXN, CREATE: creating those missing.  An LMDB code. */
static int
dbs_open(struct store *s, MDB_txn *txn, int create)
{
	unsigned i;
	int rc = 0;

	for (i = 0; rc == 0 && i < DB_COUNT; i++) {
		unsigned dbflags = create ? MDB_CREATE : 0;

		if (i == DB_STRINDEX)
			dbflags |= MDB_DUPSORT;
		rc = mdb_dbi_open(txn, db_names[i], dbflags, &s->dbi[i]);
		if (rc == 0)
			rc = mdb_set_compare(txn, s->dbi[i], key_cmp);
	}
	return rc;
}

int
store_open(struct store **out, const char *dir, size_t mapsize, unsigned flags)
{
	struct store *s;
	MDB_txn *txn = NULL;
	int rc, create;
	unsigned version;
	unsigned char ver[4];
	MDB_val k = { 6, "schema" }, v = { 4, ver };

	*out = NULL;
	if ((rc = flags & STORE_CREATE ? mkdirs(dir) : is_store_dir(dir)) != 0 ||
	    (rc = root_safe(dir)) != 0 ||
	    (!(flags & STORE_CREATE) && (rc = has_data_file(dir)) != 0))
		return rc;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	s->read_only = (flags & STORE_READ_ONLY) != 0;
	s->bulk = (flags & STORE_BULK) != 0;
	if ((rc = env_open(s, dir, mapsize, flags)) != 0)
		goto fail;

	/*
	 * A store that exists opens in a read transaction, so opening never
	 * waits for another process's writer; only a new store needs the lock.
	 */
	for (create = 0; create < 2; create++) {
		if ((rc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn)) != 0)
			goto fail;
		if ((rc = check_schema(txn, &version)) == 0 && version == 0 &&
		    !(flags & STORE_CREATE))
			rc = RB_ENOSTORE;	/* an empty data.mdb: init never finished */
		else if (rc == 0 && s->read_only && version != STORE_SCHEMA_VERSION)
			rc = RB_EREADONLY;	/* an upgrade would write */
		if (rc != 0) {
			mdb_txn_abort(txn);
			mdb_env_close(s->env);
			free(s->dir);
			free(s);
			return rc;
		}
		rc = dbs_open(s, txn, create);
		if (rc == 0 && version == STORE_SCHEMA_VERSION)
			break;
		if (create) {
			/* New, or older: created or upgraded in this one transaction. */
			if (rc != 0 || (version != 0 && (rc = upgrade(s, txn, version)) != 0))
				goto fail;
			if (version == 0 && (rc = keys_secret_init(s, txn)) != 0)
				goto fail;
			put32(ver, STORE_SCHEMA_VERSION);
			if ((rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0)) != 0)
				goto fail;
			break;
		}
		mdb_txn_abort(txn);
		txn = NULL;
	}
	if ((rc = keys_secret_load(s, txn)) != 0)
		goto fail;
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
	free(s->limits);
	free(s);
}

int
store_set_max_change(struct store *s, uint16_t zone, uint32_t count, uint32_t percent)
{
	struct zone_limit *l;
	size_t i;

	s->guarded = true;
	for (i = 0; i < s->nlimits; i++)
		if (s->limits[i].zone == zone)
			break;
	if (i == s->nlimits) {
		if ((l = realloc(s->limits, (s->nlimits + 1) * sizeof(*l))) == NULL)
			return -ENOMEM;
		s->limits = l;
		s->nlimits++;
	}
	s->limits[i].zone = zone;
	s->limits[i].count = count;
	s->limits[i].percent = percent;
	return RB_OK;
}

void
store_set_force(struct store *s, bool force)
{
	s->guarded = true;
	s->force = force;
}

bool
store_max_change_over(const struct store *s, struct store_change_over *out)
{
	if (s->has_over && out != NULL)
		*out = s->over;
	return s->has_over;
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
	*file_bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	if (stat(path, &sb) == 0) {
		/* A store bulk loaded in write-map mode (older rbldb) is as long as its map, sparse. */
		*file_bytes = (uint64_t)sb.st_size;
		if ((uint64_t)sb.st_blocks * 512 < *file_bytes)
			*file_bytes = (uint64_t)sb.st_blocks * 512;
	}
	return RB_OK;
}

int
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
int
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
	    (!serial_lt(out->serial, apex_serial) || s->read_only)) {
		mdb_txn_abort(txn);
		return RB_OK;
	}
	mdb_txn_abort(txn);
	if (s->read_only)
		return RB_EREADONLY;	/* a new zone */
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
