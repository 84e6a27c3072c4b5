/*
 * Unit tests of the listing policy as report, delist and ingest apply it
 * (apply.c: policy.h, then the store): counts and distinct sources, public
 * reason and private evidence, ordering by `at`, per-report lifetimes,
 * duplicates, refusals that write nothing, and zone selection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

#define NOW INT64_C(1800000000)
#define DAY 86400

struct fixture {
	char dir[TESTDIR_LEN];
	struct conf conf;
	struct conf_zone zones[2];
	struct addr never[1];
	uint16_t ids[2];
	struct loader L;
	char why[512];
};

/* Two zones as a configuration would give them: both families, and IPv4 only. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_zone sz;
	static const char *names[2] = { "relays.example.org", "v4.example.org" };
	size_t i;

	assert_non_null(f);
	testdir_make(f->dir, "rules");
	f->never[0] = testdir_net("192.168.0.0/16");
	for (i = 0; i < 2; i++) {
		f->zones[i].name = (char *)names[i];
		f->zones[i].family = i == 0 ? ZONE_FAMILY_BOTH : ZONE_FAMILY_V4;
		f->zones[i].code = 0x7f000002;
		f->zones[i].lifetime = 30 * DAY;
		f->zones[i].max_range4 = 16;
		f->zones[i].max_range6 = 32;
		f->zones[i].never = f->never;
		f->zones[i].nnever = 1;
	}
	f->conf.zones = f->zones;
	f->conf.nzones = 2;
	f->L.conf = &f->conf;
	f->L.zone_ids = f->ids;
	assert_int_equal(store_open(&f->L.store, f->dir, 64 << 20, STORE_CREATE), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(store_zone_ensure(f->L.store, names[i], 100, &sz), 0);
		f->ids[i] = sz.id;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->L.store);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/* One report in its own transaction, committed; returns apply_report's result. */
static int
report_full(struct fixture *f, const char *net, const char *source, int64_t at,
    uint32_t lifetime, const char *reason, const char *evidence, enum store_outcome *out)
{
	struct store_wr *w;
	struct report r = { .net = testdir_net(net), .at = at, .lifetime = lifetime, .reason = reason,
	    .source = source, .evidence = evidence };
	int rc;

	assert_int_equal(store_wr_begin(f->L.store, &w), 0);
	store_wr_set_now(w, NOW);
	rc = apply_report(&f->L, w, 0, &r, false, NOW, out, f->why, sizeof(f->why));
	if (rc == 0)
		assert_int_equal(store_wr_commit(w), 0);
	else
		store_wr_abort(w);
	return rc;
}

static enum store_outcome
report(struct fixture *f, const char *net, const char *source, int64_t at)
{
	enum store_outcome out = 0;

	assert_int_equal(report_full(f, net, source, at, 30 * DAY, NULL, NULL, &out), 0);
	return out;
}

static enum store_outcome
delist(struct fixture *f, const char *net, int64_t at)
{
	struct store_wr *w;
	struct delisting d = { .net = testdir_net(net), .at = at, .reason = "closed", .by = "me" };
	enum store_outcome out = 0;

	assert_int_equal(store_wr_begin(f->L.store, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(apply_delist(&f->L, w, 0, &d, false, NOW, &out, f->why, sizeof(f->why)), 0);
	assert_int_equal(store_wr_commit(w), 0);
	return out;
}

/* What the server would answer for ADDR in zone 0: match, and the entry. */
static int
lookup(struct fixture *f, const char *addr, struct listing *l)
{
	struct store_reader rd;
	struct addr a = testdir_net(addr);
	int m;

	assert_int_equal(store_reader_init(f->L.store, &rd), 0);
	assert_int_equal(store_reader_refresh(&rd), 0);
	m = store_lookup(&rd, f->ids[0], &a, (uint32_t)NOW, l);
	store_reader_fini(&rd);
	return m;
}

static struct listing_detail
detail(struct fixture *f, const char *net)
{
	struct store_reader rd;
	struct listing_detail d;
	struct addr a = testdir_net(net);

	assert_int_equal(store_reader_init(f->L.store, &rd), 0);
	assert_int_equal(store_reader_refresh(&rd), 0);
	assert_int_equal(store_detail(&rd, f->ids[0], &a, &d), 0);
	store_reader_fini(&rd);
	return d;
}

static uint32_t
serial(struct fixture *f)
{
	struct store_reader rd;
	struct store_zone z;

	assert_int_equal(store_reader_init(f->L.store, &rd), 0);
	assert_int_equal(store_reader_refresh(&rd), 0);
	assert_int_equal(store_zone_get(&rd, f->ids[0], &z), 0);
	store_reader_fini(&rd);
	return z.serial;
}

static void
test_counts_and_distinct_sources(void **state)
{
	struct fixture *f = *state;
	struct listing_detail d;

	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 3000), STORE_NEW);
	assert_int_equal(report(f, "192.0.2.5", "trap-8", NOW - 2000), STORE_REFRESHED);
	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 1000), STORE_REFRESHED);
	d = detail(f, "192.0.2.5");
	assert_int_equal(d.count, 3);
	assert_int_equal(d.nsources, 2);
	assert_int_equal(d.first_seen, NOW - 3000);
	assert_int_equal(d.last_seen, NOW - 1000);
}

