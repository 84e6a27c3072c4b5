/* Unit tests of the rbldnsd data-file parser: every syntax form and every error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "rb.h"
#include "rbldnsd.h"

static struct rbldnsd_parser *P;
static struct rbldnsd_line L;
static char err[256];

static int
setup(void **state)
{
	(void)state;
	P = rbldnsd_new();
	return P == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	rbldnsd_free(P);
	return 0;
}

static void
ok(const char *line)
{
	err[0] = '\0';
	if (rbldnsd_parse(P, line, &L, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", line, err);
}

static void
bad(const char *line, const char *why)
{
	err[0] = '\0';
	if (rbldnsd_parse(P, line, &L, err, sizeof(err)) != RB_ESYNTAX)
		fail_msg("\"%s\" is not refused", line);
	assert_int_equal(rbldnsd_parse(P, line, &L, err, sizeof(err)), RB_ESYNTAX);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", line, err, why);
	assert_int_equal(L.nnets, 0);
}

/* The entries of the last line, as "a/len a/len ...". */
static const char *
nets(void)
{
	static char buf[4096];
	char a[ADDR_STRLEN];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < L.nnets; i++) {
		addr_format(&L.nets[i], a, sizeof(a));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s%s", i ? " " : "", a,
		    addr_is_host(&L.nets[i]) ? (L.nets[i].fam == 4 ? "/32" : "/128") : "");
	}
	return buf;
}

static void
entry(const char *line, const char *want)
{
	ok(line);
	assert_int_equal(L.kind, RBLDNSD_ENTRIES);
	assert_string_equal(nets(), want);
}

static void
test_single_addresses_and_prefixes(void **state)
{
	(void)state;
	entry("192.0.2.5", "192.0.2.5/32");
	entry("  192.0.2.5  \r\n", "192.0.2.5/32");
	entry("192.0.2", "192.0.2.0/24");
	entry("10", "10.0.0.0/8");
	entry("10.20", "10.20.0.0/16");
	entry("010.1.1.1", "10.1.1.1/32");
	assert_false(L.exception);
}

static void
test_cidr_forms(void **state)
{
	(void)state;
	entry("192.0.2.0/24", "192.0.2.0/24");
	entry("127/8", "127.0.0.0/8");
	entry("127.16/12", "127.16.0.0/12");
	bad("10.0.0.0/0", "host bits set");
	bad("0.0.0.0/0x", "bad prefix length");
	entry("0.0.0.0/0", "0.0.0.0/0");
	bad("192.0.2.1/24", "host bits set");
	bad("192.0.2.0/33", "bad prefix length");
	bad("192.0.2.0/", "bad prefix length");
}

static void
test_ranges_split_into_aligned_pieces(void **state)
{
	(void)state;
	entry("127.0.0.0-127.0.0.255", "127.0.0.0/24");
	entry("127-127.0.0", "127.0.0.0/24");
	entry("127.16-127.31", "127.16.0.0/12");
	entry("127.16-31", "127.16.0.0/12");
	entry("127.16.0.0-127.31.255.255", "127.16.0.0/12");
	entry("10.31.0.1-5", "10.31.0.1/32 10.31.0.2/31 10.31.0.4/31");
	entry("192.0.2.0-192.0.2.0", "192.0.2.0/32");
	ok("0.0.0.1-255.255.255.254");
	assert_int_equal(L.kind, RBLDNSD_ENTRIES);
	assert_int_equal(L.nnets, 62);
	bad("10.0.0.5-10.0.0.4", "ends before it starts");
	bad("10.0.0.0-10.0.0.255/24", "no /length");
	bad("10.0.0.0-", "bad IPv4 range");
}

static void
test_ipv6_forms(void **state)
{
	(void)state;
	entry("2001:db8::1", "2001:db8::1/128");
	entry("2001:db8::/32", "2001:db8::/32");
	entry("2001:21ab:c000/36", "2001:21ab:c000::/36");
	entry("2001:21ab:def7:4242", "2001:21ab:def7:4242::/64");
	entry("2001:db8", "2001:db8::/32");
	entry("2001:0db8:0:0:0:0:0:1", "2001:db8::1/128");
	entry("::1", "::1/128");
	bad("2001:db8::1/64", "host bits set");
	bad("2001:db8::1-2001:db8::5", "IPv6 ranges");
	bad("2001:db8:::1", "bad IPv6 address");
	bad("2001:db8:12345", "bad IPv6 address");
	bad("2001:db8:", "bad IPv6 address");
	bad("1:2:3:4:5:6:7:8:9", "bad IPv6 address");
	bad("2001:db8::/129", "bad prefix length");
}

