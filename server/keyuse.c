/* Per-key usage counters of keyed access: per-worker tables, summed without locks. */
#include <stdlib.h>
#include <string.h>

#include "keyuse.h"
#include "store.h"

#define RELAXED memory_order_relaxed

struct keyuse *
keyuse_new(void)
{
	return calloc(1, sizeof(struct keyuse));
}

void
keyuse_free(struct keyuse *ku)
{
	free(ku);
}

struct keyuse_slot *
keyuse_slot(struct keyuse *ku, uint64_t hash, const char *prefix, bool claim)
{
	struct keyuse_slot *s;
	uint64_t h;
	unsigned i;

	if (hash == 0)
		hash = 1;	/* 0 marks a free slot */
	for (i = 0; i < KEYUSE_PROBE; i++) {
		s = &ku->slot[(hash + i) & (KEYUSE_SLOTS - 1)];
		if ((h = atomic_load_explicit(&s->hash, memory_order_acquire)) == hash)
			return s;
		if (h == 0) {
			if (!claim)
				return NULL;
			memcpy(s->prefix, prefix, KEYUSE_PREFIX);
			atomic_store_explicit(&s->hash, hash, memory_order_release);
			return s;
		}
	}
	return NULL;
}

void
keyuse_sum_window(const struct keyuse_set *set, uint64_t hash, uint32_t sec, uint32_t day,
    uint64_t *nsec, uint64_t *nday)
{
	struct keyuse_slot *s;
	unsigned i;

	*nsec = *nday = 0;
	for (i = 0; i < set->n; i++) {
		if (set->t[i] == NULL || (s = keyuse_slot(set->t[i], hash, NULL, false)) == NULL)
			continue;
		if (atomic_load_explicit(&s->sec, RELAXED) == sec)
			*nsec += atomic_load_explicit(&s->nsec, RELAXED);
		if (atomic_load_explicit(&s->day, RELAXED) == day)
			*nday += atomic_load_explicit(&s->nday, RELAXED);
	}
}

void
keyuse_count(struct keyuse_slot *s, uint32_t now, uint32_t day)
{
	atomic_store_explicit(&s->queries, atomic_load_explicit(&s->queries, RELAXED) + 1, RELAXED);
	if (atomic_load_explicit(&s->sec, RELAXED) != now) {
		atomic_store_explicit(&s->nsec, 0, RELAXED);
		atomic_store_explicit(&s->sec, now, RELAXED);
	}
	atomic_store_explicit(&s->nsec, atomic_load_explicit(&s->nsec, RELAXED) + 1, RELAXED);
	if (atomic_load_explicit(&s->day, RELAXED) != day) {
		atomic_store_explicit(&s->nday, 0, RELAXED);
		atomic_store_explicit(&s->day, day, RELAXED);
	}
	atomic_store_explicit(&s->nday, atomic_load_explicit(&s->nday, RELAXED) + 1, RELAXED);
}

int
keyuse_fold(const struct keyuse_set *set, const uint64_t (*seen)[3], uint64_t (*next)[3],
    uint32_t day, struct store_wr *w, uint64_t *nrows)
{
	struct store_key_usage u;
	const struct keyuse_slot *s;
	uint64_t h;
	size_t i, k;
	unsigned t;
	int rc;

	*nrows = 0;
	for (t = 0; t < set->n; t++) {
		for (i = 0; i < KEYUSE_SLOTS; i++) {
			k = (size_t)t * KEYUSE_SLOTS + i;
			s = &set->t[t]->slot[i];
			next[k][0] = atomic_load_explicit(&s->queries, RELAXED);
			next[k][1] = atomic_load_explicit(&s->hits, RELAXED);
			next[k][2] = atomic_load_explicit(&s->refusals, RELAXED);
			if ((h = atomic_load_explicit(&s->hash, memory_order_acquire)) == 0 ||
			    (next[k][0] == seen[k][0] && next[k][1] == seen[k][1] &&
			    next[k][2] == seen[k][2]))
				continue;
			u.day = day;
			u.queries = next[k][0] - seen[k][0];
			u.hits = next[k][1] - seen[k][1];
			u.refusals = next[k][2] - seen[k][2];
			if ((rc = store_key_usage_add(w, h, &u)) != 0)
				return rc;
			(*nrows)++;
		}
	}
	return 0;
}
