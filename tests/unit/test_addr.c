/* Unit tests for addr.c: address and CIDR text, reversed names, masks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "rb.h"

/* ---- helpers ---- */

static struct addr
parsed(const char *s)
{
	struct addr a;
	const char *why = NULL;

	assert_int_equal(addr_parse_cidr(s, &a, &why), 0);
	return a;
}

static const char *
cidr_why(const char *s)
{
	struct addr a;
	const char *why = NULL;

	assert_int_equal(addr_parse_cidr(s, &a, &why), RB_ESYNTAX);
	assert_non_null(why);
	return why;
}

static const char *
fmt(const struct addr *a)
{
	static char buf[ADDR_STRLEN];

	return addr_format(a, buf, sizeof(buf));
}

/*
 * Turn "5.2.0.192" into wire labels in a heap block of exactly their size,
 * so valgrind or ASan sees any read past the last label.  Empty text gives
 * zero labels.
 */
static uint8_t *
wire(const char *dotted, unsigned *nlabels)
{
	size_t len = strlen(dotted);
	uint8_t *w = malloc(len + 1), *lenp = w;
	const char *p;
	unsigned n = 0;

	assert_non_null(w);
	if (len == 0) {
		*nlabels = 0;
		return w;
	}
	*lenp = 0;
	for (p = dotted; ; p++) {
		if (*p == '.' || *p == '\0') {
			n++;
			if (*p == '\0')
				break;
			lenp += *lenp + 1;
			*lenp = 0;
		} else {
			lenp[1 + *lenp] = (uint8_t)*p;
			(*lenp)++;
		}
	}
	*nlabels = n;
	return w;
}

static int
rname(const char *dotted, struct addr *v4, struct addr *v6)
{
	unsigned n;
	uint8_t *w = wire(dotted, &n);
	int r = addr_from_rname(w, n, v4, v6);

	free(w);
	return r;
}

static const char *
rtext(const struct addr *a)
{
	static char buf[80];

	assert_true(addr_rname_text(a, buf, sizeof(buf)) >= 0);
	return buf;
}

/* ---- addr_parse ---- */

static void
test_parse_ipv4(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("192.0.2.5", &a), 0);
	assert_int_equal(a.fam, ADDR_V4);
	assert_int_equal(a.plen, 32);
	assert_memory_equal(a.a, ((uint8_t[16]){ 192, 0, 2, 5 }), 16);
	assert_int_equal(addr_parse("0.0.0.0", &a), 0);
	assert_int_equal(addr_parse("255.255.255.255", &a), 0);
	assert_int_equal(a.a[3], 255);
}

static void
test_parse_ipv6(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.fam, ADDR_V6);
	assert_int_equal(a.plen, 128);
	assert_memory_equal(a.a, ((uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }), 16);
	assert_int_equal(addr_parse("::", &a), 0);
	assert_int_equal(addr_parse("2001:DB8::ABCD", &a), 0);
	assert_int_equal(a.a[14], 0xab);
}

static void
test_parse_ipv6_embedded_ipv4(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("::ffff:192.0.2.5", &a), 0);
	assert_int_equal(a.fam, ADDR_V6);
	assert_memory_equal(a.a, ((uint8_t[16]){ [10] = 0xff, 0xff, 192, 0, 2, 5 }), 16);
	assert_int_equal(addr_parse("64:ff9b::198.51.100.0", &a), 0);
	assert_int_equal(a.a[12], 198);
}

static void
test_parse_rejects_leading_zero_octet(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse("192.0.02.5", &a), RB_ESYNTAX);
	assert_int_equal(addr_parse("010.0.0.1", &a), RB_ESYNTAX);
	assert_int_equal(addr_parse("1.2.3.00", &a), RB_ESYNTAX);
	assert_int_equal(addr_parse("::ffff:192.0.2.05", &a), RB_ESYNTAX);
	assert_string_equal(cidr_why("192.0.02.5"), "IPv4 octet with a leading zero");
	assert_string_equal(cidr_why("::ffff:01.2.3.4"), "IPv4 octet with a leading zero");
}

