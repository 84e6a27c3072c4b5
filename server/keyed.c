/* Keyed access on the query path: what keyed.h's inline fast path leaves out of line. */
#include <stdlib.h>

#include "keyed.h"
#include "rb.h"

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

__attribute__((cold)) void
keyed_cache_fill(struct query_ctx *q, struct query_keycache *e, const uint8_t *wire)
{
	size_t len = wire[0];
	int rc = store_key_find(&q->rd, wire + 1, len, &e->k);

	memset(e->wire, 0, sizeof(e->wire));
	if (rc != 0 && rc != RB_ENOTFOUND) {
		e->found = e->plain = false;	/* length 0: never a hit */
		return;
	}
	e->txnid = q->rd.txnid;
	memcpy(e->wire, wire, 1 + len);
	e->found = rc == 0;
	e->limited = e->found && (e->k.qps != 0 || e->k.daily != 0);
	e->plain = e->found && !e->k.disabled && e->k.nzones == 0 && !e->limited;
	e->slot = e->found && q->keyuse != NULL ?
	    keyuse_slot(q->keyuse, e->k.hash, (const char *)wire + 1, true) : NULL;
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
keyed_gate_slow(struct query_ctx *q, const struct zt_zone *z, const struct query_keycache *e,
    struct keyuse_slot **slotp)
{
	if (!e->found)
		return QUERY_KEY_UNKNOWN;
	if (e->k.disabled || !store_key_allows(&e->k, z->id)) {
		if (e->slot != NULL)
			keyuse_bump(&e->slot->refusals);
		return QUERY_KEY_UNKNOWN;
	}
	if (q->keyuse != NULL) {
		if (e->limited) {
			if (!within_limits(q, &e->k, e->slot))
				return QUERY_KEY_OVER;
		} else if (e->slot != NULL) {
			keyuse_bump(&e->slot->queries);
		}
	}
	*slotp = e->slot;
	return QUERY_KEY_OK;
}
