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
 * repeating its key costs a compare of the label's words instead of a
 * keyed hash and a B-tree descent.  An entry is good for one snapshot
 * (txnid), so a key change is seen with the next.  The label is kept as
 * words: its full 8-octet words, then its last 8 octets (labels have 8 or
 * more), which with the length name it exactly.  SLOT, the key's counters
 * in this worker's table, is claimed when the entry is filled: slots are
 * never given back, so the pointer stays good.  Whether a label is cached
 * tells a client only about labels it asked.
 */
#define KEYED_CACHE_SLOTS 256
struct query_keycache {
	uint64_t txnid;
	uint64_t word[8];
	uint8_t len;
	bool found;
	bool limited;			/* the key has a qps or daily limit */
	bool plain;			/* found, enabled, every zone, no limit: the fast path */
	struct keyuse_slot *slot;	/* NULL: not counted */
	struct store_key k;
};

/* A zeroed cache, or NULL. */
struct query_keycache *keyed_cache_new(void);
void keyed_cache_free(struct query_keycache *c);

/* keyed.c: fill E with the key of LABEL (LEN octets) in Q's snapshot. */
void keyed_cache_fill(struct query_ctx *q, struct query_keycache *e, const uint8_t *label,
    size_t len);
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

/*
 * The entry of LABEL (LEN octets, STORE_KEY_MIN to 63), looked up when not
 * cached.  The label is compared as its full words and its last 8 octets,
 * every one whatever differs first: no timing says how much matched.
 */
static inline const struct query_keycache *
keyed_cache_get(struct query_ctx *q, const uint8_t *label, size_t len)
{
	/* Labels are random: their first 8 octets pick the entry well enough. */
	uint64_t h = (keyed_word(label) ^ len) * 0x9e3779b97f4a7c15ULL;
	struct query_keycache *e = &q->keycache[(h >> 32) & (KEYED_CACHE_SLOTS - 1)];
	unsigned i, n = (unsigned)(len / 8);
	uint64_t diff = e->len ^ len;

	for (i = 0; i < n; i++)
		diff |= e->word[i] ^ keyed_word(label + 8 * i);
	diff |= e->word[n] ^ keyed_word(label + len - 8);
	if (__builtin_expect(e->txnid != q->rd.txnid || diff != 0, 0))
		keyed_cache_fill(q, e, label, len);
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
	e = keyed_cache_get(q, label + 1, len);
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