static void
test_same_report_is_not_counted_twice(void **state)
{
	struct fixture *f = *state;
	uint32_t s;

	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 100), STORE_NEW);
	s = serial(f);
	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 100), STORE_DUPLICATE);
	assert_int_equal(detail(f, "192.0.2.5").count, 1);
	assert_int_equal(serial(f), s);
	/* The same source at another time, or another source at that time, counts. */
	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 99), STORE_REFRESHED);
	assert_int_equal(report(f, "192.0.2.5", "trap-8", NOW - 100), STORE_REFRESHED);
	assert_int_equal(detail(f, "192.0.2.5").count, 3);
}

struct hist_seen {
	int n;
	char evidence[64], source[64], reason[64];
};

static int
hist_cb(void *arg, const struct history *h)
{
	struct hist_seen *hs = arg;

	hs->n++;
	snprintf(hs->evidence, sizeof(hs->evidence), "%s", h->evidence ? h->evidence : "");
	snprintf(hs->source, sizeof(hs->source), "%s", h->source ? h->source : "");
	snprintf(hs->reason, sizeof(hs->reason), "%s", h->reason ? h->reason : "");
	return 0;
}

static void
test_reason_is_served_evidence_and_source_only_in_history(void **state)
{
	struct fixture *f = *state;
	struct store_reader rd;
	struct hist_seen hs = { 0 };
	struct listing l;
	struct addr a = testdir_net("192.0.2.5");
	enum store_outcome out;
	const char *text;
	size_t len;

	assert_int_equal(report_full(f, "192.0.2.5", "trap-7", NOW - 10, DAY, "open relay",
	    "Received: from x", &out), 0);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_LISTED);
	assert_int_equal(store_reader_init(f->L.store, &rd), 0);
	assert_int_equal(store_reader_refresh(&rd), 0);
	/* The served entry carries only the public reason (and code, expiry). */
	assert_int_equal(store_text(&rd, l.reason_id, &text, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(text, "open relay", 10);
	assert_int_equal(store_history(&rd, &a, hist_cb, &hs), 0);
	store_reader_fini(&rd);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.reason, "open relay");
	assert_string_equal(hs.source, "trap-7");
	assert_string_equal(hs.evidence, "Received: from x");
}

static void
test_delisting_outranks_earlier_reports_and_a_later_report_relists(void **state)
{
	struct fixture *f = *state;
	struct listing l;

	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 3000), STORE_NEW);
	assert_int_equal(delist(f, "192.0.2.5", NOW - 2000), STORE_DELISTED);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_NONE);
	/* A report from before the delisting arrives late: it does not relist. */
	assert_int_equal(report(f, "192.0.2.5", "trap-8", NOW - 2500), STORE_OUTRANKED);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_NONE);
	/* One after it does, and its counts start again. */
	assert_int_equal(report(f, "192.0.2.5", "trap-8", NOW - 1000), STORE_NEW);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_LISTED);
	assert_int_equal(detail(f, "192.0.2.5").count, 1);
}

static void
test_delisting_older_than_the_last_report_is_outranked(void **state)
{
	struct fixture *f = *state;
	struct listing l;

	assert_int_equal(report(f, "192.0.2.5", "trap-7", NOW - 1000), STORE_NEW);
	assert_int_equal(delist(f, "192.0.2.5", NOW - 2000), STORE_OUTRANKED);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_LISTED);
}

static void
test_delisting_inside_a_range_is_an_exception(void **state)
{
	struct fixture *f = *state;
	struct listing l;

	assert_int_equal(report(f, "198.51.100.0/24", "trap-7", NOW - 1000), STORE_NEW);
	assert_int_equal(delist(f, "198.51.100.7", NOW - 500), STORE_EXCEPTED);
	assert_int_equal(lookup(f, "198.51.100.7", &l), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(f, "198.51.100.8", &l), STORE_MATCH_LISTED);
	assert_int_equal(delist(f, "198.51.100.7", NOW - 500), STORE_DUPLICATE);
}

