/* Unit tests of name-based zones: the name check, and the store's wildcard lookup with exceptions. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "name.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"

static void
test_normalize_folds_case_and_trailing_dot(void **state)
{
	char out[NAME_TEXTLEN];
	const char *why;

	(void)state;
	assert_int_equal(name_normalize("WWW.Example.COM.", 8, out, &why), 0);
	assert_string_equal(out, "www.example.com");
	assert_int_equal(name_normalize("*.Example.com", 8, out, &why), 0);
	assert_string_equal(out, "*.example.com");
}

static void
test_normalize_refuses_bad_names(void **state)
{
	char out[NAME_TEXTLEN], big[300];
	const char *why;

	(void)state;
	assert_int_equal(name_normalize("a..b", 8, out, &why), RB_ESYNTAX);
	assert_int_equal(name_normalize("a.*.b", 8, out, &why), RB_ESYNTAX);
	assert_int_equal(name_normalize("b\xc3\xbc" "cher.de", 8, out, &why), RB_ESYNTAX);
	assert_int_equal(name_normalize("TEST", 8, out, &why), RB_EPOLICY);
	assert_int_equal(name_normalize("invalid", 8, out, &why), RB_EPOLICY);
	memset(big, 'a', 63);
	big[63] = '\0';
	assert_int_equal(name_normalize(big, 8, out, &why), 0);
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_int_equal(name_normalize(big, 8, out, &why), RB_ESYNTAX);
}

static void
test_normalize_length_counts_the_zone(void **state)
{
	char out[NAME_TEXTLEN], n[256];
	const char *why;

	(void)state;
	/* 4 labels of 60 and 3 dots: 243 octets; with a zone of 9 the wire is 255. */
	memset(n, 'a', 243);
	n[60] = n[121] = n[182] = '.';
	n[243] = '\0';
	assert_int_equal(name_normalize(n, 9, out, &why), 0);
	assert_int_equal(name_normalize(n, 10, out, &why), RB_ESYNTAX);
}

/* The wire labels of TEXT ("a.b.c") into W; returns how many. */
static unsigned
wire(const char *text, uint8_t *w)
{
	unsigned n = 0;
	const char *dot;
	size_t len;

	for (;;) {
		dot = strchr(text, '.');
		len = dot != NULL ? (size_t)(dot - text) : strlen(text);
		*w++ = (uint8_t)len;
		memcpy(w, text, len);
		w += len;
		n++;
		if (dot == NULL)
			return n;
		text = dot + 1;
	}
}

static int
lookup(struct store *s, uint16_t zone, const char *text)
{
	struct store_reader r;
	struct listing l;
	uint8_t w[256];
	unsigned n = wire(text, w);
	int rc;

	assert_int_equal(store_reader_init(s, &r), 0);
	assert_int_equal(store_reader_refresh(&r), 0);
	rc = store_name_lookup(&r, zone, w, n, 1000, &l);
	store_reader_fini(&r);
	return rc;
}

static int
used(struct store *s, uint16_t zone, const char *text)
{
	struct store_reader r;
	uint8_t w[256];
	unsigned n = wire(text, w);
	int rc;

	assert_int_equal(store_reader_init(s, &r), 0);
	assert_int_equal(store_reader_refresh(&r), 0);
	rc = store_name_used(&r, zone, w, n);
	store_reader_fini(&r);
	return rc;
}

static void
report(struct store *s, uint16_t zone, const char *name, int64_t at)
{
	struct store_wr *w;
	struct report r = { .at = at, .lifetime = 86400, .name = name };
	enum store_outcome out;

	assert_int_equal(store_wr_begin(s, &w), 0);
	store_wr_set_now(w, 1000);
	assert_int_equal(store_name_report(w, zone, &r, &out), 0);
	assert_int_equal(out, STORE_NEW);
	assert_int_equal(store_wr_commit(w), 0);
}

