/* The store's inside, for the store_*.c rooms only: the schema's layouts, key builders, shared helpers. */
#ifndef STORE_IMPL_H
#define STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "store.h"

/*
 * The schema: every database, and its keys and values exactly as the
 * builders below write them.  Integers are big-endian (put16..put64), so
 * LMDB's octet order of keys (key_cmp in store.c keeps it) is numeric
 * order.  An "entry key" is zone(2) fam(1) addr(4|16) plen(1): 8 octets
 * for IPv4, 20 for IPv6.  Times are seconds since the epoch; an expiry of 0
 * means never.  Strings are ids into strings (0: none).
 *
 * meta      "schema" -> version(4)
 *           "histseq" -> the last history seq(8)
 *           "nextzone" -> the next zone id to give(2)
 *           "zone:" NAME -> the zone's id(2)
 *           'z' id(2) -> zone record: serial(4) changed(8) seq(8) pad(2) NAME
 *           'l' id(2) -> listings(8): the zone's entries that are not
 *           exceptions, kept by store_wr_commit for the max-change guard
 * entries   entry key -> hot value (HOT_LEN 16): flags(1) parent(1) bulk(2)
 *           code(4) expires(4) reason(4); what the server reads.  parent is
 *           the plen of the entry's nearest enclosing entry, NO_PARENT none;
 *           bulk (since version 9; before, a zero pad) is 0, or the id of
 *           the bulk record of a compact entry (below)
 * details   entry key -> cold value (DETAIL_LEN 40): first_seen(8)
 *           last_seen(8) delisted_at(8) count(4) nsources(4)
 *           delist_reason(4) delist_by(4)
 * reports   entry key | source(4) at(8) -> reason(4) evidence(4) code(4)
 *           lifetime(4): one per (zone, address, source, at), for duplicates,
 *           distinct sources and purge (report_key)
 * bysource  source(4) | entry key | at(8) -> "": the reports of a source,
 *           for purge
 * expiry    expires(4) | entry key -> "": listings by expiry, for expire
 * journal   zone(2) seq(8) -> from_serial(4) to_serial(4) time(8) n(4),
 *           then n changes: op(1) (enum journal_op) before(LISTING_LEN 32)
 *           after(32); n is 0 for a commit too large to journal (AXFR)
 * history   fam(1) addr(4|16) plen(1) | seq(8) -> at(8) committed(8)
 *           zone(2) op(1) code(4) lifetime(4), then reason, source,
 *           evidence, by: since version 8 (op has HIST_OP_IDS) each an
 *           id(4) into strings (0: none), HIST_IDS_LEN in all; before,
 *           each length(2) (0: none, else with its NUL) and the octets
 *           with the NUL; every zone's changes of an address
 * strings   id(4) -> text (no NUL); ids grow from 1, appended
 * strindex  hash(8) -> id(4), DUPSORT: the ids of the texts with that hash
 * below     zone(2) fam(1) plen(1) addr(4|16) -> the latest expiry(4)
 *           (UINT32_MAX: never) of the listings strictly inside that node
 *           prefix (store_below.c)
 * commits   id(8) -> at(8) uid(4) nzones(2) originlen(2), then per zone
 *           zone(2) serial_from(4) serial_to(4) seq(8) added(4) removed(4)
 *           changed(4), then the origin's octets (store_log.c)
 * undo      id(8) -> the undo header of commit id: at(8) state(1)
 *           (enum undo_state) reverts(8) (the commit it reverted, 0 none)
 *           entries(4) (how many entry records follow)
 *           id(8) | entry key -> one entry commit id changed: have(1)
 *           (UNDO_HAVE_* bits: which of the four states exist;
 *           UNDO_*_KEPT: which parts the commit changed, revert leaves the
 *           others alone), then only the states that exist: hot
 *           before(UNDO_HOT_LEN 13), hot after(13), each flags(1) code(4)
 *           expires(4) reason(4); detail before(DETAIL_LEN 40), after(40);
 *           then nreports(2) and per report changed: source(4) at(8)
 *           have(1) (bit 0 before, bit 1 after), before(16) and after(16)
 *           when they exist, values as in reports.  Written at commit from the
 *           states the entry primitives noted before each entry's first
 *           change and after its last (store_undo.c); none for a commit of more than
 *           UNDO_MAX_ENTRIES entries (state UNDO_TOO_LARGE); trimmed after
 *           UNDO_KEEP seconds
 * batches   sha256(32) -> at(8) commit(8): the ingested files, by the
 *           digest of their content, and the commit that applied them (0:
 *           one that changed no zone), for ingest's file-level idempotency
 *
 * keys      hash(8) -> KEYREC_LEN 88: flags(1) (KEY_F_DISABLED) labellen(1)
 *           nzones(2) qps(4) daily(4) created(8) label(64, NUL padded),
 *           then customerlen(2) and the customer's octets (no NUL), then
 *           nzones zone ids(2) (none: every zone with keys); hash is
 *           SipHash-2-4 of the label under meta "keysecret" (16 random
 *           octets, written when the store is created or upgraded to 4), so
 *           a lookup by label costs one get and a constant-time compare of
 *           the label, never a walk of labels (store_keys.c; version 4)
 *           hash(8) day(4) -> queries(8) hits(8) refusals(8): the key's
 *           usage on that UTC day (seconds / 86400), which rbldbd adds to
 *           from its counters with each expiry run; removed with the key
 *
 * requests  id(8) -> REQ_LEN 38: at(8) decided(8) zone(2) state(1)
 *           policy(1) fam(1) plen(1) addr(16), then reason, contact,
 *           client, decision, by: each length(2) (0: none, else with its
 *           NUL) and the octets with the NUL; the removal requests of
 *           rbldb-web, ids from 1 in order (store_requests.c; version 5)
 * names     hash(16) -> the name's text (no NUL): "example.com" or
 *           "*.example.com", relative to its zone, lower case, A-labels.
 *           An entry of a `kind = names` zone has fam ADDR_NAME, plen 128
 *           and hash as its address (name_key below), so every database
 *           keyed by entry key (entries, details, reports, expiry, journal,
 *           history, undo) holds names as it holds addresses; names never
 *           nest structurally (parent is always NO_PARENT, no below
 *           summaries by prefix): a wildcard covers the names under it by
 *           the lookups of store_names.c.  Their empty non-terminals
 *           (RFC 8020) are kept in below as zone(2) ADDR_NAME(1) 0(1)
 *           hash(16) of a name -> how many listed entries (not
 *           exceptions, expired ones until removed) lie strictly under
 *           it, as count(4); "*.x" counts under x.  Written at a name's first report or
 *           delisting, never removed, shared by every zone (version 6)
 * verify     relay tests (store_verify.c; version 7), keys by their first octet:
 *           'n' -> next job id(8)
 *           'j' id(8) -> a job: zone(2) fam(1) plen(1) addr(16) state(1)
 *             trigger(1) form(1) pad(1) created(8) due(8) started(8) sent(8)
 *             finished(8) report_at(8) cookie_time(8) code(4) lifetime(4)
 *             [VJOB_HDR_LEN 92], then reason, source, connect, note as
 *             len(2) octets, then the transcript as len(4) octets (kept
 *             whole: it is the evidence), then, once the message arrived,
 *             its Received: chain as len(4) octets (escaped, one field a
 *             line; absent in older values, which read as none)
 *           'q' due(8) id(8) -> empty: the PENDING jobs by due time
 *           'a' zone(2) fam(1) addr(16) -> latest id(8) delistings(4)
 *           'x' fam(1) addr(16) id(8) -> empty: each address's jobs
 *
 * bulk      id(2) -> BULK_LEN 67 (version 9, store_compact.c): at(8)
 *           committed(8) seq(8) commit(8) zone(2) op(1) lifetime(4)
 *           source(4) evidence(4) by(4) count(8) total(8).  A bulk load
 *           (store_wr_set_compact) writes each NEW entry (no entry, no
 *           details) of its reports that share zone, at, source, evidence,
 *           lifetime and op as a compact entry: only its hot value (bulk =
 *           id; code and reason are the report's), expiry and below; no
 *           details, reports, bysource, history or undo record.  Readers
 *           take it as if it had them: details first_seen = last_seen = at,
 *           count = nsources = 1; one report (source, at) -> (reason,
 *           evidence, code, lifetime); one history record of seq seq.  A
 *           write that touches it first expands it (compact_expand writes
 *           those records, the history under seq, and sets bulk to 0);
 *           count is the compact entries left of the total the commit wrote;
 *           the record goes at 0.  Revert of commit removes its entries
 *           still compact; total - count were changed since (conflicts).
 *           Meta "bulknext" -> the next id to try(2).
 *
 * A listing inside a journal record (LISTING_LEN 32): fam(1) plen(1)
 * addr(16) flags(1) code(4) expires(4) reason(4) pad(1).
 */

