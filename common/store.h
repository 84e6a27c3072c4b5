/* The rbldb store: what both programs may call.  The schema itself is in store_impl.h. */
#ifndef STORE_H
#define STORE_H

/*
 * Caveats, as with LMDB itself:
 *  - one writer at a time across all processes (LMDB serialises them);
 *    a writer never blocks readers;
 *  - read transactions should be short: a reader pins the pages it sees, so
 *    renew it per batch of queries (store_reader_refresh);
 *  - open the store after forking and never use it across fork();
 *  - values returned by reads point into the map and are valid only until
 *    the reader is refreshed or finished.
 *
 * Keys and values are encoded only by the store's own files (store_*.c),
 * and store_impl.h documents every database, key and value layout beside
 * the builders that write them.  The databases: meta, entries (what the
 * server reads), details, reports, bysource, expiry, journal (IXFR),
 * history (the audit trail), strings and strindex, below (partial names),
 * commits (the commit log), undo (what revert restores), batches (the
 * ingested files).  Schema versions: 1 the first; 2 added below and
 * commits; 3 added undo, batches and each zone's count of listings; 4 the
 * query keys; 5 requests (rbldb-web's removal requests); 6 the names of
 * name-based zones (store_names.c); 7 relay tests (store_verify.c); 8
 * history texts as string ids (store_history.c).  The first process that
 * opens an older store upgrades it in one write transaction (store.c,
 * upgrade()).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define STORE_SCHEMA_VERSION 9
#define STORE_DEFAULT_MAPSIZE ((size_t)16 << 30)	/* 16 GiB, sparse */
#define STORE_MAX_ZONES 4096
#define STORE_MAX_TEXT 4000		/* reasons and other texts, octets */
/*
 * Undo records (store_revert): a commit that changes more entries than this
 * keeps none, and they are deleted this long after their commit.
 */
#define STORE_UNDO_MAX_ENTRIES 1000000
/* ... in a bulk load (store_wr_set_compact), whose new entries need none: its memory bound. */
#define STORE_UNDO_MAX_BULK 250000
#define STORE_UNDO_KEEP (30 * 86400)
/* The max-change guard's default: the larger of 1000 listings and 5% of the zone. */
#define STORE_MAX_CHANGE_COUNT 1000
#define STORE_MAX_CHANGE_PERCENT 5

struct store;		/* an open LMDB environment and its databases */
struct store_wr;	/* a write transaction */

/* Flags of store_open. */
#define STORE_RANDOM_READS 0x01	/* a server: no read-ahead (see store_drop_cache) */
#define STORE_CREATE 0x02	/* create DIR and the store when missing (rbldb init, tests) */
#define STORE_READ_ONLY 0x04	/* never write data.mdb: serving a backup (not with CREATE) */
/*
 * A bulk loader (import, ingest): the process lets go of the store pages
 * it maps as it goes (store_write.c, bulk_tick), so that, with LMDB's own
 * bound on the pages a transaction holds dirty, peak memory stays bounded
 * whatever the size of the one commit.
 */
#define STORE_BULK 0x08

/*
 * Open the store in directory DIR.  Without STORE_CREATE the store must
 * exist: a missing DIR, or one without a store in it, is RB_ENOSTORE and
 * nothing is created, so a mistyped path never becomes an empty list.
 * With STORE_CREATE, DIR (and missing parents) and the store are created as
 * needed.  A new store is private: DIR 0700, its files 0600 (less the
 * umask), owned by whoever runs this; as root, call it as the store's user
 * (privs.h).  MAPSIZE 0 means STORE_DEFAULT_MAPSIZE; a larger size than the
 * store's takes effect here.  Stale reader slots of dead processes are
 * cleared.  Refuses a directory holding a non-rbldb file (RB_ENOTSTORE) and
 * a newer schema (RB_ESCHEMA); upgrades older ones, except read-only, where
 * an older schema is RB_EREADONLY and every write transaction fails alike.  As root it refuses a
 * DIR that is not root's or that others may write, or whose data.mdb or
 * lock.mdb is not a regular file (RB_EUNSAFE): LMDB would follow a link
 * planted there.
 */
int store_open(struct store **out, const char *dir, size_t mapsize, unsigned flags);
void store_close(struct store *s);

/*
 * What this process's commits record as their origin in the commit log
 * (rbldb: its command line; rbldbd: "rbldbd expiry").  Copied.
 */
int store_set_origin(struct store *s, const char *origin);

/*
 * The max-change guard (SPEC "Command lines").  Once a limit is set, a
 * commit that adds, or removes, more listings (entries that are not
 * exceptions) of a zone than the larger of COUNT and PERCENT % of the
 * zone's listings before the commit is refused: store_wr_commit aborts it
 * with RB_EMAXCHANGE.  Zones without a limit of their own get the default
 * (STORE_MAX_CHANGE_COUNT, STORE_MAX_CHANGE_PERCENT).  With FORCE set,
 * commits over the limit go through; store_max_change_over says so after
 * each one (rbldbd's expiry commits are exempt that way, and logged).
 */
