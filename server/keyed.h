/* Keyed access on the query path (SPEC "Keyed access"): a query's key, its lookup and its counters. */
#ifndef KEYED_H
#define KEYED_H

#include <stdint.h>

#include "keyuse.h"
#include "query.h"
#include "zonetab.h"

/*
 * The keys a worker looked up in its current snapshot (query_ctx's
 * keycache), KEYED_CACHE_SLOTS entries.  keyed_cache_new returns a zeroed
 * cache or NULL.
 */
#define KEYED_CACHE_SLOTS 256
struct query_keycache *keyed_cache_new(void);
void keyed_cache_free(struct query_keycache *c);

/*
 * The key of a query of zone Z (whose keys are not off) with NBELOW labels
 * below the apex: LABEL is the label directly under the apex (a length
 * octet, then the octets in lower case), at offset LOFF of the parsed
 * question name (find_zone's, so nothing walks the name twice).  A label
 * of STORE_KEY_MIN octets or more is a key (no address label is).  Returns
 * the enum query_key; on QUERY_KEY_OK *SLOTP gets the key's counters in
 * Q's table (or NULL) for keyed_hit, and the caller reads one label less.
 * No allocation, no lock: a key seen in this snapshot costs a compare of
 * its label's words, constant in time for a given length.
 */
enum query_key keyed_gate(struct query_ctx *q, const struct zt_zone *z, const uint8_t *label,
    size_t loff, struct keyuse_slot **slotp);

/* One more hit (a listed answer) of the key whose counters are S. */
static inline void
keyed_hit(struct keyuse_slot *s)
{
	atomic_store_explicit(&s->hits, atomic_load_explicit(&s->hits, memory_order_relaxed) + 1,
	    memory_order_relaxed);
}

#endif
