/* The one parse of a message (dns.c): the question name, its labels and its lower-case copy. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns.h"

static uint32_t seed = 12345;

static uint8_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (uint8_t)(seed >> 16);
}

/*
 * A query whose name is N octets (1 or 3 to DNS_NAMELEN, the root octet counted)
 * of random labels holding OCTET, OCTET+1, ... into MSG; *LABELS gets their
 * count.  Returns the message's length.
 */
static size_t
query(uint8_t *msg, size_t n, uint8_t *octet, unsigned *labels)
{
	size_t off = DNS_QNAME, left = n - 1;

	memset(msg, 0, DNS_QNAME);
	msg[5] = 1;			/* QDCOUNT */
	*labels = 0;
	while (left > 0) {
		size_t l = left - 1 < 63 ? left - 1 : 63;

		if (l > 1)
			l = 1 + rnd() % l;
		if (left - 1 - l == 1)	/* a remainder of one octet could hold no label */
			l = l > 1 ? l - 1 : l + 1;
		msg[off++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			msg[off++] = (*octet)++;
		left -= 1 + l;
		(*labels)++;
	}
	msg[off++] = 0;
	memcpy(msg + off, "\x00\x01\x00\x01", 4);
	return off + 4;
}

/* Every length of name, every octet: the copy is the name in lower case, and nothing past it is written. */
static void
test_qname_lower(void **state)
{
	uint8_t msg[DNS_QNAME + DNS_NAMELEN + 4], octet = 0;
	struct dns_msg m;
	unsigned labels;

	(void)state;
	for (size_t n = 1; n <= DNS_NAMELEN; n += n == 1 ? 2 : 1) {
		for (int round = 0; round < 4; round++) {
			size_t len = query(msg, n, &octet, &labels);

			memset(m.lname, 0xaa, sizeof(m.lname));
			dns_parse(&m, msg, len);
			assert_true(m.ok);
			assert_true(m.hasq);
			assert_int_equal(m.qnamelen, n);
			assert_int_equal(m.qlabels, labels);
			assert_int_equal(m.qtype, 1);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(m.lname[i], dns_lower(msg[DNS_QNAME + i]));
			for (size_t i = n; i < DNS_NAMELEN; i++)
				assert_int_equal(m.lname[i], 0xaa);
		}
	}
	/* Letters become lower case, nothing else changes. */
	assert_int_equal(dns_lower('A'), 'a');
	assert_int_equal(dns_lower('Z'), 'z');
	assert_int_equal(dns_lower('@'), '@');
	assert_int_equal(dns_lower('['), '[');
	assert_int_equal(dns_lower(0xc1), 0xc1);
	assert_int_equal(dns_lower(0xda), 0xda);
}

/* Names that are not plain, whole and short enough are refused: no question. */
static void
test_qname_bad(void **state)
{
	static const struct {
		const char *name;
		size_t len;
	} bad[] = {
		{ "\x03" "abc" "\xc0\x0c", 6 },		/* a compression pointer */
		{ "\x03" "abc" "\x40", 5 },		/* label type 0x40 */
		{ "\x03" "abc" "\x80", 5 },		/* label type 0x80 */
		{ "\x05" "abc", 4 },			/* cut short */
		{ "\x03" "abc", 4 },			/* no root label */
	};
	uint8_t msg[DNS_QNAME + 300 + 4], octet = 'a';
	struct dns_msg m;
	unsigned labels;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(msg, 0, DNS_QNAME);
		msg[5] = 1;
		memcpy(msg + DNS_QNAME, bad[i].name, bad[i].len);
		dns_parse(&m, msg, DNS_QNAME + bad[i].len);
		assert_false(m.hasq);
		assert_false(m.ok);
	}
	/* A 64-octet label is not one (RFC 1035 s2.3.4), whole as it may look. */
	memset(msg, 0, sizeof(msg));
	msg[5] = 1;
	msg[DNS_QNAME] = 64;
	memset(msg + DNS_QNAME + 1, 'a', 64);
	dns_parse(&m, msg, DNS_QNAME + 66 + 4);
	assert_false(m.hasq);
	msg[DNS_QNAME] = 63;
	msg[DNS_QNAME + 64] = 0;
	dns_parse(&m, msg, DNS_QNAME + 65 + 4);
	assert_true(m.hasq);
	/* 256 octets is one too many (RFC 1035 s3.1); 255 is the most. */
	len = query(msg, DNS_NAMELEN, &octet, &labels);
	memmove(msg + DNS_QNAME + 2, msg + DNS_QNAME, len - DNS_QNAME);
	msg[DNS_QNAME] = 1;
	msg[DNS_QNAME + 1] = 'x';
	dns_parse(&m, msg, len + 2);
	assert_false(m.hasq);
	assert_false(m.ok);
	len = query(msg, DNS_NAMELEN, &octet, &labels);
	dns_parse(&m, msg, len);
	assert_true(m.ok);
	assert_int_equal(m.qnamelen, DNS_NAMELEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qname_lower),
		cmocka_unit_test(test_qname_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
