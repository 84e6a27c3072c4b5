/* rbldnsd's IP dataset entries: IPv4 prefixes, addresses, CIDRs and ranges; IPv6 nets. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "rb.h"
#include "rbldnsd.h"
#include "rbldnsd_impl.h"

/* Up to four decimal octets ("127", "10.0.3", "010.1.1.1"); returns the count, 0 if bad. */
static int
parse_octets(const char *s, const char *end, uint8_t oct[4])
{
	int n = 0;
	unsigned v, digits;

	while (s < end) {
		if (n == 4)
			return 0;
		for (v = 0, digits = 0; s < end && rbldnsd_is_digit(*s); s++, digits++) {
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return 0;
		}
		if (digits == 0)
			return 0;
		oct[n++] = (uint8_t)v;
		if (s < end && *s++ != '.')
			return 0;
		if (s == end && s[-1] == '.')
			return 0;
	}
	return n;
}

static uint32_t
octets_u32(const uint8_t oct[4], int n, uint8_t fill)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 8 | (i < n ? oct[i] : fill);
	return v;
}

static void
set_v4(struct addr *a, uint32_t v, unsigned plen)
{
	memset(a, 0, sizeof(*a));
	a->fam = ADDR_V4;
	a->plen = (uint8_t)plen;
	a->a[0] = (uint8_t)(v >> 24);
	a->a[1] = (uint8_t)(v >> 16);
	a->a[2] = (uint8_t)(v >> 8);
	a->a[3] = (uint8_t)v;
}

/* Split LO..HI into the fewest aligned CIDR blocks. */
static size_t
split_range(uint32_t lo, uint32_t hi, struct addr *out)
{
	uint64_t cur = lo, size;
	unsigned plen;
	size_t n = 0;

	while (cur <= hi) {
		for (plen = 32; plen > 0; plen--) {
			size = 1ull << (32 - (plen - 1));
			if ((cur & (size - 1)) != 0 || cur + size - 1 > hi)
				break;
		}
		set_v4(&out[n++], (uint32_t)cur, plen);
		cur += 1ull << (32 - plen);
	}
	return n;
}

static bool
host_bits_clear(const struct addr *a)
{
	struct addr m = *a;

	addr_mask(&m, a->plen);
	return memcmp(m.a, a->a, sizeof(m.a)) == 0;
}