int store_set_max_change(struct store *s, uint16_t zone, uint32_t count, uint32_t percent);
void store_set_force(struct store *s, bool force);

/* What a commit had over a zone's max-change limit. */
struct store_change_over {
	uint16_t zone;
	uint32_t count;		/* listings added (or removed) */
	uint64_t limit;
	bool removed;		/* COUNT is of listings removed */
};
/*
 * After store_wr_commit (or store_wr_check_max_change): true, with *out
 * filled, when the last commit went over a zone's limit, whether it was
 * refused or forced through.
 */
bool store_max_change_over(const struct store *s, struct store_change_over *out);

/* A consistent, compacted copy of the store into directory DIR (created 0700, copy 0600). */
int store_backup(struct store *s, const char *dir);

/*
 * Size of the data file in bytes (what it takes on disk when sparse, as a
 * bulk load leaves it as long as the map) and the map size, for stats and
 * metrics.
 */
int store_size(struct store *s, uint64_t *file_bytes, uint64_t *map_bytes);

/* A zone as the store knows it. */
struct store_zone {
	uint16_t id;
	uint32_t serial;
	int64_t changed;	/* time of the last commit that changed it */
	uint64_t seq;		/* commits that changed it; journal key */
};

/*
 * Find or create the zone NAME (lower case, no trailing dot).  A new zone
 * starts at APEX_SERIAL; an existing zone whose serial is behind
 * APEX_SERIAL (RFC 1982) moves up to it.  Both programs call this at start.
 * On a read-only store the zone keeps its serial, and a new zone is
 * RB_EREADONLY.
 */
int store_zone_ensure(struct store *s, const char *name, uint32_t apex_serial,
    struct store_zone *out);

/* Bits of struct listing's flags. */
#define LISTING_EXCEPTION 0x01	/* delisted inside a listed range */

/* One entry of a zone: a listed address or range, or an exception. */
struct listing {
	uint16_t zone;
	struct addr net;
	uint8_t flags;
	uint16_t bulk;		/* a compact entry's bulk record (store_compact.c), 0 none */
	uint32_t code;		/* 127.x.y.z in host order; 0 = zone default */
	uint32_t expires;	/* seconds since the epoch; 0 = never */
	uint32_t reason_id;	/* 0 = none (the zone's text is served) */
};

/* A growable array of listings, for code that collects entries first. */
struct listing_vec {
	struct listing *v;
	size_t n, cap;
};
/* Append *L, growing the array; -ENOMEM when it cannot.  free(vc->v) when done. */
int listing_vec_push(struct listing_vec *vc, const struct listing *l);

/* The cold part of an entry, for show/list/stats; not read by the server. */
struct listing_detail {
	int64_t first_seen;	/* earliest report `at` */
	int64_t last_seen;	/* latest report `at` */
	int64_t delisted_at;	/* latest delisting `at`, 0 = never */
	uint32_t count;		/* reports counted */
	uint32_t nsources;	/* distinct sources among them */
	uint32_t delist_reason_id;
	uint32_t delist_by_id;
};

/* ---- Reading: one reader per thread, renewed per batch. ---- */

struct store_reader {
	struct store *s;
	void *txn;		/* MDB_txn *, read-only, reset between uses */
	void *cur;		/* MDB_cursor * on entries */
	void *point;		/* MDB_cursor * on entries for point reads, or NULL */
	uint64_t txnid;		/* snapshot id, to notice new commits */
	/*
	 * B-tree descents and cursor steps this reader made, so that tests and
	 * benchmarks can count what a lookup costs.  Only ever added to.
	 */
	uint64_t moves;
};

int store_reader_init(struct store *s, struct store_reader *r);
/* Move the reader to the newest committed state.  Lock-free. */
int store_reader_refresh(struct store_reader *r);
/* Release the snapshot while idle (the reader stays usable after refresh). */
void store_reader_release(struct store_reader *r);
void store_reader_fini(struct store_reader *r);

/* Zone record by id, as of the reader's snapshot. */
int store_zone_get(struct store_reader *r, uint16_t zone, struct store_zone *out);

enum store_match {
	STORE_MATCH_NONE = 0,
	STORE_MATCH_LISTED,
	STORE_MATCH_EXCEPTED,
};

/*
 * The most specific live (unexpired at NOW) entry of ZONE covering address
 * A (or containing prefix A), in one or two B-tree lookups for the usual
 * nesting depth.  Returns an enum store_match; fills *out for
 * STORE_MATCH_LISTED and STORE_MATCH_EXCEPTED.  Negative on error.
 */