static void
test_exceptions(void **state)
{
	(void)state;
	entry("!192.0.2.7", "192.0.2.7/32");
	assert_true(L.exception);
	assert_null(L.text);
	entry("!192.0.2.7 :127.0.0.9:ignored", "192.0.2.7/32");
	assert_true(L.exception);
	entry("! 2001:db8::bead", "2001:db8::bead/128");
	assert_true(L.exception);
	entry("!10.0.0.0-10.0.0.1", "10.0.0.0/31");
	bad("!", "no address");
}

static void
test_defaults_and_values(void **state)
{
	(void)state;
	entry("192.0.2.1", "192.0.2.1/32");
	assert_int_equal(L.code, RBLDNSD_DEFAULT_CODE);
	assert_null(L.text);

	ok(":127.0.0.3:default text $ here");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	entry("192.0.2.4", "192.0.2.4/32");
	assert_int_equal(L.code, 0x7f000003);
	assert_string_equal(L.text, "default text $ here");
	entry("192.0.2.5 :127.0.0.4:reason four $", "192.0.2.5/32");
	assert_int_equal(L.code, 0x7f000004);
	assert_string_equal(L.text, "reason four $");
	entry("192.0.2.6 plain reason $", "192.0.2.6/32");
	assert_int_equal(L.code, 0x7f000003);
	assert_string_equal(L.text, "plain reason $");
	entry("192.0.2.7 :5", "192.0.2.7/32");
	assert_int_equal(L.code, 0x7f000005);
	assert_string_equal(L.text, "default text $ here");
	entry("192.0.2.8 :6:", "192.0.2.8/32");
	assert_int_equal(L.code, 0x7f000006);
	assert_null(L.text);
	entry("192.0.2.9 :127.0.0.9:   leading blanks go", "192.0.2.9/32");
	assert_string_equal(L.text, "leading blanks go");
	entry("192.0.2.10 # a comment", "192.0.2.10/32");
	assert_string_equal(L.text, "default text $ here");
	entry("192.0.2.11 ; a comment", "192.0.2.11/32");
	assert_int_equal(L.code, 0x7f000003);
	entry("192.0.2.12 :127.2:", "192.0.2.12/32");
	assert_int_equal(L.code, 0x7f000002);
	/* ":A" alone as a default line: that A and no TXT. */
	ok(":7");
	entry("192.0.2.13", "192.0.2.13/32");
	assert_int_equal(L.code, 0x7f000007);
	assert_null(L.text);
	bad("192.0.2.14 ::no A", "bad A value");
	bad("192.0.2.14 :0:", "bad A value");
	bad("192.0.2.14 :x:text", "bad A value");
	bad(":256:text", "bad A value");
	bad(":1.2.3.4.5:text", "bad A value");
}

static void
test_code_forms(void **state)
{
	uint32_t c;

	(void)state;
	assert_int_equal(rbldnsd_parse_code("3", 1, &c), 0);
	assert_int_equal(c, 0x7f000003);
	assert_int_equal(rbldnsd_parse_code("127.0.0.10", 10, &c), 0);
	assert_int_equal(c, 0x7f00000a);
	assert_int_equal(rbldnsd_parse_code("1.2", 3, &c), 0);
	assert_int_equal(c, 0x01000002);
	assert_int_equal(rbldnsd_parse_code("1.2.3", 5, &c), 0);
	assert_int_equal(c, 0x01020003);
	assert_int_equal(rbldnsd_parse_code("", 0, &c), -1);
	assert_int_equal(rbldnsd_parse_code("1.", 2, &c), -1);
}

static void
test_comments_and_blank_lines(void **state)
{
	(void)state;
	ok("");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("   \t\r\n");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("# 192.0.2.1");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("; 192.0.2.1");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("#$ not a special of ours");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
}

