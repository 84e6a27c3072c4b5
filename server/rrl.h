/* Response rate limiting (RRL): answers per second to a client prefix, shared by all workers. */
#ifndef RRL_H
#define RRL_H

/*
 * As NSD, Knot and BIND do it: a client is its /24 (IPv4) or /56 (IPv6),
 * since a spoofed flood names a victim's network rather than one host.
 * Each (prefix, zone, category) has a token bucket that fills at RATE
 * answers per second up to one second's worth; an answer takes a token,
 * and without one it is dropped or, every SLIP-th time, sent truncated
 * (TC=1, empty sections) so a real client behind the prefix retries over
 * TCP, which cannot be spoofed.  Only UDP is limited.
 *
 * One table for the whole server, not one per worker: SO_REUSEPORT spreads
 * one client's source ports over every worker, so per-worker tables would
 * let a client through at RATE times the worker count.  A bucket is one
 * 64-bit word updated with compare-and-swap, so the query path neither
 * locks nor allocates; workers contend only on the buckets of a client
 * they all see, which is the client being limited.  The table has a fixed
 * number of buckets; two keys that land on one bucket take it over from
 * each other (a fresh bucket starts full), which errs towards answering.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define RRL_BUCKETS 65536	/* a power of two; 512 KiB */
#define RRL_PREFIX4 24		/* a client is its /24 ... */
#define RRL_PREFIX6 56		/* ... or its /56 */
#define RRL_MAX_RATE 10000	/* answers per second and bucket */
#define RRL_TICKS 16		/* time resolution: 1/16 s */

/* Response categories, counted apart as NSD does, so one kind cannot starve another. */
enum rrl_category {
	RRL_POSITIVE = 0,	/* NOERROR with records in the answer section */
	RRL_NODATA,		/* NOERROR, no answer (NODATA, empty non-terminal, apex misses) */
	RRL_NXDOMAIN,
	RRL_ERROR,		/* REFUSED, FORMERR, SERVFAIL, NOTIMP, BADVERS */
};

enum rrl_verdict { RRL_PASS = 0, RRL_LIMIT };

struct rrl;

/*
 * A table of RRL_BUCKETS empty buckets whose hash is keyed with SEED, or
 * with a random seed when SEED is 0 (the server: a flood cannot then aim
 * at one bucket).  NULL on ENOMEM.
 */
struct rrl *rrl_new(uint64_t seed);
void rrl_free(struct rrl *r);

/*
 * Take a token for one answer of category CAT in zone ZONE (any stable
 * number, e.g. the store's zone id; UINT16_MAX+1 for answers outside every
 * zone) to CLIENT at time NOW (in 1/RRL_TICKS seconds of a monotonic clock),
 * with RATE answers per second allowed (1..RRL_MAX_RATE).  Lock-free, safe
 * from any thread.  RRL_LIMIT means the answer is over the rate.
 */
enum rrl_verdict rrl_check(struct rrl *r, const struct addr *client, uint32_t zone,
    enum rrl_category cat, uint32_t rate, uint64_t now);

/* The monotonic clock in 1/RRL_TICKS seconds, for NOW. */
uint64_t rrl_now(void);

#endif