int store_lookup(struct store_reader *r, uint16_t zone, const struct addr *a,
    uint32_t now, struct listing *out);

/*
 * True (1) when some live listed entry of ZONE lies inside or covers the
 * prefix P: the name of P is then an empty non-terminal (RFC 8020), not
 * NXDOMAIN.  0 when none, negative on error.  The cost does not grow with
 * what lies under P: a lookup as store_lookup's, then one more for the
 * prefixes a query name ends on (IPv4 /0, /8, /16, /24, IPv6 by nibbles),
 * at most 16 ranges for any other (store.c, "Partial names").
 */
int store_prefix_used(struct store_reader *r, uint16_t zone, const struct addr *p,
    uint32_t now);

/* Text with id ID; *text points into the snapshot.  ID 0 is RB_ENOTFOUND. */
int store_text(struct store_reader *r, uint32_t id, const char **text, size_t *len);

/* Cold details of the entry NET of ZONE. */
int store_detail(struct store_reader *r, uint16_t zone, const struct addr *net,
    struct listing_detail *out);

/*
 * Call CB for each entry of ZONE in key order (IPv4 first, then IPv6, each
 * by address then prefix length), expired ones included (check expires).
 * A non-zero return from CB stops the walk and is returned.
 */
typedef int (*store_entry_cb)(void *arg, const struct listing *l);
int store_foreach(struct store_reader *r, uint16_t zone, store_entry_cb cb, void *arg);

/* One zone's part of a commit in the commit log. */
struct store_commit_zone {
	uint16_t zone;
	uint32_t serial_from, serial_to;
	uint64_t seq;			/* the zone's journal record of the commit */
	uint32_t added, removed, changed;	/* listings, journalled or not */
};

/* A commit that changed zones, as the commit log keeps it. */
struct store_commit {
	uint64_t id;			/* grows by one per logged commit */
	int64_t at;
	uint32_t uid;			/* effective uid of the process that committed */
	const char *origin;		/* ORIGINLEN octets, not terminated: store_set_origin's */
	size_t originlen;
	unsigned nzones;
	struct store_commit_zone *zones;	/* valid during the callback only */
};
typedef int (*store_commit_cb)(void *arg, const struct store_commit *c);

/* Call CB for each logged commit with an id above AFTER, oldest first; a non-zero CB return stops and is returned. */
int store_commits(struct store_reader *r, uint64_t after, store_commit_cb cb, void *arg);

/* Entries of ZONE whose prefix covers or lies inside NET, in key order. */
int store_foreach_overlapping(struct store_reader *r, uint16_t zone,
    const struct addr *net, store_entry_cb cb, void *arg);

/* Audit history. */
enum history_op {
	HISTORY_REPORT = 1,	/* a report listed or refreshed */
	HISTORY_DELIST,		/* delisted (or excepted inside a range) */
	HISTORY_EXPIRE,		/* lifetime passed, entry removed */
	HISTORY_PURGE,		/* removed by purge of a source */
	HISTORY_IMPORT,		/* imported from another format */
	HISTORY_REVERT,		/* set back to its state before a commit (revert) */
	HISTORY_RECOUNT,	/* purge withdrew reports; the rest keep it listed */
	/*
	 * A removal request (rbldb-web) and the operator's decision on it.  For
	 * these two, code holds the request's id and lifetime its policy
	 * (STORE_REMOVAL_*) or, for a decision, its new state; by says
	 * "request #ID"; the requester's client and contact are private
	 * (source, evidence); reason is the decision's public reason.
	 */
	HISTORY_REQUEST,
	HISTORY_DECISION,
	HISTORY_VERIFY,		/* a relay test's job changed state (store_verify.c) */
};

struct history {
	struct addr net;
	uint16_t zone;
	uint8_t op;		/* enum history_op */
	int64_t at;		/* when it happened (report/delisting time) */
	int64_t recorded;	/* when it was committed */
	uint32_t code;
	uint32_t lifetime;
	const char *reason;	/* each may be NULL; valid only during the callback */
	const char *source;
	const char *evidence;
	const char *by;
};

/*
 * Call CB for each history record of exactly NET (every zone), oldest
 * first.  Callers wanting an address's full story also walk the prefixes
 * covering it.
 */
typedef int (*store_history_cb)(void *arg, const struct history *h);
int store_history(struct store_reader *r, const struct addr *net, store_history_cb cb,
    void *arg);

/* One commit's changes to a zone, as kept in the journal for IXFR. */
enum journal_op { JOURNAL_ADD = 1, JOURNAL_DEL, JOURNAL_CHANGE };
struct journal_change {
	uint8_t op;
	struct listing before;	/* valid for DEL and CHANGE */
	struct listing after;	/* valid for ADD and CHANGE */
};
struct journal_commit {
	uint64_t seq;
	uint32_t serial_from, serial_to;
	int64_t when;
	uint32_t nchanges;
};
typedef int (*store_journal_cb)(void *arg, const struct journal_commit *c,
    const struct journal_change *ch);
