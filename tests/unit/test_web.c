/* Unit tests for rbldb-web: escaping, the removal policies, CSRF tokens, rate limits, proxies, the request queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "rb.h"
#include "testdir.h"
#include "web.h"

static char *
esc(const char *s)
{
	struct buf b = { 0 };

	buf_escs(&b, s);
	return b.p != NULL ? b.p : strdup("");
}

static void
test_escape_markup(void **state)
{
	char *s = esc("<script>alert(\"x\")</script>&'");

	(void)state;
	assert_string_equal(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
	free(s);
}

static void
test_escape_plain_text_unchanged(void **state)
{
	char *s = esc("open relay, see https://example.org/lookup?ip=192.0.2.5");

	(void)state;
	assert_string_equal(s, "open relay, see https://example.org/lookup?ip=192.0.2.5");
	free(s);
}

static void
test_escape_attribute_breakout(void **state)
{
	char *s = esc("x\" onmouseover=\"alert(1)");

	(void)state;
	assert_null(strchr(s, '"'));
	free(s);
}

static void
test_urlq_encodes_range(void **state)
{
	struct buf b = { 0 };

	(void)state;
	buf_urlq(&b, "192.0.2.0/24\"<");
	assert_string_equal(b.p, "192.0.2.0%2F24%22%3C");
	buf_free(&b);
}

/* ---- the policies ---- */

#define NOW 1800000000

static void
test_policy_queue_waits(void **state)
{
	(void)state;
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_QUEUE, true, false, 0, 0, NOW),
	    REMOVAL_QUEUE);
}

static void
test_policy_self_at_once(void **state)
{
	(void)state;
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_SELF, true, false, 0, 86400, NOW),
	    REMOVAL_SELF_NOW);
}

static void
test_policy_self_once_per_interval(void **state)
{
	(void)state;
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_SELF, true, false, NOW - 3600,
	    86400, NOW), REMOVAL_SELF_TOO_SOON);
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_SELF, true, false, NOW - 86400,
	    86400, NOW), REMOVAL_SELF_NOW);
}

static void
test_policy_retest_waits_for_test(void **state)
{
	(void)state;
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_RETEST, true, false, 0, 0, NOW),
	    REMOVAL_RETEST);
}

static void
test_policy_not_listed_nothing_to_do(void **state)
{
	(void)state;
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_SELF, false, false, 0, 0, NOW),
	    REMOVAL_NOT_LISTED);
}

static void
test_policy_pending_not_twice(void **state)
{
	(void)state;
	assert_int_equal(web_removal_verdict(CONF_REMOVAL_QUEUE, true, true, 0, 0, NOW),
	    REMOVAL_PENDING);
}

/* ---- CSRF and rate limits ---- */

static void
test_csrf_token_bound_to_client_and_age(void **state)
{
	struct web w;
	struct addr a = testdir_net("192.0.2.7"), b = testdir_net("192.0.2.8");
	char tok[WEB_TOKEN_LEN];

	(void)state;
	memset(&w, 0, sizeof(w));
	memset(w.secret, 7, sizeof(w.secret));
	web_csrf_token(&w, &a, NOW, tok);
	assert_true(web_csrf_check(&w, &a, NOW + 10, tok));
	assert_false(web_csrf_check(&w, &b, NOW + 10, tok));
	assert_false(web_csrf_check(&w, &a, NOW + WEB_TOKEN_LIFE + 1, tok));
	tok[strlen(tok) - 1] ^= 1;
	assert_false(web_csrf_check(&w, &a, NOW + 10, tok));
	assert_false(web_csrf_check(&w, &a, NOW, ""));
	assert_false(web_csrf_check(&w, &a, NOW, NULL));
	memset(w.secret, 8, sizeof(w.secret));
	tok[strlen(tok) - 1] ^= 1;
	assert_false(web_csrf_check(&w, &a, NOW + 10, tok));
}

static void
test_ratelimit_per_hour(void **state)
{
	struct ratelimit *rl = ratelimit_new(64, 2);
	struct addr a = testdir_net("192.0.2.0/24"), b = testdir_net("198.51.100.0/24");

	(void)state;
	assert_non_null(rl);
	assert_true(ratelimit_take(rl, &a, NOW));
	assert_true(ratelimit_take(rl, &a, NOW + 1));
	assert_false(ratelimit_take(rl, &a, NOW + 2));
	assert_true(ratelimit_take(rl, &b, NOW + 2));
	assert_true(ratelimit_take(rl, &a, NOW + 3600));
	ratelimit_free(rl);
}

