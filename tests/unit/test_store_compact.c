/*
 * Compact entries (issue 23, store_compact.c): a bulk load of more than
 * STORE_BULK_REPORTS reports into one store written compact, the same load
 * into another written in full, and every reader (lookup, details,
 * history) and every later write (report, duplicate, delist, expire,
 * purge, revert) must give the same results on both.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "addr.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

#define NOW 1800000000
#define N (STORE_BULK_REPORTS + 40)

struct pair {
	char dir[2][TESTDIR_LEN];
	struct store *s[2];	/* [0] compact, [1] in full */
	uint16_t zone[2];
};

static int
setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int i;

	assert_non_null(p);
	for (i = 0; i < 2; i++) {
		testdir_make(p->dir[i], i == 0 ? "compact" : "full");
		p->s[i] = testdir_store(p->dir[i], "relays.example.org", 100, &p->zone[i]);
	}
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair *p = *state;
	int i;

	for (i = 0; i < 2; i++) {
		store_close(p->s[i]);
		testdir_remove(p->dir[i]);
	}
	free(p);
	return 0;
}

/* The I-th address of the load: 10.x.y.z, and a /24 range every 1000th. */
static void
nth(unsigned i, char *buf, size_t len)
{
	if (i % 1000 == 999)
		snprintf(buf, len, "10.200.%u.0/24", i / 1000);
	else
		snprintf(buf, len, "10.%u.%u.%u", i / 65536, i / 256 % 256, i % 256);
}

static void
do_report(struct store_wr *w, uint16_t zone, const char *net, const char *reason,
    const char *source, int64_t at, uint32_t lifetime, uint32_t code, enum store_outcome *out)
{
	struct report r = { .net = testdir_net(net), .at = at, .lifetime = lifetime,
	    .reason = reason, .source = source, .code = code };

	assert_int_equal(store_report(w, zone, &r, out), 0);
}

/* One report, alone in its commit, on both stores: the same outcome. */
static void
report_both(struct pair *p, const char *net, const char *source, int64_t at)
{
	enum store_outcome out[2];
	struct store_wr *w;
	int i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(store_wr_begin(p->s[i], &w), 0);
		store_wr_set_now(w, NOW);
		do_report(w, p->zone[i], net, "again", source, at, 3600, 0, &out[i]);
		assert_int_equal(store_wr_commit(w), 0);
	}
	assert_int_equal(out[0], out[1]);
}

static uint64_t last_of(struct pair *p, int i);

/*
 * What comes before the load: 10.0.0.7 listed; 10.0.0.11 delisted while
 * not listed (details with no report); 10.0.0.12 listed and reverted (a
 * history, no details).
 */
static void
before_load(struct pair *p)
{
	struct delisting d = { testdir_net("10.0.0.11"), NOW - 500, "fixed", "me", NULL };
	struct store_revert_counts c;
	enum store_outcome out;
	struct store_wr *w;
	uint64_t id;
	int i;

	report_both(p, "10.0.0.7", "old", NOW - 500);
	report_both(p, "10.0.0.12", "old", NOW - 400);
	for (i = 0; i < 2; i++) {
		id = last_of(p, i);
		assert_int_equal(store_wr_begin(p->s[i], &w), 0);
		store_wr_set_now(w, NOW);
		assert_int_equal(store_delist(w, p->zone[i], &d, &out), 0);
		assert_int_equal(out, STORE_NOT_LISTED);
		assert_int_equal(store_revert(w, id, 0, NULL, NULL, &c), 0);
		assert_int_equal(store_wr_commit(w), 0);
	}
}