/* Walk the journal of ZONE from commit seq FROM on: CB per change. */
int store_journal(struct store_reader *r, uint16_t zone, uint64_t from,
    store_journal_cb cb, void *arg);

/*
 * Delete ZONE's journal commits with seq < BEFORE (its oldest) inside W;
 * *n (may be NULL) gets how many.  Not a change of the zone: no serial moves.
 */
struct store_wr;
int store_journal_trim(struct store_wr *w, uint16_t zone, uint64_t before, uint64_t *n);

/* ---- Writing: one transaction per command (or per batch). ---- */

int store_wr_begin(struct store *s, struct store_wr **out);
/*
 * Commit: every zone changed by the transaction gets serial + 1 and one
 * journal record.  A transaction that changed nothing commits without
 * touching any serial.  RB_EMAPFULL when the map is full (nothing kept).
 * A bulk commit also drops the file's unmapped cached pages (store_drop_cache).
 */
int store_wr_commit(struct store_wr *w);
void store_wr_abort(struct store_wr *w);
/* The time writes judge liveness by (default: the clock at begin). */
void store_wr_set_now(struct store_wr *w, int64_t now);
/*
 * A bulk load (import or ingest of more than BULK_CHANGES reports): the
 * new entries it lists are written compact, their details, report and
 * history kept once per commit in a bulk record (store_compact.c).
 */
void store_wr_set_compact(struct store_wr *w);
#define STORE_BULK_REPORTS 10000	/* reports that make a load a bulk load (= BULK_CHANGES) */
/* The write transaction's view, for reads inside it (same API as a reader). */
struct store_reader *store_wr_reader(struct store_wr *w);
/* Number of zones whose serial the commit will move. */
unsigned store_wr_changed_zones(const struct store_wr *w);
/*
 * The I-th of those zones and its counts so far (zone, added, removed and
 * changed are set; serials and seq are not yet known).  RB_ENOTFOUND past
 * the last.
 */
int store_wr_zone_counts(const struct store_wr *w, unsigned i, struct store_commit_zone *out);
/*
 * The max-change guard without committing (for dry runs): RB_EMAXCHANGE
 * when the commit would be refused, with store_max_change_over saying why.
 */
int store_wr_check_max_change(struct store_wr *w);

/* A report, after the policy checks (policy.h) passed. */
struct report {
	struct addr net;
	int64_t at;
	uint32_t code;		/* 0 = zone default */
	uint32_t lifetime;	/* seconds; 0 = never expires (imports) */
	const char *reason;	/* NULL or public text */
	const char *source;	/* NULL or private */
	const char *evidence;	/* NULL or private */
	bool imported;		/* history says "import" rather than "report" */
	const char *name;	/* kind = names: the name (store_name_report), else NULL */
};

enum store_outcome {
	STORE_NEW = 1,		/* listed now, was not */
	STORE_REFRESHED,	/* was listed; times, count or expiry moved */
	STORE_DUPLICATE,	/* seen before: same report, or same delisting */
	STORE_OUTRANKED,	/* a delisting later than `at` stands */
	STORE_DELISTED,		/* entry removed */
	STORE_EXCEPTED,		/* an exception inside a listed range */
	STORE_NOT_LISTED,	/* delisting of something not listed: recorded */
	STORE_PENDING,		/* held for a relay test (verify = required; verify_apply.h) */
};

int store_report(struct store_wr *w, uint16_t zone, const struct report *r,
    enum store_outcome *out);

struct delisting {
	struct addr net;
	int64_t at;
	const char *reason;
	const char *by;
	const char *name;	/* kind = names: the name (store_name_delist), else NULL */
};
/*
 * NET stops being listed at once: its own entry and those inside it are
 * removed, and where a listed range still covers NET an exception is
 * written.  Reports with `at` before d->at no longer count for NET.
 */
int store_delist(struct store_wr *w, uint16_t zone, const struct delisting *d,
    enum store_outcome *out);

/*
 * Remove every entry (all zones) with 0 < expires <= NOW, cost in
 * proportion to their number; *n gets the count.  With DRY_RUN only
 * counts.  CB (may be NULL) is called for each one before removal.
 */
int store_expire(struct store_wr *w, uint32_t now, bool dry_run, store_entry_cb cb,
    void *arg, uint64_t *n);

/*
 * SOURCE's reports with `at` >= SINCE are withdrawn (every zone): an entry
 * left without any report since its listing began is removed, the others
 * get their counts, times and expiry recomputed from what remains.
 * *reports gets the reports withdrawn, *removed the entries removed; CB (may
 * be NULL) sees each entry before it is removed.  With DRY_RUN only counts.
 */
