/* Unit tests of the store: lookups, nesting, exceptions, serials, journal, processes. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "addr.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

#define NOW 1800000000

struct fixture {
	char dir[TESTDIR_LEN];
	struct store *s;
	uint16_t zone;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testdir_make(f->dir, "store");
	f->s = testdir_store(f->dir, "relays.example.org", 100, &f->zone);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

static void
report(struct fixture *f, const char *net, const char *reason, const char *source,
    int64_t at, enum store_outcome want)
{
	struct store_wr *w;
	struct report r = { .net = testdir_net(net), .at = at, .lifetime = 86400, .reason = reason,
	    .source = source };
	enum store_outcome out;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_report(w, f->zone, &r, &out), 0);
	assert_int_equal(out, want);
	assert_int_equal(store_wr_commit(w), 0);
}

static void
delist(struct fixture *f, const char *net, int64_t at, enum store_outcome want)
{
	struct store_wr *w;
	struct delisting d = { testdir_net(net), at, "fixed", "postmaster", NULL };
	enum store_outcome out;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_delist(w, f->zone, &d, &out), 0);
	assert_int_equal(out, want);
	assert_int_equal(store_wr_commit(w), 0);
}

/* Look ADDR up at NOW; returns the match and the covering entry's text form. */
static int
lookup(struct fixture *f, const char *addr, char *entry)
{
	struct store_reader r;
	struct listing l;
	struct addr a = testdir_net(addr);
	int rc;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	rc = store_lookup(&r, f->zone, &a, NOW, &l);
	if (entry != NULL) {
		entry[0] = '\0';
		if (rc > 0)
			addr_format(&l.net, entry, ADDR_STRLEN);
	}
	store_reader_fini(&r);
	return rc;
}

/* Look ADDR up at time AT; *expires gets the covering entry's expiry. */
static int
lookup_at(struct fixture *f, const char *addr, uint32_t at, uint32_t *expires)
{
	struct store_reader r;
	struct listing l;
	struct addr a = testdir_net(addr);
	int rc;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	rc = store_lookup(&r, f->zone, &a, at, &l);
	if (expires != NULL)
		*expires = rc > 0 ? l.expires : 0;
	store_reader_fini(&r);
	return rc;
}

/* store_prefix_used of prefix NET at time AT. */
static int
prefix_used_at(struct fixture *f, const char *net, uint32_t at)
{
	struct store_reader r;
	struct addr p = testdir_net(net);
	int rc;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	rc = store_prefix_used(&r, f->zone, &p, at);
	store_reader_fini(&r);
	return rc;
}

static uint32_t
serial(struct fixture *f)
{
	struct store_reader r;
	struct store_zone z;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_zone_get(&r, f->zone, &z), 0);
	store_reader_fini(&r);
	return z.serial;
}

static void
test_single_address_listed_and_neighbour_not(void **state)
{
	struct fixture *f = *state;
	char e[ADDR_STRLEN];

	report(f, "192.0.2.5", "relay", "trap-1", NOW - 10, STORE_NEW);
	assert_int_equal(lookup(f, "192.0.2.5", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "192.0.2.5");
	assert_int_equal(lookup(f, "192.0.2.4", NULL), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "192.0.2.6", NULL), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "2001:db8::5", NULL), STORE_MATCH_NONE);
}

static void
test_most_specific_of_nested_ranges_wins(void **state)
{
	struct fixture *f = *state;
	char e[ADDR_STRLEN];

	report(f, "10.0.0.0/8", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "10.1.0.0/16", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "10.1.2.3", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "10.1.2.0/24", NULL, "s", NOW - 10, STORE_NEW);	/* inserted between */
	assert_int_equal(lookup(f, "10.1.2.3", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "10.1.2.3");
	assert_int_equal(lookup(f, "10.1.2.4", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "10.1.2.0/24");
	assert_int_equal(lookup(f, "10.1.3.0", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "10.1.0.0/16");
	assert_int_equal(lookup(f, "10.200.0.1", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "10.0.0.0/8");
	assert_int_equal(lookup(f, "11.0.0.0", NULL), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "9.255.255.255", NULL), STORE_MATCH_NONE);
}

static void
test_removing_a_middle_range_keeps_the_chain(void **state)
{
	struct fixture *f = *state;
	char e[ADDR_STRLEN];

	report(f, "10.0.0.0/8", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "10.1.0.0/16", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "10.1.2.3", NULL, "s", NOW - 10, STORE_NEW);
	/* Delisting the /16 removes it and what is inside; the /8 covers it: exception. */
	delist(f, "10.1.0.0/16", NOW - 5, STORE_EXCEPTED);
	assert_int_equal(lookup(f, "10.1.2.3", e), STORE_MATCH_EXCEPTED);
	assert_string_equal(e, "10.1.0.0/16");
	assert_int_equal(lookup(f, "10.2.0.1", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "10.0.0.0/8");
}

static void
test_delist_inside_range_becomes_exception(void **state)
{
	struct fixture *f = *state;
	char e[ADDR_STRLEN];

	report(f, "198.51.100.0/24", NULL, "s", NOW - 100, STORE_NEW);
	delist(f, "198.51.100.7", NOW - 50, STORE_EXCEPTED);
	assert_int_equal(lookup(f, "198.51.100.7", e), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(f, "198.51.100.8", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "198.51.100.0/24");
	/* A report after the delisting lists the address again. */
	report(f, "198.51.100.7", NULL, "s", NOW - 10, STORE_NEW);
	assert_int_equal(lookup(f, "198.51.100.7", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "198.51.100.7");
}

static void
test_delisting_outranks_older_reports(void **state)
{
	struct fixture *f = *state;

	report(f, "192.0.2.9", NULL, "a", NOW - 100, STORE_NEW);
	delist(f, "192.0.2.9", NOW - 50, STORE_DELISTED);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_NONE);
	report(f, "192.0.2.9", NULL, "b", NOW - 60, STORE_OUTRANKED);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_NONE);
	report(f, "192.0.2.9", NULL, "b", NOW - 40, STORE_NEW);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_LISTED);
	/* A delisting older than the latest report does not delist. */
	delist(f, "192.0.2.9", NOW - 45, STORE_OUTRANKED);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_LISTED);
}

static void
test_duplicate_report_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct listing_detail d;
	struct addr a = testdir_net("192.0.2.20");
	uint32_t s0;

	report(f, "192.0.2.20", "x", "trap", NOW - 100, STORE_NEW);
	report(f, "192.0.2.20", "x", "trap2", NOW - 90, STORE_REFRESHED);
	report(f, "192.0.2.20", "x", "trap", NOW - 80, STORE_REFRESHED);
	s0 = serial(f);
	report(f, "192.0.2.20", "x", "trap", NOW - 100, STORE_DUPLICATE);
	assert_int_equal(serial(f), s0);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_detail(&r, f->zone, &a, &d), 0);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.nsources, 2);
	assert_int_equal(d.first_seen, NOW - 100);
	assert_int_equal(d.last_seen, NOW - 80);
	store_reader_fini(&r);
}

/*
 * SPEC: a delisting at T outranks reports with `at` < T; a report at T
 * itself lists the address again, and a delisting at T delists a report
 * of T: at equal times the command applied last wins.
 */
