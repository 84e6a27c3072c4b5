/* The query answerer's inside, shared by query.c and query_kinds.c (names and aggregates). */
#ifndef QUERY_IMPL_H
#define QUERY_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "query.h"
#include "wire.h"
#include "zonetab.h"

/* The answer being written. */
struct reply {
	struct wire w;
	size_t qend;			/* end of the echoed question */
	uint16_t an, ns;
	uint16_t rcode;			/* 12 bits: header part and OPT part */
	bool aa, tc;
	uint16_t apex;			/* offset of the zone apex inside the echoed question */
};

enum hit_kind { HIT_NONE = 0, HIT_ENT, HIT_LISTED };

struct hit {
	enum hit_kind kind;
	struct addr a;		/* the address found listed, for '$' */
	uint32_t code;		/* 0 = the zone's */
	uint32_t reason_id;	/* 0 = the zone's text */
};

/* query.c: start a record owned by the name at offset OWNER; returns where RDLENGTH goes. */
size_t rr_head(struct reply *r, uint16_t owner, uint16_t type, uint32_t ttl);
void rr_end(struct reply *r, size_t rdpos);
/* TXT RDATA from template T[0..n) with '$' as SUB (query.c says more). */
void put_text(struct wire *w, const char *t, size_t n, const char *sub, size_t sublen);
/* RFC 2308 s3: the SOA in authority of NXDOMAIN and NODATA. */
void put_neg_soa(struct reply *r, const struct zt_zone *z, uint32_t serial);
/* What the NLABELS labels at NAME below address zone Z say (query.c). */
int query_text(struct query_ctx *q, uint32_t id, const char **text, size_t *len);
int dnsbl_lookup(struct query_ctx *q, const struct zt_zone *z, const uint8_t *name,
    unsigned nlabels, struct hit *h);

/*
 * query_kinds.c: answer QTYPE for the NLABELS labels at NAME below zone Z,
 * a `kind = names` zone or an aggregate, into R; sets q->info.lookup.
 * Returns 0 or a negative store error (the caller answers SERVFAIL).
 */
int query_answer_kind(struct query_ctx *q, const struct zt_zone *z, const uint8_t *name,
    unsigned nlabels, uint16_t qtype, uint32_t serial, struct reply *r);

#endif
