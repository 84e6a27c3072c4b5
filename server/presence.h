/*
 * Which IPv4 /24s hold an entry of a zone, one bit each (2 MiB per zone):
 * most unlisted addresses are answered from this map instead of a B-tree
 * lookup that ends on a leaf page outside the CPU caches.
 *
 * One thread keeps the maps (presence_update); workers read them without
 * locks.  Bits are only ever set, never cleared, so a map may hold more
 * than the store (a /24 whose entries went away still costs a lookup) but
 * never less: each map says for which snapshots it is complete, and a
 * worker whose snapshot is outside them looks the address up as before.
 */
#ifndef PRESENCE_H
#define PRESENCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "store.h"

#define PRESENCE_WORDS ((1u << 24) / 64)	/* one bit per IPv4 /24 */

struct presence_map {
	/* Complete for every snapshot id in [lo, hi]; hi 0 = not yet built. */
	_Atomic uint64_t lo, hi;
	uint64_t seq;			/* the zone's last journal commit applied */
	_Atomic uint64_t *bits;		/* PRESENCE_WORDS words */
};

struct presence {
	struct presence_map *maps[STORE_MAX_ZONES];	/* by zone id; NULL = not kept */
};

struct zonetab;

/* Maps for the zones of ZT that list IPv4 (none when ZT is NULL); NULL when out of memory. */
struct presence *presence_new(const struct zonetab *zt);
void presence_free(struct presence *p);

/* Keep a map for ZONE too, from the next presence_update on.  -ENOMEM when it cannot. */
int presence_track(struct presence *p, uint16_t zone);

/*
 * Bring every map up to R's newest snapshot (R is refreshed here): from the
 * zone's journal, or by walking its entries when the map is new or the
 * journal cannot say (trimmed past the map, or a commit too large to
 * journal).  Called by one thread only.  *STOP true ends a walk early.
 */
int presence_update(struct presence *p, struct store_reader *r, const atomic_bool *stop);

/* presence_update once, with a reader of its own: for tools and tests that build the maps once. */
int presence_build(struct presence *p, struct store *s);

/* How many /24s ZONE's map has marked (0 without a map). */
uint64_t presence_marked(const struct presence *p, uint16_t zone);

/*
 * False only when no entry of ZONE in snapshot TXNID covers the IPv4
 * address A: then A is not listed there and needs no lookup.  True when it
 * may be, and whenever the map cannot say (no map, snapshot not covered).
 */
static inline bool
presence_may_hold(const struct presence *p, uint16_t zone, uint64_t txnid, const struct addr *a)
{
	const struct presence_map *m;
	uint32_t slot;

	if (p == NULL || zone >= STORE_MAX_ZONES || (m = p->maps[zone]) == NULL)
		return true;
	/* hi first: what was written before it was published is visible after. */
	if (txnid > atomic_load_explicit(&m->hi, memory_order_acquire) ||
	    txnid < atomic_load_explicit(&m->lo, memory_order_relaxed))
		return true;
	slot = (uint32_t)a->a[0] << 16 | (uint32_t)a->a[1] << 8 | a->a[2];
	return (atomic_load_explicit(&m->bits[slot / 64], memory_order_relaxed) >>
	    (slot % 64)) & 1;
}

#endif