int store_purge(struct store_wr *w, const char *source, int64_t since, bool dry_run,
    store_entry_cb cb, void *arg, uint64_t *reports, uint64_t *removed);

/* One entry of a list store_sync makes a source's part of a zone equal to. */
struct store_sync_item {
	struct addr net;
	uint32_t code;		/* 0 = zone default */
	const char *reason;	/* NULL or the public text */
	bool exception;		/* NET excluded (an exception where a range covers it) */
	const char *name;	/* a names zone's entry: its stored text (NET its key); else NULL */
	const char *evidence;	/* NULL or private: the history of an added or changed entry */
};
struct store_sync_counts {
	uint64_t added, changed, unchanged;
	uint64_t withdrawn;		/* removed: no other source reports them */
	uint64_t withdrawn_kept;	/* this source's report withdrawn, another's keeps it */
};
/*
 * Make ZONE's entries from SOURCE (its reports, the exceptions it wrote)
 * equal ITEMS (N, in key order, one per net), as of AT: new ones added,
 * changed ones changed, those no longer listed withdrawn (removed when no
 * other source reports them, with no exception written), and the same ones
 * not touched at all (no history, no journal), so the commit holds only the
 * difference (store_sync.c).  -EINVAL when ITEMS is out of order.
 */
int store_sync(struct store_wr *w, uint16_t zone, const char *source, int64_t at,
    const struct store_sync_item *items, size_t n, struct store_sync_counts *c);
/*
 * store_sync over a list too long to hold: NEXT(ARG, &it) gives the items
 * one by one in the same order, returning 1 with *it valid until its next
 * call, 0 after the last, or a negative error, which this returns.  The
 * zone's entries are read in batches, so memory does not grow with either
 * (a names zone's exceptions, taken last, are kept: their count).
 */
typedef int (*store_sync_next_cb)(void *arg, const struct store_sync_item **it);
int store_sync_stream(struct store_wr *w, uint16_t zone, const char *source, int64_t at,
    store_sync_next_cb next, void *arg, struct store_sync_counts *c);

/*
 * Revert commit COMMIT of the commit log (rbldb revert): every entry it
 * changed is set back to its state before it (listing, details and the
 * reports the commit added or withdrew), through the same writes as
 * report and delist, so the new commit has its journal, serials, history
 * (HISTORY_REVERT) and undo record like any other; reverting it redoes
 * COMMIT.  An entry conflicts when some part of it (listing, details, one
 * of those reports) is now neither as COMMIT left it nor as it was before:
 * a later commit changed it.  Conflicts make the revert refuse
 * (RB_ECONFLICT, nothing written) unless FLAGS has STORE_REVERT_FORCE, which
 * leaves those entries as they are now and reverts the others.  CB (may be
 * NULL) sees each entry of the commit once, in key order, after the
 * decision (conflicts first when refused).  RB_ENOTFOUND: no such commit;
 * RB_ENOUNDO: its undo record is not kept (*counts says why).
 */
#define STORE_REVERT_FORCE 0x01
enum store_revert_state {
	STORE_REVERT_DONE = 1,	/* set back to its state before the commit */
	STORE_REVERT_ALREADY,	/* already in that state: nothing to do */
	STORE_REVERT_CONFLICT,	/* changed since by a later commit: left as it is */
};
struct store_revert_entry {
	uint16_t zone;
	struct addr net;
	bool had, has;		/* a listing (or exception) before COMMIT; now */
	struct listing before, now;	/* when had, has */
	enum store_revert_state state;
};
typedef int (*store_revert_cb)(void *arg, const struct store_revert_entry *e);
struct store_revert_counts {
	uint64_t entries;	/* entries COMMIT changed */
	uint64_t done, already, conflicts;
	int64_t at;		/* when COMMIT was made */
	bool too_large;		/* RB_ENOUNDO: over STORE_UNDO_MAX_ENTRIES */
	uint64_t reverts;	/* the commit COMMIT itself reverted, 0 none */
};
int store_revert(struct store_wr *w, uint64_t commit, unsigned flags, store_revert_cb cb,
    void *arg, struct store_revert_counts *counts);

/*
 * Ingested files (SPEC "Listing policy": a second ingest of the same file
 * changes nothing).  store_batch_find looks the SHA-256 DIGEST of a file's
 * content up: RB_OK with when it was ingested and the commit that applied
 * it (0: none changed a zone), or RB_ENOTFOUND.  store_batch_add records it
 * with this transaction's commit.  Reverting that commit forgets it.
 */
int store_batch_find(struct store_reader *r, const unsigned char digest[32], int64_t *at,
    uint64_t *commit);
