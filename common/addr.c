/* IPv4/IPv6 addresses and CIDR prefixes: text forms, DNSBL query names, masks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "rb.h"

/* Longest text inet_pton can accept for IPv6, with room to spare. */
#define ADDR_TEXT_MAX 64

/*
 * True when every dotted-decimal octet in S[0..len) is written without a
 * leading zero.  "010" reads as octal to inet_aton and to many MTAs and
 * scripts, so an operator typing it most likely means something else; we
 * refuse it rather than guess (SPEC: "02.0.0.127" is not an address).
 */
static bool
octets_canonical(const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i - start > 1 && s[start] == '0')
				return false;
			start = i + 1;
		}
	}
	return true;
}

/*
 * Parse the address S[0..len) (no prefix) into OUT as a host address.
 * Returns 0 or RB_ESYNTAX with *why set.
 */
static int
parse_host(const char *s, size_t len, struct addr *out, const char **why)
{
	char buf[ADDR_TEXT_MAX];
	const char *colon, *tail;
	struct addr r;

	if (len == 0) {
		*why = "empty address";
		return RB_ESYNTAX;
	}
	if (len >= sizeof(buf)) {
		*why = "address too long";
		return RB_ESYNTAX;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	/* Everything is written to OUT only on success. */
	memset(&r, 0, sizeof(r));
	colon = strrchr(buf, ':');
	if (colon == NULL) {
		if (!octets_canonical(buf, len)) {
			*why = "IPv4 octet with a leading zero";
			return RB_ESYNTAX;
		}
		if (inet_pton(AF_INET, buf, r.a) != 1) {
			*why = "not an IPv4 address";
			return RB_ESYNTAX;
		}
		r.fam = ADDR_V4;
		r.plen = 32;
		*out = r;
		return 0;
	}
	/* RFC 4291 s2.2: an IPv6 address may end in dotted IPv4 form. */
	tail = colon + 1;
	if (strchr(tail, '.') != NULL && !octets_canonical(tail, strlen(tail))) {
		*why = "IPv4 octet with a leading zero";
		return RB_ESYNTAX;
	}
	if (inet_pton(AF_INET6, buf, r.a) != 1) {
		*why = "not an IPv6 address";
		return RB_ESYNTAX;
	}
	r.fam = ADDR_V6;
	r.plen = 128;
	*out = r;
	return 0;
}

int
addr_parse(const char *s, struct addr *out)
{
	const char *why;

	return parse_host(s, strlen(s), out, &why);
}

int
addr_parse_cidr(const char *s, struct addr *out, const char **why)
{
	const char *slash, *p, *dummy;
	struct addr host, net;
	unsigned plen = 0, max;
	int rc;

	if (why == NULL)
		why = &dummy;
	slash = strchr(s, '/');
	rc = parse_host(s, slash != NULL ? (size_t)(slash - s) : strlen(s), &host, why);
	if (rc != 0)
		return rc;
	if (slash == NULL) {
		*out = host;
		return 0;
	}

	p = slash + 1;
	max = addr_bits(host.fam);
	if (*p == '\0') {
		*why = "prefix length missing after '/'";
		return RB_ESYNTAX;
	}
	if (p[0] == '0' && p[1] != '\0') {
		*why = "prefix length with a leading zero";
		return RB_ESYNTAX;
	}
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*why = "prefix length is not a decimal number";
			return RB_ESYNTAX;
		}
		plen = plen * 10 + (unsigned)(*p - '0');
		if (plen > max) {
			*why = host.fam == ADDR_V4 ? "prefix length out of range (0..32)"
			    : "prefix length out of range (0..128)";
			return RB_ESYNTAX;
		}
	}
	net = host;
	addr_mask(&net, plen);
	if (memcmp(net.a, host.a, sizeof(net.a)) != 0) {
		*why = "host bits set beyond the prefix length";
		return RB_ESYNTAX;
	}
	*out = net;
	return 0;
}

char *
addr_format(const struct addr *a, char *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return buf;
	if (inet_ntop(a->fam == ADDR_V4 ? AF_INET : AF_INET6, a->a, buf, (socklen_t)len) == NULL) {
		buf[0] = '\0';
		return buf;
	}
	if (!addr_is_host(a)) {
		n = strlen(buf);
		if ((size_t)snprintf(buf + n, len - n, "/%u", a->plen) >= len - n)
			buf[n] = '\0';
	}
	return buf;
}

void
addr_mask(struct addr *a, unsigned plen)
{
	unsigned i;

	if (plen > addr_bits(a->fam))
		plen = addr_bits(a->fam);
	/* Clearing to the end of a[] also keeps the bytes past IPv4's four zero. */
	i = plen / 8;
	if (plen % 8 != 0) {
		a->a[i] &= (uint8_t)(0xff00u >> (plen % 8));
		i++;
	}
	for (; i < sizeof(a->a); i++)
		a->a[i] = 0;
	a->plen = (uint8_t)plen;
}

