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
 * excluded) and counts as loaded from a window of half or more until one of
 * less than an eighth: the gap keeps the cheaper batches, which lower the
 * share, from switching pausing off again at once.
 */
#define UDP_LOAD_WINDOW_NS 16000000u	/* 16 ms */
#define UDP_LOAD_ON 2			/* loaded from busy >= window / 2 */
#define UDP_LOAD_OFF 8			/* until busy < window / 8 */

struct udp_load {
	uint64_t window_start;	/* uv_hrtime */
	uint64_t busy_ns;	/* spent answering since then */
	bool loaded;
};

/* A wake-up that ended at NOW spent BUSY_NS answering; returns whether the worker is loaded. */
bool udp_load_add(struct udp_load *l, uint64_t now, uint64_t busy_ns);

#endif
