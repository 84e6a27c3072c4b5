/* NOTIFY (RFC 1996): tell each zone's secondaries of a new serial, retry until they acknowledge. */
#ifndef NOTIFY_H
#define NOTIFY_H

/*
 * No sockets here: net.c runs notify_tick from a timer of its control
 * loop, sends what it is handed from a UDP socket of its own, and passes
 * every datagram that socket receives to notify_ack.  So acknowledgements
 * are consumed there and never reach the query path (SPEC).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf_server.h"
#include "query.h"
#include "store.h"
#include "tsig.h"

#define NOTIFY_TICK_MS 250		/* how often serials are looked at */
#define NOTIFY_COALESCE_MS 1000		/* at most one round per zone per second */
#define NOTIFY_RETRY_MS 2000		/* RFC 1996 s3.6: resend until acknowledged */
#define NOTIFY_TRIES 10			/* then wait for the next serial */

struct notify;

/* Called for each message to send. */
typedef void (*notify_send_fn)(void *arg, const struct sockaddr *sa, socklen_t salen,
    const uint8_t *pkt, size_t len);

/* State for the notify targets of C's zones (as served by ZT); NULL on ENOMEM. */
struct notify *notify_new(const struct conf *c, const struct zonetab *zt,
    const struct tsig_keyring *kr);
void notify_free(struct notify *n);

/* True when some zone has a notify target of address family AF. */
int notify_wants(const struct notify *n, int af);

/*
 * Look at each zone's serial in RD (a fresh snapshot) at NOW_MS (a
 * monotonic clock): a serial not yet announced starts a round to every
 * target, unless the zone's last round began less than a second ago;
 * targets that have not acknowledged are sent the NOTIFY again every two
 * seconds, ten times at most.  The first tick announces the serials the
 * server starts with.
 */
void notify_tick(struct notify *n, struct store_reader *rd, uint64_t now_ms, notify_send_fn send,
    void *arg);

/*
 * A datagram from FROM on the NOTIFY socket: an acknowledgement ends its
 * target's retries and returns true.  It counts only from the target's
 * address and port, with the id, the zone and, where the target has a
 * key, a TSIG that verifies.
 */
bool notify_ack(struct notify *n, const struct sockaddr *from, const uint8_t *pkt, size_t len);

#endif