static void
test_soa_ns_ttl_are_notes(void **state)
{
	(void)state;
	ok("$SOA 3600 ns1.example.org. hostmaster.example.org. 0 3600 600 86400 300");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	assert_non_null(strstr(L.note, "$SOA is not applied"));
	ok("$NS 3600 ns1.example.org.");
	assert_non_null(strstr(L.note, "$NS is not applied"));
	ok("#$TTL 2100");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	assert_non_null(strstr(L.note, "$TTL is not applied"));
	ok(";$TIMESTAMP 2026:11:28");
	assert_non_null(strstr(L.note, "$TIMESTAMP"));
	bad("$BOGUS 1", "unknown special $BOGUS");
}

/* L.text expanded with the variables known so far, as the importer does after the file. */
static const char *
expanded(void)
{
	const char *out;
	char raw[1024];

	snprintf(raw, sizeof(raw), "%s", L.text != NULL ? L.text : "");
	assert_int_equal(rbldnsd_expand(P, L.text != NULL ? raw : NULL, &out, err, sizeof(err)), 0);
	return out != NULL ? out : "(none)";
}

static void
test_substitution_variables(void **state)
{
	(void)state;
	ok("$1 See https://example.org/bl");
	ok("$2 for details");
	entry("192.0.2.2 $1/spam/$ $2", "192.0.2.2/32");
	assert_string_equal(L.text, "$1/spam/$ $2");
	assert_string_equal(expanded(), "See https://example.org/bl/spam/$ for details");
	ok(":127.0.0.2:$1?ip=$");
	entry("192.0.2.3", "192.0.2.3/32");
	assert_string_equal(expanded(), "See https://example.org/bl?ip=$");
	/* "$$" is a literal '$' to rbldnsd and to rbldb alike: kept as written. */
	entry("192.0.2.4 costs $$5 at $", "192.0.2.4/32");
	assert_string_equal(expanded(), "costs $$5 at $");
	/* rbldnsd copies a variable's text as it is: its '$' stays a '$'. */
	ok("$4 price in $");
	entry("192.0.2.5 $4 at $", "192.0.2.5/32");
	assert_string_equal(expanded(), "price in $$ at $");
	/* The first definition wins; an undefined $n stays as written; $x is the address. */
	ok("$1 second");
	entry("192.0.2.6 $1 $3 $x", "192.0.2.6/32");
	assert_string_equal(expanded(), "See https://example.org/bl $$3 $x");
	/* Defined after its use, it still applies (rbldnsd expands when it answers). */
	entry("192.0.2.7 $5", "192.0.2.7/32");
	ok("$5 late");
	L.text = "$5";
	assert_string_equal(expanded(), "late");
	/* Without a base template "$=" is the entry's own text. */
	entry("192.0.2.8 a $= b", "192.0.2.8/32");
	assert_string_equal(expanded(), "a a $$= b b");
	bad("$6", "without a text");
}

static void
test_base_template(void **state)
{
	(void)state;
	ok("$= B $= ($) E");
	entry("192.0.2.1 r123 $1", "192.0.2.1/32");
	/* The entry's text goes in as written: its '$' and "$1" are not expanded. */
	assert_string_equal(expanded(), "B r123 $$1 ($) E");
	entry("192.0.2.2", "192.0.2.2/32");
	assert_null(L.text);
	/* No text of its own: "$=" is the address, and the entry gets a TXT. */
	assert_string_equal(expanded(), "B $ ($) E");
	entry("192.0.2.3 =own $", "192.0.2.3/32");
	assert_string_equal(expanded(), "own $");
	ok("$= a second base is ignored");
	entry("192.0.2.4 x", "192.0.2.4/32");
	assert_string_equal(expanded(), "B x ($) E");
}