/* ---- the client's address ---- */

static void
test_xff_only_from_trusted_proxy(void **state)
{
	struct conf c;
	struct web w;
	struct addr proxy = testdir_net("127.0.0.1"), stranger = testdir_net("203.0.113.9");
	struct addr out, pnet = testdir_net("127.0.0.0/8");
	char buf[ADDR_STRLEN];

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&w, 0, sizeof(w));
	c.web.proxies = &pnet;
	c.web.nproxies = 1;
	w.conf = &c;
	assert_true(web_client_addr(&w, &stranger, "192.0.2.1", &out));
	assert_string_equal(addr_format(&out, buf, sizeof(buf)), "203.0.113.9");
	assert_true(web_client_addr(&w, &proxy, "192.0.2.1, 198.51.100.4", &out));
	assert_string_equal(addr_format(&out, buf, sizeof(buf)), "198.51.100.4");
	assert_true(web_client_addr(&w, &proxy, "198.51.100.4, 127.0.0.5", &out));
	assert_string_equal(addr_format(&out, buf, sizeof(buf)), "198.51.100.4");
	assert_false(web_client_addr(&w, &proxy, "not-an-address", &out));
}

/* ---- the request queue in the store ---- */

struct seen {
	unsigned n;
	uint8_t state;
};

static int
count_cb(void *arg, const struct store_request *rq)
{
	struct seen *s = arg;

	s->n++;
	s->state = rq->state;
	return 0;
}

static void
test_store_request_queue(void **state)
{
	char dir[TESTDIR_LEN];
	struct store *s;
	struct store_wr *w;
	struct store_reader rd;
	struct store_request rq, got;
	struct seen seen = { 0 };
	uint16_t zone;

	(void)state;
	testdir_make(dir, "web");
	s = testdir_store(dir, "relays.example.org", 1, &zone);
	memset(&rq, 0, sizeof(rq));
	rq.at = NOW;
	rq.zone = zone;
	rq.net = testdir_net("192.0.2.5");
	rq.state = STORE_REQ_PENDING;
	rq.policy = STORE_REMOVAL_QUEUE;
	rq.reason = "fixed";
	rq.contact = "pm@example.net";
	assert_int_equal(store_wr_begin(s, &w), RB_OK);
	assert_int_equal(store_request_add(w, &rq), RB_OK);
	assert_int_equal(rq.id, 1);
	assert_int_equal(store_wr_commit(w), RB_OK);
	assert_int_equal(store_wr_begin(s, &w), RB_OK);
	assert_int_equal(store_request_decide(w, 1, STORE_REQ_REJECTED, "still open", "op"),
	    RB_OK);
	assert_int_equal(store_request_decide(w, 1, STORE_REQ_ACCEPTED, NULL, "op"), RB_EPOLICY);
	assert_int_equal(store_request_decide(w, 2, STORE_REQ_ACCEPTED, NULL, "op"),
	    RB_ENOTFOUND);
	assert_int_equal(store_wr_commit(w), RB_OK);
	assert_int_equal(store_reader_init(s, &rd), RB_OK);
	assert_int_equal(store_reader_refresh(&rd), RB_OK);
	assert_int_equal(store_request_get(&rd, 1, &got), RB_OK);
	assert_int_equal(got.state, STORE_REQ_REJECTED);
	assert_string_equal(got.decision, "still open");
	assert_string_equal(got.reason, "fixed");
	assert_string_equal(got.contact, "pm@example.net");
	assert_int_equal(store_request_walk(&rd, count_cb, &seen), RB_OK);
	assert_int_equal(seen.n, 1);
	store_reader_fini(&rd);
	store_close(s);
	testdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_escape_plain_text_unchanged),
		cmocka_unit_test(test_escape_attribute_breakout),
		cmocka_unit_test(test_urlq_encodes_range),
		cmocka_unit_test(test_policy_queue_waits),
		cmocka_unit_test(test_policy_self_at_once),
		cmocka_unit_test(test_policy_self_once_per_interval),
		cmocka_unit_test(test_policy_retest_waits_for_test),
		cmocka_unit_test(test_policy_not_listed_nothing_to_do),
		cmocka_unit_test(test_policy_pending_not_twice),
		cmocka_unit_test(test_csrf_token_bound_to_client_and_age),
		cmocka_unit_test(test_ratelimit_per_hour),
		cmocka_unit_test(test_xff_only_from_trusted_proxy),
		cmocka_unit_test(test_store_request_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
