/* Unit tests of the listing policy: each refusal with its reason, and accepted reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "rb.h"

#define NOW 1795860000		/* 2026-11-28T10:00:00Z */

static struct addr never[2];

/* A zone as the example configuration defines it, built without a file. */
static struct conf_zone
zone(int family)
{
	struct conf_zone z;

	memset(&z, 0, sizeof(z));
	z.name = "relays.example.org";
	z.family = family;
	z.code = 0x7f000002;
	z.lifetime = 30 * 86400;
	z.max_range4 = 16;
	z.max_range6 = 48;
	assert_int_equal(addr_parse_cidr("10.0.0.0/8", &never[0], NULL), 0);
	assert_int_equal(addr_parse_cidr("192.168.0.0/16", &never[1], NULL), 0);
	z.never = never;
	z.nnever = 2;
	return z;
}

static struct report
report(const char *net)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(addr_parse_cidr(net, &r.net, NULL), 0);
	r.at = NOW;
	r.lifetime = 30 * 86400;
	r.reason = "accepted relay to an external domain";
	r.source = "trap-7";
	return r;
}

/* Check R for family FAMILY and expect refusal with exactly WANT. */
static void
expect_refused(int family, const struct report *r, bool force, const char *want)
{
	struct conf_zone z = zone(family);
	char why[256] = "";

	assert_int_equal(policy_check_report(&z, r, force, NOW, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, want);
}

static void
expect_accepted(int family, const struct report *r, bool force)
{
	struct conf_zone z = zone(family);
	char why[256] = "";

	if (policy_check_report(&z, r, force, NOW, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
}

static void
test_report_accepted(void **state)
{
	struct report r = report("192.0.2.5");

	(void)state;
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
	r = report("2001:db8::5");
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
	/* Exactly max-range is fine; code 0 means the zone's own. */
	r = report("198.51.0.0/16");
	r.code = 0;
	expect_accepted(ZONE_FAMILY_V4, &r, false);
	r = report("2001:db8:1::/48");
	r.code = 0x7f00000a;
	expect_accepted(ZONE_FAMILY_V6, &r, false);
}

static void
test_report_refuses_other_family(void **state)
{
	struct report r = report("2001:db8::5");

	(void)state;
	expect_refused(ZONE_FAMILY_V4, &r, false, "2001:db8::5 is IPv6 but zone "
	    "relays.example.org lists only IPv4 addresses (family = ipv4)");
	r = report("192.0.2.5");
	expect_refused(ZONE_FAMILY_V6, &r, false, "192.0.2.5 is IPv4 but zone "
	    "relays.example.org lists only IPv6 addresses (family = ipv6)");
}

static void
test_report_refuses_loopback(void **state)
{
	struct report r = report("127.0.0.1");

	(void)state;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "127.0.0.1 is in 127.0.0.0/8, the RFC "
	    "5782 test range every zone serves built in");
	r = report("127.0.0.2");
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "127.0.0.2 is in 127.0.0.0/8, the RFC "
	    "5782 test range every zone serves built in");
	r = report("127.5.0.0/16");
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "127.5.0.0/16 is in 127.0.0.0/8, the RFC "
	    "5782 test range every zone serves built in");
	/* Even forced, a range covering loopback is refused. */
	r = report("96.0.0.0/3");
	expect_refused(ZONE_FAMILY_BOTH, &r, true, "96.0.0.0/3 covers 127.0.0.0/8, the RFC "
	    "5782 test range every zone serves built in");
}

static void
test_report_refuses_mapped_loopback(void **state)
{
	struct report r = report("::ffff:127.0.0.2");
	struct conf_zone z = zone(ZONE_FAMILY_BOTH);
	char why[256];

	(void)state;
	/* Callers unmap; an address left mapped is still refused. */
	assert_int_equal(r.net.fam, ADDR_V6);
	assert_int_equal(policy_check_report(&z, &r, false, NOW, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "::ffff:127.0.0.2 is in ::ffff:127.0.0.0/104, the IPv4-mapped "
	    "form of 127.0.0.0/8, the RFC 5782 test range every zone serves built in");
}

/* An IPv6 range over the mapped test range is named as such, never as 127.0.0.0/8. */
static void
test_report_refuses_v6_range_over_mapped_loopback(void **state)
{
	struct report r = report("::/0");

	(void)state;
	expect_refused(ZONE_FAMILY_BOTH, &r, true, "::/0 covers ::ffff:127.0.0.0/104, the "
	    "IPv4-mapped form of 127.0.0.0/8, the RFC 5782 test range every zone serves "
	    "built in");
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "::/0 covers ::ffff:127.0.0.0/104, the "
	    "IPv4-mapped form of 127.0.0.0/8, the RFC 5782 test range every zone serves "
	    "built in");
}