static void
test_equal_times_the_command_applied_last_wins(void **state)
{
	struct fixture *f = *state;

	report(f, "192.0.2.9", NULL, "a", NOW - 100, STORE_NEW);
	delist(f, "192.0.2.9", NOW - 50, STORE_DELISTED);
	report(f, "192.0.2.9", NULL, "b", NOW - 51, STORE_OUTRANKED);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_NONE);
	report(f, "192.0.2.9", NULL, "b", NOW - 50, STORE_NEW);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_LISTED);

	report(f, "192.0.2.10", NULL, "a", NOW - 50, STORE_NEW);
	delist(f, "192.0.2.10", NOW - 50, STORE_DELISTED);
	assert_int_equal(lookup(f, "192.0.2.10", NULL), STORE_MATCH_NONE);
}

/* A listing expires at last report + lifetime: served until the second before, not at it. */
static void
test_listing_expires_at_its_exact_second(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	uint32_t expires;
	uint64_t n;

	report(f, "192.0.2.40", NULL, "s", NOW - 86400, STORE_NEW);
	assert_int_equal(lookup_at(f, "192.0.2.40", NOW - 1, &expires), STORE_MATCH_LISTED);
	assert_int_equal(expires, NOW);
	assert_int_equal(lookup_at(f, "192.0.2.40", NOW, NULL), STORE_MATCH_NONE);
	assert_int_equal(prefix_used_at(f, "192.0.2.0/24", NOW), 0);
	/* expire takes it at that second, not before; a report then lists it anew. */
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	assert_int_equal(store_expire(w, NOW - 1, true, NULL, NULL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_expire(w, NOW, true, NULL, NULL, &n), 0);
	assert_int_equal(n, 1);
	store_wr_abort(w);
	report(f, "192.0.2.40", NULL, "t", NOW - 5, STORE_NEW);
}

/*
 * RFC 8020: a name exists when something is listed below it; an expired
 * listing is not, even before expire removes it (SPEC: never served).
 */
static void
test_expired_listing_makes_no_empty_non_terminal(void **state)
{
	struct fixture *f = *state;

	report(f, "192.0.2.5", NULL, "s", NOW - 2 * 86400, STORE_NEW);
	report(f, "198.51.100.0/28", NULL, "s", NOW - 2 * 86400, STORE_NEW);
	assert_int_equal(prefix_used_at(f, "192.0.2.0/24", NOW), 0);
	assert_int_equal(prefix_used_at(f, "192.0.0.0/16", NOW), 0);
	assert_int_equal(prefix_used_at(f, "198.51.100.0/24", NOW), 0);
	report(f, "192.0.2.6", NULL, "s", NOW - 10, STORE_NEW);
	assert_int_equal(prefix_used_at(f, "192.0.2.0/24", NOW), 1);
	assert_int_equal(prefix_used_at(f, "192.0.0.0/16", NOW), 1);
}

/*
 * Delisting a range delists what was listed inside it at that time too: a
 * report inside it older than the delisting does not list it again.
 */
static void
test_delisting_a_range_outranks_older_reports_inside_it(void **state)
{
	struct fixture *f = *state;

	report(f, "192.0.2.9", NULL, "a", NOW - 100, STORE_NEW);
	report(f, "192.0.2.0/24", NULL, "a", NOW - 90, STORE_NEW);
	delist(f, "192.0.2.0/24", NOW - 50, STORE_DELISTED);
	report(f, "192.0.2.9", NULL, "b", NOW - 60, STORE_OUTRANKED);
	assert_int_equal(lookup(f, "192.0.2.9", NULL), STORE_MATCH_NONE);
	report(f, "192.0.2.9", NULL, "b", NOW - 40, STORE_NEW);
}

/* An exception makes no name exist: once its range expired, the names above are gone. */
static void
test_exception_makes_no_empty_non_terminal(void **state)
{
	struct fixture *f = *state;

	report(f, "198.51.100.0/24", NULL, "s", NOW - 100, STORE_NEW);
	delist(f, "198.51.100.77", NOW - 50, STORE_EXCEPTED);
	assert_int_equal(prefix_used_at(f, "198.51.100.0/24", NOW), 1);
	assert_int_equal(prefix_used_at(f, "198.51.0.0/16", NOW), 1);
	/* The range expires (expire has not run): only the exception is left below. */
	assert_int_equal(prefix_used_at(f, "198.51.100.0/24", NOW - 100 + 86400), 0);
	assert_int_equal(prefix_used_at(f, "198.51.0.0/16", NOW - 100 + 86400), 0);
}

/* Journal ops as letters, one per change: "A101 C102 D103". */
static int
journal_cb(void *arg, const struct journal_commit *c, const struct journal_change *ch)
{
	char *out = arg;
	static const char op[] = "?ADC";

	assert_non_null(ch);
	assert_int_equal(c->serial_to, c->serial_from + 1);
	sprintf(out + strlen(out), "%s%c%u", *out ? " " : "", op[ch->op], c->serial_to);
	return 0;
}

static void
test_serial_and_journal_grow_per_changing_commit(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct store_zone z;
	char ops[64] = "";

	assert_int_equal(serial(f), 100);
	report(f, "192.0.2.1", NULL, "s", NOW - 10, STORE_NEW);
	assert_int_equal(serial(f), 101);
	/* A refresh that changes only the expiry changes no served record. */
	report(f, "192.0.2.1", NULL, "s", NOW - 5, STORE_REFRESHED);
	assert_int_equal(serial(f), 101);
	report(f, "192.0.2.1", "new reason", "s", NOW - 4, STORE_REFRESHED);
	assert_int_equal(serial(f), 102);
	delist(f, "192.0.2.1", NOW - 1, STORE_DELISTED);
	assert_int_equal(serial(f), 103);

	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_zone_get(&r, f->zone, &z), 0);
	assert_int_equal(z.seq, 3);
	assert_int_equal(store_journal(&r, f->zone, 0, journal_cb, ops), 0);
	store_reader_fini(&r);
	assert_string_equal(ops, "A101 C102 D103");
}