/* Named databases; the order is the index into s->dbi. */
enum {
	DB_META, DB_ENTRIES, DB_DETAILS, DB_REPORTS, DB_BYSOURCE, DB_EXPIRY,
	DB_JOURNAL, DB_HISTORY, DB_STRINGS, DB_STRINDEX, DB_BELOW, DB_COMMITS, DB_UNDO,
	DB_BATCHES, DB_KEYS,
	DB_REQUESTS,
	DB_NAMES,
	DB_VERIFY,
	DB_BULK,
	DB_COUNT
};
extern const char *const db_names[DB_COUNT];

#define NO_PARENT 0xff
#define HOT_LEN 16		/* flags, parent, pad2, code, expires, reason */
#define DETAIL_LEN 40
#define BULK_LEN 67		/* a bulk record (store_compact.c) */
#define ZONE_REC_LEN 22		/* serial, changed, seq, pad */
#define LISTING_LEN 32		/* a listing inside a journal record */
#define JOURNAL_HDR_LEN 20
#define JOURNAL_MAX_CHANGES 100000	/* larger commits force AXFR */
/* Changed entries that make a commit a bulk write (store_wr_commit). */
#define BULK_CHANGES 10000
/* A bulk load's mapped pages: looked at every so many reads and writes, released past the size (bulk_tick). */
#define BULK_CHECK_PUTS 1000
#define BULK_MAP_MAX (128u << 20)
#define KEY_MAX 32
/* Undo records (store_undo.c). */
#define UNDO_HOT_LEN 13		/* flags(1) code(4) expires(4) reason(4) */
#define UNDO_HDR_LEN 21		/* at(8) state(1) reverts(8) entries(4) */
#define UNDO_REC_MAX (1 + 2 * UNDO_HOT_LEN + 2 * DETAIL_LEN + 2)	/* without reports */
#define UNDO_REP_LEN (4 + 8 + 1 + 2 * 16)	/* a report, at most */
#define UNDO_HAVE_HOT_BEFORE 0x01
#define UNDO_HAVE_HOT_AFTER 0x02
#define UNDO_HAVE_DETAIL_BEFORE 0x04
#define UNDO_HAVE_DETAIL_AFTER 0x08
#define UNDO_HOT_KEPT 0x10		/* the transaction changed the listing */
#define UNDO_DETAIL_KEPT 0x20		/* ... the details */
#define ENTRY_KEY_MAX 20	/* an entry key at most: zone(2) fam(1) addr(16) plen(1) */
enum undo_state { UNDO_KEPT = 0, UNDO_TOO_LARGE = 1 };
#define BATCH_DIGEST_LEN 32
#define KEYREC_LEN 88		/* a keys value up to the customer */
/* history since version 8: op has this bit, and the texts are four ids (store_history.c). */
#define HIST_OP_IDS 0x80
#define HIST_IDS_LEN (27 + 16)
#define KEY_F_DISABLED 0x01
#define KEYSECRET_LEN 16
#define VJOB_HDR_LEN 92		/* a verify job's fixed part */

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	char *dir;
	char *origin;		/* what this process's commits say made them (commit log) */
	/* The max-change guard (store_set_max_change): off until limits are set. */
	bool guarded, force;
	bool read_only;		/* STORE_READ_ONLY: data.mdb is never written */
	struct zone_limit *limits;
	size_t nlimits;
	struct store_change_over over;	/* what the last commit had over its limit */
	bool has_over;
	uint8_t keysecret[KEYSECRET_LEN];	/* meta "keysecret", read at open */
	bool bulk;		/* opened with STORE_BULK */
	void *map;		/* ... then where the data file is mapped, found on first use */
	size_t maplen;
	bool map_sought;	/* find_map was tried (it reads /proc/self/maps) */
};

