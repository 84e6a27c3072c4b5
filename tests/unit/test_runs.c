/* Unit tests for runs.c: sorted runs spilled to temporary files and merged back in one order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runs.h"

/* A record's header: its key, and where it came from (run, place) to check ties. */
struct rec {
	uint32_t key, run, place;
};

static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* A run of KEYS[0..N) (sorted), each record's bytes "RUN.PLACE" repeated KEY % 5 times. */
static void
put_run(struct runs *rs, uint32_t run, const uint32_t *keys, size_t n)
{
	char data[256];
	struct rec r;
	size_t i, len;
	uint32_t k;

	assert_int_equal(runs_begin(rs), 0);
	for (i = 0; i < n; i++) {
		r.key = keys[i];
		r.run = run;
		r.place = (uint32_t)i;
		for (len = 0, k = 0; k < keys[i] % 5; k++)
			len += (size_t)snprintf(data + len, sizeof(data) - len, "%u.%zu;", run, i);
		runs_put(rs, &r, data, len);
	}
	assert_int_equal(runs_end(rs), 0);
}

static void
test_merge_in_key_order_ties_by_run(void **state)
{
	static const uint32_t a[] = { 1, 4, 4, 9, 12 }, b[] = { 0, 4, 9, 13 }, c[] = { 4, 20 };
	struct runs rs;
	struct runs_merge *m;
	const void *hdr, *data;
	const struct rec *r;
	char want[256];
	size_t len, n = 0, wl;
	uint32_t last_key = 0, last_run = 0, last_place = 0, k;
	int rc;

	(void)state;
	runs_init(&rs, sizeof(struct rec), rec_cmp);
	put_run(&rs, 0, a, 5);
	put_run(&rs, 1, b, 4);
	put_run(&rs, 2, NULL, 0);	/* an empty run is no record */
	put_run(&rs, 3, c, 2);
	assert_int_equal(rs.nruns, 4);
	assert_int_equal(runs_merge_begin(&rs, &m), 0);
	while ((rc = runs_merge_next(m, &hdr, &data, &len)) == 1) {
		r = hdr;
		if (n > 0) {
			/* Key order; for one key the earlier run, then the earlier place. */
			assert_true(r->key >= last_key);
			if (r->key == last_key)
				assert_true(r->run > last_run ||
				    (r->run == last_run && r->place > last_place));
		}
		for (wl = 0, k = 0; k < r->key % 5; k++)
			wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "%u.%u;", r->run,
			    r->place);
		assert_int_equal(len, wl);
		assert_memory_equal(data, want, len);
		assert_int_equal(((const char *)data)[len], '\0');
		last_key = r->key;
		last_run = r->run;
		last_place = r->place;
		n++;
	}
	assert_int_equal(rc, 0);
	/* Every record, the last of each run too. */
	assert_int_equal(n, 11);
	assert_int_equal(last_key, 20);
	runs_merge_end(&rs, m);
	assert_int_equal(rs.nruns, 0);
}

static void
test_many_runs_one_record_each(void **state)
{
	struct runs rs;
	struct runs_merge *m;
	const void *hdr, *data;
	size_t len, i, n = 0;
	uint32_t k, last = 0;
	int rc;

	(void)state;
	runs_init(&rs, sizeof(struct rec), rec_cmp);
	/* More runs than a first allocation holds, in falling key order. */
	for (i = 0; i < 40; i++) {
		k = (uint32_t)(1000 - i);
		put_run(&rs, (uint32_t)i, &k, 1);
	}
	assert_int_equal(runs_merge_begin(&rs, &m), 0);
	while ((rc = runs_merge_next(m, &hdr, &data, &len)) == 1) {
		assert_true(n == 0 || ((const struct rec *)hdr)->key > last);
		last = ((const struct rec *)hdr)->key;
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 40);
	runs_merge_end(&rs, m);
}

static void
test_no_runs_merge_nothing(void **state)
{
	struct runs rs;
	struct runs_merge *m;
	const void *hdr, *data;
	size_t len;

	(void)state;
	runs_init(&rs, sizeof(struct rec), rec_cmp);
	assert_int_equal(runs_merge_begin(&rs, &m), 0);
	assert_int_equal(runs_merge_next(m, &hdr, &data, &len), 0);
	runs_merge_end(&rs, m);
}

static void
test_unwritable_tmpdir_refused(void **state)
{
	struct runs rs;
	char *old = getenv("TMPDIR") != NULL ? strdup(getenv("TMPDIR")) : NULL;

	(void)state;
	runs_init(&rs, sizeof(struct rec), rec_cmp);
	setenv("TMPDIR", "/nonexistent/rbldb-runs", 1);
	assert_true(runs_begin(&rs) < 0);
	runs_discard(&rs);
	if (old != NULL)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
}

static void
test_discard_closes_a_run_begun(void **state)
{
	static const uint32_t a[] = { 3, 5 };
	struct runs rs;
	struct rec r = { 7, 0, 0 };

	(void)state;
	runs_init(&rs, sizeof(struct rec), rec_cmp);
	put_run(&rs, 0, a, 2);
	assert_int_equal(runs_begin(&rs), 0);
	runs_put(&rs, &r, "x", 1);
	runs_discard(&rs);
	assert_int_equal(rs.nruns, 0);
	assert_null(rs.cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_in_key_order_ties_by_run),
		cmocka_unit_test(test_many_runs_one_record_each),
		cmocka_unit_test(test_no_runs_merge_nothing),
		cmocka_unit_test(test_unwritable_tmpdir_refused),
		cmocka_unit_test(test_discard_closes_a_run_begun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