static void
test_per_report_lifetime_and_the_latest_expiry_wins(void **state)
{
	struct fixture *f = *state;
	enum store_outcome out;
	struct listing l;

	assert_int_equal(report_full(f, "192.0.2.5", "a", NOW - 100, 3600, NULL, NULL, &out), 0);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_LISTED);
	assert_int_equal(l.expires, NOW - 100 + 3600);
	/* A longer one extends the listing ... */
	assert_int_equal(report_full(f, "192.0.2.5", "b", NOW - 50, 7200, NULL, NULL, &out), 0);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_LISTED);
	assert_int_equal(l.expires, NOW - 50 + 7200);
	/* ... a shorter later one does not cut it. */
	assert_int_equal(report_full(f, "192.0.2.5", "c", NOW - 10, 60, NULL, NULL, &out), 0);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_LISTED);
	assert_int_equal(l.expires, NOW - 50 + 7200);
	/* A report whose lifetime has passed lists nothing that is served. */
	assert_int_equal(report_full(f, "192.0.2.6", "a", NOW - 7200, 3600, NULL, NULL, &out),
	    0);
	assert_int_equal(lookup(f, "192.0.2.6", &l), STORE_MATCH_NONE);
}

static void
test_refusals_write_nothing(void **state)
{
	static const struct {
		const char *net;
		int64_t at;
		const char *why;
	} cases[] = {
		{ "192.168.1.1", NOW, "192.168.1.1 is inside never-list 192.168.0.0/16 of zone "
		    "relays.example.org" },
		{ "127.0.0.5", NOW, "127.0.0.5 is in 127.0.0.0/8, the RFC 5782 test range "
		    "every zone serves built in" },
		{ "203.0.0.0/8", NOW, "203.0.0.0/8 is wider than max-range /16 of zone "
		    "relays.example.org (use --force to list it anyway)" },
		{ "192.0.2.5", NOW + 301, NULL },
	};
	struct fixture *f = *state;
	enum store_outcome out;
	struct listing l;
	uint32_t s = serial(f);
	size_t i;

	for (i = 0; i < RB_ARRAY_LEN(cases); i++) {
		assert_int_equal(report_full(f, cases[i].net, "x", cases[i].at, DAY, NULL, NULL,
		    &out), RB_EPOLICY);
		if (cases[i].why != NULL)
			assert_string_equal(f->why, cases[i].why);
	}
	assert_non_null(strstr(f->why, "seconds in the future"));
	assert_int_equal(serial(f), s);
	assert_int_equal(lookup(f, "192.0.2.5", &l), STORE_MATCH_NONE);
	/* Clock skew up to POLICY_MAX_FUTURE is accepted. */
	assert_int_equal(report_full(f, "192.0.2.5", "x", NOW + 299, DAY, NULL, NULL, &out), 0);
	assert_int_equal(out, STORE_NEW);
}

static void
test_zone_of_the_other_family_refuses(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	struct report r = { .net = testdir_net("2001:db8::5"), .at = NOW, .lifetime = DAY };
	enum store_outcome out;

	assert_int_equal(store_wr_begin(f->L.store, &w), 0);
	assert_int_equal(apply_report(&f->L, w, 1, &r, false, NOW, &out, f->why,
	    sizeof(f->why)), RB_EPOLICY);
	store_wr_abort(w);
	assert_string_equal(f->why, "2001:db8::5 is IPv6 but zone v4.example.org lists only "
	    "IPv4 addresses (family = ipv4)");
}

static void
test_zone_selection(void **state)
{
	struct fixture *f = *state;
	size_t zi = 99;

	assert_int_equal(apply_zone(&f->L, "V4.example.org.", &zi, f->why, sizeof(f->why)), 0);
	assert_int_equal(zi, 1);
	assert_int_equal(apply_zone(&f->L, "nope.example.org", &zi, f->why, sizeof(f->why)),
	    RB_ENOTFOUND);
	assert_string_equal(f->why, "unknown zone nope.example.org (zones: relays.example.org, "
	    "v4.example.org)");
	/* Two zones and no default-zone: a line must name one. */
	assert_int_equal(apply_zone(&f->L, NULL, &zi, f->why, sizeof(f->why)), RB_ENOTFOUND);
	assert_string_equal(f->why, "no zone given and no default zone (zones: "
	    "relays.example.org, v4.example.org)");
}

static void
test_counts_text(void **state)
{
	struct apply_counts c = { { 0 } };
	char buf[256];

	(void)state;
	c.n[STORE_NEW] = 3;
	c.n[STORE_DUPLICATE] = 2;
	c.n[STORE_NOT_LISTED] = 1;
	assert_string_equal(apply_counts_text(&c, buf, sizeof(buf)), "3 new, 0 refreshed, "
	    "2 duplicate, 0 outranked, 0 delisted, 0 excepted, 1 not listed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_and_distinct_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_report_is_not_counted_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_reason_is_served_evidence_and_source_only_in_history, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_delisting_outranks_earlier_reports_and_a_later_report_relists, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_delisting_older_than_the_last_report_is_outranked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delisting_inside_a_range_is_an_exception,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_report_lifetime_and_the_latest_expiry_wins,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_of_the_other_family_refuses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_selection, setup, teardown),
		cmocka_unit_test(test_counts_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
