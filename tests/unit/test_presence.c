/*
 * Unit tests of the presence maps: an address they rule out is never one
 * the store lists, whatever commits, trims and snapshots come between.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "presence.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

#define NOW 1800000000

struct fixture {
	char dir[TESTDIR_LEN];
	struct store *s;
	uint16_t zone;
	struct presence *p;
	struct store_reader upd;	/* the updater's reader */
	atomic_bool stop;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testdir_make(f->dir, "presence");
	f->s = testdir_store(f->dir, "relays.example.org", 100, &f->zone);
	assert_non_null(f->p = presence_new(NULL));
	assert_int_equal(presence_track(f->p, f->zone), 0);
	assert_int_equal(store_reader_init(f->s, &f->upd), 0);
	atomic_init(&f->stop, false);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_reader_fini(&f->upd);
	presence_free(f->p);
	store_close(f->s);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

static void
report_in(struct store_wr *w, struct fixture *f, const struct addr *net)
{
	struct report r = { .net = *net, .at = NOW - 10, .lifetime = 86400, .source = "t" };
	enum store_outcome out;

	assert_int_equal(store_report(w, f->zone, &r, &out), 0);
}

static void
report(struct fixture *f, const char *net)
{
	struct store_wr *w;
	struct addr a = testdir_net(net);

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	report_in(w, f, &a);
	assert_int_equal(store_wr_commit(w), 0);
}

static void
update(struct fixture *f)
{
	assert_int_equal(presence_update(f->p, &f->upd, &f->stop), 0);
}

/* What a worker's query would be told about ADDR from the newest snapshot. */
static bool
may_hold(struct fixture *f, const char *addr)
{
	struct store_reader r;
	struct addr a = testdir_net(addr);
	bool held;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	held = presence_may_hold(f->p, f->zone, r.txnid, &a);
	store_reader_fini(&r);
	return held;
}

static void
test_only_24s_with_entries_need_a_lookup(void **state)
{
	struct fixture *f = *state;

	report(f, "192.0.2.5");
	report(f, "10.1.0.0/16");
	report(f, "198.51.100.16/28");
	/* Before the first update no snapshot is covered: everything is looked up. */
	assert_true(may_hold(f, "203.0.113.1"));
	update(f);
	assert_true(may_hold(f, "192.0.2.5"));
	assert_true(may_hold(f, "192.0.2.200"));	/* same /24 */
	assert_false(may_hold(f, "192.0.3.5"));
	assert_true(may_hold(f, "10.1.0.1"));
	assert_true(may_hold(f, "10.1.255.255"));
	assert_false(may_hold(f, "10.2.0.1"));
	assert_false(may_hold(f, "10.0.255.1"));
	assert_true(may_hold(f, "198.51.100.1"));
	assert_false(may_hold(f, "203.0.113.1"));
	assert_int_equal(presence_marked(f->p, f->zone), 1 + 256 + 1);
	/* A commit the map has not seen yet: its snapshot is looked up again. */
	report(f, "203.0.113.9");
	assert_true(may_hold(f, "203.0.113.1"));
	assert_true(may_hold(f, "192.0.3.5"));
	update(f);
	assert_true(may_hold(f, "203.0.113.1"));
	assert_false(may_hold(f, "192.0.3.5"));
	/* No map for a zone: looked up. */
	assert_true(presence_may_hold(f->p, (uint16_t)(f->zone + 1), f->upd.txnid,
	    &(struct addr){ .fam = ADDR_V4, .plen = 32 }));
	assert_true(presence_may_hold(NULL, f->zone, f->upd.txnid,
	    &(struct addr){ .fam = ADDR_V4, .plen = 32 }));
}