static void
test_journal_trim_drops_the_oldest_commits(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	struct store_reader r;
	char ops[64] = "";
	uint64_t n;
	uint32_t s0;

	report(f, "192.0.2.1", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "192.0.2.2", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "192.0.2.3", NULL, "s", NOW - 10, STORE_NEW);
	s0 = serial(f);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	assert_int_equal(store_journal_trim(w, f->zone, 3, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(serial(f), s0);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_journal(&r, f->zone, 0, journal_cb, ops), 0);
	store_reader_fini(&r);
	assert_string_equal(ops, "A103");
}

static void
test_expired_entries_are_not_served_and_expire_removes_them(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	uint64_t n;
	uint32_t s0;
	char e[ADDR_STRLEN];

	report(f, "203.0.113.0/24", NULL, "s", NOW - 1000, STORE_NEW);
	/* Lifetime is 86400: reported two days ago, expired before NOW. */
	report(f, "203.0.113.5", NULL, "s", NOW - 2 * 86400, STORE_NEW);
	assert_int_equal(lookup(f, "203.0.113.5", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "203.0.113.0/24");	/* the range shows through */
	s0 = serial(f);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	assert_int_equal(store_expire(w, NOW, true, NULL, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_expire(w, NOW, false, NULL, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(serial(f), s0 + 1);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	assert_int_equal(store_expire(w, NOW, false, NULL, NULL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_wr_changed_zones(w), 0);
	store_wr_abort(w);
	assert_int_equal(lookup(f, "203.0.113.5", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "203.0.113.0/24");
}

static void
test_ipv6_prefixes_and_hosts(void **state)
{
	struct fixture *f = *state;
	char e[ADDR_STRLEN];

	report(f, "2001:db8::/32", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "2001:db8:1::/48", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "2001:db8:1::5", NULL, "s", NOW - 10, STORE_NEW);
	delist(f, "2001:db8:1::6", NOW - 5, STORE_EXCEPTED);
	assert_int_equal(lookup(f, "2001:db8:1::5", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "2001:db8:1::5");
	assert_int_equal(lookup(f, "2001:db8:1::6", e), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(f, "2001:db8:1::7", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "2001:db8:1::/48");
	assert_int_equal(lookup(f, "2001:db8:2::1", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "2001:db8::/32");
	assert_int_equal(lookup(f, "2001:db9::1", NULL), STORE_MATCH_NONE);
	/* Families never mix: 32.1.13.184 is 2001:db8's first octets as IPv4. */
	assert_int_equal(lookup(f, "32.1.13.184", NULL), STORE_MATCH_NONE);
}

static void
test_prefix_used_finds_entries_below_and_above(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct addr p;

	report(f, "192.0.2.5", NULL, "s", NOW - 10, STORE_NEW);
	report(f, "10.0.0.0/8", NULL, "s", NOW - 10, STORE_NEW);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	p = testdir_net("192.0.2.0/24");
	assert_int_equal(store_prefix_used(&r, f->zone, &p, NOW), 1);
	p = testdir_net("192.0.0.0/16");
	assert_int_equal(store_prefix_used(&r, f->zone, &p, NOW), 1);
	p = testdir_net("192.0.3.0/24");
	assert_int_equal(store_prefix_used(&r, f->zone, &p, NOW), 0);
	p = testdir_net("10.1.0.0/16");
	assert_int_equal(store_prefix_used(&r, f->zone, &p, NOW), 1);
	store_reader_fini(&r);
}

/* Report NET in its own transaction with AT and LIFETIME (seconds). */
static void
report_for(struct fixture *f, const char *net, int64_t at, uint32_t lifetime)
{
	struct store_wr *w;
	struct report r = { .net = testdir_net(net), .at = at, .lifetime = lifetime,
	    .source = "s" };
	enum store_outcome out;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_report(w, f->zone, &r, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
}

/* Is P an empty non-terminal at NOW; *MOVES gets what the check cost. */
static int
prefix_used_cost(struct fixture *f, const char *p, uint32_t now, uint64_t *moves)
{
	struct store_reader r;
	struct addr a = testdir_net(p);
	uint64_t before;
	int rc;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	before = r.moves;
	rc = store_prefix_used(&r, f->zone, &a, now);
	*moves = r.moves - before;
	store_reader_fini(&r);
	return rc;
}

/*
 * A partial name costs the same whatever waits below it for `expire`: an
 * expired listing is never served (SPEC), and a check that stepped over
 * expired entries one by one let anyone who could ask for a name make the
 * server walk all of them, per query.  Counted in the reader's moves.  A
 * /20 (asked as ::ffff:203.0.112.0/116) is no octet: it reads the 16 /24s
 * under it, so it costs at most one seek, one entry and one node each.
 */
static void
test_prefix_used_costs_the_same_with_expired_entries_below(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	struct report r = { .at = NOW - 10 * 86400, .lifetime = 86400, .source = "old" };
	enum store_outcome out;
	static const struct {
		/* only a live one, expired ones and a live one, expired ones only */
		const char *p[3];
		unsigned bound;		/* 0: the first's cost, and a few moves */
	} asked[] = {
		{ { "198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24" }, 0 },
		{ { "198.51.0.0/16", "203.0.0.0/16", "192.0.0.0/16" }, 0 },
		{ { "198.0.0.0/8", "203.0.0.0/8", "192.0.0.0/8" }, 0 },
		{ { "198.51.96.0/20", "203.0.112.0/20", "192.0.0.0/20" }, 4 + 16 * 3 },
		{ { "2001:db8:a::/48", "2001:db8:b::/48", "2001:db8:c::/48" }, 0 },
		{ { "2001:db8:a:f000::/52", "2001:db8:b::/52", "2001:db8:c::/52" }, 0 },
	};
	unsigned bound;
	char net[ADDR_STRLEN];
	uint64_t cost[3];
	unsigned i, j;

	/* Some 2,000 listings that expired nine days ago, not yet removed. */
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	for (i = 1; i <= 250; i++) {
		for (j = 0; j < 8; j++) {
			switch (j) {
			case 0: snprintf(net, sizeof(net), "203.0.113.%u", i); break;
			case 1: snprintf(net, sizeof(net), "192.0.2.%u", i); break;
			case 2: snprintf(net, sizeof(net), "203.0.%u.7", i); break;
			case 3: snprintf(net, sizeof(net), "192.0.%u.7", i); break;
			case 4: snprintf(net, sizeof(net), "2001:db8:b:%x::/64", i); break;
			case 5: snprintf(net, sizeof(net), "2001:db8:c:%x::/64", i); break;
			case 6: snprintf(net, sizeof(net), "203.0.113.%u/31", i & ~1u); break;
			default: snprintf(net, sizeof(net), "2001:db8:b::%x", i); break;
			}
			r.net = testdir_net(net);
			assert_int_equal(store_report(w, f->zone, &r, &out), 0);
		}
	}
	assert_int_equal(store_wr_commit(w), 0);
	/* One live listing after them in key order, and one alone. */
	report_for(f, "203.0.113.255", NOW - 10, 86400);
	report_for(f, "2001:db8:b:ffff::/64", NOW - 10, 86400);
	report_for(f, "2001:db8:b:fff::/64", NOW - 10, 86400);
	report_for(f, "198.51.100.255", NOW - 10, 86400);
	report_for(f, "2001:db8:a:ffff::/64", NOW - 10, 86400);

	for (i = 0; i < RB_ARRAY_LEN(asked); i++) {
		assert_int_equal(prefix_used_cost(f, asked[i].p[0], NOW, &cost[0]), 1);
		assert_int_equal(prefix_used_cost(f, asked[i].p[1], NOW, &cost[1]), 1);
		assert_int_equal(prefix_used_cost(f, asked[i].p[2], NOW, &cost[2]), 0);
		print_message("%-16s %3llu  %-16s %3llu  %-16s %3llu moves\n", asked[i].p[0],
		    (unsigned long long)cost[0], asked[i].p[1], (unsigned long long)cost[1],
		    asked[i].p[2], (unsigned long long)cost[2]);
		/* The same, within the few moves a lookup's shape may vary by. */
		bound = asked[i].bound != 0 ? asked[i].bound : (unsigned)cost[0] + 4;
		assert_true(cost[0] <= bound);
		assert_true(cost[1] <= bound);
		assert_true(cost[2] <= bound);
	}
}

/*
 * The answer of store_prefix_used, found from its summaries, against the
 * definition: some live listing (not an exception) lies inside P, or a
 * live listing covers it.
 */
struct ent_truth {
	struct addr p;
	uint32_t now;
	bool used;
};

static int
ent_truth_cb(void *arg, const struct listing *l)
{
	struct ent_truth *t = arg;

	if (!(l->flags & LISTING_EXCEPTION) && (l->expires == 0 || l->expires > t->now) &&
	    l->net.plen > t->p.plen && addr_contains(&t->p, &l->net))
		t->used = true;
	return 0;
}

static void
check_prefixes_against_definition(struct fixture *f, const char *what)
{
	static const char *const prefixes[] = {
		"0.0.0.0/0", "192.0.0.0/4", "192.0.0.0/8", "192.0.0.0/12", "192.0.0.0/16",
		"192.0.0.0/20", "192.0.0.0/24", "192.0.1.0/24", "192.0.2.0/24", "192.0.3.0/24",
		"192.0.0.0/28", "192.0.0.16/28", "192.0.1.240/28", "192.0.2.64/28",
		"192.0.3.0/28", "192.0.2.0/23", "192.0.0.0/22", "193.0.0.0/8",
		"2001:db8::/32", "2001:db8::/36", "2001:db8::/44", "2001:db8::/48",
		"2001:db8:0:1::/64", "2001:db8:0:2::/64", "2001:db8:0:3::/64", "2001:db8::/60",
		"2001:db8:0:1::/68", "2001:db8:0:2:8000::/68", "2001:db8:0:3::/124", "2000::/4",
		"2001:db8:0:2::/63", "2001:db8:0:3::/66",
	};
	static const int64_t whens[] = { NOW - 20 * 86400, NOW - 3 * 86400, NOW - 86400,
	    NOW, NOW + 86400, NOW + 4 * 86400, NOW + 40 * 86400 };
	struct store_reader r;
	struct ent_truth t;
	struct listing l;
	unsigned i, j;
	int rc, want;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	for (i = 0; i < RB_ARRAY_LEN(prefixes); i++) {
		for (j = 0; j < RB_ARRAY_LEN(whens); j++) {
			t.p = testdir_net(prefixes[i]);
			t.now = (uint32_t)whens[j];
			t.used = false;
			assert_int_equal(store_foreach(&r, f->zone, ent_truth_cb, &t), 0);
			want = t.used || store_lookup(&r, f->zone, &t.p, t.now, &l) ==
			    STORE_MATCH_LISTED;
			rc = store_prefix_used(&r, f->zone, &t.p, t.now);
			if (rc != want)
				fail_msg("%s: %s at NOW%+lld: %d, want %d", what, prefixes[i],
				    (long long)(whens[j] - NOW), rc, want);
		}
	}
	store_reader_fini(&r);
}

/*
 * Reports with lifetimes that end at different times, ranges, exceptions,
 * delistings and expiry runs, in a small space so that they nest and
 * collide; after each commit every partial name answers as the definition.
 */
static void
test_prefix_used_matches_its_definition_through_changes(void **state)
{
	struct fixture *f = *state;
	static const uint8_t plens4[] = { 32, 32, 32, 31, 30, 28, 26, 24, 23, 20, 16 };
	static const uint8_t plens6[] = { 128, 128, 127, 124, 120, 68, 64, 64, 63, 60, 48 };
	static const uint32_t lifetimes[] = { 3600, 86400, 2 * 86400, 5 * 86400, 30 * 86400 };
	unsigned seed = 16, step, i, nops, k;
	char what[64];

	for (step = 0; step < 120; step++) {
		struct store_wr *w;

		assert_int_equal(store_wr_begin(f->s, &w), 0);
		store_wr_set_now(w, NOW);
		/* One change or a few in a transaction: nodes are settled at commit. */
		nops = 1 + (unsigned)rand_r(&seed) % 4;
		for (i = 0; i < nops; i++) {
			struct addr a;
			enum store_outcome out;
			uint64_t n;
			unsigned op = (unsigned)rand_r(&seed) % 10;

			memset(&a, 0, sizeof(a));
			if (rand_r(&seed) % 3 != 0) {
				a.fam = ADDR_V4;
				a.a[0] = 192;
				a.a[2] = (uint8_t)(rand_r(&seed) % 4);
				a.a[3] = (uint8_t)(rand_r(&seed) % 256);
				a.plen = plens4[rand_r(&seed) % sizeof(plens4)];
			} else {
				static const uint8_t pre[] = { 0x20, 0x01, 0x0d, 0xb8 };

				a.fam = ADDR_V6;
				memcpy(a.a, pre, 4);
				a.a[7] = (uint8_t)(rand_r(&seed) % 4);
				a.a[8] = (uint8_t)(rand_r(&seed) % 4 << 6);
				a.a[15] = (uint8_t)(rand_r(&seed) % 256);
				a.plen = plens6[rand_r(&seed) % sizeof(plens6)];
			}
			addr_mask(&a, a.plen);
			if (op < 6) {
				struct report r = { .net = a, .source = "s",
				    .at = NOW - (int64_t)(rand_r(&seed) % (6 * 86400)),
				    .lifetime = lifetimes[rand_r(&seed) % RB_ARRAY_LEN(lifetimes)] };

				assert_int_equal(store_report(w, f->zone, &r, &out), 0);
			} else if (op < 9) {
				struct delisting d = { a,
				    NOW - (int64_t)(rand_r(&seed) % (6 * 86400)), "fixed", "postmaster", NULL };

				assert_int_equal(store_delist(w, f->zone, &d, &out), 0);
			} else {
				k = (unsigned)rand_r(&seed) % 6;
				assert_int_equal(store_expire(w, (uint32_t)(NOW - k * 86400), false,
				    NULL, NULL, &n), 0);
			}
		}
		assert_int_equal(store_wr_commit(w), 0);
		snprintf(what, sizeof(what), "after transaction %u (%u changes)", step, nops);
		check_prefixes_against_definition(f, what);
	}
}

/*
 * A store of schema version 1 had no summaries of partial names: opening
 * it makes them from its entries (and records version 2), so its partial
 * names answer as before.
 */
static void
test_a_version_1_store_gets_its_partial_names(void **state)
{
	struct fixture *f = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 6, "schema" }, v;
	unsigned char one[4] = { 0, 0, 0, 1 };
	uint64_t moves;

	report_for(f, "192.0.2.5", NOW - 10, 86400);
	report_for(f, "198.51.100.5", NOW - 10 * 86400, 86400);
	report_for(f, "2001:db8::/48", NOW - 10, 86400);
	store_close(f->s);
	f->s = NULL;
	/* Back to version 1: no "below", schema 1. */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)64 << 20), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "below", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	v.mv_size = 4;
	v.mv_data = one;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(store_open(&f->s, f->dir, (size_t)64 << 20, 0), 0);
	assert_int_equal(prefix_used_cost(f, "192.0.2.0/24", NOW, &moves), 1);
	assert_int_equal(prefix_used_cost(f, "192.0.0.0/16", NOW, &moves), 1);
	assert_int_equal(prefix_used_cost(f, "198.51.100.0/24", NOW, &moves), 0);
	assert_int_equal(prefix_used_cost(f, "198.51.100.0/24", NOW - 10 * 86400, &moves), 1);
	assert_int_equal(prefix_used_cost(f, "2001:db8::/32", NOW, &moves), 1);
	assert_int_equal(prefix_used_cost(f, "2001:db9::/32", NOW, &moves), 0);
}

struct hist_count {
	int reports, delists;
};

static int
hist_cb(void *arg, const struct history *h)
{
	struct hist_count *c = arg;

	if (h->op == HISTORY_REPORT) {
		c->reports++;
		assert_non_null(h->source);
		assert_memory_equal(h->source, "trap-9", 6);
	}
	if (h->op == HISTORY_DELIST)
		c->delists++;
	return 0;
}

static void
test_history_records_reports_and_delistings(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct hist_count c = { 0, 0 };
	struct addr a = testdir_net("192.0.2.77");

	report(f, "192.0.2.77", "open relay", "trap-9", NOW - 30, STORE_NEW);
	report(f, "192.0.2.77", "open relay", "trap-9", NOW - 20, STORE_REFRESHED);
	delist(f, "192.0.2.77", NOW - 10, STORE_DELISTED);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_history(&r, &a, hist_cb, &c), 0);
	store_reader_fini(&r);
	assert_int_equal(c.reports, 2);
	assert_int_equal(c.delists, 1);
}

static void
test_reasons_are_stored_once(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct listing l1, l2;
	struct addr a = testdir_net("192.0.2.30"), b = testdir_net("192.0.2.31");
	const char *t;
	size_t n;

	report(f, "192.0.2.30", "shared reason", "s", NOW - 10, STORE_NEW);
	report(f, "192.0.2.31", "shared reason", "s", NOW - 10, STORE_NEW);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_lookup(&r, f->zone, &a, NOW, &l1), STORE_MATCH_LISTED);
	assert_int_equal(store_lookup(&r, f->zone, &b, NOW, &l2), STORE_MATCH_LISTED);
	assert_int_not_equal(l1.reason_id, 0);
	assert_int_equal(l1.reason_id, l2.reason_id);
	assert_int_equal(store_text(&r, l1.reason_id, &t, &n), 0);
	assert_int_equal(n, 13);
	assert_memory_equal(t, "shared reason", 13);
	store_reader_fini(&r);
}

static void
test_reader_sees_commits_after_refresh(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct listing l;
	struct addr a = testdir_net("192.0.2.44");

	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_lookup(&r, f->zone, &a, NOW, &l), STORE_MATCH_NONE);
	report(f, "192.0.2.44", NULL, "s", NOW - 10, STORE_NEW);
	/* The old snapshot is stable until refreshed. */
	assert_int_equal(store_lookup(&r, f->zone, &a, NOW, &l), STORE_MATCH_NONE);
	assert_int_equal(store_reader_refresh(&r), 0);
	assert_int_equal(store_lookup(&r, f->zone, &a, NOW, &l), STORE_MATCH_LISTED);
	store_reader_fini(&r);
}

static void
test_two_processes_write_and_read_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	pid_t pid[2];
	int i, k, status;

	for (k = 0; k < 2; k++) {
		if ((pid[k] = fork()) == 0) {
			struct store *s;
			struct store_zone z;

			/* Each child opens its own environment, as rbldb does. */
			if (store_open(&s, f->dir, 64 << 20, 0) != 0 ||
			    store_zone_ensure(s, "relays.example.org", 100, &z) != 0)
				_exit(1);
			for (i = 0; i < 50; i++) {
				struct store_wr *w;
				char buf[32];
				struct addr a;
				struct report rep = { .at = NOW - 10, .lifetime = 86400,
				    .source = "p" };
				enum store_outcome out;

				snprintf(buf, sizeof(buf), "100.%d.0.%d", 64 + k, i);
				addr_parse(buf, &a);
				rep.net = a;
				if (store_wr_begin(s, &w) != 0 ||
				    store_report(w, z.id, &rep, &out) != 0 ||
				    store_wr_commit(w) != 0)
					_exit(2);
			}
			store_close(s);
			_exit(0);
		}
	}
	/* Reading while they write. */
	assert_int_equal(store_reader_init(f->s, &r), 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(store_reader_refresh(&r), 0);
	store_reader_fini(&r);
	for (k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(lookup(f, "100.64.0.49", NULL), STORE_MATCH_LISTED);
	assert_int_equal(lookup(f, "100.65.0.49", NULL), STORE_MATCH_LISTED);
	assert_int_equal(serial(f), 200);
}

/* Only rbldb init creates a store: a mistyped path is refused, and left as it was. */
static void
test_open_without_create_refuses_a_missing_store(void **state)
{
	char dir[TESTDIR_LEN], path[128];
	struct store *s;
	struct stat st;

	(void)state;
	testdir_make(dir, "nostore");
	snprintf(path, sizeof(path), "%s/db", dir);
	assert_int_equal(store_open(&s, path, 64 << 20, 0), RB_ENOSTORE);
	assert_int_equal(stat(path, &st), -1);
	/* An empty directory (a StateDirectory systemd made) holds no store either. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(store_open(&s, path, 64 << 20, 0), RB_ENOSTORE);
	snprintf(path, sizeof(path), "%s/db/data.mdb", dir);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/db", dir);
	assert_int_equal(store_open(&s, path, 64 << 20, STORE_CREATE), 0);
	store_close(s);
	assert_int_equal(store_open(&s, path, 64 << 20, 0), 0);
	store_close(s);
	testdir_remove(dir);
}

static void
test_foreign_environment_is_refused(void **state)
{
	char dir[TESTDIR_LEN], path[128];
	struct store *s;

	(void)state;
	testdir_make(dir, "foreign");
	testdir_write(dir, "data.mdb", "this is not an LMDB file, it is somebody's notes\n");
	assert_int_equal(store_open(&s, dir, 64 << 20, STORE_CREATE), RB_ENOTSTORE);
	/* A plain file where the directory should be is refused too. */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(store_open(&s, path, 64 << 20, STORE_CREATE), RB_ENOTSTORE);
	testdir_remove(dir);
}

/* Read-only (a backup served): reads work, every write is refused alike. */
static void
test_read_only_store_refuses_writes(void **state)
{
	char dir[TESTDIR_LEN];
	struct store *s;
	struct store_wr *wr;
	struct store_zone z;

	(void)state;
	testdir_make(dir, "readonly");
	assert_int_equal(store_open(&s, dir, 64 << 20, STORE_CREATE), 0);
	assert_int_equal(store_zone_ensure(s, "z.test", 5, &z), 0);
	store_close(s);
	assert_int_equal(store_open(&s, dir, 64 << 20, STORE_READ_ONLY), 0);
	assert_int_equal(store_wr_begin(s, &wr), RB_EREADONLY);
	/* A known zone keeps its serial, even behind the apex's; a new one is refused. */
	assert_int_equal(store_zone_ensure(s, "z.test", 9, &z), 0);
	assert_int_equal(z.serial, 5);
	assert_int_equal(store_zone_ensure(s, "new.test", 1, &z), RB_EREADONLY);
	store_close(s);
	testdir_remove(dir);
}

static void
test_same_delisting_twice_changes_nothing(void **state)
{
	struct fixture *f = *state;
	uint32_t s0;

	report(f, "198.51.100.0/24", NULL, "s", NOW - 100, STORE_NEW);
	report(f, "192.0.2.50", NULL, "s", NOW - 100, STORE_NEW);
	delist(f, "198.51.100.9", NOW - 50, STORE_EXCEPTED);
	delist(f, "192.0.2.50", NOW - 50, STORE_DELISTED);
	s0 = serial(f);
	delist(f, "198.51.100.9", NOW - 50, STORE_DUPLICATE);
	delist(f, "192.0.2.50", NOW - 50, STORE_DUPLICATE);
	/* A new delisting of an exception changes no served record either. */
	delist(f, "198.51.100.9", NOW - 40, STORE_EXCEPTED);
	assert_int_equal(serial(f), s0);
}

static void
purge(struct fixture *f, const char *source, int64_t since, uint64_t want_reports,
    uint64_t want_removed)
{
	struct store_wr *w;
	uint64_t nrep, nrem;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_purge(w, source, since, false, NULL, NULL, &nrep, &nrem), 0);
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(nrep, want_reports);
	assert_int_equal(nrem, want_removed);
}

static void
test_purge_removes_what_rests_only_on_the_source(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct listing_detail d;
	struct addr b = testdir_net("192.0.2.2");

	report(f, "192.0.2.1", NULL, "bad-feed", NOW - 100, STORE_NEW);
	report(f, "192.0.2.1", NULL, "bad-feed", NOW - 90, STORE_REFRESHED);
	report(f, "192.0.2.2", NULL, "bad-feed", NOW - 100, STORE_NEW);
	report(f, "192.0.2.2", NULL, "good-trap", NOW - 95, STORE_REFRESHED);
	report(f, "192.0.2.3", NULL, "bad-feed", NOW - 300, STORE_NEW);
	/* --since leaves the older report of 192.0.2.3 alone. */
	purge(f, "bad-feed", NOW - 200, 3, 1);
	assert_int_equal(lookup(f, "192.0.2.1", NULL), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "192.0.2.2", NULL), STORE_MATCH_LISTED);
	assert_int_equal(lookup(f, "192.0.2.3", NULL), STORE_MATCH_LISTED);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_detail(&r, f->zone, &b, &d), 0);
	assert_int_equal(d.count, 1);
	assert_int_equal(d.nsources, 1);
	assert_int_equal(d.first_seen, NOW - 95);
	store_reader_fini(&r);
	purge(f, "bad-feed", 0, 1, 1);
	assert_int_equal(lookup(f, "192.0.2.3", NULL), STORE_MATCH_NONE);
	purge(f, "no-such-source", 0, 0, 0);
}

/* What remains after a purge sets the expiry: the remaining reports' latest at + lifetime. */
static void
test_purge_recomputes_the_expiry(void **state)
{
	struct fixture *f = *state;
	uint32_t expires;

	report(f, "192.0.2.2", NULL, "good-trap", NOW - 1000, STORE_NEW);
	report(f, "192.0.2.2", NULL, "bad-feed", NOW - 100, STORE_REFRESHED);
	assert_int_equal(lookup_at(f, "192.0.2.2", NOW, &expires), STORE_MATCH_LISTED);
	assert_int_equal(expires, NOW - 100 + 86400);
	purge(f, "bad-feed", 0, 1, 0);
	assert_int_equal(lookup_at(f, "192.0.2.2", NOW, &expires), STORE_MATCH_LISTED);
	assert_int_equal(expires, NOW - 1000 + 86400);
	assert_int_equal(lookup_at(f, "192.0.2.2", NOW - 1000 + 86400, NULL), STORE_MATCH_NONE);
}

/*
 * --since keeps the source's older reports, even of an entry that also has
 * newer ones; a report at exactly SINCE goes.
 */
static void
test_purge_since_keeps_older_reports(void **state)
{
	struct fixture *f = *state;
	uint32_t expires;

	report(f, "192.0.2.4", NULL, "bad-feed", NOW - 300, STORE_NEW);
	report(f, "192.0.2.4", NULL, "bad-feed", NOW - 100, STORE_REFRESHED);
	report(f, "192.0.2.5", NULL, "bad-feed", NOW - 200, STORE_NEW);
	purge(f, "bad-feed", NOW - 200, 2, 1);
	assert_int_equal(lookup_at(f, "192.0.2.4", NOW, &expires), STORE_MATCH_LISTED);
	assert_int_equal(expires, NOW - 300 + 86400);
	assert_int_equal(lookup(f, "192.0.2.5", NULL), STORE_MATCH_NONE);
}

/* Reports from before a delisting belong to an earlier listing: they do not hold up the new one. */
static void
test_purge_counts_only_the_current_listing(void **state)
{
	struct fixture *f = *state;

	report(f, "192.0.2.6", NULL, "good-trap", NOW - 300, STORE_NEW);
	delist(f, "192.0.2.6", NOW - 200, STORE_DELISTED);
	report(f, "192.0.2.6", NULL, "bad-feed", NOW - 100, STORE_NEW);
	purge(f, "bad-feed", 0, 1, 1);
	assert_int_equal(lookup(f, "192.0.2.6", NULL), STORE_MATCH_NONE);
}

/* What an import (never expires) holds up after a purge still never expires. */
static void
test_purge_keeps_a_never_expiring_listing(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	struct report imp = { .net = testdir_net("192.0.2.7"), .at = NOW - 500,
	    .source = "import:relays.txt", .imported = true };
	enum store_outcome out;
	uint32_t expires;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_report(w, f->zone, &imp, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
	report(f, "192.0.2.7", NULL, "good-trap", NOW - 400, STORE_REFRESHED);
	report(f, "192.0.2.7", NULL, "bad-feed", NOW - 100, STORE_REFRESHED);
	purge(f, "bad-feed", 0, 1, 0);
	assert_int_equal(lookup_at(f, "192.0.2.7", NOW, &expires), STORE_MATCH_LISTED);
	assert_int_equal(expires, 0);
}

static int
count_entries_cb(void *arg, const struct listing *l)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static void
test_exceptions_go_with_their_range(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	int n = 0;

	report(f, "198.51.100.0/24", NULL, "feed", NOW - 100, STORE_NEW);
	delist(f, "198.51.100.7", NOW - 50, STORE_EXCEPTED);
	purge(f, "feed", 0, 1, 1);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_foreach(&r, f->zone, count_entries_cb, &n), 0);
	store_reader_fini(&r);
	assert_int_equal(n, 0);
}

/*
 * A bulk load: N host reports in one transaction, address i = 10.0.0.0 + i,
 * each with its own reason, taken in key order (every database appended
 * to, MDB_APPEND) or scattered (appends refused by LMDB and retried).
 */
#define BULK_N 20000

static struct addr
bulk_addr(unsigned i)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "10.0.%u.%u", i / 256, i % 256);
	return testdir_net(buf);
}

static void
bulk(struct fixture *f, bool scattered, enum store_outcome want)
{
	struct store_wr *w;
	enum store_outcome out;
	char reason[32];
	unsigned k, i;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	for (k = 0; k < BULK_N; k++) {
		struct report r = { .at = NOW - 100, .lifetime = 86400, .reason = reason,
		    .source = "feed" };

		i = scattered ? (k * 7919) % BULK_N : k;	/* 7919 is prime to BULK_N */
		r.net = bulk_addr(i);
		snprintf(reason, sizeof(reason), "relay %u", i);
		assert_int_equal(store_report(w, f->zone, &r, &out), 0);
		assert_int_equal(out, want);
	}
	assert_int_equal(store_wr_commit(w), 0);
}

/* Address I is listed as itself, with its own reason. */
static void
bulk_check_one(struct store_reader *r, uint16_t zone, unsigned i)
{
	struct addr a = bulk_addr(i);
	struct listing l;
	const char *text;
	char want[32];
	size_t len;

	assert_int_equal(store_lookup(r, zone, &a, NOW, &l), STORE_MATCH_LISTED);
	assert_int_equal(l.net.plen, 32);
	assert_memory_equal(l.net.a, a.a, 4);
	assert_int_equal(store_text(r, l.reason_id, &text, &len), 0);
	snprintf(want, sizeof(want), "relay %u", i);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(text, want, len);
}

/* Every 97th address and the last, and BULK_N entries in all. */
static void
bulk_check(struct fixture *f)
{
	struct store_reader r;
	unsigned i;
	int n = 0;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	for (i = 0; i < BULK_N; i += 97)
		bulk_check_one(&r, f->zone, i);
	bulk_check_one(&r, f->zone, BULK_N - 1);
	assert_int_equal(store_foreach(&r, f->zone, count_entries_cb, &n), 0);
	assert_int_equal(n, BULK_N);
	store_reader_fini(&r);
}

static int
count_reports_cb(void *arg, const struct history *h)
{
	if (h->op == HISTORY_REPORT)
		(*(int *)arg)++;
	return 0;
}

static void
test_bulk_load_in_key_order_reads_back(void **state)
{
	struct fixture *f = *state;
	struct store_reader r;
	struct addr a = bulk_addr(12345);
	uint32_t s0;
	int n = 0;

	bulk(f, false, STORE_NEW);
	bulk_check(f);
	/* One history record each; the same batch again changes nothing. */
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_history(&r, &a, count_reports_cb, &n), 0);
	store_reader_fini(&r);
	assert_int_equal(n, 1);
	s0 = serial(f);
	bulk(f, false, STORE_DUPLICATE);
	assert_int_equal(serial(f), s0);
	bulk_check(f);
}