bool
addr_contains(const struct addr *net, const struct addr *a)
{
	unsigned full, rest;

	if (net->fam != a->fam || a->plen < net->plen)
		return false;
	full = net->plen / 8;
	rest = net->plen % 8;
	if (memcmp(net->a, a->a, full) != 0)
		return false;
	if (rest != 0 && ((net->a[full] ^ a->a[full]) & (0xff00u >> rest)) != 0)
		return false;
	return true;
}

/* RFC 4291 s2.5.5.2: ::ffff:0:0/96 holds the IPv4-mapped addresses. */
static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool
addr_is_v4mapped(const struct addr *a)
{
	return a->fam == ADDR_V6 && a->plen >= 96 &&
	    memcmp(a->a, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
}

void
addr_unmap(const struct addr *v6, struct addr *v4)
{
	struct addr r;

	memset(&r, 0, sizeof(r));
	r.fam = ADDR_V4;
	memcpy(r.a, v6->a + 12, 4);
	r.plen = v6->plen >= 96 ? (uint8_t)(v6->plen - 96) : 0;
	addr_mask(&r, r.plen);
	*v4 = r;
}

/* Value of a hex digit, or -1. */
static inline int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;	/* ASCII lower case; leaves digits and non-letters apart */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * One pass over the labels builds both readings at once and stops as soon
 * as neither can hold.  Only bytes inside the NLABELS labels are read, and
 * a length octet above 63 (a compression pointer or an extended label type,
 * RFC 1035 s4.1.4, RFC 6891 s5) ends the walk before its bytes are touched.
 */
int
addr_from_rname(const uint8_t *name, unsigned nlabels, struct addr *v4, struct addr *v6)
{
	struct addr r4, r6;
	const uint8_t *p = name;
	bool ok4 = v4 != NULL && nlabels >= 1 && nlabels <= 4;
	bool ok6 = v6 != NULL && nlabels >= 1 && nlabels <= 32;
	unsigned i, j, len, val;
	int h;

	if (!ok4 && !ok6)
		return 0;
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));

	for (i = 0; i < nlabels && (ok4 || ok6); i++) {
		len = *p++;
		if (len == 0 || len > 63)
			return 0;
		if (ok6) {
			/* Label i (least significant first) is nibble nlabels-1-i. */
			h = len == 1 ? hexval(p[0]) : -1;
			if (h < 0) {
				ok6 = false;
			} else {
				j = nlabels - 1 - i;
				r6.a[j / 2] |= (uint8_t)(j % 2 == 0 ? h << 4 : h);
			}
		}
		if (ok4) {
			/* 1..3 digits, 0..255, no leading zero; "0" alone is fine. */
			if (len > 3 || (len > 1 && p[0] == '0')) {
				ok4 = false;
			} else {
				for (val = 0, j = 0; j < len; j++) {
					if (p[j] < '0' || p[j] > '9')
						break;
					val = val * 10 + (unsigned)(p[j] - '0');
				}
				if (j < len || val > 255)
					ok4 = false;
				else
					r4.a[nlabels - 1 - i] = (uint8_t)val;
			}
		}
		p += len;
	}

	if (ok4) {
		r4.fam = ADDR_V4;
		r4.plen = (uint8_t)(8 * nlabels);
		*v4 = r4;
	}
	if (ok6) {
		r6.fam = ADDR_V6;
		r6.plen = (uint8_t)(4 * nlabels);
		*v6 = r6;
	}
	return (ok4 ? ADDR_PARSED_V4 : 0) | (ok6 ? ADDR_PARSED_V6 : 0);
}

int
addr_rname_text(const struct addr *a, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char label[4];
	size_t n = 0, l;
	unsigned i, count, v;

	if (a->fam == ADDR_V4 ? a->plen % 8 != 0 || a->plen > 32
	    : a->plen % 4 != 0 || a->plen > 128)
		return -1;
	count = a->fam == ADDR_V4 ? a->plen / 8u : a->plen / 4u;
	for (i = count; i-- > 0;) {
		if (a->fam == ADDR_V4) {
			v = a->a[i];
			l = 0;
			if (v >= 100)
				label[l++] = (char)('0' + v / 100);
			if (v >= 10)
				label[l++] = (char)('0' + v / 10 % 10);
			label[l++] = (char)('0' + v % 10);
		} else {
			v = i % 2 == 0 ? a->a[i / 2] >> 4 : a->a[i / 2] & 0x0f;
			label[0] = hex[v];
			l = 1;
		}
		/* The label, a dot unless it is the last one, and the final NUL. */
		if (n + l + (i > 0) + 1 > len)
			return -1;
		memcpy(buf + n, label, l);
		n += l;
		if (i > 0)
			buf[n++] = '.';
	}
	if (len == 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}
