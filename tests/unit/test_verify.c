/* Unit tests of relay verification's decisions: cookies, forms, targets, the relapse rule, transcripts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "forms.h"
#include "rb.h"
#include "transcript.h"
#include "verify_apply.h"
#include "verify_cookie.h"

#define SECRET "0123456789abcdef0123456789"

static struct addr
ip(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse_cidr(s, &a, NULL), 0);
	return a;
}

/* The MAC is HMAC-SHA256 (RFC 2104): the value Python's hmac module gives. */
static void
test_cookie_is_rfc2104_hmac(void **state)
{
	struct addr a = ip("192.0.2.7");
	char buf[VERIFY_COOKIE_LEN];

	(void)state;
	assert_non_null(verify_cookie_make(SECRET, &a, 8, 1, 1796651673, buf, sizeof(buf)));
	assert_string_equal(buf, "rbldb1-1-8-1796651673-"
	    "300780a2f29678b1c86d99687949f716d160499cd0aeb120127601901e4e9289");
}

static void
test_cookie_found_and_checked(void **state)
{
	struct addr a = ip("192.0.2.7"), b = ip("192.0.2.8");
	struct verify_cookie c;
	char buf[VERIFY_COOKIE_LEN], msg[512];

	(void)state;
	verify_cookie_make(SECRET, &a, 3, 42, 1796651673, buf, sizeof(buf));
	snprintf(msg, sizeof(msg), "Subject: x\r\nX: rbldb1-9-\r\n\r\nCookie: %s\r\n", buf);
	assert_true(verify_cookie_find(msg, strlen(msg), &c));
	assert_int_equal(c.job, 42);
	assert_int_equal(c.form, 3);
	assert_int_equal(c.time, 1796651673);
	assert_true(verify_cookie_check(SECRET, &a, &c));
	/* Another address, another key, another form: no. */
	assert_false(verify_cookie_check(SECRET, &b, &c));
	assert_false(verify_cookie_check(SECRET "x", &a, &c));
	c.form = 4;
	assert_false(verify_cookie_check(SECRET, &a, &c));
}

static void
test_cookie_tampered_mac_refused(void **state)
{
	struct addr a = ip("2001:db8::25");
	struct verify_cookie c;
	char buf[VERIFY_COOKIE_LEN];

	(void)state;
	verify_cookie_make(SECRET, &a, 1, 7, 100, buf, sizeof(buf));
	buf[strlen(buf) - 1] = buf[strlen(buf) - 1] == '0' ? '1' : '0';
	assert_true(verify_cookie_find(buf, strlen(buf), &c));
	assert_false(verify_cookie_check(SECRET, &a, &c));
	assert_false(verify_cookie_find("rbldb1-1-2-3-abc", 16, &c));
}

static void
test_forms_build_the_catalogue(void **state)
{
	struct form_parts p = { "verify", "dropbox.test", "relaytest", "[192.0.2.7]",
		"mx.example.net", "r0123abcd" };
	char mail[256], rcpt[256];

	(void)state;
	assert_int_equal(form_build(1, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(mail, "<>");
	assert_string_equal(rcpt, "<verify@dropbox.test>");
	assert_int_equal(form_build(8, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(rcpt, "<verify%dropbox.test@[192.0.2.7]>");
	assert_int_equal(form_build(10, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(rcpt, "<\"verify@dropbox.test\">");
	assert_int_equal(form_build(16, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(rcpt, "<@mx.example.net:verify@dropbox.test>");
	assert_int_equal(form_build(17, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(rcpt, "<dropbox.test!verify>");
	assert_int_equal(form_build(19, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(rcpt, "<dropbox.test!verify@mx.example.net>");
	assert_int_equal(form_build(FORM_COUNT, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), 0);
	assert_string_equal(mail, "<relaytest@r0123abcd.dropbox.test>");
	assert_string_equal(rcpt, "<verify@dropbox.test>");
	assert_int_equal(form_build(0, &p, mail, sizeof(mail), rcpt, sizeof(rcpt)), -1);
	assert_int_equal(form_build(FORM_COUNT + 1, &p, mail, sizeof(mail), rcpt,
	    sizeof(rcpt)), -1);
	assert_int_equal(form_build(2, &p, mail, 4, rcpt, sizeof(rcpt)), -1);
}

static void
test_targets_refused(void **state)
{
	struct conf_verify v;
	struct addr never = ip("198.51.100.0/24"), a;
	char why[256];

	(void)state;
	memset(&v, 0, sizeof(v));
	v.never = &never;
	v.nnever = 1;
	a = ip("192.0.2.1");
	assert_int_equal(verify_check_target(&v, NULL, &a, false, why, sizeof(why)),
	    RB_EPOLICY);
	assert_non_null(strstr(why, "documentation"));
	assert_int_equal(verify_check_target(&v, NULL, &a, true, why, sizeof(why)), 0);
	a = ip("198.51.100.9");
	assert_int_equal(verify_check_target(&v, NULL, &a, true, why, sizeof(why)),
	    RB_EPOLICY);
	assert_non_null(strstr(why, "never-test"));
	a = ip("10.1.2.3");
	assert_int_equal(verify_check_target(&v, NULL, &a, false, why, sizeof(why)),
	    RB_EPOLICY);
	a = ip("fe80::1");
	assert_int_equal(verify_check_target(&v, NULL, &a, false, why, sizeof(why)),
	    RB_EPOLICY);
	a = ip("192.0.2.0/28");
	assert_int_equal(verify_check_target(&v, NULL, &a, true, why, sizeof(why)),
	    RB_EPOLICY);
	a = ip("8.8.4.4");
	assert_int_equal(verify_check_target(&v, NULL, &a, false, why, sizeof(why)), 0);
	a = ip("2a00:1450::1");
	assert_int_equal(verify_check_target(&v, NULL, &a, false, why, sizeof(why)), 0);
}

static void
test_relapse_doubles_lifetime(void **state)
{
	(void)state;
	assert_int_equal(verify_lifetime(30 * 86400, 0), 30 * 86400);
	assert_int_equal(verify_lifetime(30 * 86400, 1), 60 * 86400);
	assert_int_equal(verify_lifetime(30 * 86400, 2), 120 * 86400);
	assert_int_equal(verify_lifetime(30 * 86400, 40), VERIFY_MAX_LIFETIME);
}

static void
test_transcript_escapes(void **state)
{
	struct transcript t = { 0 };

	(void)state;
	transcript_add(&t, "<<<", "250 ok\r\n", 8);
	transcript_add(&t, ">>>", "a\\b\t\x01\xff", 6);
	assert_string_equal(t.buf, "<<< 250 ok\\r\\n\n>>> a\\\\b\\t\\x01\\xff\n");
	transcript_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_is_rfc2104_hmac),
		cmocka_unit_test(test_cookie_found_and_checked),
		cmocka_unit_test(test_cookie_tampered_mac_refused),
		cmocka_unit_test(test_forms_build_the_catalogue),
		cmocka_unit_test(test_targets_refused),
		cmocka_unit_test(test_relapse_doubles_lifetime),
		cmocka_unit_test(test_transcript_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
