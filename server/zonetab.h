/* The zone table's layout, shared by zonetab.c (which builds it) and query.c (which reads it). */
#ifndef ZONETAB_H
#define ZONETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

#define ZT_NAMELEN 255		/* RFC 1035 s3.1: a name is at most 255 octets */

/*
 * A domain name inside RDATA.  A name at or below the zone apex is kept as
 * the labels above the apex (REL set) and written as those labels plus a
 * compression pointer to the apex in the echoed question (RFC 1035 s4.1.4;
 * allowed in NS and SOA, RFC 3597 s4).  Other names are kept whole.
 */
struct zt_dname {
	bool rel;
	uint8_t len;
	uint8_t wire[ZT_NAMELEN];
};

/*
 * One record of the apex file.  NS and SOA start with names (NNAMES 1 or
 * 2); TAIL is the rest of the RDATA, for SOA the 20 octets from the serial
 * on, whose serial is replaced by the store's when written.
 */
struct zt_rr {
	uint16_t type;
	uint32_t ttl;
	uint8_t nnames;
	struct zt_dname names[2];
	uint16_t taillen;
	uint8_t *tail;
};

/* Members of an aggregate zone, at most (checked at load). */
#define ZT_MAX_MEMBERS 32

struct zt_zone {
	char *name;			/* "relays.example.org" */
	uint8_t apexlen;
	uint8_t apex[ZT_NAMELEN];	/* lower-case wire form, root label included */
	uint8_t nlabels;		/* labels of the apex, root not counted */
	uint16_t id;			/* the store's zone id */
	uint32_t apex_serial;		/* fallback when the store cannot be read */
	int family;			/* ZONE_FAMILY_* */
	uint32_t code;			/* default A, host order */
	char *text;			/* default TXT template or NULL */
	size_t textlen;
	uint32_t ttl;			/* TTL of listed answers */
	uint32_t neg_ttl;		/* RFC 2308 s5: min(SOA TTL, SOA minimum) */
	struct zt_rr *rrs;		/* the apex records, the SOA first */
	size_t nrrs;
	uint8_t keys;			/* enum conf_keys: keyed access off, allowed, required */
	uint8_t key_refusal;		/* enum conf_key_refusal */
	uint32_t key_code;		/* CONF_KEYREF_ANSWER: the A, host order */
	char *key_text;			/* CONF_KEYREF_ANSWER: the TXT or NULL */
	size_t key_textlen;
	uint8_t kind;			/* ZONE_KIND_*: addresses, names or an aggregate */
	uint8_t answer;			/* an aggregate: ZONE_ANSWER_EACH or _BITMASK */
	uint8_t nmembers;		/* an aggregate: its members, indices into zones */
	uint16_t members[ZT_MAX_MEMBERS];
	bool authority_ns;		/* the apex NS in positive answers (rbldnsd -A) */
};

struct zonetab {
	uint32_t gen;			/* unique per table, for the per-worker serial cache */
	struct zt_zone *zones;
	size_t nzones;
	uint8_t minlabels, maxlabels;	/* over all apexes, to bound the suffix search */
	uint32_t *slots;		/* open addressing on apex names: zone index + 1, 0 = free */
	size_t nslots;			/* a power of two */
};

/* Hash of a lower-case wire name, for the apex table. */
uint32_t zonetab_hash(const uint8_t *name, size_t len);

/*
 * Index of the zone whose apex is exactly NAME (lower-case wire form, LEN
 * octets with the root label), or -1.
 */
int zonetab_find(const struct zonetab *zt, const uint8_t *name, size_t len);

#endif