struct zone_change {
	uint16_t zone;
	bool overflow;		/* too many changes to journal */
	uint32_t n, cap;
	unsigned char *buf;	/* n records of 1 + 2 * LISTING_LEN */
	uint32_t ops[4];	/* changes by enum journal_op, journalled or not (commit log) */
	/* Listings (entries that are not exceptions) gone in and out: max-change. */
	uint32_t listed_added, listed_removed;
	/* A listed wildcard of a names zone went: names_settle (store_names.c) at commit. */
	bool names_orphans;
};

/* A zone's max-change limit (store_set_max_change). */
struct zone_limit {
	uint16_t zone;
	uint32_t count, percent;
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
	bool has_bulk;		/* DB_BULK holds records: compact entries may exist */
	struct compact *compact;	/* a bulk load's bulk records (store_compact.c), NULL none */
	struct undo_cap *undo;	/* before-images of the entries changed (store_undo.c) */
	uint64_t reverts;	/* the commit this transaction reverts, 0 none */
	bool batch;		/* an ingested file to record at commit (batches) */
	uint64_t puts;		/* wget/wput/wdel calls so far, for bulk_tick (STORE_BULK) */
	unsigned char batch_digest[BATCH_DIGEST_LEN];
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

static inline void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static inline void put64(unsigned char *p, uint64_t v)
{
	put32(p, v >> 32); put32(p + 4, (uint32_t)v);
}
static inline uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

struct hot {
	uint8_t flags, parent;
	uint16_t bulk;
	uint32_t code, expires, reason_id;
};

struct hist_text {
	const char *reason, *source, *evidence, *by;
};

/* ---- Key builders and value codecs ---- */

/* Entry key: zone(2) fam(1) addr(4|16) plen(1). */
static inline size_t
entry_key(unsigned char *k, uint16_t zone, const struct addr *a, uint8_t plen)
{
	unsigned n = addr_bytes(a->fam);

	put16(k, zone);
	k[2] = a->fam;
	memcpy(k + 3, a->a, n);
	k[3 + n] = plen;
	return 4 + n;
}

static inline bool
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

/* Address key for history: fam(1) addr(4|16) plen(1). */
static inline size_t
addr_key(unsigned char *k, const struct addr *a)
{
	unsigned n = addr_bytes(a->fam);

	k[0] = a->fam;
	memcpy(k + 1, a->a, n);
	k[1 + n] = a->plen;
	return 2 + n;
}

static inline void
hot_encode(unsigned char *v, const struct hot *h)
{
	v[0] = h->flags;
	v[1] = h->parent;
	put16(v + 2, h->bulk);
	put32(v + 4, h->code);
	put32(v + 8, h->expires);
	put32(v + 12, h->reason_id);
}

static inline bool
hot_decode(const MDB_val *v, struct hot *h)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size != HOT_LEN)
		return false;
	h->flags = p[0];
	h->parent = p[1];
	h->bulk = get16(p + 2);
	h->code = get32(p + 4);
	h->expires = get32(p + 8);
	h->reason_id = get32(p + 12);
	return true;
}

