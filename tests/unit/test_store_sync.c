/* Unit tests of store_sync (common/store_sync.c): a source's entries made equal to a list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

#define SRC "import:list.txt"

struct fix {
	char dir[TESTDIR_LEN];
	struct store *s;
	uint16_t zone;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char path[TESTDIR_LEN + 8];

	testdir_make(f->dir, "sync");
	snprintf(path, sizeof(path), "%s/db", f->dir);
	f->s = testdir_store(path, "bl.test", 100, &f->zone);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	store_close(f->s);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

static struct store_sync_item
item(const char *cidr, uint32_t code, const char *reason, bool exception)
{
	struct store_sync_item it = { testdir_net(cidr), code, reason, exception, NULL };

	return it;
}

/* One sync in one commit; its result. */
static int
sync_commit(struct fix *f, const struct store_sync_item *v, size_t n, int64_t at,
    struct store_sync_counts *c)
{
	struct store_wr *w;
	int rc;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, at);
	if ((rc = store_sync(w, f->zone, SRC, at, v, n, c)) != 0) {
		store_wr_abort(w);
		return rc;
	}
	return store_wr_commit(w);
}

struct count {
	size_t n;
	uint8_t ops[8];
};

static int
count_change(void *arg, const struct journal_commit *c, const struct journal_change *ch)
{
	struct count *k = arg;

	(void)c;
	if (k->n < 8)
		k->ops[k->n] = ch->op;
	k->n++;
	return 0;
}

static int
count_history(void *arg, const struct history *h)
{
	(void)h;
	(*(size_t *)arg)++;
	return 0;
}

/* ZONE's journal changes from commit seq FROM, and NET's history records. */
static void
look(struct fix *f, uint64_t from, struct count *j, const char *net, size_t *hist)
{
	struct store_reader r;
	struct addr a = testdir_net(net);

	memset(j, 0, sizeof(*j));
	*hist = 0;
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_journal(&r, f->zone, from, count_change, j), 0);
	assert_int_equal(store_history(&r, &a, count_history, hist), 0);
	store_reader_fini(&r);
}

static int
lookup(struct fix *f, const char *addr, struct listing *l)
{
	struct store_reader r;
	struct addr a = testdir_net(addr);
	int rc;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	rc = store_lookup(&r, f->zone, &a, 2000000000u, l);
	store_reader_fini(&r);
	return rc;
}

static void
test_sync_difference(void **state)
{
	struct fix *f = *state;
	struct store_sync_counts c;
	struct store_reader r;
	struct store_zone z;
	struct listing l;
	struct count j;
	size_t hist;
	struct store_sync_item first[] = {
		item("192.0.2.1", 0, NULL, false),
		item("192.0.2.2", 0x7f000003, "two", false),
		item("198.51.100.0/24", 0, "range", false),
		item("198.51.100.7", 0, NULL, true),
	};
	struct store_sync_item second[] = {
		item("192.0.2.1", 0, NULL, false),		/* the same */
		item("192.0.2.2", 0x7f000004, "two", false),	/* code changed */
		item("192.0.2.9", 0, NULL, false),		/* new */
		item("198.51.100.0/24", 0, "range", false),	/* the same; .7 no longer excluded */
	};

	assert_int_equal(sync_commit(f, first, 4, 1000, &c), 0);
	assert_int_equal(c.added, 4);
	assert_int_equal(lookup(f, "198.51.100.7", &l), STORE_MATCH_EXCEPTED);

	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_zone_get(&r, f->zone, &z), 0);
	store_reader_fini(&r);
	assert_int_equal(sync_commit(f, second, 4, 2000, &c), 0);
	assert_int_equal(c.added, 1);
	assert_int_equal(c.changed, 1);
	assert_int_equal(c.withdrawn, 1);
	assert_int_equal(c.unchanged, 2);
	/* The commit's journal: the change, the addition, the exception gone; nothing else. */
	look(f, z.seq + 1, &j, "192.0.2.1", &hist);
	assert_int_equal(j.n, 3);
	assert_int_equal(hist, 1);	/* the unchanged entry: its first record only */
	assert_int_equal(lookup(f, "198.51.100.7", &l), STORE_MATCH_LISTED);
	assert_int_equal(lookup(f, "192.0.2.2", &l), STORE_MATCH_LISTED);
	assert_int_equal(l.code, 0x7f000004);

	/* The same list again: no change, no commit. */
	assert_int_equal(sync_commit(f, second, 4, 3000, &c), 0);
	assert_int_equal(c.unchanged, 4);
	assert_int_equal(c.added + c.changed + c.withdrawn, 0);
}