int store_batch_add(struct store_wr *w, const unsigned char digest[32]);

/* The zone ids known to the store are needed by expiry's callers. */
int store_zone_name(struct store_reader *r, uint16_t zone, char *buf, size_t len);

/*
 * Drop the data file's cached pages that no process maps, so that a server
 * maps only what its queries read (store.c says why).  A server calls it at
 * start; store_wr_commit calls it after a commit of 10,000 changed entries
 * or more (a bulk ingest, import, expire or purge).
 */
int store_drop_cache(struct store *s);

/*
 * Read every page the server's queries can read (entries and texts) into
 * memory, so that after a start no query waits for the disk: a server's
 * background thread calls it.  Returns early, with RB_OK, once *STOP is
 * true.  *entries and *texts get how many of each were read.
 */
int store_prefetch(struct store *s, const atomic_bool *stop, uint64_t *entries,
    uint64_t *texts);

/* ---- Names (`kind = names` zones, store_names.c) ---- */

/*
 * An entry of a name-based zone is keyed by its name's key: an address of
 * fam ADDR_NAME that store_name_key makes from the stored form of the name
 * (name.h: "example.com", or "*.example.com" for every name under it).
 * Everything that takes a struct addr (store_detail, store_history,
 * store_foreach, the journal) takes these keys; store_net_text turns one
 * back into its text.
 */
void store_name_key(const struct store *s, const char *name, struct addr *out);

/*
 * The text of NET into BUF (LEN octets, NAME_TEXTLEN is enough): a name
 * key's name ("?" when the store does not know it), an address's
 * addr_format.  Returns BUF.
 */
char *store_net_text(struct store_reader *r, const struct addr *net, char *buf, size_t len);

/*
 * store_report and store_delist for a name: R->name (D->name) is the name
 * in stored form; R->net (D->net) is ignored, made here from it.  A delisting of
 * a name still under a listed wildcard leaves an exception there
 * (STORE_EXCEPTED), unless the wildcard was reported after it
 * (STORE_OUTRANKED).
 */
int store_name_report(struct store_wr *w, uint16_t zone, const struct report *r,
    enum store_outcome *out);
int store_name_delist(struct store_wr *w, uint16_t zone, const struct delisting *d,
    enum store_outcome *out);

/*
 * The query path: the NLABELS wire labels at NAME (DNS order, the labels
 * below the zone apex) looked up in ZONE at NOW, case-insensitively,
 * without allocation: the name's own entry, else the wildcard of its
 * nearest enclosing name that has one.  Returns an enum store_match and
 * fills *out as store_lookup does; STORE_MATCH_NONE for a name that no
 * entry can hold (a label with a dot or over the length).
 */
int store_name_lookup(struct store_reader *r, uint16_t zone, const uint8_t *name,
    unsigned nlabels, uint32_t now, struct listing *out);

/*
 * store_name_lookup for NAME, a name in stored form ("a.example.com", not a
 * wildcard): what a query for it under the zone is answered from (show).
 */
int store_name_match(struct store_reader *r, uint16_t zone, const char *name, uint32_t now,
    struct listing *out);

/*
 * The nearest live wildcard that lists NAME (stored form) from strictly
 * above it, passing over wildcards that are exceptions: what an exception
 * at NAME excepts it from.  RB_OK with *out, RB_ENOTFOUND, or an error.
 */
int store_name_cover(struct store_reader *r, uint16_t zone, const char *name, uint32_t now,
    struct listing *out);

/*
 * Whether some listed entry of ZONE lies strictly under the name of the
 * NLABELS wire labels at NAME (any case): it is then an empty non-terminal
 * (RFC 8020), NODATA rather than NXDOMAIN.  1, 0 or a negative error.
 */
int store_name_used(struct store_reader *r, uint16_t zone, const uint8_t *name,
    unsigned nlabels);

/* ---- Query keys (keyed access, store_keys.c) ---- */

/*
 * A key label is one DNS label of STORE_KEY_MIN to STORE_KEY_MAX octets of
 * [a-z0-9-] (lower case, as stored; queries are folded before the lookup),
 * neither starting nor ending with '-'.  At least 8 octets, so that no
 * label of an address (1 to 3 digits, or a nibble) is ever read as a key.
 */
#define STORE_KEY_MIN 8
#define STORE_KEY_MAX 63
#define STORE_KEY_MAX_ZONES 64
#define STORE_KEY_MAX_CUSTOMER 200

struct store_key {
	char label[STORE_KEY_MAX + 1];
	char customer[STORE_KEY_MAX_CUSTOMER + 1];	/* "" = none */
	bool disabled;
	uint32_t qps, daily;	/* limits; 0 = none */
	int64_t created;
	uint16_t nzones;	/* 0: every zone that takes keys */
	uint16_t zones[STORE_KEY_MAX_ZONES];
	uint64_t hash;		/* the store's keyed hash of the label (counters, logs) */
};