/* A small deterministic generator, so that a failure can be replayed. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An address or range in 10.0.0.0/10, so that entries nest and collide. */
static struct addr
random_net(uint64_t *seed)
{
	static const uint8_t plens[] = {
		32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
		30, 30, 28, 28, 26, 24, 24, 24, 24, 22, 20, 20, 18, 16,
	};
	struct addr a = { .fam = ADDR_V4 };
	uint64_t r = rnd(seed);

	a.a[0] = 10;
	a.a[1] = (uint8_t)(r % 64);
	a.a[2] = (uint8_t)(r >> 8);
	a.a[3] = (uint8_t)(r >> 16);
	addr_mask(&a, plens[(r >> 24) % RB_ARRAY_LEN(plens)]);
	return a;
}

struct check {
	struct fixture *f;
	uint64_t txnid;
	unsigned checked;
};

/* Every address of every entry: its /24's bit is set. */
static int
check_entry(void *arg, const struct listing *l)
{
	struct check *c = arg;
	struct addr a = l->net;
	uint32_t n = l->net.plen >= 24 ? 1 : 1u << (24 - l->net.plen), i, slot;
	char net[ADDR_STRLEN], addr[ADDR_STRLEN];

	slot = (uint32_t)a.a[0] << 16 | (uint32_t)a.a[1] << 8 | a.a[2];
	a.plen = 32;
	for (i = 0; i < n; i++, slot++) {
		a.a[0] = (uint8_t)(slot >> 16);
		a.a[1] = (uint8_t)(slot >> 8);
		a.a[2] = (uint8_t)slot;
		if (!presence_may_hold(c->f->p, c->f->zone, c->txnid, &a))
			fail_msg("entry %s: %s ruled out", addr_format(&l->net, net, sizeof net),
			    addr_format(&a, addr, sizeof addr));
	}
	c->checked++;
	return 0;
}

/* Check R's snapshot: no entry ruled out, and no listed address either. */
static void
check_snapshot(struct fixture *f, struct store_reader *r, uint64_t *seed, unsigned *ruled_out)
{
	struct check c = { .f = f, .txnid = r->txnid };
	struct listing l;
	struct addr a;
	unsigned i;

	assert_int_equal(store_foreach(r, f->zone, check_entry, &c), 0);
	for (i = 0; i < 200; i++) {
		a = random_net(seed);
		a.plen = 32;
		if (presence_may_hold(f->p, f->zone, r->txnid, &a))
			continue;
		(*ruled_out)++;
		assert_int_equal(store_lookup(r, f->zone, &a, NOW, &l), STORE_MATCH_NONE);
	}
}

/* One commit of a few random reports, delistings, an expiry or a journal trim. */
static void
random_commit(struct fixture *f, uint64_t *seed)
{
	struct store_wr *w;
	struct store_zone sz;
	struct delisting d = { .at = NOW - 5, .reason = "fixed", .by = "t" };
	enum store_outcome out;
	unsigned k, n = 1 + rnd(seed) % 4;
	uint64_t removed;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	for (k = 0; k < n; k++) {
		struct addr net = random_net(seed);

		switch (rnd(seed) % 10) {
		case 0:
		case 1:
			d.net = net;
			assert_int_equal(store_delist(w, f->zone, &d, &out), 0);
			break;
		case 2:
			assert_int_equal(store_expire(w, NOW + 86400, false, NULL, NULL,
			    &removed), 0);
			break;
		case 3:
			/* Trim the journal up to now: the map must see it cannot replay. */
			assert_int_equal(store_zone_get(store_wr_reader(w), f->zone, &sz), 0);
			assert_int_equal(store_journal_trim(w, f->zone, sz.seq + 1, NULL), 0);
			break;
		default:
			report_in(w, f, &net);
		}
	}
	assert_int_equal(store_wr_commit(w), 0);
}