static void
test_bulk_load_scattered_then_ranges_and_delistings(void **state)
{
	struct fixture *f = *state;
	char e[ADDR_STRLEN];

	bulk(f, true, STORE_NEW);
	bulk_check(f);
	/* The loaded store takes ranges over its hosts, exceptions, and new hosts. */
	report(f, "10.0.1.0/24", "range", "feed", NOW - 50, STORE_NEW);
	delist(f, "10.0.1.5", NOW - 40, STORE_EXCEPTED);
	report(f, "10.0.200.1", "late", "feed", NOW - 30, STORE_NEW);
	assert_int_equal(lookup(f, "10.0.1.5", e), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(f, "10.0.1.6", e), STORE_MATCH_LISTED);
	assert_string_equal(e, "10.0.1.6");
	assert_int_equal(lookup(f, "10.0.200.1", e), STORE_MATCH_LISTED);
	assert_int_equal(lookup(f, "10.0.200.2", e), STORE_MATCH_NONE);
	delist(f, "10.0.1.0/24", NOW - 20, STORE_DELISTED);
	assert_int_equal(lookup(f, "10.0.1.6", e), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "10.0.2.6", e), STORE_MATCH_LISTED);
}

struct order_walk {
	struct listing prev;
	int n;
};

/* Entries come back in the octet order of (family, address, prefix length). */
static int
order_cb(void *arg, const struct listing *l)
{
	struct order_walk *o = arg;
	unsigned char a[18], b[18];

	if (o->n++ > 0) {
		a[0] = o->prev.net.fam;
		memcpy(a + 1, o->prev.net.a, 16);
		a[17] = o->prev.net.plen;
		b[0] = l->net.fam;
		memcpy(b + 1, l->net.a, 16);
		b[17] = l->net.plen;
		if (o->prev.net.fam == ADDR_V4)
			memmove(a + 5, a + 17, 1);
		if (l->net.fam == ADDR_V4)
			memmove(b + 5, b + 17, 1);
		assert_true(memcmp(a, b, 18) < 0);
	}
	o->prev = *l;
	return 0;
}