static inline void
hot_to_listing(const struct hot *h, struct listing *l)
{
	l->flags = h->flags;
	l->bulk = h->bulk;
	l->code = h->code;
	l->expires = h->expires;
	l->reason_id = h->reason_id;
}

static inline void
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

static inline void
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

static inline void
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

static inline void
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

static inline void
zone_id_key(unsigned char *k, uint16_t id)
{
	k[0] = 'z';
	put16(k + 1, id);
}

/* below key: zone(2) fam(1) plen(1) addr(4|16); value: the latest expiry (4). */
static inline size_t
below_key(unsigned char *k, uint16_t zone, const struct addr *n)
{
	unsigned b = addr_bytes(n->fam);

	put16(k, zone);
	k[2] = n->fam;
	k[3] = n->plen;
	memcpy(k + 4, n->a, b);
	return 4 + b;
}

/* Report key: entry key | source(4) | at(8).  Same layout reversed in bysource. */
static inline size_t
report_key(unsigned char *k, uint16_t zone, const struct addr *net, uint32_t source,
    int64_t at)
{
	size_t n = entry_key(k, zone, net, net->plen);

	put32(k + n, source);
	put64(k + n + 4, (uint64_t)at);
	return n + 12;
}

/* store.c */
int from_mdb(int rc);
int zone_read(MDB_txn *txn, struct store *s, uint16_t id, struct store_zone *z);
int zone_write(MDB_txn *txn, struct store *s, const struct store_zone *z, const char *name, size_t namelen);


/* store_read.c */
/* used_cb stops a walk_inside at the first listing live at NOW. */
struct used_arg {
	uint32_t now;
};
uint32_t clamp_time(int64_t t);
int climb(struct store_reader *r, uint16_t zone, const struct addr *a, uint32_t now, bool live_only, struct listing *l, uint8_t parent);
bool covers(const struct listing *e, const struct addr *a);
int get_entry(struct store_reader *r, uint16_t zone, const struct addr *a, uint8_t plen, struct listing *l, uint8_t *parent);
bool is_live(const struct listing *l, uint32_t now);
int predecessor(struct store_reader *r, uint16_t zone, const struct addr *a, uint8_t plen, struct listing *l, uint8_t *parent);
int used_cb(void *arg, const struct listing *l, uint8_t parent);
int walk_inside(struct store_reader *r, uint16_t zone, const struct addr *net, int (*cb)(void *, const struct listing *, uint8_t), void *arg);