static void
test_parse_rejects_junk(void **state)
{
	static const char *bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4x",
		"a.b.c.d", "0x7f.0.0.1", "1..2.3", "2001:db8:::1", "2001:db8::g",
		"1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "::ffff:1.2.3", "1.2.3.4/24",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	struct addr a;
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(bad); i++) {
		if (addr_parse(bad[i], &a) != RB_ESYNTAX)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_string_equal(cidr_why(""), "empty address");
	assert_string_equal(cidr_why("/24"), "empty address");
	assert_string_equal(cidr_why("300.1.1.1"), "not an IPv4 address");
	assert_string_equal(cidr_why("2001:db8::g"), "not an IPv6 address");
}

/* ---- addr_parse_cidr ---- */

static void
test_cidr_ipv4_prefix(void **state)
{
	struct addr a = parsed("192.0.2.0/24");

	(void)state;
	assert_int_equal(a.fam, ADDR_V4);
	assert_int_equal(a.plen, 24);
	assert_memory_equal(a.a, ((uint8_t[16]){ 192, 0, 2 }), 16);
	a = parsed("0.0.0.0/0");
	assert_int_equal(a.plen, 0);
	a = parsed("10.0.0.0/8");
	assert_int_equal(a.plen, 8);
	a = parsed("192.0.2.5/32");
	assert_int_equal(a.plen, 32);
}

static void
test_cidr_ipv6_prefix(void **state)
{
	struct addr a = parsed("2001:db8::/32");

	(void)state;
	assert_int_equal(a.fam, ADDR_V6);
	assert_int_equal(a.plen, 32);
	assert_memory_equal(a.a, ((uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8 }), 16);
	a = parsed("::/0");
	assert_int_equal(a.plen, 0);
	a = parsed("2001:db8::1/128");
	assert_int_equal(a.plen, 128);
	a = parsed("2001:db8:8000::/33");
	assert_int_equal(a.plen, 33);
}

static void
test_cidr_bare_address_is_host(void **state)
{
	struct addr a = parsed("192.0.2.5");

	(void)state;
	assert_int_equal(a.plen, 32);
	a = parsed("2001:db8::5");
	assert_int_equal(a.plen, 128);
}

static void
test_cidr_rejects_host_bits(void **state)
{
	(void)state;
	assert_string_equal(cidr_why("192.0.2.5/24"), "host bits set beyond the prefix length");
	assert_string_equal(cidr_why("192.0.2.128/24"), "host bits set beyond the prefix length");
	assert_string_equal(cidr_why("192.0.3.0/23"), "host bits set beyond the prefix length");
	assert_string_equal(cidr_why("2001:db8::1/64"), "host bits set beyond the prefix length");
	assert_string_equal(cidr_why("2001:db8:c000::/33"), "host bits set beyond the prefix length");
	assert_string_equal(cidr_why("1.0.0.0/0"), "host bits set beyond the prefix length");
}

static void
test_cidr_rejects_prefix_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(cidr_why("192.0.2.0/33"), "prefix length out of range (0..32)");
	assert_string_equal(cidr_why("192.0.2.0/4294967320"), "prefix length out of range (0..32)");
	assert_string_equal(cidr_why("2001:db8::/129"), "prefix length out of range (0..128)");
}

static void
test_cidr_rejects_bad_prefix_syntax(void **state)
{
	(void)state;
	assert_string_equal(cidr_why("192.0.2.0/"), "prefix length missing after '/'");
	assert_string_equal(cidr_why("192.0.2.0/024"), "prefix length with a leading zero");
	assert_string_equal(cidr_why("192.0.2.0/00"), "prefix length with a leading zero");
	assert_string_equal(cidr_why("192.0.2.0/+24"), "prefix length is not a decimal number");
	assert_string_equal(cidr_why("192.0.2.0/-1"), "prefix length is not a decimal number");
	assert_string_equal(cidr_why("192.0.2.0/24 "), "prefix length is not a decimal number");
	assert_string_equal(cidr_why("192.0.2.0/2x"), "prefix length is not a decimal number");
	assert_string_equal(cidr_why("192.0.2.0/24/24"), "prefix length is not a decimal number");
}

