/* The DNS query path: answer bytes from query bytes, no sockets, no allocation. */
#ifndef QUERY_H
#define QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

/*
 * The served zones, built once from the configuration (apex records in wire
 * form, zone ids in the store) and read-only afterwards, so a reload can
 * build a new table and swap the pointer under running workers.
 */
struct zonetab;

/* Build the table for C; zone ids come from store_zone_ensure on S. NULL + ERR on failure. */
struct zonetab *zonetab_new(const struct conf *c, struct store *s, char *err, size_t errlen);
void zonetab_free(struct zonetab *zt);

enum query_transport { QUERY_UDP = 0, QUERY_TCP = 1 };

/* What the caller does with the output buffer. */
enum query_result {
	QUERY_ANSWER = 0,	/* send OUT[0..*outlen) */
	QUERY_DROP,		/* send nothing (short packet, QR=1, NOTIFY reply) */
	QUERY_XFR,		/* AXFR/IXFR over TCP: hand the query to the transfer code */
};

/* Largest answer over UDP unless the client asks for less (SPEC: 1232). */
#define QUERY_UDP_MAX 1232
/* Output buffer size callers provide: a whole TCP message. */
#define QUERY_BUFSIZE 65535

/* Per-worker state: a reusable read transaction and cached zone serials. */
struct query_ctx {
	const struct zonetab *zt;
	struct store_reader rd;
	uint32_t now;			/* seconds, set by query_ctx_refresh */
	uint64_t serial_txnid;		/* snapshot the serial cache belongs to */
	uint32_t *serials;		/* per zone of zt, refreshed per snapshot */
};

int query_ctx_init(struct query_ctx *q, const struct zonetab *zt, struct store *s);
void query_ctx_fini(struct query_ctx *q);
/* Before a batch: newest snapshot, current time.  Lock-free. */
int query_ctx_refresh(struct query_ctx *q);
/* After a batch, when going idle: let go of the snapshot. */
void query_ctx_release(struct query_ctx *q);

/*
 * Answer the DNS message PKT[0..len) received over TRANSPORT into OUT
 * (capacity OUTCAP >= QUERY_BUFSIZE for TCP, >= 512 for UDP).  Pure: reads
 * the store through Q's snapshot and writes only OUT and *outlen.
 */
enum query_result query_answer(struct query_ctx *q, const uint8_t *pkt, size_t len,
    enum query_transport transport, uint8_t *out, size_t outcap, size_t *outlen);

#endif