/* Addresses no MTA can connect from, and ranges over them, even forced. */
static void
test_report_refuses_bogons(void **state)
{
	static const struct {
		const char *net, *why;
	} cases[] = {
		{ "0.0.0.0", "0.0.0.0 is in 0.0.0.0/8 (\"this network\", RFC 1122): no MTA "
		    "connects from there" },
		{ "0.1.2.3", "0.1.2.3 is in 0.0.0.0/8 (\"this network\", RFC 1122): no MTA "
		    "connects from there" },
		{ "224.0.0.1", "224.0.0.1 is in 224.0.0.0/3 (multicast, reserved and "
		    "broadcast): no MTA connects from there" },
		{ "255.255.255.255", "255.255.255.255 is in 224.0.0.0/3 (multicast, reserved "
		    "and broadcast): no MTA connects from there" },
		{ "240.0.0.0/4", "240.0.0.0/4 is in 224.0.0.0/3 (multicast, reserved and "
		    "broadcast): no MTA connects from there" },
		{ "192.0.0.0/2", "192.0.0.0/2 covers 224.0.0.0/3 (multicast, reserved and "
		    "broadcast): no MTA connects from there" },
		{ "::", ":: is the unspecified address: no MTA connects from there" },
		{ "::1", "::1 is the loopback address: no MTA connects from there" },
		{ "ff02::1", "ff02::1 is in ff00::/8 (multicast): no MTA connects from there" },
		{ "::/96", "::/96 covers ::/128 (the unspecified address): no MTA connects "
		    "from there" },
		{ "::ffff:224.0.0.1", "::ffff:224.0.0.1 is in ::ffff:224.0.0.0/99 (IPv4-mapped "
		    "224.0.0.0/3, multicast, reserved and broadcast): no MTA connects from "
		    "there" },
	};
	struct report r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = report(cases[i].net);
		expect_refused(ZONE_FAMILY_BOTH, &r, true, cases[i].why);
	}
	/* Next to them, what an MTA can connect from is listed. */
	r = report("1.0.0.0/8");
	expect_accepted(ZONE_FAMILY_BOTH, &r, true);
	r = report("223.255.255.255");
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
	r = report("::2");
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
	r = report("fe80::1");
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
}

static void
test_report_refuses_inside_never_list(void **state)
{
	struct report r = report("192.168.1.1");

	(void)state;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "192.168.1.1 is inside never-list "
	    "192.168.0.0/16 of zone relays.example.org");
	r = report("10.1.0.0/16");
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "10.1.0.0/16 is inside never-list "
	    "10.0.0.0/8 of zone relays.example.org");
}

static void
test_report_refuses_covering_never_list(void **state)
{
	struct report r = report("192.0.0.0/8");

	(void)state;
	expect_refused(ZONE_FAMILY_BOTH, &r, true, "192.0.0.0/8 covers never-list "
	    "192.168.0.0/16 of zone relays.example.org");
}

static void
test_report_refuses_code_outside_loopback(void **state)
{
	struct report r = report("192.0.2.5");

	(void)state;
	r.code = 0x0a000002;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "code 10.0.0.2 is outside 127.0.0.0/8 "
	    "(use 127.0.0.N)");
}

static void
test_report_refuses_wide_range_without_force(void **state)
{
	struct report r = report("198.0.0.0/15");

	(void)state;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "198.0.0.0/15 is wider than max-range "
	    "/16 of zone relays.example.org (use --force to list it anyway)");
	expect_accepted(ZONE_FAMILY_BOTH, &r, true);
	r = report("2001:db8::/32");
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "2001:db8::/32 is wider than max-range6 "
	    "/48 of zone relays.example.org (use --force to list it anyway)");
	expect_accepted(ZONE_FAMILY_BOTH, &r, true);
}

static void
test_report_refuses_future_time(void **state)
{
	struct report r = report("192.0.2.5");

	(void)state;
	r.at = NOW + POLICY_MAX_FUTURE;
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
	r.at = NOW + POLICY_MAX_FUTURE + 1;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "at 2026-11-28T10:05:01Z is more than "
	    "300 seconds in the future (now 2026-11-28T10:00:00Z; check the sender's clock)");
	/* The past is fine: feeds send late. */
	r.at = NOW - 86400 * 365;
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
}

