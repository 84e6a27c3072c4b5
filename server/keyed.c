/* Keyed access on the query path: the key label's lookup, limits and counters. */
#include <stdlib.h>
#include <string.h>

#include "conf_server.h"
#include "keyed.h"
#include "rb.h"
#include "store.h"

/*
 * A key looked up in the worker's current snapshot, found by a cheap hash
 * of the label: a client repeating its key costs a compare of the label's
 * words instead of a keyed hash and a B-tree descent.  An entry is good for
 * one snapshot (txnid), so a key change is seen with the next.  The label
 * is kept as words: its full 8-octet words, then its last 8 octets (labels
 * have 8 or more), which with the length name it exactly.  SLOT, the key's
 * counters in this worker's table, is claimed when the entry is filled:
 * slots are never given back, so the pointer stays good.  Whether a label
 * is cached tells a client only about labels it asked.
 */
struct query_keycache {
	uint64_t txnid;
	uint64_t word[8];
	uint8_t len;
	bool found;
	bool limited;			/* the key has a qps or daily limit */
	struct keyuse_slot *slot;	/* NULL: not counted */
	struct store_key k;
};

struct query_keycache *
keyed_cache_new(void)
{
	return calloc(KEYED_CACHE_SLOTS, sizeof(struct query_keycache));
}

void
keyed_cache_free(struct query_keycache *c)
{
	free(c);
}

/* LABEL's words as above into W; returns how many (2 to 8). */
static inline unsigned
label_words(const uint8_t *label, size_t len, uint64_t *w)
{
	unsigned i, n = (unsigned)(len / 8);

	for (i = 0; i < n; i++)
		memcpy(&w[i], label + 8 * i, 8);
	memcpy(&w[n], label + len - 8, 8);
	return n + 1;
}

/* Fill entry E with the key of LABEL (LEN octets) in Q's snapshot. */
static void
cache_fill(struct query_ctx *q, struct query_keycache *e, const uint8_t *label, size_t len,
    const uint64_t *w, unsigned n)
{
	int rc = store_key_find(&q->rd, label, len, &e->k);

	if (rc != 0 && rc != RB_ENOTFOUND) {
		e->len = 0;	/* no label: never a hit */
		e->found = false;
		return;
	}
	e->txnid = q->rd.txnid;
	memcpy(e->word, w, n * sizeof(*w));
	e->len = (uint8_t)len;
	e->found = rc == 0;
	e->limited = e->found && (e->k.qps != 0 || e->k.daily != 0);
	e->slot = e->found && q->keyuse != NULL ?
	    keyuse_slot(q->keyuse, e->k.hash, (const char *)label, true) : NULL;
}

/* The entry of LABEL (LEN octets, STORE_KEY_MIN to 63), looked up when not cached. */
static const struct query_keycache *
cache_get(struct query_ctx *q, const uint8_t *label, size_t len)
{
	struct query_keycache *e;
	uint64_t w[8], h, diff;
	unsigned i, n;

	n = label_words(label, len, w);
	h = ((len ^ w[0]) * 0x9e3779b97f4a7c15ULL ^ w[n - 1]) * 0x9e3779b97f4a7c15ULL;
	e = &q->keycache[(h >> 32) & (KEYED_CACHE_SLOTS - 1)];
	/* Every word, whatever differs first: no timing says how much matched. */
	diff = e->len ^ len;
	for (i = 0; i < n; i++)
		diff |= e->word[i] ^ w[i];
	if (__builtin_expect(e->txnid != q->rd.txnid || diff != 0, 0))
		cache_fill(q, e, label, len, w, n);
	return e;
}

/* A limited key's query: true when within its limits (then counted), else a refusal counted. */
static bool
within_limits(struct query_ctx *q, const struct store_key *k, struct keyuse_slot *slot)
{
	uint64_t nsec, nday;
	uint32_t day = keyuse_day(q->now, q->key_day_start);

	/* A limited key no counter holds cannot be held to its limit: refused. */
	if (slot == NULL)
		return false;
	keyuse_sum_window(q->keyset, slot->hash, q->now, day, &nsec, &nday);
	if ((k->qps != 0 && nsec >= k->qps) || (k->daily != 0 && nday >= k->daily)) {
		keyuse_bump(&slot->refusals);
		return false;
	}
	keyuse_count(slot, q->now, day);
	return true;
}

enum query_key
keyed_gate(struct query_ctx *q, const struct zt_zone *z, const uint8_t *label, size_t loff,
    struct keyuse_slot **slotp)
{
	const struct query_keycache *e;

	*slotp = NULL;
	if (label[0] < STORE_KEY_MIN)
		return z->keys == CONF_KEYS_REQUIRED ? QUERY_KEY_MISSING : QUERY_KEY_NONE;
	q->info.keyoff = (uint16_t)(loff + 1);
	q->info.keylen = label[0];
	e = cache_get(q, label + 1, label[0]);
	if (!e->found)
		return QUERY_KEY_UNKNOWN;
	if (e->k.disabled || (e->k.nzones != 0 && !store_key_allows(&e->k, z->id))) {
		if (e->slot != NULL)
			keyuse_bump(&e->slot->refusals);
		return QUERY_KEY_UNKNOWN;
	}
	if (q->keyuse != NULL) {
		if (__builtin_expect(e->limited, 0)) {
			if (!within_limits(q, &e->k, e->slot))
				return QUERY_KEY_OVER;
		} else if (e->slot != NULL) {
			/* Without limits only the total counts: no window to keep. */
			keyuse_bump(&e->slot->queries);
		}
	}
	*slotp = e->slot;
	return QUERY_KEY_OK;
}
