/* Whether a worker is busy enough on UDP for udp-batch-wait's pauses to pay. */
#ifndef RBLDB_UDP_LOAD_H
#define RBLDB_UDP_LOAD_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A pause saves a wake-up and system calls per query, but makes the queries
 * that arrive during it wait.  That trade pays only when the worker spends
 * much of its time answering; at a modest steady rate (issue 23: 20,000 q/s)
 * it only adds latency, even when a burst finds a backlog now and then.  So
 * a worker measures the share of each window it spent answering UDP (pauses
 * excluded) and counts as loaded from a window of three quarters or more,
 * close to saturation, until one of less than half: the gap keeps the
 * cheaper batches, which lower the share, from switching pausing off again
 * at once, and is narrow enough that a burst which found a modest load
 * loaded ends with the next window.  (With "from a half until an eighth",
 * a burst at 20,000 q/s, a quarter busy, left it loaded for the rest of
 * the burst's run: up to 70 pauses in 8 s and a p99 of 1.2 ms.)
 */
#define UDP_LOAD_WINDOW_NS 16000000u	/* 16 ms */
#define UDP_LOAD_ON_PCT 75		/* loaded from busy >= 75% of a window */
#define UDP_LOAD_OFF_PCT 50		/* until busy < 50% */

struct udp_load {
	uint64_t window_start;	/* uv_hrtime */
	uint64_t busy_ns;	/* spent answering since then */
	bool loaded;
};

/* A wake-up that ended at NOW spent BUSY_NS answering; returns whether the worker is loaded. */
bool udp_load_add(struct udp_load *l, uint64_t now, uint64_t busy_ns);

#endif