static void
test_report_refuses_zero_lifetime(void **state)
{
	struct report r = report("192.0.2.5");

	(void)state;
	r.lifetime = 0;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "lifetime of 192.0.2.5 is 0 (give a "
	    "positive duration such as 30d)");
}

static void
test_report_refuses_long_reason(void **state)
{
	static char big[STORE_MAX_TEXT + 2];
	struct report r = report("192.0.2.5");

	(void)state;
	memset(big, 'x', STORE_MAX_TEXT + 1);
	r.evidence = big;
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "evidence is 4001 octets long (at most 4000)");
	big[STORE_MAX_TEXT] = '\0';
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
}

/* One rule for every text: UTF-8, no control characters, '$' and "$$". */
static void
test_text_rule(void **state)
{
	char why[256] = "";
	static char big[STORE_MAX_TEXT + 2];

	(void)state;
	assert_int_equal(policy_check_text("reason", "open relay, caf\xc3\xa9 \xe2\x9c\x93 "
	    "\xf0\x9f\x93\xa7", POLICY_TEXT_TEMPLATE, why, sizeof(why)), 0);
	assert_int_equal(policy_check_text("reason", NULL, POLICY_TEXT_TEMPLATE, why,
	    sizeof(why)), 0);
	assert_int_equal(policy_check_text("reason", "only $$5 deals at $, $$$ and $$$$",
	    POLICY_TEXT_TEMPLATE, why, sizeof(why)), 0);
	assert_int_equal(policy_check_text("reason", "caf\xe9", POLICY_TEXT_TEMPLATE, why,
	    sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "reason is not UTF-8: octet 4 is 0xe9 (texts are UTF-8; "
	    "convert it, e.g. with iconv -t UTF-8)");
	/* Overlong forms, surrogates, past U+10FFFF, a cut sequence. */
	assert_int_equal(policy_check_text("reason", "\xc0\xaf", 0, why, sizeof(why)),
	    RB_EPOLICY);
	assert_int_equal(policy_check_text("reason", "\xe0\x80\xaf", 0, why, sizeof(why)),
	    RB_EPOLICY);
	assert_int_equal(policy_check_text("reason", "\xed\xa0\x80", 0, why, sizeof(why)),
	    RB_EPOLICY);
	assert_int_equal(policy_check_text("reason", "\xf4\x90\x80\x80", 0, why,
	    sizeof(why)), RB_EPOLICY);
	assert_int_equal(policy_check_text("reason", "ab\xe2\x9c", 0, why, sizeof(why)),
	    RB_EPOLICY);
	assert_string_equal(why, "reason is not UTF-8: octet 3 is 0xe2 (texts are UTF-8; "
	    "convert it, e.g. with iconv -t UTF-8)");
	/* C0, DEL and C1 controls; evidence alone may have lines and tabs. */
	assert_int_equal(policy_check_text("reason", "a\tb", 0, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "reason has a control character, U+0009 at octet 2 (texts "
	    "are printable characters on one line)");
	assert_int_equal(policy_check_text("by", "x\x7f", 0, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "by has a control character, U+007F at octet 2 (texts are "
	    "printable characters on one line)");
	assert_int_equal(policy_check_text("text", "\xc2\x85", POLICY_TEXT_TEMPLATE, why,
	    sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "text has a control character, U+0085 at octet 1 (texts are "
	    "printable characters on one line)");
	assert_int_equal(policy_check_text("evidence", "220 mx\r\n250 ok\tthere", POLICY_TEXT_LINES,
	    why, sizeof(why)), 0);
	assert_int_equal(policy_check_text("evidence", "\x1b[2J", POLICY_TEXT_LINES, why,
	    sizeof(why)), RB_EPOLICY);
	/* '$' before a digit or '=' is rbldnsd's own substitution, not the address. */
	assert_int_equal(policy_check_text("reason", "$5 deals", POLICY_TEXT_TEMPLATE, why,
	    sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "reason has \"$5\" at octet 1, which rbldnsd reads as its own "
	    "substitution: write \"$$5\" for a literal \"$5\" (a '$' alone is the queried "
	    "address)");
	assert_int_equal(policy_check_text("reason", "see $=", POLICY_TEXT_TEMPLATE, why,
	    sizeof(why)), RB_EPOLICY);
	assert_int_equal(policy_check_text("reason", "$$$5", POLICY_TEXT_TEMPLATE, why,
	    sizeof(why)), RB_EPOLICY);
	/* Private texts are no templates: their '$' is a '$'. */
	assert_int_equal(policy_check_text("source", "feed$5", 0, why, sizeof(why)), 0);
	memset(big, 'x', STORE_MAX_TEXT + 1);
	assert_int_equal(policy_check_text("reason", big, 0, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "reason is 4001 octets long (at most 4000)");
}

/* A report's texts go through the rule; its public reason as a template. */
static void
test_report_refuses_bad_texts(void **state)
{
	struct report r = report("192.0.2.5");

	(void)state;
	r.reason = "caf\xe9";
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "reason is not UTF-8: octet 4 is 0xe9 "
	    "(texts are UTF-8; convert it, e.g. with iconv -t UTF-8)");
	r.reason = "only $5 deals";
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "reason has \"$5\" at octet 6, which "
	    "rbldnsd reads as its own substitution: write \"$$5\" for a literal \"$5\" (a "
	    "'$' alone is the queried address)");
	r.reason = "only $$5 deals";
	r.source = "trap\n7";
	expect_refused(ZONE_FAMILY_BOTH, &r, false, "source has a control character, U+000A at "
	    "octet 5 (texts are printable characters on one line)");
	r.source = "trap-7";
	r.evidence = "220 mx ESMTP\r\n250 relayed";
	expect_accepted(ZONE_FAMILY_BOTH, &r, false);
}

static void
test_delist_checks(void **state)
{
	struct conf_zone z = zone(ZONE_FAMILY_V4);
	struct delisting d;
	char why[256] = "";

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(addr_parse_cidr("192.0.2.5", &d.net, NULL), 0);
	d.at = NOW;
	d.reason = "relay closed";
	d.by = "postmaster@example.net";
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), 0);
	/* Delisting inside never-list or loopback is harmless and allowed. */
	assert_int_equal(addr_parse_cidr("10.0.0.1", &d.net, NULL), 0);
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), 0);

	d.at = NOW + 3600;
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "at 2026-11-28T11:00:00Z is more than 300 seconds in the "
	    "future (now 2026-11-28T10:00:00Z; check the sender's clock)");

	d.at = NOW;
	assert_int_equal(addr_parse_cidr("2001:db8::5", &d.net, NULL), 0);
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "2001:db8::5 is IPv6 but zone relays.example.org lists only "
	    "IPv4 addresses (family = ipv4)");
}