static void
test_cidr_why_may_be_null(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse_cidr("192.0.2.5/24", &a, NULL), RB_ESYNTAX);
	assert_int_equal(addr_parse_cidr("192.0.2.0/24", &a, NULL), 0);
}

static void
test_parse_failure_leaves_output_alone(void **state)
{
	struct addr a, before;

	(void)state;
	memset(&a, 0xaa, sizeof(a));
	before = a;
	assert_int_equal(addr_parse_cidr("192.0.2.5/24", &a, NULL), RB_ESYNTAX);
	assert_int_equal(addr_parse_cidr("192.0.2.0/33", &a, NULL), RB_ESYNTAX);
	assert_int_equal(addr_parse("2001:db8::g", &a), RB_ESYNTAX);
	assert_memory_equal(&a, &before, sizeof(a));
}

/* ---- addr_format ---- */

static void
test_format_round_trips(void **state)
{
	static const char *forms[] = {
		"192.0.2.5", "0.0.0.0/0", "192.0.2.0/24", "10.0.0.0/8", "192.0.2.128/25",
		"2001:db8::1", "::/0", "2001:db8::/32", "::ffff:192.0.2.5", "::1",
		"2001:db8:0:1::/64", "fe80::/10",
	};
	struct addr a;
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(forms); i++) {
		a = parsed(forms[i]);
		assert_string_equal(fmt(&a), forms[i]);
	}
}

static void
test_format_is_canonical(void **state)
{
	struct addr a = parsed("2001:0DB8:0000::0001");

	(void)state;
	assert_string_equal(fmt(&a), "2001:db8::1");
}

static void
test_format_small_buffer_is_empty_not_overrun(void **state)
{
	struct addr a = parsed("192.0.2.0/24");
	char buf[16];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	addr_format(&a, buf, 8);
	assert_string_equal(buf, "");
	assert_int_equal(buf[8], 'x');
	/* Room for the address but not the prefix: no half-written "/2". */
	addr_format(&a, buf, 12);
	assert_string_equal(buf, "192.0.2.0");
}

/* ---- addr_mask, addr_contains ---- */

static void
test_mask_clears_host_bits(void **state)
{
	struct addr a = parsed("192.0.2.255");

	(void)state;
	addr_mask(&a, 25);
	assert_int_equal(a.plen, 25);
	assert_string_equal(fmt(&a), "192.0.2.128/25");
	addr_mask(&a, 0);
	assert_string_equal(fmt(&a), "0.0.0.0/0");

	a = parsed("2001:db8:ffff:ffff::1");
	addr_mask(&a, 36);
	assert_string_equal(fmt(&a), "2001:db8:f000::/36");
	assert_memory_equal(a.a + 5, ((uint8_t[11]){ 0 }), 11);
}