int
rbldnsd_parse_plen(const char *s, const char *end, unsigned max, unsigned *plen)
{
	unsigned v = 0;

	if (s == end || end - s > 3)
		return -1;
	for (; s < end; s++) {
		if (!rbldnsd_is_digit(*s))
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -1;
	*plen = v;
	return 0;
}

/* An IPv4 entry: prefix, address, CIDR or range.  *SIZE gets its number of addresses. */
int
rbldnsd_parse_v4(const char *s, const char *end, enum rbldnsd_dataset type,
    bool accept_in_cidr, struct rbldnsd_line *out, uint64_t *size, char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', (size_t)(end - s));
	const char *slash = memchr(s, '/', (size_t)(end - s));
	uint8_t a[4], b[4];
	int na, nb;
	uint32_t lo, hi;
	unsigned plen;

	if (dash != NULL && (type == RBLDNSD_IP4TRIE || type == RBLDNSD_IP4TSET))
		return rbldnsd_fail(err, errlen, "%s takes no a-b ranges (write CIDR prefixes)",
		    type == RBLDNSD_IP4TRIE ? "ip4trie" : "ip4tset");
	if (dash != NULL) {
		if (slash != NULL)
			return rbldnsd_fail(err, errlen, "a range takes no /length");
		if ((na = parse_octets(s, dash, a)) == 0 || (nb = parse_octets(dash + 1, end, b)) == 0)
			return rbldnsd_fail(err, errlen, "bad IPv4 range");
		lo = octets_u32(a, na, 0);
		if (nb == 1 && na > 1) {
			/* "10.31.0.1-5": the end replaces the last octet given first. */
			uint8_t last = b[0];

			memcpy(b, a, (size_t)na);
			b[na - 1] = last;
			nb = na;
		}
		hi = octets_u32(b, nb, 255);
		if (lo > hi)
			return rbldnsd_fail(err, errlen, "range ends before it starts");
		out->nnets = split_range(lo, hi, out->nets);
		*size = (uint64_t)hi - lo + 1;
		return 0;
	}
	if ((na = parse_octets(s, slash != NULL ? slash : end, a)) == 0)
		return rbldnsd_fail(err, errlen, "bad IPv4 address");
	plen = 8u * (unsigned)na;
	if (slash != NULL && rbldnsd_parse_plen(slash + 1, end, 32, &plen) != 0)
		return rbldnsd_fail(err, errlen, "bad prefix length");
	if (type == RBLDNSD_IP4TSET && (na != 4 || slash != NULL))
		return rbldnsd_fail(err, errlen, "ip4tset takes single addresses only (a.b.c.d)");
	set_v4(&out->nets[0], octets_u32(a, na, 0), plen);
	if (accept_in_cidr)
		addr_mask(&out->nets[0], plen);
	else if (!host_bits_clear(&out->nets[0]))
		return rbldnsd_fail(err, errlen, "host bits set beyond /%u (rbldnsd skips the line "
		    "without -e)", plen);
	out->nnets = 1;
	*size = 1ull << (32 - plen);
	return 0;
}

/* An IPv6 entry: "2001:db8::1", "2001:db8::/32", or groups without "::" ("2001:db8:1:2" = /64). */
int
rbldnsd_parse_v6(const char *s, const char *end, enum rbldnsd_dataset type,
    bool accept_in_cidr, struct rbldnsd_line *out, char *err, size_t errlen)
{
	bool compressed = false;

	const char *slash = memchr(s, '/', (size_t)(end - s)), *aend = slash ? slash : end, *q;
	struct addr *a = &out->nets[0];
	unsigned plen, groups = 0, v, digits;
	char buf[INET6_ADDRSTRLEN + 1];

	if (memchr(s, '-', (size_t)(end - s)) != NULL)
		return rbldnsd_fail(err, errlen, "IPv6 ranges are not rbldnsd syntax (write CIDR prefixes)");
	memset(a, 0, sizeof(*a));
	a->fam = ADDR_V6;
	if ((size_t)(aend - s) < sizeof(buf) && memmem(s, (size_t)(aend - s), "::", 2) != NULL) {
		memcpy(buf, s, (size_t)(aend - s));
		buf[aend - s] = '\0';
		if (inet_pton(AF_INET6, buf, a->a) != 1)
			return rbldnsd_fail(err, errlen, "bad IPv6 address");
		plen = 128;
		compressed = true;
	} else {
		for (q = s; q < aend;) {
			if (groups == 8)
				return rbldnsd_fail(err, errlen, "bad IPv6 address");
			for (v = 0, digits = 0; q < aend && *q != ':'; q++, digits++) {
				int h = *q >= '0' && *q <= '9' ? *q - '0' :
				    *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 :
				    *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
				if (h < 0 || digits == 4)
					return rbldnsd_fail(err, errlen, "bad IPv6 address");
				v = v << 4 | (unsigned)h;
			}
			if (digits == 0 || (q < aend && q + 1 == aend))
				return rbldnsd_fail(err, errlen, "bad IPv6 address");
			a->a[2 * groups] = (uint8_t)(v >> 8);
			a->a[2 * groups + 1] = (uint8_t)v;
			groups++;
			if (q < aend)
				q++;
		}
		if (groups == 0)
			return rbldnsd_fail(err, errlen, "bad IPv6 address");
		plen = 16 * groups;
	}
	if (slash != NULL && rbldnsd_parse_plen(slash + 1, end, 128, &plen) != 0)
		return rbldnsd_fail(err, errlen, "bad prefix length");
	if (type == RBLDNSD_IP6TSET && !out->exception && (compressed || groups != 4 ||
	    slash != NULL))
		return rbldnsd_fail(err, errlen, "ip6tset lists /64s written as four groups (2001:db8:1:2)");
	if (type == RBLDNSD_IP6TSET && out->exception && (slash != NULL ||
	    (!compressed && groups != 8)))
		return rbldnsd_fail(err, errlen, "ip6tset excepts single addresses only");
	a->plen = (uint8_t)plen;
	if (accept_in_cidr)
		addr_mask(a, plen);
	else if (!host_bits_clear(a))
		return rbldnsd_fail(err, errlen, "host bits set beyond /%u (rbldnsd skips the line "
		    "without -e)", plen);
	out->nnets = 1;
	return 0;
}
