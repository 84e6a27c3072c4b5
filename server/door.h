/* The front door: every DNS message the server receives comes in here, every reply leaves here. */
#ifndef DOOR_H
#define DOOR_H

/*
 * One path for UDP and TCP alike, so no kind of reply can skip a gate:
 *  1. the silences of RFC 8906: packets shorter than a header, responses;
 *  2. one parse into a struct dns_msg (dns.h), which every later step reads;
 *  3. a signed message meets the query ACL before its TSIG is looked at
 *     (a client the ACL drops learns nothing), then TSIG (tsig.h);
 *  4. the route: the query answerer (query.h, which applies the query ACL
 *     to what it answers), and a transfer (xfr.h) where it says so;
 *  5. every reply over UDP, whatever made it, through RRL; every error
 *     reply cut to at most the size of the request.
 * Log lines a stranger can cause are rate-limited (log.h).  The caller
 * counts the message (metrics, query log) from Q->info and the reply.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "query.h"
#include "tsig.h"
#include "xfr.h"

/*
 * Answer PKT[0..len) from PEER received over TR into OUT (capacity CAP:
 * QUERY_BUFSIZE for TCP, the datagram buffer for UDP), with Q (its ACL,
 * RRL and snapshot), the transfer service X and the keys KR (either may be
 * NULL: no transfers, no keys).  Returns QUERY_ANSWER with OUT[0..*olen)
 * to send, QUERY_DROP, or QUERY_XFR with *JOB set (TCP only).
 */
enum query_result door_answer(struct query_ctx *q, struct xfr *x, const struct tsig_keyring *kr,
    const struct sockaddr *peer, const uint8_t *pkt, size_t len, enum query_transport tr,
    uint8_t *out, size_t cap, size_t *olen, struct xfr_job **job);

#endif