static void
test_mask_equal_prefixes_compare_equal(void **state)
{
	struct addr a = parsed("192.0.2.77"), b = parsed("192.0.2.200");

	(void)state;
	addr_mask(&a, 24);
	addr_mask(&b, 24);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void
test_contains(void **state)
{
	struct addr net = parsed("192.0.2.0/24");
	struct addr host = parsed("192.0.2.77");
	struct addr other = parsed("192.0.3.1");
	struct addr sub = parsed("192.0.2.128/25");
	struct addr wider = parsed("192.0.0.0/16");
	struct addr v6 = parsed("2001:db8::/32");
	struct addr all4 = parsed("0.0.0.0/0");

	(void)state;
	assert_true(addr_contains(&net, &host));
	assert_true(addr_contains(&net, &sub));
	assert_true(addr_contains(&net, &net));
	assert_false(addr_contains(&net, &other));
	assert_false(addr_contains(&net, &wider));
	assert_true(addr_contains(&wider, &net));
	assert_false(addr_contains(&net, &v6));
	assert_true(addr_contains(&all4, &host));
	assert_false(addr_contains(&all4, &v6));
	host = parsed("2001:db8:1::5");
	assert_true(addr_contains(&v6, &host));
	host = parsed("2001:db9::5");
	assert_false(addr_contains(&v6, &host));
	/* Partial-octet prefixes: /25 holds .128-.255 only. */
	host = parsed("192.0.2.127");
	assert_false(addr_contains(&sub, &host));
	host = parsed("192.0.2.128");
	assert_true(addr_contains(&sub, &host));
}

/* ---- IPv4-mapped ---- */

static void
test_v4mapped(void **state)
{
	struct addr a = parsed("::ffff:192.0.2.5"), v4;

	(void)state;
	assert_true(addr_is_v4mapped(&a));
	addr_unmap(&a, &v4);
	assert_int_equal(v4.fam, ADDR_V4);
	assert_int_equal(v4.plen, 32);
	assert_string_equal(fmt(&v4), "192.0.2.5");
	assert_memory_equal(v4.a + 4, ((uint8_t[12]){ 0 }), 12);

	a = parsed("::ffff:192.0.2.0/120");
	assert_true(addr_is_v4mapped(&a));
	addr_unmap(&a, &v4);
	assert_string_equal(fmt(&v4), "192.0.2.0/24");

	a = parsed("::ffff:0:0/96");
	assert_true(addr_is_v4mapped(&a));
	addr_unmap(&a, &v4);
	assert_string_equal(fmt(&v4), "0.0.0.0/0");
}

static void
test_not_v4mapped(void **state)
{
	struct addr a = parsed("::192.0.2.5");

	(void)state;
	assert_false(addr_is_v4mapped(&a));
	a = parsed("2001:db8::ffff:c000:205");
	assert_false(addr_is_v4mapped(&a));
	a = parsed("192.0.2.5");
	assert_false(addr_is_v4mapped(&a));
	a = parsed("::/80");
	assert_false(addr_is_v4mapped(&a));
	/* RFC 5782 s5 test point, as a server sees it. */
	a = parsed("::FFFF:7F00:2");
	assert_true(addr_is_v4mapped(&a));
}

/* ---- addr_from_rname ---- */

static void
test_rname_ipv4_full(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("5.2.0.192", &v4, &v6), ADDR_PARSED_V4);
	assert_int_equal(v4.fam, ADDR_V4);
	assert_int_equal(v4.plen, 32);
	assert_string_equal(fmt(&v4), "192.0.2.5");
	assert_int_equal(rname("2.0.0.127", &v4, &v6), ADDR_PARSED_V4);
	assert_string_equal(fmt(&v4), "127.0.0.2");
	assert_int_equal(rname("255.255.0.0", &v4, &v6), ADDR_PARSED_V4);
	assert_string_equal(fmt(&v4), "0.0.255.255");
}

static void
test_rname_ipv4_partial_is_prefix(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("2.0.192", &v4, &v6), ADDR_PARSED_V4);
	assert_string_equal(fmt(&v4), "192.0.2.0/24");
	assert_int_equal(rname("10", &v4, &v6), ADDR_PARSED_V4);
	assert_string_equal(fmt(&v4), "10.0.0.0/8");
	assert_int_equal(rname("168.192", &v4, &v6), ADDR_PARSED_V4);
	assert_string_equal(fmt(&v4), "192.168.0.0/16");
}

static void
test_rname_both_readings(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("1.2", &v4, &v6), ADDR_PARSED_V4 | ADDR_PARSED_V6);
	assert_string_equal(fmt(&v4), "2.1.0.0/16");
	assert_int_equal(v6.plen, 8);
	assert_string_equal(fmt(&v6), "2100::/8");
	assert_int_equal(rname("0.0.0.0", &v4, &v6), ADDR_PARSED_V4 | ADDR_PARSED_V6);
	assert_int_equal(v4.plen, 32);
	assert_int_equal(v6.plen, 16);
	assert_string_equal(fmt(&v6), "::/16");
	assert_int_equal(rname("9", &v4, &v6), ADDR_PARSED_V4 | ADDR_PARSED_V6);
	assert_string_equal(fmt(&v4), "9.0.0.0/8");
	assert_string_equal(fmt(&v6), "9000::/4");
}

