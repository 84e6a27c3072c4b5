/* The one mapping from a zone's listings to DNS records: zone export, AXFR and IXFR. */
#ifndef ZONEMAP_H
#define ZONEMAP_H

/*
 * A stock secondary (NSD, Knot, BIND) knows nothing of prefixes; it serves
 * names and RFC 4592 wildcards.  The mapping turns the live entries of a
 * zone into records that make such a server give, for every address the
 * zone lists, the A answer rbldbd gives:
 *
 *  - a single address is an explicit name (d.c.b.a, or 32 nibbles) with A
 *    (its code or the zone's) and TXT (its reason or the zone's text, '$'
 *    replaced by the address);
 *  - a range is a wildcard on an octet (IPv4) or nibble (IPv6) boundary;
 *    other lengths are split into aligned pieces (a /20 gives sixteen
 *    *.c.b.a).  A wildcard's TXT shows the range where the text has '$';
 *  - an explicit name below a wildcard's parent stops the wildcard from
 *    matching under it (RFC 4592 s2.2.1, the closest encloser), so under
 *    every existing name wildcards are added again wherever the range
 *    still lists addresses;
 *  - in a zone of both families, IPv4 names (four decimal labels) and IPv6
 *    names (32 nibbles) share the labels 0-9: no wildcard of one family is
 *    left where it could answer a name of the other;
 *  - a name that must exist without being listed (an exception, or a
 *    not-listed hole under a wildcard) holds only a TXT saying so, since a
 *    master file needs some record there.  Such an address answers NODATA
 *    on a secondary where rbldbd answers NXDOMAIN;
 *  - the RFC 5782 test points: 127.0.0.2 listed and 127.0.0.1 not, in
 *    zones listing IPv4; ::ffff:7f00:2 listed and ::ffff:7f00:1 not, in
 *    zones listing IPv6; both with the zone's code and text.
 *
 * Per node of the name tree the wildcard takes the answer most of its
 * children share, and only the children that differ get names, so output
 * grows with the number of entries, not with the addresses they cover.
 * The records of a name depend only on the entries under it and, when all
 * of them answer alike, on its parent's choice of wildcard.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

#define ZONEMAP_TYPE_A 1
#define ZONEMAP_TYPE_TXT 16
/* TXT of a name that has to exist but lists nothing. */
#define ZONEMAP_TXT_EXCEPTED "excepted"
#define ZONEMAP_TXT_UNLISTED "not listed"

/* One record, valid only during the callback. */
struct zonemap_rr {
	const char *name;	/* owner relative to the apex: "5.2.0.192", "*.2.0.192" */
	const uint8_t *wire;	/* the same labels in wire form, without apex or root */
	size_t wirelen;
	uint16_t type;		/* ZONEMAP_TYPE_A or ZONEMAP_TYPE_TXT, class IN */
	uint32_t ttl;		/* the zone's ttl */
	const uint8_t *rdata;	/* RDATA in wire form */
	size_t rdlen;
};

/* Called per record; a non-zero return stops the walk and is returned. */
typedef int (*zonemap_cb)(void *arg, const struct zonemap_rr *rr);

/* Where the entries come from. */
struct zonemap_src {
	const struct conf_zone *cz;	/* code, text, ttl and family of the zone */
	struct store_reader *rd;	/* reasons by id; the entries unless ENTRIES */
	uint16_t zone;			/* store id of the zone */
	uint32_t now;			/* entries with 0 < expires <= NOW are left out */
	/*
	 * Optional: the zone's entries in key order (IPv4 first, then by
	 * address and prefix length) instead of the store's, e.g. the state
	 * before a journalled change, for IXFR.  NULL means the store's: an
	 * empty state needs a non-NULL ENTRIES with NENTRIES 0.
	 */
	const struct listing *entries;
	size_t nentries;
};

/*
 * Every record of the zone below its apex, in a fixed order for the same
 * entries (a subtree's records before its parent's wildcard).  The apex
 * records (SOA, NS) are the caller's.  Returns 0, CB's value or an error.
 * The entries are read one child of the apex at a time (an IPv4 /8, an
 * IPv6 /4, both where their labels are the digits), so memory follows
 * the biggest child, not the zone, besides the few entries that span
 * several children.
 */
int zonemap_zone(const struct zonemap_src *src, zonemap_cb cb, void *arg);

/*
 * The records whose owner is the name of REGION or below it, exactly as
 * zonemap_zone gives them.  REGION's length is rounded down to an octet
 * (IPv4) or nibble (IPv6) boundary.  For IXFR: when the entries inside a
 * prefix change, records change only at or below the lowest enclosing
 * name N whose subtree answers alike before and after (all one answer,
 * the same, or not all one answer both times); diffing
 * zonemap_region(N) before and after gives the change.  A safe choice is
 * any name enclosing N, up to the whole zone.
 */