/* store_below.c */
int below_build(struct store *s, MDB_txn *txn);
int below_get(struct store_reader *r, uint16_t zone, const struct addr *n, uint32_t *max);
int below_scan(struct store_reader *r, MDB_cursor *cur, uint16_t zone, const struct addr *p, uint32_t *max);
int below_settle(struct store_wr *w);
int below_update(struct store_wr *w, uint16_t zone, const struct addr *net, uint32_t o, uint32_t n);
uint32_t below_value(const struct listing *l);
bool is_node(uint8_t fam, unsigned plen);

/* store_history.c */
int history_add(struct store_wr *w, uint16_t zone, const struct addr *net, uint8_t op, int64_t at, uint32_t code, uint32_t lifetime, const struct hist_text *t);

/* store_journal.c */
int journal_note(struct store_wr *w, uint16_t zone, uint8_t op, const struct listing *before, const struct listing *after);
int journal_write(struct store_wr *w, struct zone_change *zc, struct store_zone *z, uint32_t from);

/* store_write.c */
int collect_cb(void *arg, const struct listing *l, uint8_t parent);
int detail_get(struct store_wr *w, uint16_t zone, const struct addr *net, struct listing_detail *d);
int detail_put(struct store_wr *w, uint16_t zone, const struct addr *net, const struct listing_detail *d);
int entry_find(struct store_wr *w, uint16_t zone, const struct addr *net, struct listing *old, bool *found, uint8_t *parent);
int entry_put(struct store_wr *w, uint16_t zone, const struct listing *l, const struct listing *old, uint8_t parent);
int entry_remove(struct store_wr *w, uint16_t zone, const struct listing *l);
int entry_write(struct store_wr *w, uint16_t zone, const struct listing *l);
int intern(struct store_wr *w, const char *text, uint32_t *id);
int intern_find(struct store_wr *w, const char *text, uint32_t *id, bool create);
int sticky(struct store_wr *w, int rc);
int wdel(struct store_wr *w, int db, const void *kd, size_t kl);
int wget(struct store_wr *w, int db, const void *kd, size_t kl, MDB_val *v);
int wput(struct store_wr *w, int db, const void *kd, size_t kl, const void *vd, size_t vl, unsigned flags);

/* store_ops.c */
bool served_same(const struct listing *a, const struct listing *b);

/* store_keys.c: the secret of a store being created or upgraded, into meta and S. */
int keys_secret_init(struct store *s, MDB_txn *txn);
/* Read meta "keysecret" into S (RB_ENOTFOUND: none yet). */
int keys_secret_load(struct store *s, MDB_txn *txn);

/* store_requests.c: the upgrade step that adds the removal requests (none to convert). */
int upgrade_add_requests(struct store *s, MDB_txn *txn);
/* store.c's upgrade step to version 6: DB_NAMES starts empty (store_names.c). */
int upgrade_add_names(struct store *s, MDB_txn *txn);
/*
 * store_names.c, for store_sync on a names zone: NAME's text recorded
 * under KEY (once), and whether a live listed wildcard lies above NAME
 * (1, else 0, or an error).
 */
int names_sync_register(struct store_wr *w, const char *name, const struct addr *key);
int names_sync_covered(struct store_wr *w, uint16_t zone, const char *name);
/* store_names.c: the counts of listed names under each name (below, fam ADDR_NAME). */
int names_below_update(struct store_wr *w, uint16_t zone, const struct addr *net, uint32_t o,
    uint32_t n);
/*
 * store_names.c, called by store_wr_commit first: in each zone that lost a
 * listed wildcard in this transaction, the exceptions no listed wildcard
 * covers any more are removed (SPEC: an exception lives under its wildcard).
 */
int names_settle(struct store_wr *w);
/* store_keys.c: SipHash-2-4 of IN under KEY. */
uint64_t keys_siphash(const uint8_t key[16], const uint8_t *in, size_t len);

/*
 * The key of a name (store_names.c): TEXT of LEN octets, lower case, without
 * "*." (WILD says whether it is the wildcard "*." TEXT), as an entry address
 * of fam ADDR_NAME: two SipHash-2-4 of TEXT under the store's secret, each
 * key varied for the half and for WILD, so that no listing can be
 * predicted to collide with another.
 */