static void
test_rname_ipv6_full(void **state)
{
	struct addr v4, v6;

	(void)state;
	/* RFC 5782 s2.4: 2001:db8:1:2:3:4:567:89ab. */
	assert_int_equal(rname("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2",
	    &v4, &v6), ADDR_PARSED_V6);
	assert_int_equal(v6.fam, ADDR_V6);
	assert_int_equal(v6.plen, 128);
	assert_string_equal(fmt(&v6), "2001:db8:1:2:3:4:567:89ab");
	/* RFC 5782 s5 test point ::FFFF:7F00:2, upper case labels. */
	assert_int_equal(rname("2.0.0.0.0.0.F.7.F.F.F.F.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	    &v4, &v6), ADDR_PARSED_V6);
	assert_string_equal(fmt(&v6), "::ffff:127.0.0.2");
	assert_true(addr_is_v4mapped(&v6));
}

static void
test_rname_ipv6_partial_is_prefix(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("8.b.d.0.1.0.0.2", &v4, &v6), ADDR_PARSED_V6);
	assert_string_equal(fmt(&v6), "2001:db8::/32");
	assert_int_equal(rname("0.8.b.d.0", &v4, &v6), ADDR_PARSED_V6);
	assert_int_equal(v6.plen, 20);
	assert_string_equal(fmt(&v6), "db8::/20");
	assert_int_equal(rname("f.e", &v4, &v6), ADDR_PARSED_V6);
	assert_string_equal(fmt(&v6), "ef00::/8");
}

static void
test_rname_rejects_leading_zero(void **state)
{
	struct addr v4, v6;

	(void)state;
	/* SPEC: "02.0.0.127" is not an address. */
	assert_int_equal(rname("02.0.0.127", &v4, &v6), 0);
	assert_int_equal(rname("5.2.00.192", &v4, &v6), 0);
	assert_int_equal(rname("5.2.0.010", &v4, &v6), 0);
	/* A lone "0" is fine and still a nibble as well. */
	assert_int_equal(rname("0", &v4, &v6), ADDR_PARSED_V4 | ADDR_PARSED_V6);
}

static void
test_rname_rejects_octet_over_255(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("256.0.0.1", &v4, &v6), 0);
	assert_int_equal(rname("5.2.0.999", &v4, &v6), 0);
	assert_int_equal(rname("1000.1", &v4, &v6), 0);
	assert_int_equal(rname("255.1", &v4, &v6), ADDR_PARSED_V4);
}

static void
test_rname_rejects_too_many_labels(void **state)
{
	struct addr v4, v6;
	char name[80];
	int i;

	(void)state;
	/* Five labels: not IPv4, but still five nibbles of IPv6. */
	assert_int_equal(rname("1.2.3.4.5", &v4, &v6), ADDR_PARSED_V6);
	assert_int_equal(rname("10.2.3.4.5", &v4, &v6), 0);
	/* 33 nibbles is one too many. */
	for (i = 0; i < 33; i++) {
		name[2 * i] = 'a';
		name[2 * i + 1] = '.';
	}
	name[2 * 33 - 1] = '\0';
	assert_int_equal(rname(name, &v4, &v6), 0);
	name[2 * 32 - 1] = '\0';
	assert_int_equal(rname(name, &v4, &v6), ADDR_PARSED_V6);
	assert_int_equal(v6.plen, 128);
}

static void
test_rname_rejects_bad_nibble(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("g.8.b.d", &v4, &v6), 0);
	assert_int_equal(rname("a.-", &v4, &v6), 0);
	assert_int_equal(rname("a.b.c.@", &v4, &v6), 0);
	/* '@' | 0x20 is '`', and 'G' | 0x20 is 'g': neither is a digit. */
	assert_int_equal(rname("`", &v4, &v6), 0);
	assert_int_equal(rname("G", &v4, &v6), 0);
}

