/* Prometheus metrics of rbldbd: per-worker counters, zone and store gauges, the HTTP endpoint. */
#ifndef METRICS_H
#define METRICS_H

/*
 * The query path neither locks nor allocates for metrics: each worker owns
 * a cache-line aligned block of counters that only it writes, with relaxed
 * atomic loads and stores (a plain add on x86_64), and a scrape sums the
 * blocks.  Rare events (a finished zone transfer, a NOTIFY and its
 * acknowledgement) go into small tables under a mutex.  Zone gauges
 * (serial, entries, age of the last change, journal commits) and the store
 * size are read from the store at scrape time by the HTTP thread
 * (libmicrohttpd's internal polling thread), never by a worker.
 *
 * Counting a zone's entries walks the zone, so the count is kept per zone
 * and walked again only when the zone changed and the last count is
 * METRICS_ENTRIES_EVERY seconds old: a zone that does not change is always
 * exact, one that changes all the time lags by at most a minute.
 */

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "store.h"

#define METRICS_ENTRIES_EVERY 60	/* seconds between walks of a changing zone */
#define METRICS_MAX_PEERS 256		/* rows of the transfer and NOTIFY tables */
#define METRICS_NBUCKETS 12		/* latency histogram, +Inf not counted */

/* Query types counted apart; the rest is "other". */
enum metrics_qtype {
	MQ_A = 0, MQ_NS, MQ_SOA, MQ_TXT, MQ_AAAA, MQ_AXFR, MQ_IXFR, MQ_ANY, MQ_OTHER,
	METRICS_NQTYPE
};

/* Rcodes of answers sent; BADVERS (16) and anything unexpected apart. */
enum metrics_rcode {
	MR_NOERROR = 0, MR_FORMERR, MR_SERVFAIL, MR_NXDOMAIN, MR_NOTIMP, MR_REFUSED,
	MR_BADVERS, MR_OTHER, METRICS_NRCODE
};

/* What became of a query besides its rcode. */
enum metrics_action {
	MA_NONE = 0,
	MA_ACL_DROP,		/* an acl rule said drop: no answer */
	MA_ACL_REFUSE,		/* an acl rule said refuse */
	MA_ACL_ANSWER,		/* an acl rule's fixed answer */
	MA_RRL_DROP,		/* rate limited: no answer */
	MA_RRL_TRUNCATE,	/* rate limited: truncated answer (slip) */
	MA_MALFORMED,		/* too short or a response: no answer */
	METRICS_NACTION
};

/* Whether a DNSBL name below a zone apex was found listed. */
enum metrics_lookup { ML_NONE = 0, ML_HIT, ML_MISS };

struct metrics_zone_ctr {
	_Atomic uint64_t queries, hits, misses;
	/* Answers sent NOERROR and NXDOMAIN, and the octets of the queries answered and of their answers. */
	_Atomic uint64_t noerror, nxdomain, bytes_in, bytes_out;
};

/* One worker's counters: written by that worker only. */
struct metrics_worker {
	alignas(64) _Atomic uint64_t queries[2];	/* by transport: UDP, TCP */
	_Atomic uint64_t qtype[METRICS_NQTYPE];
	_Atomic uint64_t rcode[METRICS_NRCODE];
	_Atomic uint64_t action[METRICS_NACTION];
	/* Latency: per bucket (not cumulative), then the +Inf one; sum in ns. */
	_Atomic uint64_t lat[2][METRICS_NBUCKETS + 1];
	_Atomic uint64_t lat_sum_ns[2];
	_Atomic uint64_t tcp_accepted, tcp_closed, tcp_evicted, tcp_refused;
	_Atomic uint64_t querylog_dropped;
	_Atomic uint64_t udp_pauses, udp_pause_ns;	/* udp-batch-wait taken (udp.c) */
	/* By the store's zone id (1..STORE_MAX_ZONES); 0 counts queries outside every zone. */
	struct metrics_zone_ctr zone[STORE_MAX_ZONES + 1];
};