/*
 * The store compares keys in words (store.c); its order must stay LMDB's
 * default octet order, which older stores and mdb_dump rely on.  Addresses
 * that differ in every octet position, v4 and v6, hosts and prefixes.
 */
static void
test_keys_keep_octet_order(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;
	struct store_reader r;
	struct order_walk o = { .n = 0 };
	enum store_outcome out;
	uint32_t x = 12345;
	int i, j, n = 0;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	for (i = 0; i < 600; i++) {
		struct report rp = { .at = NOW - 10, .lifetime = 86400 };
		bool v6 = i % 2;
		unsigned nb = v6 ? 16 : 4, pos = (unsigned)(i / 2) % nb;

		/* One shared base; octet POS and the ones after it vary. */
		memset(&rp.net, 0, sizeof(rp.net));
		rp.net.fam = v6 ? ADDR_V6 : ADDR_V4;
		for (j = 0; j < (int)nb; j++)
			rp.net.a[j] = (uint8_t)(0x20 + j);
		for (j = (int)pos; j < (int)nb; j++) {
			x = x * 1103515245u + 12345u;
			rp.net.a[j] = (uint8_t)(x >> 16);
		}
		rp.net.plen = (uint8_t)(i % 5 == 0 ? (v6 ? 64 : 24) : (v6 ? 128 : 32));
		addr_mask(&rp.net, rp.net.plen);
		assert_int_equal(store_report(w, f->zone, &rp, &out), 0);
		n += out == STORE_NEW;
	}
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_foreach(&r, f->zone, order_cb, &o), 0);
	store_reader_fini(&r);
	assert_int_equal(o.n, n);
	assert_true(n > 500);
}


