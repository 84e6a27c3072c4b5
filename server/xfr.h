/* Zone transfers (RFC 5936 AXFR, RFC 1995 IXFR) and TSIG-signed queries. */
#ifndef XFR_H
#define XFR_H

/*
 * No sockets here: net.c hands in a request and sends what comes out.
 * A transfer is a job with its own store snapshot and a producer thread
 * that writes the whole answer, message by message, into a short queue;
 * net.c takes one message per write and is woken when the next is ready,
 * so a big AXFR never holds up a worker loop and a slow client holds one
 * snapshot, for at most the transfer deadline net.c enforces.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf_server.h"
#include "query.h"
#include "store.h"
#include "tsig.h"

#define XFR_MAX_JOBS 16		/* transfers at once; more are REFUSED for a while */
#define XFR_QUEUE 4		/* messages ready ahead of the client */
#define XFR_MSG_TARGET 16384	/* a message closes at this size: several hundred records */
#define XFR_TIMEOUT_MS 300000	/* default deadline of one transfer */

struct xfr;
struct xfr_job;

/*
 * The transfer service for the zones of ZT (configured in C, stored in S),
 * with the keys of KR.  All are borrowed and must outlive it.
 */
struct xfr *xfr_new(const struct conf *c, const struct zonetab *zt, struct store *s,
    const struct tsig_keyring *kr);
/* Waits for the producers of abandoned jobs to notice and end. */
void xfr_free(struct xfr *x);

/*
 * Start a transfer of the zone M asks for (AXFR or IXFR, over TCP) to
 * PEER, checked against the zone's allow-transfer with the key CTX proved
 * (NULL: unsigned).  Returns 0 with *JOB set: send what xfr_next gives,
 * signed as CTX says; or the RCODE to answer with (REFUSED, FORMERR,
 * SERVFAIL).  The front door (door.h) calls it.
 */
struct dns_msg;
int xfr_start(struct xfr *x, const struct sockaddr *peer, const struct dns_msg *m,
    const struct tsig_ctx *ctx, struct xfr_job **job);

enum xfr_next_result {
	XFR_MSG = 0,		/* OUT holds the next message */
	XFR_AGAIN,		/* none ready yet: WAKE will be called */
	XFR_END,		/* the transfer is complete */
	XFR_FAIL,		/* it broke off after messages were sent: close the connection */
};

/*
 * Called from the producer thread whenever a message is ready or the job
 * ends, until xfr_job_free; it must only signal the worker's loop.
 */
void xfr_job_set_wake(struct xfr_job *j, void (*wake)(void *arg), void *arg);

/* The next message of J into OUT (room CAP >= 65535). */
enum xfr_next_result xfr_next(struct xfr_job *j, uint8_t *out, size_t cap, size_t *len);

/* Done with J, finished or not: it lets go of its snapshot soon after.  NULL is a no-op. */
void xfr_job_free(struct xfr_job *j);

/*
 * RDATA of the apex record RR, an SOA with SERIAL, into BUF: names inside
 * the zone are compressed to offset 12, where every message we send has
 * the apex as its question name (RFC 3597 s4 allows it in NS and SOA).
 * Returns the length, 0 when CAP is too small.
 */
struct zt_rr;
size_t xfr_apex_rdata(const struct zt_rr *rr, uint32_t serial, uint8_t *buf, size_t cap);

/*
 * The oldest journal commit of ZONE (at seq SEQ now) worth keeping: none
 * older than AGE seconds before NOW, at most MAX commits.  Commits before
 * *KEEP can be trimmed.  Walks only the commits it would drop.
 */
int xfr_journal_cutoff(struct store_reader *r, uint16_t zone, uint64_t seq, uint32_t max,
    uint32_t age, int64_t now, uint64_t *keep);

/*
 * Trim every zone's journal to its journal-max and journal-age inside write
 * transaction W; *n gets the commits dropped (W then needs a commit).
 */
int xfr_journal_trim(const struct xfr *x, struct store_wr *w, int64_t now, uint64_t *n);

/*
 * The serial of zone ZI of ZT in RD: the store's, and for an aggregate
 * its own plus its members' (xfr_aggregate.c), so that it moves whenever
 * a member commits.
 */
struct zonetab;
uint32_t xfr_zone_serial(const struct zonetab *zt, size_t zi, struct store_reader *rd);

#endif
