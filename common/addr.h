/* IPv4/IPv6 addresses and CIDR prefixes: text, DNSBL query names, masks. */
#ifndef ADDR_H
#define ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_V4 4
#define ADDR_V6 6
/*
 * Not an address: the key of a listed domain name in a `kind = names` zone,
 * a[] its keyed 128-bit hash and plen 128 (store_names.c makes them).
 */
#define ADDR_NAME 9

/*
 * An address or a CIDR prefix.  IPv4 uses a[0..3] and plen 0..32; IPv6 uses
 * a[0..15] and plen 0..128.  Bytes past the family's length and bits past
 * plen are always zero, so two equal prefixes compare equal with memcmp.
 */
struct addr {
	uint8_t fam;		/* ADDR_V4 or ADDR_V6 */
	uint8_t plen;		/* prefix length; 32 or 128 for one address */
	uint8_t a[16];
};

/* Text forms: "192.0.2.5", "2001:db8::/32"; longest is an IPv6 CIDR. */
#define ADDR_STRLEN 64

/* Octets of one address of the family: 4 or 16. */
static inline unsigned addr_bytes(uint8_t fam) { return fam == ADDR_V4 ? 4 : 16; }
/* Bits of one address of the family: 32 or 128. */
static inline unsigned addr_bits(uint8_t fam) { return fam == ADDR_V4 ? 32 : 128; }
static inline bool addr_is_host(const struct addr *a) { return a->plen == addr_bits(a->fam); }

/*
 * Parse one address ("192.0.2.5", "2001:db8::1", "::ffff:192.0.2.5").
 * IPv4 octets with leading zeros are refused.  Returns 0 or RB_ESYNTAX.
 */
int addr_parse(const char *s, struct addr *out);

/*
 * Parse an address or CIDR prefix ("192.0.2.0/24").  Host bits set past the
 * prefix are refused (the caller can say what the network is).  Returns 0
 * or RB_ESYNTAX; on error *why (if not NULL) gets a short static reason.
 */
int addr_parse_cidr(const char *s, struct addr *out, const char **why);

/* Write A as text ("/plen" only when not a single address); returns BUF. */
char *addr_format(const struct addr *a, char *buf, size_t len);

/* Clear the bits of A past PLEN and set a->plen = PLEN. */
void addr_mask(struct addr *a, unsigned plen);

/* True when prefix NET contains A (same family, A's prefix inside NET's). */
bool addr_contains(const struct addr *net, const struct addr *a);

/* True when IPv6 A is an IPv4-mapped address (::ffff:a.b.c.d). */
bool addr_is_v4mapped(const struct addr *a);

/* Turn an IPv4-mapped IPv6 address or prefix (plen >= 96) into IPv4. */
void addr_unmap(const struct addr *v6, struct addr *v4);

/*
 * What a DNSBL query name below the zone apex says.  NAME points to
 * NLABELS wire-format labels (length octet, then the octets), in DNS order,
 * least significant first: "5.2.0.192" or 32 reversed nibbles (RFC 5782).
 * A partial name gives a prefix: 3 IPv4 labels give a /24, 5 nibbles a /20.
 * Sets *v4 and/or *v6 and returns a mask of ADDR_PARSED_V4 and
 * ADDR_PARSED_V6 for the readings that are valid: "1.2" is both.  Labels
 * are case-insensitive hex digits; IPv4 labels are 0..255 without leading
 * zeros.  Returns 0 when the name is neither.
 */
#define ADDR_PARSED_V4 1
#define ADDR_PARSED_V6 2
int addr_from_rname(const uint8_t *name, unsigned nlabels, struct addr *v4, struct addr *v6);

/*
 * Write the reversed name of A's first a->plen bits (plen a multiple of 8
 * for IPv4, of 4 for IPv6) as text labels without trailing dot, e.g.
 * "5.2.0.192" or "b.a.9.8...", into BUF.  Returns the length written, or -1
 * when BUF is too small.
 */
int addr_rname_text(const struct addr *a, char *buf, size_t len);

#endif