static void
test_random_commits_never_rule_out_an_entry(void **state)
{
	struct fixture *f = *state;
	struct store_reader old, r;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned round, ruled_out = 0, old_ruled_out = 0;

	assert_int_equal(store_reader_init(f->s, &old), 0);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	for (round = 0; round < 300; round++) {
		unsigned k, commits = 1 + rnd(&seed) % 3;

		/*
		 * Several commits between updates: the journal replays them
		 * together.  Now and then a reader takes a snapshot among them
		 * that the map has not seen yet, and keeps it over later rounds.
		 */
		for (k = 0; k < commits; k++) {
			random_commit(f, &seed);
			if (rnd(&seed) % 8 == 0)
				assert_int_equal(store_reader_refresh(&old), 0);
		}
		update(f);
		assert_int_equal(store_reader_refresh(&r), 0);
		check_snapshot(f, &r, &seed, &ruled_out);
		check_snapshot(f, &old, &seed, &old_ruled_out);
	}
	store_reader_fini(&old);
	store_reader_fini(&r);
	/* The map does rule addresses out (this test would pass on an empty one otherwise). */
	assert_true(ruled_out > 1000);
	print_message("presence: %u of %u random addresses ruled out; %u from older snapshots\n",
	    ruled_out, 300 * 200, old_ruled_out);
}

/*
 * After a walk the map is complete from the walk's snapshot on, not before:
 * an entry that came and went since the last update is in older snapshots
 * but not in the walk.
 */
static void
test_walk_covers_only_later_snapshots(void **state)
{
	struct fixture *f = *state;
	struct store_reader old;
	struct store_wr *w;
	struct store_zone sz;
	struct delisting d = { testdir_net("198.51.100.7"), NOW - 5, "fixed", "t" };
	struct addr a = testdir_net("198.51.100.7");
	struct listing l;
	enum store_outcome out;

	report(f, "192.0.2.5");
	update(f);
	report(f, "198.51.100.7");
	assert_int_equal(store_reader_init(f->s, &old), 0);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_delist(w, f->zone, &d, &out), 0);
	assert_int_equal(out, STORE_DELISTED);
	assert_int_equal(store_zone_get(store_wr_reader(w), f->zone, &sz), 0);
	assert_int_equal(store_journal_trim(w, f->zone, sz.seq + 1, NULL), 0);
	assert_int_equal(store_wr_commit(w), 0);
	update(f);
	assert_false(may_hold(f, "198.51.100.7"));
	assert_int_equal(store_lookup(&old, f->zone, &a, NOW, &l), STORE_MATCH_LISTED);
	assert_true(presence_may_hold(f->p, f->zone, old.txnid, &a));
	store_reader_fini(&old);
}

/* A commit too large for the journal: the map walks the entries instead. */
static void
test_commit_too_large_to_journal(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	struct addr a = { .fam = ADDR_V4, .plen = 32 };
	uint32_t i;

	/* Room for 100,000 entries and their history. */
	store_reader_fini(&f->upd);
	store_close(f->s);
	assert_int_equal(store_open(&f->s, f->dir, (size_t)512 << 20, STORE_CREATE), 0);
	assert_int_equal(store_reader_init(f->s, &f->upd), 0);
	report(f, "192.0.2.5");
	update(f);
	assert_false(may_hold(f, "10.0.0.1"));
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	/* More than the journal keeps of one commit (JOURNAL_MAX_CHANGES, 100000). */
	for (i = 0; i < 100001; i++) {
		a.a[0] = 10;
		a.a[1] = (uint8_t)(i >> 16);
		a.a[2] = (uint8_t)(i >> 8);
		a.a[3] = (uint8_t)i;
		report_in(w, f, &a);
	}
	assert_int_equal(store_wr_commit(w), 0);
	update(f);
	assert_true(may_hold(f, "10.0.0.1"));
	assert_true(may_hold(f, "10.1.134.160"));	/* the last one: 100000 */
	assert_false(may_hold(f, "10.1.135.1"));
	assert_true(may_hold(f, "192.0.2.5"));
	assert_int_equal(presence_marked(f->p, f->zone), 1 + (100001 + 255) / 256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_24s_with_entries_need_a_lookup,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_commits_never_rule_out_an_entry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_covers_only_later_snapshots, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_commit_too_large_to_journal, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
