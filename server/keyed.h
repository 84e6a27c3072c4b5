/* Keyed access on the query path (SPEC "Keyed access"): a query's key, its lookup and its counters. */
#ifndef KEYED_H
#define KEYED_H

#include <stdint.h>
#include <string.h>

#include "conf_server.h"
#include "keyuse.h"
#include "query.h"
#include "store.h"
#include "zonetab.h"

/*
 * A key looked up in a worker's current snapshot (query_ctx's keycache,
 * KEYED_CACHE_SLOTS entries), found by a cheap hash of the label: a client
 * repeating its key costs a compare of the label's octets instead of a
 * keyed hash and a B-tree descent.  An entry is good for one snapshot
 * (txnid), so a key change is seen with the next.  The label is kept as
 * it was asked, in lower case, with its length octet first (so that one
 * compare covers the length too) and zeros after.  SLOT, the key's
 * counters in this worker's table, is claimed when the entry is filled:
 * slots are never given back, so the pointer stays good.  Whether a label
 * is cached tells a client only about labels it asked.
 */
#define KEYED_CACHE_BITS 8
#define KEYED_CACHE_SLOTS (1u << KEYED_CACHE_BITS)
struct query_keycache {
	uint8_t wire[1 + STORE_KEY_MAX];	/* [0] the length; [0] = 0: nothing cached */
	uint64_t txnid;
	bool found;
	bool limited;			/* the key has a qps or daily limit */
	bool plain;			/* found, enabled, every zone, no limit: the fast path */
	struct keyuse_slot *slot;	/* NULL: not counted */
	struct store_key k;
};

/* A zeroed cache, or NULL. */
struct query_keycache *keyed_cache_new(void);
void keyed_cache_free(struct query_keycache *c);

/* keyed.c: fill E with the key of the label WIRE (its length octet first) in Q's snapshot. */
void keyed_cache_fill(struct query_ctx *q, struct query_keycache *e, const uint8_t *wire);
/* keyed.c: keyed_gate for anything but a plain key (unknown, disabled, some zones, limited). */
enum query_key keyed_gate_slow(struct query_ctx *q, const struct zt_zone *z,
    const struct query_keycache *e, struct keyuse_slot **slotp);

/* The first 8 octets of P as a word (unaligned). */
static inline uint64_t
keyed_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* 16 octets as one vector (GCC's vector extensions: SSE2, NEON, or words). */
typedef uint64_t keyed_v16 __attribute__((vector_size(16)));

/* The octets that differ between the 16 at A and the 16 at B, as a vector. */
static inline keyed_v16
keyed_xor16(const uint8_t *a, const uint8_t *b)
{
	keyed_v16 x, y;

	memcpy(&x, a, 16);
	memcpy(&y, b, 16);
	return x ^ y;
}

/*
 * Nonzero when the N octets at A and at B differ (N from 9 to 64).  Every
 * octet is compared whatever differs first, in 16-octet chunks (the last
 * overlapping the one before) or, for fewer, two words: no timing says how
 * much matched (only how long the label is).
 */
static inline uint64_t
keyed_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	keyed_v16 d;

	if (n < 16)
		return (keyed_word(a) ^ keyed_word(b)) | (keyed_word(a + n - 8) ^ keyed_word(b + n - 8));
	d = keyed_xor16(a + n - 16, b + n - 16);
	if (n > 16)
		d |= keyed_xor16(a, b);
	if (n > 32)
		d |= keyed_xor16(a + 16, b + 16);
	if (n > 48)
		d |= keyed_xor16(a + 32, b + 32);
	return d[0] | d[1];
}

/* The cache entry of the label WIRE: its length octet and first 7 octets picked it. */
static inline struct query_keycache *
keyed_cache_slot(struct query_keycache *cache, const uint8_t *wire)
{
	return &cache[(keyed_word(wire) * 0x9e3779b97f4a7c15ULL) >> (64 - KEYED_CACHE_BITS)];
}

/*
 * The entry of the label WIRE (a length octet of STORE_KEY_MIN to
 * STORE_KEY_MAX, then the octets), looked up when not cached.  Comparing
 * the length octet with the rest tells a label from a longer one.
 */
static inline const struct query_keycache *
keyed_cache_get(struct query_ctx *q, const uint8_t *wire)
{
	struct query_keycache *e = keyed_cache_slot(q->keycache, wire);

	if (__builtin_expect(keyed_diff(e->wire, wire, (size_t)wire[0] + 1) != 0 ||
	    e->txnid != q->rd.txnid, 0))
		keyed_cache_fill(q, e, wire);
	return e;
}

/*
 * The key of a query of zone Z (whose keys are not off): LABEL is the
 * label directly under the apex (a length octet, then the octets in lower
 * case), at offset LOFF of the parsed question name (find_zone's, so
 * nothing walks the name twice).  A label of STORE_KEY_MIN octets or more
 * is a key (no address label is).  Returns the enum query_key; on
 * QUERY_KEY_OK *SLOTP gets the key's counters in Q's table (or NULL) for
 * keyed_hit, and the caller reads one label less.  No allocation, no
 * lock; inline, as the common case (a plain key seen in this snapshot) is
 * a few dozen instructions.
 */
static inline enum query_key
keyed_gate(struct query_ctx *q, const struct zt_zone *z, const uint8_t *label, size_t loff,
    struct keyuse_slot **slotp)
{
	const struct query_keycache *e;
	size_t len = label[0];

	if (len < STORE_KEY_MIN)
		return z->keys == CONF_KEYS_REQUIRED ? QUERY_KEY_MISSING : QUERY_KEY_NONE;
	q->info.keyoff = (uint16_t)(loff + 1);
	q->info.keylen = (uint8_t)len;
	e = keyed_cache_get(q, label);
	if (__builtin_expect(!e->plain, 0))
		return keyed_gate_slow(q, z, e, slotp);
	/* A plain key counts only its total: no window to keep. */
	if (e->slot != NULL)
		keyuse_bump(&e->slot->queries);
	*slotp = e->slot;
	return QUERY_KEY_OK;
}

/* One more hit (a listed answer) of the key whose counters are S. */
static inline void
keyed_hit(struct keyuse_slot *s)
{
	keyuse_bump(&s->hits);
}

#endif