/* Whether LABEL (LEN octets) is a valid key label as above. */
bool store_key_label_ok(const char *label, size_t len);

/*
 * The store's keyed hash of LABEL (LEN octets, folded to lower case): what
 * counters and logs name a key by, as the label itself is a secret.
 */
uint64_t store_key_hash(const struct store *s, const uint8_t *label, size_t len);

/*
 * The query path's lookup: the key whose label is LABEL (LEN octets of a
 * query name, any case).  Lock-free, no allocation; the labels are
 * compared in constant time.  On RB_OK *out is filled (customer left
 * empty).  RB_ENOTFOUND when there is no such key.
 */
int store_key_find(struct store_reader *r, const uint8_t *label, size_t len,
    struct store_key *out);

/* Whether K may ask zone ZONE. */
bool store_key_allows(const struct store_key *k, uint16_t zone);

/* The key LABEL with its customer (RB_ENOTFOUND: none). */
int store_key_get(struct store_reader *r, const char *label, struct store_key *out);

/* Every key in hash order (not label order); CB returns non-zero to stop. */
typedef int (*store_key_cb)(void *arg, const struct store_key *k);
int store_key_walk(struct store_reader *r, store_key_cb cb, void *arg);

/*
 * Add K (its label checked, created set by the caller).  RB_EPOLICY when a
 * key with that label exists already.
 */
int store_key_add(struct store_wr *w, const struct store_key *k);
/* Disable or enable LABEL; RB_ENOTFOUND when there is none. */
int store_key_set_disabled(struct store_wr *w, const char *label, bool disabled);
/* Remove LABEL and its usage; RB_ENOTFOUND when there is none. */
int store_key_remove(struct store_wr *w, const char *label);

/* A key's usage on one UTC day (seconds since the epoch / 86400). */
struct store_key_usage {
	uint32_t day;
	uint64_t queries, hits, refusals;
};

/* Add to the usage of the key with HASH on DAY (the server's counters, folded). */
int store_key_usage_add(struct store_wr *w, uint64_t hash, const struct store_key_usage *u);

/* The usage of the key with HASH, by day from FROM on, oldest first; CB returns non-zero to stop. */
typedef int (*store_key_usage_cb)(void *arg, const struct store_key_usage *u);
int store_key_usage_walk(struct store_reader *r, uint64_t hash, uint32_t from,
    store_key_usage_cb cb, void *arg);

/* ---- Removal requests of rbldb-web (store_requests.c) ---- */

/* A zone's policy as a request records it (conf.h CONF_REMOVAL_* have the same values). */
enum store_removal { STORE_REMOVAL_QUEUE = 1, STORE_REMOVAL_SELF, STORE_REMOVAL_RETEST };

enum store_request_state {
	STORE_REQ_PENDING = 1,	/* queue: waits for rbldb request accept|reject */
	STORE_REQ_RETEST,	/* retest: waits for a relay test */
	STORE_REQ_ACCEPTED,	/* the operator (or self-removal) delisted the address */
	STORE_REQ_REJECTED,	/* the operator refused it */
	STORE_REQ_DONE,		/* self: delisted at once */
};

#define STORE_REQ_MAX_TEXT 1000	/* octets of each of its texts */

struct store_request {
	uint64_t id;		/* given by store_request_add */
	int64_t at;		/* when it was made */
	int64_t decided;	/* when it was decided, 0 = not yet */
	uint16_t zone;
	struct addr net;
	uint8_t state;		/* enum store_request_state */
	uint8_t policy;		/* enum store_removal */
	/* Each may be NULL; on reads they point into the snapshot. */
	const char *reason;	/* the requester's (private: only operators see it) */
	const char *contact;	/* the requester's contact (private) */
	const char *client;	/* the requester's address (private) */
	const char *decision;	/* the decision's reason (public: the requester is told) */
	const char *by;		/* who decided */
};

/*
 * Record request *RQ (id left 0): gets the next id into rq->id and a
 * HISTORY_REQUEST record for the address.  Texts are cut at
 * STORE_REQ_MAX_TEXT octets.  The caller checks them (policy_check_text).
 */
int store_request_add(struct store_wr *w, struct store_request *rq);

/*
 * Decide request ID: STATE (STORE_REQ_ACCEPTED or STORE_REQ_REJECTED), with
 * the public reason WHY and BY (each may be NULL); a HISTORY_DECISION record
 * follows.  Delisting the address is the caller's (store_delist), in the
 * same transaction.  RB_ENOTFOUND: no such request; RB_EPOLICY: decided already.
 */
int store_request_decide(struct store_wr *w, uint64_t id, uint8_t state, const char *why,
    const char *by);

