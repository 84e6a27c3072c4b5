/* Per-key usage counters of keyed access: one table per worker, written without locks. */
#ifndef KEYUSE_H
#define KEYUSE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each worker counts the queries of a key in its own table (only that
 * worker writes it, with relaxed atomic stores); any thread may read every
 * table (relaxed loads), so the limits are enforced over all workers'
 * counts and the metrics endpoint sums them, neither taking a lock.  A key
 * is named by the store's keyed hash of its label and by the label's first
 * 4 octets, never by the label itself.  Slots are claimed on a key's first
 * query and kept; a worker counts at most KEYUSE_SLOTS keys.
 */
#define KEYUSE_SLOTS 4096
#define KEYUSE_PROBE 16
#define KEYUSE_PREFIX 4

struct keyuse_slot {
	_Atomic uint64_t hash;		/* 0: free; written last when claimed */
	char prefix[KEYUSE_PREFIX];	/* written before hash */
	_Atomic uint64_t queries, hits, refusals;
	_Atomic uint32_t sec, nsec;	/* the second of the last answered query, and its count */
	_Atomic uint32_t day, nday;	/* the quota day (keyuse_day) and its count */
};

struct keyuse {
	struct keyuse_slot slot[KEYUSE_SLOTS];
};

/* Every worker's table, for the limits and the metrics; N tables. */
struct keyuse_set {
	unsigned n;
	struct keyuse **t;
};

/* A zeroed table, or NULL. */
struct keyuse *keyuse_new(void);
void keyuse_free(struct keyuse *ku);

/*
 * The slot of HASH in KU, claimed (with PREFIX, KEYUSE_PREFIX octets) when
 * CLAIM and free; NULL when there is none.  Only the owner claims.
 */
struct keyuse_slot *keyuse_slot(struct keyuse *ku, uint64_t hash, const char *prefix, bool claim);

/* The answered queries of HASH in second SEC and in day DAY, over every table of SET. */
void keyuse_sum_window(const struct keyuse_set *set, uint64_t hash, uint32_t sec, uint32_t day,
    uint64_t *nsec, uint64_t *nday);

/*
 * The quota day of second NOW: days since the epoch, each starting at
 * START seconds after 00:00 UTC ([server] key-day-start, below 86400).
 * Daily limits and the usage `rbldb key show` reports count by it.
 */
static inline uint32_t
keyuse_day(uint32_t now, uint32_t start)
{
	return (now - start) / 86400;
}

/* One more on a counter only its owner writes. */
static inline void
keyuse_bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
	    memory_order_relaxed);
}

/*
 * Count one answered query of the owner's slot S at second NOW of quota
 * day DAY, in its total and in the windows the limits read.
 */
void keyuse_count(struct keyuse_slot *s, uint32_t now, uint32_t day);

/*
 * Fold into W, as usage of DAY, what every table of SET counted since SEEN
 * (SET->n * KEYUSE_SLOTS triples of queries, hits, refusals, by table and
 * slot); NEXT gets the values read, to be copied over SEEN once W commits
 * (so a failed commit loses nothing).  *NROWS: usage rows added to.
 */
struct store_wr;
int keyuse_fold(const struct keyuse_set *set, const uint64_t (*seen)[3], uint64_t (*next)[3],
    uint32_t day, struct store_wr *w, uint64_t *nrows);

#endif