/* The bulk load: [0] compact, [1] in full (before_load first). */
static void
load(struct pair *p)
{
	static const char *const reasons[] = { "open relay", "spam trap hit", NULL };
	enum store_outcome out[2];
	struct store_wr *w;
	char net[64];
	unsigned i;
	int s;

	before_load(p);
	for (s = 0; s < 2; s++) {
		assert_int_equal(store_wr_begin(p->s[s], &w), 0);
		store_wr_set_now(w, NOW);
		if (s == 0)
			store_wr_set_compact(w);
		for (i = 0; i < N; i++) {
			nth(i, net, sizeof(net));
			/* Every 5th expires before NOW; every 7th has its own code. */
			do_report(w, p->zone[s], net, reasons[i % 3], i % 2 ? "s1" : "s2",
			    NOW - 100, i % 5 == 0 ? 50 : 86400, i % 7 == 0 ? 0x7f000003 : 0,
			    &out[s]);
			assert_int_equal(out[s], i == 7 ? STORE_REFRESHED : STORE_NEW);
		}
		/* The same address twice in the load: the second expands the first. */
		do_report(w, p->zone[s], "10.0.0.8", NULL, "s3", NOW - 90, 86400, 0, &out[s]);
		assert_int_equal(out[s] * 10 + s, STORE_REFRESHED * 10 + s);
		assert_int_equal(store_wr_commit(w), 0);
	}
}

struct story {
	char *buf;
	size_t len, cap;
};

static int
story_cb(void *arg, const struct history *h)
{
	struct story *st = arg;
	int n;

	n = snprintf(st->buf + st->len, st->cap - st->len, "  %u z%u %lld c%u l%u [%s] [%s] [%s] [%s]\n",
	    h->op, h->zone, (long long)h->at, h->code, h->lifetime,
	    h->reason ? h->reason : "-", h->source ? h->source : "-",
	    h->evidence ? h->evidence : "-", h->by ? h->by : "-");
	assert_true(n > 0 && (size_t)n < st->cap - st->len);
	st->len += (size_t)n;
	return 0;
}

/* What a reader can know of NET in store I: its listing, details and history. */
static void
tell(struct pair *p, int i, const char *netstr, char *buf, size_t cap)
{
	struct store_reader r;
	struct listing l;
	struct listing_detail d;
	struct addr net = testdir_net(netstr);
	struct story st = { buf, 0, cap };
	const char *t = NULL;
	size_t tl = 0;
	int m, n;

	assert_int_equal(store_reader_init(p->s[i], &r), 0);
	memset(&l, 0, sizeof(l));
	m = store_lookup(&r, p->zone[i], &net, NOW, &l);
	if (l.reason_id != 0)
		assert_int_equal(store_text(&r, l.reason_id, &t, &tl), 0);
	memset(&d, 0, sizeof(d));
	(void)store_detail(&r, p->zone[i], &net, &d);
	n = snprintf(buf, cap, "%s m%d f%u c%u e%u r[%.*s] %lld %lld %lld %u %u\n", netstr, m,
	    l.flags, l.code, l.expires, (int)tl, t ? t : "", (long long)d.first_seen,
	    (long long)d.last_seen, (long long)d.delisted_at, d.count, d.nsources);
	st.len = (size_t)n;
	assert_int_equal(store_history(&r, &net, story_cb, &st), 0);
	store_reader_fini(&r);
}

/* Both stores tell the same of every address of the load (and a few more). */
static void
compare(struct pair *p)
{
	char a[4096], b[4096], net[64];
	unsigned i;

	for (i = 0; i < N + 3; i++) {
		if (i < N)
			nth(i, net, sizeof(net));
		else
			snprintf(net, sizeof(net), "%s", i == N ? "10.200.0.77" : i == N + 1 ?
			    "10.0.0.8" : "10.9.9.9");
		tell(p, 0, net, a, sizeof(a));
		tell(p, 1, net, b, sizeof(b));
		assert_string_equal(a, b);
	}
}

/* Records in database DB of store I (the store closed and opened again around it). */
static size_t
records(struct pair *p, int i, const char *db)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;

	store_close(p->s[i]);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_open(env, p->dir[i], MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	assert_int_equal(store_open(&p->s[i], p->dir[i], 64 << 20, 0), 0);
	return st.ms_entries;
}

