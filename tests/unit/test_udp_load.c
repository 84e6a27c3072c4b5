/* Unit tests for udp_load.c: when udp-batch-wait's pauses are allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "udp_load.h"

#define MS 1000000u
#define T0 (UINT64_C(5000) * MS)	/* a running machine's uv_hrtime */

/* Wake-ups every PERIOD_NS from *NOW for SPAN_NS, each BUSY_NS long; the last answer. */
static bool
run(struct udp_load *l, uint64_t *now, uint64_t span_ns, uint64_t period_ns, uint64_t busy_ns)
{
	uint64_t end = *now + span_ns;
	bool loaded = l->loaded;

	while (*now < end) {
		*now += period_ns;
		loaded = udp_load_add(l, *now, busy_ns);
	}
	return loaded;
}

/* 20,000 q/s answered one wake-up each, 8 µs a wake-up: 16% busy, never loaded. */
static void
test_low_rate_never_loaded(void **state)
{
	struct udp_load l = { 0 };
	uint64_t now = T0;

	(void)state;
	assert_false(run(&l, &now, 1000 * MS, 50000, 8000));
	assert_false(l.loaded);
}

/* Busy 80% of the time: loaded once a whole window has shown it, not before. */
static void
test_busy_becomes_loaded(void **state)
{
	struct udp_load l = { 0 };
	uint64_t now = T0;

	(void)state;
	assert_false(udp_load_add(&l, now, 0));	/* the first wake-up starts a window */
	assert_false(run(&l, &now, UDP_LOAD_WINDOW_NS - 10000, 10000, 8000));
	assert_true(run(&l, &now, 2 * UDP_LOAD_WINDOW_NS, 10000, 8000));
}

/* Busy 60%, a worker answering well within its means: never loaded. */
static void
test_modest_load_not_loaded(void **state)
{
	struct udp_load l = { 0 };
	uint64_t now = T0;

	(void)state;
	assert_false(run(&l, &now, 1000 * MS, 10000, 6000));
}

/* Exactly three quarters busy is loaded; just under is not. */
static void
test_on_threshold(void **state)
{
	struct udp_load l = { .window_start = T0 };

	(void)state;
	assert_true(udp_load_add(&l, T0 + UDP_LOAD_WINDOW_NS, UDP_LOAD_WINDOW_NS / 4 * 3));
	l = (struct udp_load){ .window_start = T0 };
	assert_false(udp_load_add(&l, T0 + UDP_LOAD_WINDOW_NS, UDP_LOAD_WINDOW_NS / 4 * 3 - 1));
}

/*
 * Loaded, the cheaper batches of pausing (60% busy) keep it loaded; a
 * modest load (40%, or a burst's end at 20,000 q/s) ends it at the next window.
 */
static void
test_hysteresis(void **state)
{
	struct udp_load l = { .window_start = T0, .loaded = true };
	uint64_t now = T0;

	(void)state;
	assert_true(run(&l, &now, 200 * MS, 1000 * 1000, 600 * 1000));
	assert_false(run(&l, &now, 2 * UDP_LOAD_WINDOW_NS, 1000 * 1000, 400 * 1000));
	/* and back to 60%: not loaded again, as 60% is under the three quarters it takes */
	assert_false(run(&l, &now, 200 * MS, 1000 * 1000, 600 * 1000));
}

/* An idle gap after a load ends it, at the first wake-up after the gap. */
static void
test_idle_gap_ends_load(void **state)
{
	struct udp_load l = { .window_start = T0, .loaded = true };

	(void)state;
	assert_false(udp_load_add(&l, T0 + 2000 * MS, 5000));
}

/* Only whole windows decide: a busy burst inside one changes nothing yet. */
static void
test_within_window_unchanged(void **state)
{
	struct udp_load l = { .window_start = T0 };

	(void)state;
	assert_false(udp_load_add(&l, T0 + UDP_LOAD_WINDOW_NS - 1, UDP_LOAD_WINDOW_NS / 4 * 3));
	assert_int_equal(l.busy_ns, UDP_LOAD_WINDOW_NS / 4 * 3);
	assert_true(udp_load_add(&l, T0 + UDP_LOAD_WINDOW_NS, 0));
	assert_int_equal(l.busy_ns, 0);
	assert_int_equal(l.window_start, T0 + UDP_LOAD_WINDOW_NS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_low_rate_never_loaded),
		cmocka_unit_test(test_busy_becomes_loaded),
		cmocka_unit_test(test_modest_load_not_loaded),
		cmocka_unit_test(test_on_threshold),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_idle_gap_ends_load),
		cmocka_unit_test(test_within_window_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