int zonemap_region(const struct zonemap_src *src, const struct addr *region, zonemap_cb cb,
    void *arg);

/* How the name of a region answers as a whole, for IXFR (zonemap_node). */
enum { ZONEMAP_NOT_LISTED = 0, ZONEMAP_EXCEPTED, ZONEMAP_LISTED };
struct zonemap_answer {
	bool mixed;		/* addresses under the name answer in more than one way */
	uint8_t kind;		/* when not mixed: ZONEMAP_NOT_LISTED, _EXCEPTED, _LISTED */
	uint32_t code;		/* LISTED: the A (host order) */
	uint32_t reason_id;	/* LISTED: the text's id (0 = the zone's) */
	bool own;		/* LISTED with '$' in the text: the entry's range shows */
	struct addr entry;	/* and that range */
};

/*
 * Whether every address at and under the name of REGION (rounded as in
 * zonemap_region) answers alike, and how: *OUT.  For IXFR: a change inside
 * REGION leaves the records outside it alone when REGION's answer is
 * zonemap_answer_alike before and after (both mixed, or both the same).
 */
int zonemap_node(const struct zonemap_src *src, const struct addr *region,
    struct zonemap_answer *out);

/*
 * The records of zonemap_region(REGION) less those its children that do
 * not answer alike write themselves: the name's own records and wildcard,
 * and the names it writes for children.  When a change inside child C
 * makes C's answer differ but leaves REGION mixed both times, the records
 * that may differ are zonemap_shallow(REGION) and zonemap_region(C).
 */
int zonemap_shallow(const struct zonemap_src *src, const struct addr *region, zonemap_cb cb,
    void *arg);
bool zonemap_answer_alike(const struct zonemap_answer *a, const struct zonemap_answer *b);

/*
 * The live entries the mapping serves, in key order, test points included
 * (127.0.0.2 listed with the zone's defaults, 127.0.0.1 an exception, and
 * the same for ::ffff:7f00:2 and :1 in zones listing IPv6), other families
 * than the zone's left out.  *OUT is malloc'ed; the caller frees it.
 */
int zonemap_entries(const struct zonemap_src *src, struct listing **out, size_t *n);

/*
 * The entries of zonemap_entries of family FAM (ADDR_V4 or ADDR_V6), one
 * at a time in key order to CB, without holding them: the rbldnsd export
 * writes these.  A non-zero return from CB stops the walk and is
 * returned.  An ENTRIES array must be in key order, as documented.
 */
int zonemap_foreach_entry(const struct zonemap_src *src, uint8_t fam, store_entry_cb cb,
    void *arg);

/* Key order of entries: family (IPv4 first), address, prefix length. */
int zonemap_cmp(const struct listing *a, const struct listing *b);

/*
 * TXT RDATA from template T[0..N) with '$' as SUB into OUT (at least
 * ZONEMAP_RDATA_MAX octets); returns its length.
 */
#define ZONEMAP_RDATA_MAX 65535
size_t zonemap_txt_rdata(uint8_t *out, const char *t, size_t n, const char *sub);

/*
 * zonemap_zone of a `kind = names` zone (zonemap_names.c): every live
 * entry is its own name ("example.com", or the RFC 4592 wildcard
 * "*.example.com") with A and TXT, an exception a TXT "excepted"; "test"
 * is listed (RFC 5782 s5).  Since an existing name stops a wildcard above
 * it (RFC 4592 s2.2.1), every name that exists under a listed wildcard
 * (an entry or a name above one) gets that wildcard's records again as
 * "*." itself, and, when it is not an entry, as its own records too.
 * IXFR of these zones is a difference of two whole-zone mappings.
 */
int zonemap_names(const struct zonemap_src *src, zonemap_cb cb, void *arg);

/*
 * The records of an aggregate zone (zonemap_aggregate.c) over the zones
 * MEMBERS[0..N), all with TTL: a stock secondary serving them answers
 * every name as rbldbd answers the aggregate (the union of the members'
 * answers), but where a member's own mapping already differs.  O0 is
 * every owner name of the members' mappings and every name above one;
 * each name of O0 and the wildcard below it ("*.P", unless it is in O0)
 * gets the union of what each member's records answer for it under
 * RFC 4592 (a query for "*.P" as any other): A and TXT of the members
 * that list it (with BITMASK one A whose last octet ORs theirs), or, when
 * only placeholders ("excepted", "not listed") answer, one of them.  A
 * name outside O then finds its closest encloser P in O, no member has a
 * name between, and "*.P" answers what each member answers for it.  Only
 * queries with a literal "*" label below such a written "*.P" differ.
 * The members' records are held in memory while the union is written;
 * RR.name is NULL in the callback (the owner is in RR.wire).
 */
#define ZONEMAP_AGG_MAX 32
int zonemap_aggregate(const struct zonemap_src *members, size_t n, uint32_t ttl, bool bitmask,
    zonemap_cb cb, void *arg);

#endif
