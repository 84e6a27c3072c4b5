/* Unit tests of response rate limiting: token buckets per client prefix, zone and category. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "addr.h"
#include "rrl.h"

#define T0 1000000		/* any start time, in ticks */

static struct addr
ip(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

/* How many of N answers at time NOW pass. */
static unsigned
passes(struct rrl *r, const char *client, uint32_t zone, enum rrl_category cat, uint32_t rate,
    unsigned n, uint64_t now)
{
	struct addr a = ip(client);
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		if (rrl_check(r, &a, zone, cat, rate, now) == RRL_PASS)
			k++;
	return k;
}

static int
setup(void **state)
{
	/* A fixed seed: the few keys of a test never share a bucket by chance. */
	struct rrl *r = rrl_new(1);

	assert_non_null(r);
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	rrl_free(*state);
	return 0;
}

static void
test_one_second_of_answers_pass_then_limit(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 10, 25, T0), 10);
	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 10, 5, T0), 0);
}

static void
test_tokens_come_back_at_the_rate(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 16, 100, T0), 16);
	/* A sixteenth of a second later: one more answer at 16 per second. */
	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 16, 100, T0 + 1), 1);
	/* Half a second: eight. */
	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 16, 100, T0 + 1 + 8), 8);
}

static void
test_bucket_holds_at_most_one_second(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 10, 1, T0), 1);
	/* An hour idle does not bank an hour of answers. */
	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 10, 100,
	    T0 + 3600 * RRL_TICKS), 10);
	/* Nor does a second and a half. */
	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_POSITIVE, 10, 100,
	    T0 + 3600 * RRL_TICKS + RRL_TICKS * 3 / 2), 10);
}

static void
test_ipv4_clients_share_their_slash_24(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "192.0.2.1", 1, RRL_NXDOMAIN, 5, 3, T0), 3);
	assert_int_equal(passes(r, "192.0.2.200", 1, RRL_NXDOMAIN, 5, 10, T0), 2);
	/* The next /24 has its own bucket. */
	assert_int_equal(passes(r, "192.0.3.1", 1, RRL_NXDOMAIN, 5, 10, T0), 5);
}

static void
test_ipv6_clients_share_their_slash_56(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "2001:db8:0:1::1", 1, RRL_POSITIVE, 4, 2, T0), 2);
	assert_int_equal(passes(r, "2001:db8:0:ff:ffff::9", 1, RRL_POSITIVE, 4, 10, T0), 2);
	assert_int_equal(passes(r, "2001:db8:0:100::1", 1, RRL_POSITIVE, 4, 10, T0), 4);
}

static void
test_categories_and_zones_are_counted_apart(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "198.51.100.7", 1, RRL_POSITIVE, 3, 10, T0), 3);
	assert_int_equal(passes(r, "198.51.100.7", 1, RRL_NXDOMAIN, 3, 10, T0), 3);
	assert_int_equal(passes(r, "198.51.100.7", 1, RRL_NODATA, 3, 10, T0), 3);
	assert_int_equal(passes(r, "198.51.100.7", 1, RRL_ERROR, 3, 10, T0), 3);
	assert_int_equal(passes(r, "198.51.100.7", 2, RRL_POSITIVE, 3, 10, T0), 3);
	assert_int_equal(passes(r, "198.51.100.7", 0x10000, RRL_ERROR, 3, 10, T0), 3);
	assert_int_equal(passes(r, "198.51.100.7", 1, RRL_POSITIVE, 3, 10, T0), 0);
}

static void
test_families_are_counted_apart(void **state)
{
	struct rrl *r = *state;

	/* 1.0.0.0/24 and 100::/56 have the same leading octets. */
	assert_int_equal(passes(r, "1.0.0.1", 1, RRL_POSITIVE, 2, 5, T0), 2);
	assert_int_equal(passes(r, "100::1", 1, RRL_POSITIVE, 2, 5, T0), 2);
}

static void
test_rate_above_the_maximum_is_capped(void **state)
{
	struct rrl *r = *state;

	assert_int_equal(passes(r, "203.0.113.1", 1, RRL_POSITIVE, 1000000, 20000, T0),
	    RRL_MAX_RATE);
}

static void
test_random_seed_table_starts_full(void **state)
{
	struct rrl *other = rrl_new(0);

	(void)state;
	assert_non_null(other);
	/* Two tables never share buckets: each is a fresh start. */
	assert_int_equal(passes(other, "192.0.2.1", 1, RRL_POSITIVE, 2, 5, T0), 2);
	rrl_free(other);
}

struct racer {
	struct rrl *r;
	unsigned passed;
};

static void *
race(void *arg)
{
	struct racer *x = arg;

	x->passed = passes(x->r, "192.0.2.77", 9, RRL_POSITIVE, 1000, 5000, T0);
	return NULL;
}

/* Four threads on one bucket let through exactly one second's worth: no lost updates. */
static void
test_threads_share_one_bucket(void **state)
{
	struct racer x[4];
	pthread_t t[4];
	unsigned i, total = 0;

	for (i = 0; i < 4; i++) {
		x[i].r = *state;
		x[i].passed = 0;
		assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		total += x[i].passed;
	}
	assert_int_equal(total, 1000);
}

static void
test_now_is_monotonic_ticks(void **state)
{
	uint64_t a = rrl_now(), b = rrl_now();

	(void)state;
	assert_true(a > 0);
	assert_true(b >= a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_second_of_answers_pass_then_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tokens_come_back_at_the_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_holds_at_most_one_second, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_clients_share_their_slash_24, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_clients_share_their_slash_56, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_categories_and_zones_are_counted_apart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_families_are_counted_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_above_the_maximum_is_capped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_random_seed_table_starts_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_one_bucket, setup, teardown),
		cmocka_unit_test(test_now_is_monotonic_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