static inline void
name_key(const struct store *s, const char *text, size_t len, bool wild, struct addr *out)
{
	uint8_t k[16];
	uint64_t h;
	int half, i;

	out->fam = ADDR_NAME;
	out->plen = 128;
	for (half = 0; half < 2; half++) {
		memcpy(k, s->keysecret, sizeof(k));
		k[0] ^= (uint8_t)(0x4e + half);
		k[15] ^= wild ? 0x2a : 0;
		h = keys_siphash(k, (const uint8_t *)text, len);
		for (i = 0; i < 8; i++)
			out->a[half * 8 + i] = (uint8_t)(h >> (56 - 8 * i));
	}
}

/* store_log.c */
uint64_t commit_next_id(struct store_wr *w);
int commit_log_write(struct store_wr *w, uint64_t id);
int batch_write(struct store_wr *w, uint64_t id);
int batch_forget(struct store_wr *w, uint64_t id);

/* store_undo.c */
int undo_note_hot(struct store_wr *w, uint16_t zone, const struct addr *net, const struct listing *before, const struct listing *after);
int undo_note_detail(struct store_wr *w, uint16_t zone, const struct addr *net, const unsigned char *after);
int undo_note_report(struct store_wr *w, const unsigned char *rk, size_t rklen, bool absent, const unsigned char *after);
void undo_saw_detail(struct store_wr *w, const unsigned char *k, size_t klen, const MDB_val *v);
int undo_write(struct store_wr *w, uint64_t id);
int undo_trim(struct store_wr *w);
void undo_free(struct undo_cap *u);
/* The listing part of a record (UNDO_HOT_LEN octets at P) from L, and back. */
void undo_hot_image(unsigned char *p, const struct listing *l);
void undo_hot_listing(const unsigned char *p, uint16_t zone, const struct addr *net, struct listing *l);

/* store_write.c */
int detail_del(struct store_wr *w, uint16_t zone, const struct addr *net);
int report_put(struct store_wr *w, const unsigned char *rk, size_t rklen, const unsigned char *rv, bool absent);
int report_del(struct store_wr *w, const unsigned char *rk, size_t rklen);

/* store_guard.c */
int zone_listings(struct store_wr *w, uint16_t zone, uint64_t *n);
int zone_listings_put(struct store_wr *w, uint16_t zone, uint64_t n);
/* The max-change guard over the transaction's changes: RB_EMAXCHANGE when refused. */
int max_change_check(struct store_wr *w);
/* Each changed zone's count of listings made to follow the commit. */
int count_listings_commit(struct store_wr *w);

/* store_compact.c */
/* Report R of a bulk load as a compact entry if it can be: 1 done (*OUT), 0 not, or an error. */
int compact_report(struct store_wr *w, uint16_t zone, const struct report *r, uint32_t reason,
    uint32_t source, uint32_t evidence, uint8_t parent, enum store_outcome *out);
/* Give NET's entry, if compact, the records it stands for (RB_OK also when not compact). */
int compact_expand(struct store_wr *w, uint16_t zone, const struct addr *net);
/* The source (string id) of compact entry L's report, read from its bulk record. */
int compact_source(struct store_wr *w, const struct listing *l, uint32_t *source);
/* Expand the compact entries of SOURCE's bulk records at or after SINCE (purge: a scan). */
int compact_expand_source(struct store_wr *w, uint32_t source, int64_t since);
/* NET's details as a compact entry of ZONE has them: RB_ENOTFOUND when it is not one. */
int compact_detail(struct store_reader *r, uint16_t zone, const struct addr *net,
    struct listing_detail *d);
/* The history records compact entries of NET stand for, in seq order, at most MAX. */
struct compact_hist {
	uint64_t seq;
	struct history h;
	uint32_t ids[4];	/* reason, source, evidence, by */
};
size_t compact_history(struct store_reader *r, const struct addr *net, struct compact_hist *out,
    size_t max);
/* Remove commit COMMIT's entries still compact (revert); counts into C, each through CB. */
int compact_revert(struct store_wr *w, uint64_t commit, bool apply, store_revert_cb cb,
    void *arg, struct store_revert_counts *c);
/* At commit: the bulk records of this transaction, with commit ID. */
int compact_commit(struct store_wr *w, uint64_t id);
void compact_free(struct compact *c);
/* The upgrade step to version 9: DB_BULK starts empty, old pads are zero. */
int upgrade_compact_bulk(struct store *s, MDB_txn *txn);

#endif