static void
test_a_compact_load_reads_as_one_in_full(void **state)
{
	struct pair *p = *state;
	char a[4096];

	load(p);
	compare(p);
	/* In full: 10.0.0.7 (listed before), .8 (reported twice), .11 (delisted before). */
	assert_int_equal(records(p, 0, "details"), 3);
	assert_int_equal(records(p, 1, "details"), N);
	assert_true(records(p, 0, "history") < 12);
	assert_true(records(p, 0, "undo") < 16);
	tell(p, 0, "10.0.0.1", a, sizeof(a));
	assert_non_null(strstr(a, "[spam trap hit] [s1]"));	/* the story is told */
}

static int
last_cb(void *arg, const struct store_commit *c)
{
	*(uint64_t *)arg = c->id;
	return 0;
}

static uint64_t
last_of(struct pair *p, int i)
{
	struct store_reader r;
	uint64_t id = 0;

	assert_int_equal(store_reader_init(p->s[i], &r), 0);
	assert_int_equal(store_commits(&r, 0, last_cb, &id), 0);
	store_reader_fini(&r);
	return id;
}

static void
test_writes_on_compact_entries_match(void **state)
{
	struct pair *p = *state;
	struct delisting d = { testdir_net("10.0.0.9"), NOW - 10, "fixed", "postmaster", NULL };
	struct delisting dr = { testdir_net("10.200.1.0/24"), NOW - 10, "gone", "me", NULL };
	enum store_outcome out[2];
	uint64_t n[2], rep[2], rem[2];
	struct store_wr *w;
	int i;

	load(p);
	report_both(p, "10.0.0.3", "s9", NOW - 50);	/* a second source */
	report_both(p, "10.0.0.5", "s1", NOW - 100);	/* the same report again */
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_wr_begin(p->s[i], &w), 0);
		store_wr_set_now(w, NOW);
		assert_int_equal(store_delist(w, p->zone[i], &d, &out[i]), 0);
		assert_int_equal(store_delist(w, p->zone[i], &dr, &out[i]), 0);
		assert_int_equal(store_expire(w, NOW, false, NULL, NULL, &n[i]), 0);
		assert_int_equal(store_wr_commit(w), 0);
	}
	assert_int_equal(out[0], out[1]);
	assert_int_equal(n[0], n[1]);
	assert_true(n[0] > N / 5 - 10);
	compare(p);
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_wr_begin(p->s[i], &w), 0);
		store_wr_set_now(w, NOW);
		assert_int_equal(store_purge(w, "s2", 0, false, NULL, NULL, &rep[i], &rem[i]), 0);
		assert_int_equal(store_wr_commit(w), 0);
	}
	assert_int_equal(rep[0], rep[1]);
	assert_int_equal(rem[0], rem[1]);
	assert_true(rem[0] > N / 3);
	compare(p);
}

static void
test_revert_of_a_compact_load_removes_it(void **state)
{
	struct pair *p = *state;
	struct store_revert_counts c[2];
	struct store_wr *w;
	uint64_t id[2];
	int i, rc[2];

	load(p);
	id[0] = last_of(p, 0);
	id[1] = last_of(p, 1);
	report_both(p, "10.0.0.3", "s9", NOW - 50);	/* changed since */
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_wr_begin(p->s[i], &w), 0);
		store_wr_set_now(w, NOW);
		rc[i] = store_revert(w, id[i], 0, NULL, NULL, &c[i]);
		store_wr_abort(w);
	}
	assert_int_equal(rc[0], RB_ECONFLICT);
	assert_int_equal(rc[1], RB_ECONFLICT);
	assert_int_equal(c[0].conflicts, c[1].conflicts);
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_wr_begin(p->s[i], &w), 0);
		store_wr_set_now(w, NOW);
		assert_int_equal(store_revert(w, id[i], STORE_REVERT_FORCE, NULL, NULL, &c[i]), 0);
		assert_int_equal(store_wr_commit(w), 0);
	}
	assert_int_equal(c[0].entries, c[1].entries);
	assert_int_equal(c[0].done, c[1].done);
	assert_true(c[0].done >= N - 2);
	compare(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_a_compact_load_reads_as_one_in_full),
		T(test_writes_on_compact_entries_match),
		T(test_revert_of_a_compact_load_removes_it),
	};

	return cmocka_run_group_tests_name("store_compact", tests, NULL, NULL);
}