static void
test_sync_others_kept(void **state)
{
	struct fix *f = *state;
	struct store_sync_counts c;
	struct store_wr *w;
	struct listing l;
	enum store_outcome out;
	struct store_sync_item v[] = {
		item("192.0.2.5", 0, NULL, false),
		item("192.0.2.6", 0, NULL, false),
	};
	struct report rep = { testdir_net("192.0.2.6"), 1500, 0, 0, NULL, "feed", NULL, false };

	assert_int_equal(sync_commit(f, v, 2, 1000, &c), 0);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, 1500);
	assert_int_equal(store_report(w, f->zone, &rep, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
	/* Neither is in the list any more: only the one no other source reports goes. */
	assert_int_equal(sync_commit(f, NULL, 0, 2000, &c), 0);
	assert_int_equal(c.withdrawn, 1);
	assert_int_equal(c.withdrawn_kept, 1);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "192.0.2.6", &l), STORE_MATCH_LISTED);
}

static void
test_sync_order(void **state)
{
	struct fix *f = *state;
	struct store_sync_counts c;
	struct store_sync_item v[] = {
		item("192.0.2.9", 0, NULL, false),
		item("192.0.2.1", 0, NULL, false),
	};

	assert_int_equal(sync_commit(f, v, 2, 1000, &c), -EINVAL);
}

/* A list of N /32s of 10.0.0.0/8 in key order, every STEP-th; the stream form's source. */
struct many {
	uint32_t i, n, step;
	struct store_sync_item it;
};

static int
many_next(void *arg, const struct store_sync_item **out)
{
	struct many *m = arg;
	uint32_t a;

	if (m->i >= m->n)
		return 0;
	a = 10u << 24 | (m->i + 1);
	memset(&m->it, 0, sizeof(m->it));
	m->it.net.fam = ADDR_V4;
	m->it.net.plen = 32;
	m->it.net.a[0] = (uint8_t)(a >> 24);
	m->it.net.a[1] = (uint8_t)(a >> 16);
	m->it.net.a[2] = (uint8_t)(a >> 8);
	m->it.net.a[3] = (uint8_t)a;
	m->it.reason = "open relay";
	m->i += m->step;
	*out = &m->it;
	return 1;
}

static int
many_commit(struct fix *f, uint32_t n, uint32_t step, int64_t at, struct store_sync_counts *c)
{
	struct many m = { 0, n, step, { { 0, 0, { 0 } }, 0, NULL, false, NULL, NULL } };
	struct store_wr *w;
	int rc;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, at);
	if ((rc = store_sync_stream(w, f->zone, SRC, at, many_next, &m, c)) != 0) {
		store_wr_abort(w);
		return rc;
	}
	return store_wr_commit(w);
}

/*
 * A zone larger than the batch the pass reads its entries in (65536): the
 * batches meet without an entry read twice or skipped, withdrawals at and
 * across their edges included.
 */
static void
test_sync_stream_past_a_batch(void **state)
{
	struct fix *f = *state;
	struct store_sync_counts c;
	struct listing l;

	assert_int_equal(many_commit(f, 70000, 1, 1000, &c), 0);
	assert_int_equal(c.added, 70000);
	assert_int_equal(many_commit(f, 70000, 1, 1000, &c), 0);
	assert_int_equal(c.unchanged, 70000);
	assert_int_equal(c.added + c.changed + c.withdrawn, 0);
	/* Every other one withdrawn. */
	assert_int_equal(many_commit(f, 70000, 2, 2000, &c), 0);
	assert_int_equal(c.unchanged, 35000);
	assert_int_equal(c.withdrawn, 35000);
	assert_int_equal(c.added + c.changed, 0);
	assert_int_equal(lookup(f, "10.0.0.1", &l), STORE_MATCH_LISTED);
	assert_int_equal(lookup(f, "10.0.0.2", &l), STORE_MATCH_NONE);
	/* 10.1.0.1 is the 65537th: the second batch's first. */
	assert_int_equal(lookup(f, "10.1.0.1", &l), STORE_MATCH_LISTED);
	assert_int_equal(lookup(f, "10.1.0.2", &l), STORE_MATCH_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync_difference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_others_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_stream_past_a_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