/* ---- Undo records, revert and the max-change guard (issue 18) ---- */

/* Every entry of the zone with its details, one line each, into BUF. */
struct dump {
	struct store_reader *r;
	char *buf;
	size_t len, cap;
};

static int
dump_cb(void *arg, const struct listing *l)
{
	struct dump *d = arg;
	struct listing_detail det;
	char a[ADDR_STRLEN];
	int n;

	memset(&det, 0, sizeof(det));
	(void)store_detail(d->r, l->zone, &l->net, &det);
	addr_format(&l->net, a, sizeof(a));
	n = snprintf(d->buf + d->len, d->cap - d->len, "%s f%u c%u e%u r%u %lld %lld %lld %u %u %u %u\n",
	    a, l->flags, l->code, l->expires, l->reason_id, (long long)det.first_seen,
	    (long long)det.last_seen, (long long)det.delisted_at, det.count, det.nsources,
	    det.delist_reason_id, det.delist_by_id);
	assert_true(n > 0 && (size_t)n < d->cap - d->len);
	d->len += (size_t)n;
	return 0;
}

static void
dump(struct fixture *f, char *buf, size_t cap)
{
	struct store_reader r;
	struct dump d = { &r, buf, 0, cap };

	buf[0] = '\0';
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_foreach(&r, f->zone, dump_cb, &d), 0);
	store_reader_fini(&r);
}