/* Request ID (RB_ENOTFOUND: none); strings point into the snapshot. */
int store_request_get(struct store_reader *r, uint64_t id, struct store_request *out);

/* Every request, oldest first; CB returns non-zero to stop (and that is returned). */
typedef int (*store_request_cb)(void *arg, const struct store_request *rq);
int store_request_walk(struct store_reader *r, store_request_cb cb, void *arg);

/* A zone's count of listings (not exceptions) as of the reader's snapshot. */
int store_zone_listings(struct store_reader *r, uint16_t zone, uint64_t *n);
/* ---- Relay verification (store_verify.c; SPEC "Relay verification") ---- */

/* A job's state.  Only CONFIRMED publishes (through store_report). */
enum verify_state {
	VERIFY_PENDING = 1,	/* waiting for the tester */
	VERIFY_TESTING,		/* the tester holds it, or a message is on its way */
	VERIFY_CONFIRMED,	/* a relayed message with a valid cookie arrived */
	VERIFY_CLOSED,		/* every relay form was refused */
	VERIFY_INCONCLUSIVE,	/* timeout, 4xx, no connection, or accepted but never arrived */
};
enum verify_trigger {
	VERIFY_BY_REPORT = 1,	/* a report on a verify = required zone */
	VERIFY_BY_RETEST,	/* a removal request or rbldb verify on a listed address */
	VERIFY_BY_OPERATOR,	/* rbldb verify on an address not listed */
};
/* A test job.  Strings may be NULL; from store_verify_get they point into the snapshot. */
struct verify_job {
	uint64_t id;		/* set by store_verify_add */
	uint16_t zone;
	struct addr addr;	/* a host address */
	uint8_t state, trigger;	/* enum verify_state, enum verify_trigger */
	uint8_t form;		/* relay form whose message was sent, 0 none */
	int64_t created, due, started, sent, finished;
	int64_t report_at;	/* the report's `at` that is published on confirmation */
	uint32_t code, lifetime;	/* the report's; lifetime 0 = the zone's */
	int64_t cookie_time;	/* the time the cookies of this run were made with */
	const char *reason, *source;	/* the report's */
	const char *connect;	/* --connect HOST:PORT, lab path */
	const char *note;	/* one line: why this state */
	const char *transcript;	/* the whole SMTP dialogue, escaped; TRANSCRIPT_LEN octets */
	size_t transcript_len;
	/* The delivered message's Received: fields, escaped, one a line; NULL before arrival. */
	const char *received;
	size_t received_len;
};
/* Names of states and triggers ("pending", "report"); "?" for others. */
const char *verify_state_name(unsigned state);
const char *verify_trigger_name(unsigned trigger);
/*
 * Add job J (PENDING, due J->due) in W; J->id gets its number.  A history
 * record (HISTORY_VERIFY) notes it.
 */
int store_verify_add(struct store_wr *w, struct verify_job *j);
/*
 * Write job J again with its new state and texts (copied before writing);
 * the queue and the address's latest job follow it; a change of state is
 * noted in the history with J->note.
 */
int store_verify_put(struct store_wr *w, const struct verify_job *j);
/*
 * Job ID; RB_ENOTFOUND when none.  Its texts are copied into one buffer
 * that the next read of a job overwrites (single-threaded callers only:
 * rbldb, rbldb-verify); the transcript points into R's snapshot.
 */
int store_verify_get(struct store_reader *r, uint64_t id, struct verify_job *out);
/*
 * The latest job of ADDR in ZONE, and how many times a confirmed listing
 * of it was delisted after a clean retest (relapses count from these).
 * RB_ENOTFOUND when it was never tested.
 */
int store_verify_latest(struct store_reader *r, uint16_t zone, const struct addr *a,
    struct verify_job *out, uint32_t *delistings);
/* Count one delisting after a clean retest of ADDR in ZONE. */
int store_verify_count_delisting(struct store_wr *w, uint16_t zone, const struct addr *a);
/*
 * The first PENDING job due at NOW or before (by due time) that SKIP (may
 * be NULL) does not pass over, RB_ENOTFOUND when none.
 */
typedef bool (*store_verify_skip)(void *arg, const struct verify_job *j);
int store_verify_next(struct store_reader *r, int64_t now, store_verify_skip skip, void *arg,
    struct verify_job *out);
/* Each job of ADDR (every zone), oldest first; a non-zero CB return stops the walk. */
typedef int (*store_verify_cb)(void *arg, const struct verify_job *j);
int store_verify_foreach(struct store_reader *r, const struct addr *a, store_verify_cb cb,
    void *arg);
/* Each job in state STATE (0: all), by id. */
int store_verify_foreach_state(struct store_reader *r, unsigned state, store_verify_cb cb,
    void *arg);

#endif