/* Add N to a counter only this thread writes: no locked instruction needed. */
static inline void
metrics_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

struct metrics;

/*
 * Counters for NWORKERS workers and gauges read from S (borrowed; it must
 * outlive the metrics).  No endpoint until metrics_listen.  NULL on ENOMEM.
 */
struct metrics *metrics_new(struct store *s, unsigned nworkers);
/* Stops the endpoint first.  NULL is a no-op. */
void metrics_free(struct metrics *m);

/* Worker I's block (I < nworkers). */
struct metrics_worker *metrics_worker(struct metrics *m, unsigned i);

/*
 * The zones to report, NAMES[i] with store id IDS[i]; copied, so the
 * caller's configuration may go.  Replaces the previous list (reload).
 * Counters of a zone no longer listed stay in the blocks but are not shown.
 */
int metrics_set_zones(struct metrics *m, const char *const *names, const uint16_t *ids,
    size_t n);

/* The server's count of open TCP connections, read at scrape time (NULL: none). */
void metrics_watch_tcp(struct metrics *m, const atomic_uint *nconns);
/* The workers' key counters (keyuse.h), summed at scrape time (NULL: none). */
struct keyuse_set;
void metrics_watch_keys(struct metrics *m, const struct keyuse_set *k);
/* The server's presence maps (presence.h), counted at scrape time (NULL: none). */
struct presence;
void metrics_watch_presence(struct metrics *m, const struct presence *p);

/*
 * One message of TRANSPORT (0 UDP, 1 TCP): its QTYPE (0 when it had no
 * question), the RCODE answered (ignored when ACTION says nothing was
 * sent), the store id of its zone (0 for none), a DNSBL LOOKUP result and
 * what the ACL or rate limiting did.
 */
void metrics_count(struct metrics_worker *w, unsigned transport, uint16_t qtype,
    unsigned rcode, uint16_t zone, enum metrics_lookup lookup, enum metrics_action action);

/* An answer of OUT octets sent to a query of IN octets for the zone of store id ZONE (0: none). */
void metrics_count_bytes(struct metrics_worker *w, uint16_t zone, size_t in, size_t out);

/* N answers of TRANSPORT took NS nanoseconds each (a UDP batch, or one TCP answer). */
void metrics_observe(struct metrics_worker *w, unsigned transport, uint64_t ns, uint64_t n);

/* A transfer of zone ZONE (store id) of type QTYPE (AXFR, IXFR) to PEER was sent whole at WHEN. */
void metrics_xfr_done(struct metrics *m, uint16_t zone, const struct sockaddr *peer,
    uint16_t qtype, int64_t when);

/*
 * A NOTIFY message PKT[0..len) went to TO at WHEN; a datagram came back
 * from FROM: when it answers the last NOTIFY sent there (same id, QR set,
 * NOERROR) it is that target's acknowledgement.
 */
void metrics_notify_sent(struct metrics *m, const struct sockaddr *to, const uint8_t *pkt,
    size_t len, int64_t when);
void metrics_notify_reply(struct metrics *m, const struct sockaddr *from, const uint8_t *pkt,
    size_t len, int64_t when);

/*
 * The exposition (Prometheus text format 0.0.4) at time NOW, in a buffer
 * the caller frees.  Returns 0 or a negative error.
 */
int metrics_render(struct metrics *m, int64_t now, char **out, size_t *outlen);

/*
 * Serve GET /metrics on SA (port 0: a free one) from a thread of its own.
 * Negative with ERR set on failure.
 */
int metrics_listen(struct metrics *m, const struct sockaddr *sa, char *err, size_t errlen);
/* The port the endpoint listens on, 0 when none. */
unsigned metrics_port(const struct metrics *m);

/* Index of QTYPE and RCODE in the counters, and their names. */
enum metrics_qtype metrics_qtype_index(uint16_t qtype);
enum metrics_rcode metrics_rcode_index(unsigned rcode);

#endif