/* A delisting wider than max-range (max-range6) would empty the list: --force only. */
static void
test_delist_refuses_wide_range_without_force(void **state)
{
	struct conf_zone z = zone(ZONE_FAMILY_BOTH);
	struct delisting d;
	char why[256] = "";

	(void)state;
	memset(&d, 0, sizeof(d));
	d.at = NOW;
	d.reason = "oops";
	assert_int_equal(addr_parse_cidr("0.0.0.0/0", &d.net, NULL), 0);
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "0.0.0.0/0 is wider than max-range /16 of zone "
	    "relays.example.org: delisting it would remove every listing inside it (use "
	    "--force to delist it anyway)");
	assert_int_equal(policy_check_delist(&z, &d, true, NOW, why, sizeof(why)), 0);
	assert_int_equal(addr_parse_cidr("198.51.0.0/16", &d.net, NULL), 0);
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), 0);
	assert_int_equal(addr_parse_cidr("::/0", &d.net, NULL), 0);
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), RB_EPOLICY);
	assert_string_equal(why, "::/0 is wider than max-range6 /48 of zone "
	    "relays.example.org: delisting it would remove every listing inside it (use "
	    "--force to delist it anyway)");
	assert_int_equal(addr_parse_cidr("2001:db8:1::/48", &d.net, NULL), 0);
	assert_int_equal(policy_check_delist(&z, &d, false, NOW, why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_accepted),
		cmocka_unit_test(test_report_refuses_other_family),
		cmocka_unit_test(test_report_refuses_loopback),
		cmocka_unit_test(test_report_refuses_mapped_loopback),
		cmocka_unit_test(test_report_refuses_v6_range_over_mapped_loopback),
		cmocka_unit_test(test_report_refuses_bogons),
		cmocka_unit_test(test_report_refuses_inside_never_list),
		cmocka_unit_test(test_report_refuses_covering_never_list),
		cmocka_unit_test(test_report_refuses_code_outside_loopback),
		cmocka_unit_test(test_report_refuses_wide_range_without_force),
		cmocka_unit_test(test_report_refuses_future_time),
		cmocka_unit_test(test_report_refuses_zero_lifetime),
		cmocka_unit_test(test_report_refuses_long_reason),
		cmocka_unit_test(test_text_rule),
		cmocka_unit_test(test_report_refuses_bad_texts),
		cmocka_unit_test(test_delist_checks),
		cmocka_unit_test(test_delist_refuses_wide_range_without_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