/* The id of the latest commit in the log. */
static int
last_cb(void *arg, const struct store_commit *c)
{
	*(uint64_t *)arg = c->id;
	return 0;
}

static uint64_t
last_commit(struct fixture *f)
{
	struct store_reader r;
	uint64_t id = 0;

	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_commits(&r, 0, last_cb, &id), 0);
	store_reader_fini(&r);
	return id;
}

static int
revert(struct fixture *f, uint64_t commit, unsigned flags, struct store_revert_counts *c)
{
	struct store_wr *w;
	int rc;

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	if ((rc = store_revert(w, commit, flags, NULL, NULL, c)) != 0) {
		store_wr_abort(w);
		return rc;
	}
	return store_wr_commit(w);
}

static void
test_revert_restores_nested_ranges_and_redo_undoes_it(void **state)
{
	struct fixture *f = *state;
	struct store_revert_counts c;
	char before[8192], wiped[8192], after[8192];
	uint64_t wipe;

	report(f, "10.0.0.0/8", "outer", "a", NOW - 500, STORE_NEW);
	report(f, "10.1.0.0/16", "middle", "b", NOW - 400, STORE_NEW);
	report(f, "10.1.2.0/24", NULL, "a", NOW - 300, STORE_NEW);
	delist(f, "10.1.2.3", NOW - 200, STORE_EXCEPTED);
	delist(f, "10.1.9.9", NOW - 200, STORE_EXCEPTED);
	report(f, "10.1.2.4", "host", "c", NOW - 100, STORE_NEW);
	report(f, "10.1.2.4", NULL, "d", NOW - 50, STORE_REFRESHED);
	report(f, "192.0.2.1", "other", "a", NOW - 100, STORE_NEW);
	dump(f, before, sizeof(before));

	delist(f, "10.0.0.0/8", NOW - 10, STORE_DELISTED);
	wipe = last_commit(f);
	dump(f, wiped, sizeof(wiped));
	assert_string_not_equal(before, wiped);

	assert_int_equal(revert(f, wipe, 0, &c), 0);
	assert_int_equal(c.conflicts, 0);
	assert_int_equal(c.done, 6);	/* 3 ranges, 2 exceptions, 1 address */
	dump(f, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(lookup(f, "10.1.2.3", NULL), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(f, "10.1.2.5", NULL), STORE_MATCH_LISTED);

	/* The revert is a commit like another: reverting it redoes the wipe. */
	assert_int_equal(revert(f, last_commit(f), 0, &c), 0);
	dump(f, after, sizeof(after));
	assert_string_equal(wiped, after);
	/* And the wipe again (its entries are as it left them): back to before. */
	assert_int_equal(revert(f, wipe, 0, &c), 0);
	dump(f, after, sizeof(after));
	assert_string_equal(before, after);
}

static void
test_revert_refuses_entries_changed_since_unless_forced(void **state)
{
	struct fixture *f = *state;
	struct store_revert_counts c;
	struct store_wr *w;
	struct report r1 = { .net = testdir_net("192.0.2.1"), .at = NOW - 100, .lifetime = 86400,
	    .source = "a" };
	struct report r2 = { .net = testdir_net("192.0.2.2"), .at = NOW - 100, .lifetime = 86400,
	    .source = "a" };
	enum store_outcome out;
	uint64_t both;
	char now[4096], after[4096];

	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	assert_int_equal(store_report(w, f->zone, &r1, &out), 0);
	assert_int_equal(store_report(w, f->zone, &r2, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
	both = last_commit(f);
	report(f, "192.0.2.2", "again", "b", NOW - 50, STORE_REFRESHED);
	dump(f, now, sizeof(now));

	assert_int_equal(revert(f, both, 0, &c), RB_ECONFLICT);
	assert_int_equal(c.conflicts, 1);
	assert_int_equal(c.done, 1);
	dump(f, after, sizeof(after));
	assert_string_equal(now, after);	/* refused: nothing written */

	assert_int_equal(revert(f, both, STORE_REVERT_FORCE, &c), 0);
	assert_int_equal(lookup(f, "192.0.2.1", NULL), STORE_MATCH_NONE);
	assert_int_equal(lookup(f, "192.0.2.2", NULL), STORE_MATCH_LISTED);	/* left */
}

static void
test_undo_records_go_after_30_days(void **state)
{
	struct fixture *f = *state;
	struct store_revert_counts c;
	struct store_wr *w;
	uint64_t old;

	report(f, "192.0.2.1", NULL, "a", NOW - 100, STORE_NEW);
	old = last_commit(f);
	/* A commit 31 days later trims the first one's undo record. */
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW + 31 * 86400);
	{
		struct report r = { .net = testdir_net("192.0.2.2"), .at = NOW + 31 * 86400,
		    .lifetime = 86400, .source = "a" };
		enum store_outcome out;

		assert_int_equal(store_report(w, f->zone, &r, &out), 0);
	}
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(revert(f, old, 0, &c), RB_ENOUNDO);
	assert_false(c.too_large);
	assert_int_equal(revert(f, old + 1, 0, &c), 0);
	assert_int_equal(revert(f, 999, 0, &c), RB_ENOTFOUND);
}

static void
test_max_change_refuses_a_commit_over_the_limit(void **state)
{
	struct fixture *f = *state;
	struct store_change_over o;
	struct store_wr *w;
	enum store_outcome out;
	char net[32];
	int i;

	assert_int_equal(store_set_max_change(f->s, f->zone, 3, 0), 0);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, NOW);
	for (i = 1; i <= 4; i++) {
		struct report r = { .at = NOW - 10, .lifetime = 86400, .source = "a" };

		snprintf(net, sizeof(net), "192.0.2.%d", i);
		r.net = testdir_net(net);
		assert_int_equal(store_report(w, f->zone, &r, &out), 0);
	}
	assert_int_equal(store_wr_check_max_change(w), RB_EMAXCHANGE);
	assert_int_equal(store_wr_commit(w), RB_EMAXCHANGE);
	assert_true(store_max_change_over(f->s, &o));
	assert_int_equal(o.zone, f->zone);
	assert_int_equal(o.count, 4);
	assert_int_equal(o.limit, 3);
	assert_false(o.removed);
	assert_int_equal(lookup(f, "192.0.2.1", NULL), STORE_MATCH_NONE);

	/* Exceptions are no listings: a delisting inside a range adds none. */
	report(f, "198.51.100.0/24", NULL, "a", NOW - 10, STORE_NEW);
	delist(f, "198.51.100.7", NOW - 5, STORE_EXCEPTED);
	assert_false(store_max_change_over(f->s, NULL));

	store_set_force(f->s, true);
	report(f, "192.0.2.0/29", NULL, "a", NOW - 10, STORE_NEW);
	assert_false(store_max_change_over(f->s, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_single_address_listed_and_neighbour_not),
		T(test_most_specific_of_nested_ranges_wins),
		T(test_removing_a_middle_range_keeps_the_chain),
		T(test_delist_inside_range_becomes_exception),
		T(test_delisting_outranks_older_reports),
		T(test_duplicate_report_changes_nothing),
		T(test_equal_times_the_command_applied_last_wins),
		T(test_delisting_a_range_outranks_older_reports_inside_it),
		T(test_exception_makes_no_empty_non_terminal),
		T(test_listing_expires_at_its_exact_second),
		T(test_expired_listing_makes_no_empty_non_terminal),
		T(test_serial_and_journal_grow_per_changing_commit),
		T(test_journal_trim_drops_the_oldest_commits),
		T(test_expired_entries_are_not_served_and_expire_removes_them),
		T(test_ipv6_prefixes_and_hosts),
		T(test_prefix_used_finds_entries_below_and_above),
		T(test_prefix_used_costs_the_same_with_expired_entries_below),
		T(test_prefix_used_matches_its_definition_through_changes),
		T(test_a_version_1_store_gets_its_partial_names),
		T(test_history_records_reports_and_delistings),
		T(test_reasons_are_stored_once),
		T(test_reader_sees_commits_after_refresh),
		T(test_two_processes_write_and_read_at_once),
		T(test_same_delisting_twice_changes_nothing),
		T(test_purge_removes_what_rests_only_on_the_source),
		T(test_purge_recomputes_the_expiry),
		T(test_purge_since_keeps_older_reports),
		T(test_purge_counts_only_the_current_listing),
		T(test_purge_keeps_a_never_expiring_listing),
		T(test_exceptions_go_with_their_range),
		T(test_bulk_load_in_key_order_reads_back),
		T(test_bulk_load_scattered_then_ranges_and_delistings),
		T(test_keys_keep_octet_order),
		T(test_revert_restores_nested_ranges_and_redo_undoes_it),
		T(test_revert_refuses_entries_changed_since_unless_forced),
		T(test_undo_records_go_after_30_days),
		T(test_max_change_refuses_a_commit_over_the_limit),
		cmocka_unit_test(test_open_without_create_refuses_a_missing_store),
		cmocka_unit_test(test_foreign_environment_is_refused),
		cmocka_unit_test(test_read_only_store_refuses_writes),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