static void
test_rname_rejects_multi_char_nibble(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("ab.8.b.d", &v4, &v6), 0);
	/* "10" is an octet but not a nibble. */
	assert_int_equal(rname("10.0", &v4, &v6), ADDR_PARSED_V4);
	assert_int_equal(rname("10.a", &v4, &v6), 0);
}

static void
test_rname_rejects_empty_label(void **state)
{
	static const uint8_t w[] = { 1, '5', 0, 1, '2' };
	struct addr v4, v6;

	(void)state;
	assert_int_equal(addr_from_rname(w, 3, &v4, &v6), 0);
	assert_int_equal(addr_from_rname(w, 2, &v4, &v6), 0);
	assert_int_equal(addr_from_rname(w, 1, &v4, &v6), ADDR_PARSED_V4 | ADDR_PARSED_V6);
}

static void
test_rname_zero_labels_is_neither(void **state)
{
	struct addr v4, v6;

	(void)state;
	assert_int_equal(rname("", &v4, &v6), 0);
}

static void
test_rname_rejects_long_label(void **state)
{
	/* 0xc0 would be a compression pointer: never read as 192 bytes of label. */
	static const uint8_t ptr[] = { 1, '5', 0xc0, 0x0c };
	static const uint8_t ext[] = { 64, '1' };
	uint8_t big[1 + 63 + 2];
	struct addr v4, v6;

	(void)state;
	assert_int_equal(addr_from_rname(ptr, 2, &v4, &v6), 0);
	assert_int_equal(addr_from_rname(ext, 1, &v4, &v6), 0);
	memset(big, '1', sizeof(big));
	big[0] = 63;
	big[64] = 1;
	assert_int_equal(addr_from_rname(big, 2, &v4, &v6), 0);
}

static void
test_rname_stops_inside_given_labels(void **state)
{
	struct addr v4, v6;
	unsigned n;
	uint8_t *w = wire("5.2.0.192.relays.example.org", &n);

	(void)state;
	assert_int_equal(n, 7);
	assert_int_equal(addr_from_rname(w, 4, &v4, &v6), ADDR_PARSED_V4);
	assert_string_equal(fmt(&v4), "192.0.2.5");
	free(w);
}

static void
test_rname_leaves_unused_output_alone(void **state)
{
	struct addr v4, v6, before;

	(void)state;
	memset(&v6, 0xaa, sizeof(v6));
	before = v6;
	assert_int_equal(rname("5.2.0.192", &v4, &v6), ADDR_PARSED_V4);
	assert_memory_equal(&v6, &before, sizeof(v6));
	/* A NULL output skips that reading. */
	assert_int_equal(rname("1.2", NULL, &v6), ADDR_PARSED_V6);
	assert_int_equal(rname("1.2", &v4, NULL), ADDR_PARSED_V4);
}

/* ---- addr_rname_text ---- */

static void
test_rname_text(void **state)
{
	struct addr a = parsed("192.0.2.5");

	(void)state;
	assert_string_equal(rtext(&a), "5.2.0.192");
	a = parsed("192.0.2.0/24");
	assert_string_equal(rtext(&a), "2.0.192");
	a = parsed("10.0.0.0/8");
	assert_string_equal(rtext(&a), "10");
	a = parsed("2001:db8::/32");
	assert_string_equal(rtext(&a), "8.b.d.0.1.0.0.2");
	a = parsed("db8::/20");
	assert_string_equal(rtext(&a), "0.8.b.d.0");
	a = parsed("2001:db8:1:2:3:4:567:89ab");
	assert_string_equal(rtext(&a),
	    "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2");
}