static void
test_colon_forms_and_dataset_types(void **state)
{
	(void)state;
	entry("192.0.2.101:127.0.0.3:text", "192.0.2.101/32");
	assert_int_equal(L.code, 0x7f000003);
	assert_string_equal(L.text, "text");
	entry("10.0.0.0/8:4", "10.0.0.0/8");
	assert_int_equal(L.code, 0x7f000004);
	entry("2001:db8::/32 :5:v6", "2001:db8::/32");
	assert_int_equal(L.code, 0x7f000005);
	bad("192.0.2.1 :0:zero", "bad A value");
	bad("192.0.2.1 :7 trailing", "unrecognized value");
	bad("192.0.2.1 :7 ; comment", "unrecognized value");
	entry("192.0.2.1 :7  ", "192.0.2.1/32");
	assert_int_equal(L.code, 0x7f000007);

	rbldnsd_set_dataset(P, RBLDNSD_IP4TRIE);
	bad("10.0.0.1-5", "no a-b ranges");
	bad("2001:db8::1", "bad IPv4 address");
	entry("10.1:3", "10.1.0.0/16");
	rbldnsd_set_dataset(P, RBLDNSD_IP4TSET);
	ok(":3:first");
	ok(":4:second");
	entry("192.0.2.9 :5:own", "192.0.2.9/32");
	assert_int_equal(L.code, 0x7f000003);
	assert_string_equal(L.text, "first");
	bad("192.0.2", "single addresses");
	bad("!192.0.2.9", "no exclusions");
	rbldnsd_set_dataset(P, RBLDNSD_IP6TSET);
	entry("2001:db8:1:2", "2001:db8:1:2::/64");
	bad("2001:db8::/32", "four groups");
	entry("!2001:db8:1:2::5", "2001:db8:1:2::5/128");
	bad("!2001:db8:1:2", "single addresses");
	bad("192.0.2.1", "not an IPv6");
	rbldnsd_set_dataset(P, RBLDNSD_IP4SET);
	bad("192.0.2.1/24", "host bits set");
	rbldnsd_set_accept_in_cidr(P, true);
	entry("192.0.2.1/24", "192.0.2.0/24");
}

static void
test_maxrange4_skips_larger_entries(void **state)
{
	(void)state;
	ok("$MAXRANGE4 /24");
	entry("192.0.2.0/24", "192.0.2.0/24");
	ok("10.0.0.0/16");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	assert_int_equal(L.nnets, 0);
	assert_non_null(strstr(L.note, "$MAXRANGE4 256"));
	ok("$MAXRANGE4 65536");	/* cannot be raised */
	ok("10.0.0.0/16");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	ok("$MAXRANGE4 16");
	ok("10.0.0.0-10.0.0.16");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	entry("2001:db8::/32", "2001:db8::/32");	/* IPv4 only */
	bad("$MAXRANGE4 /40", "bad $MAXRANGE4");
	bad("$MAXRANGE4 many", "bad $MAXRANGE4");
}

static void
test_combined_file_sections(void **state)
{
	(void)state;
	ok("$SOA 3600 ns1.example.org. hostmaster.example.org. 0 3600 600 86400 300");
	ok(":127.0.0.5:common");
	ok("$DATASET ip4trie @");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	entry("192.0.2.1", "192.0.2.1/32");
	/* Defaults belong to their section. */
	assert_int_equal(L.code, RBLDNSD_DEFAULT_CODE);
	ok("$DATASET dnset:names @");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	assert_non_null(strstr(L.note, "dnset:names skipped"));
	ok("example.com :127.0.0.2:a domain");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("$SOA ignored here");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("$DATASET ip4set:relays relays");
	assert_int_equal(L.kind, RBLDNSD_NOTE);
	ok("192.0.2.9");
	assert_int_equal(L.kind, RBLDNSD_NOTHING);
	ok("$DATASET ip6trie:v6 proxies @");
	entry("2001:db8::/32", "2001:db8::/32");
}

static void
test_bad_entries(void **state)
{
	(void)state;
	bad("example.com", "not an address");
	bad("256.0.0.1", "bad IPv4 address");
	bad("1.2.3.4.5", "bad IPv4 address");
	bad("1..2", "bad IPv4 address");
	bad("1.2.", "bad IPv4 address");
}

static void
test_long_text_refused(void **state)
{
	static char line[5000];

	(void)state;
	memset(line, 'x', sizeof(line) - 1);
	memcpy(line, "192.0.2.1 ", 10);
	line[sizeof(line) - 1] = '\0';
	bad(line, "longer than");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_single_addresses_and_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cidr_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ranges_split_into_aligned_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exceptions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_and_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments_and_blank_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soa_ns_ttl_are_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_substitution_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_colon_forms_and_dataset_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maxrange4_skips_larger_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_combined_file_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_text_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