static enum store_outcome
delist(struct store *s, uint16_t zone, const char *name, int64_t at)
{
	struct store_wr *w;
	struct delisting d = { .at = at, .reason = "fp", .name = name };
	enum store_outcome out;

	assert_int_equal(store_wr_begin(s, &w), 0);
	store_wr_set_now(w, 1000);
	assert_int_equal(store_name_delist(w, zone, &d, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
	return out;
}

static void
test_wildcards_and_exceptions(void **state)
{
	char dir[TESTDIR_LEN], path[TESTDIR_LEN + 8], buf[NAME_TEXTLEN];
	struct store_reader r;
	struct store *s;
	struct addr k;
	uint16_t zone;

	(void)state;
	testdir_make(dir, "names");
	snprintf(path, sizeof(path), "%s/db", dir);
	s = testdir_store(path, "dbl.test", 1, &zone);
	report(s, zone, "example.com", 900);
	report(s, zone, "*.bad.example", 900);
	assert_int_equal(lookup(s, zone, "example.com"), STORE_MATCH_LISTED);
	assert_int_equal(lookup(s, zone, "EXAMPLE.com"), STORE_MATCH_LISTED);
	assert_int_equal(lookup(s, zone, "www.example.com"), STORE_MATCH_NONE);
	assert_int_equal(lookup(s, zone, "a.b.bad.example"), STORE_MATCH_LISTED);
	assert_int_equal(lookup(s, zone, "bad.example"), STORE_MATCH_NONE);
	/* RFC 8020: the names above listed ones are empty non-terminals, the others not. */
	assert_int_equal(used(s, zone, "bad.example"), 1);
	assert_int_equal(used(s, zone, "COM"), 1);
	assert_int_equal(used(s, zone, "example.com"), 0);
	assert_int_equal(used(s, zone, "net"), 0);
	/* An older delisting under the wildcard is an exception; a name below it is still listed. */
	assert_int_equal(delist(s, zone, "ok.bad.example", 950), STORE_EXCEPTED);
	assert_int_equal(lookup(s, zone, "ok.bad.example"), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(s, zone, "x.ok.bad.example"), STORE_MATCH_LISTED);
	/* A delisting older than the wildcard's report leaves it listed. */
	assert_int_equal(delist(s, zone, "old.bad.example", 800), STORE_OUTRANKED);
	assert_int_equal(lookup(s, zone, "old.bad.example"), STORE_MATCH_LISTED);
	/* A wildcard exception stops the names under it. */
	assert_int_equal(delist(s, zone, "*.sub.bad.example", 950), STORE_EXCEPTED);
	assert_int_equal(lookup(s, zone, "x.sub.bad.example"), STORE_MATCH_EXCEPTED);
	assert_int_equal(lookup(s, zone, "sub.bad.example"), STORE_MATCH_LISTED);
	assert_int_equal(delist(s, zone, "example.com", 950), STORE_DELISTED);
	assert_int_equal(lookup(s, zone, "example.com"), STORE_MATCH_NONE);
	assert_int_equal(used(s, zone, "com"), 0);
	/* A wildcard's delisting takes the names under it, not the name itself nor newer ones. */
	report(s, zone, "wide.example", 900);
	report(s, zone, "*.wide.example", 900);
	report(s, zone, "a.wide.example", 900);
	report(s, zone, "*.b.wide.example", 900);
	report(s, zone, "new.wide.example", 990);
	assert_int_equal(delist(s, zone, "*.wide.example", 950), STORE_DELISTED);
	assert_int_equal(lookup(s, zone, "a.wide.example"), STORE_MATCH_NONE);
	assert_int_equal(lookup(s, zone, "x.b.wide.example"), STORE_MATCH_NONE);
	assert_int_equal(lookup(s, zone, "wide.example"), STORE_MATCH_LISTED);
	assert_int_equal(lookup(s, zone, "new.wide.example"), STORE_MATCH_LISTED);
	/* The text of a key comes back. */
	store_name_key(s, "*.bad.example", &k);
	assert_int_equal(store_reader_init(s, &r), 0);
	assert_int_equal(store_reader_refresh(&r), 0);
	assert_string_equal(store_net_text(&r, &k, buf, sizeof(buf)), "*.bad.example");
	store_reader_fini(&r);
	store_close(s);
	testdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_folds_case_and_trailing_dot),
		cmocka_unit_test(test_normalize_refuses_bad_names),
		cmocka_unit_test(test_normalize_length_counts_the_zone),
		cmocka_unit_test(test_wildcards_and_exceptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