static void
test_rname_text_zero_prefix_is_empty(void **state)
{
	struct addr a = parsed("0.0.0.0/0");
	char buf[4] = "xyz";

	(void)state;
	assert_int_equal(addr_rname_text(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	a = parsed("::/0");
	assert_int_equal(addr_rname_text(&a, buf, 1), 0);
	assert_string_equal(buf, "");
}

static void
test_rname_text_refuses_odd_prefix_and_small_buffer(void **state)
{
	struct addr a = parsed("192.0.2.128/25");
	char buf[80];

	(void)state;
	assert_int_equal(addr_rname_text(&a, buf, sizeof(buf)), -1);
	a = parsed("2001:db8::/33");
	assert_int_equal(addr_rname_text(&a, buf, sizeof(buf)), -1);
	a = parsed("192.0.2.5");
	assert_int_equal(addr_rname_text(&a, buf, 9), -1);	/* needs 10 with the NUL */
	assert_int_equal(addr_rname_text(&a, buf, 10), 9);
	assert_string_equal(buf, "5.2.0.192");
	a = parsed("0.0.0.0/0");
	assert_int_equal(addr_rname_text(&a, buf, 0), -1);
}

static void
test_rname_text_round_trips(void **state)
{
	static const char *forms[] = {
		"192.0.2.5", "0.0.0.0", "255.255.255.255", "192.0.2.0/24", "10.0.0.0/8",
		"172.16.0.0/16", "2001:db8::1", "::", "2001:db8::/32", "db8::/20",
		"::ffff:127.0.0.2", "fe80::/12",
	};
	struct addr a, v4, v6, *got;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(forms); i++) {
		a = parsed(forms[i]);
		r = rname(rtext(&a), &v4, &v6);
		got = a.fam == ADDR_V4 ? &v4 : &v6;
		assert_true(r & (a.fam == ADDR_V4 ? ADDR_PARSED_V4 : ADDR_PARSED_V6));
		assert_memory_equal(got, &a, sizeof(a));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_ipv6_embedded_ipv4),
		cmocka_unit_test(test_parse_rejects_leading_zero_octet),
		cmocka_unit_test(test_parse_rejects_junk),
		cmocka_unit_test(test_cidr_ipv4_prefix),
		cmocka_unit_test(test_cidr_ipv6_prefix),
		cmocka_unit_test(test_cidr_bare_address_is_host),
		cmocka_unit_test(test_cidr_rejects_host_bits),
		cmocka_unit_test(test_cidr_rejects_prefix_out_of_range),
		cmocka_unit_test(test_cidr_rejects_bad_prefix_syntax),
		cmocka_unit_test(test_cidr_why_may_be_null),
		cmocka_unit_test(test_parse_failure_leaves_output_alone),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_format_is_canonical),
		cmocka_unit_test(test_format_small_buffer_is_empty_not_overrun),
		cmocka_unit_test(test_mask_clears_host_bits),
		cmocka_unit_test(test_mask_equal_prefixes_compare_equal),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_v4mapped),
		cmocka_unit_test(test_not_v4mapped),
		cmocka_unit_test(test_rname_ipv4_full),
		cmocka_unit_test(test_rname_ipv4_partial_is_prefix),
		cmocka_unit_test(test_rname_both_readings),
		cmocka_unit_test(test_rname_ipv6_full),
		cmocka_unit_test(test_rname_ipv6_partial_is_prefix),
		cmocka_unit_test(test_rname_rejects_leading_zero),
		cmocka_unit_test(test_rname_rejects_octet_over_255),
		cmocka_unit_test(test_rname_rejects_too_many_labels),
		cmocka_unit_test(test_rname_rejects_bad_nibble),
		cmocka_unit_test(test_rname_rejects_multi_char_nibble),
		cmocka_unit_test(test_rname_rejects_empty_label),
		cmocka_unit_test(test_rname_zero_labels_is_neither),
		cmocka_unit_test(test_rname_rejects_long_label),
		cmocka_unit_test(test_rname_stops_inside_given_labels),
		cmocka_unit_test(test_rname_leaves_unused_output_alone),
		cmocka_unit_test(test_rname_text),
		cmocka_unit_test(test_rname_text_zero_prefix_is_empty),
		cmocka_unit_test(test_rname_text_refuses_odd_prefix_and_small_buffer),
		cmocka_unit_test(test_rname_text_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
