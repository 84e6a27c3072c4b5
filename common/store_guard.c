/* The max-change guard and the zones' counts of listings, checked and kept at each commit. */
#include "rb.h"
#include "store_impl.h"

/* The zone's count of listings ('l' in meta); 0 when none was written yet. */
int
zone_listings(struct store_wr *w, uint16_t zone, uint64_t *n)
{
	unsigned char kb[3];
	MDB_val v;
	int rc;

	kb[0] = 'l';
	put16(kb + 1, zone);
	*n = 0;
	if ((rc = wget(w, DB_META, kb, 3, &v)) == RB_OK && v.mv_size == 8)
		*n = get64(v.mv_data);
	return rc == RB_ENOTFOUND ? RB_OK : rc;
}

int
zone_listings_put(struct store_wr *w, uint16_t zone, uint64_t n)
{
	unsigned char kb[3], vb[8];

	kb[0] = 'l';
	put16(kb + 1, zone);
	put64(vb, n);
	return wput(w, DB_META, kb, 3, vb, 8, 0);
}


/* Zone ZONE's max-change limit, from its listings before this commit. */
static uint64_t
change_limit(const struct store *s, uint16_t zone, uint64_t listings)
{
	uint32_t count = STORE_MAX_CHANGE_COUNT, percent = STORE_MAX_CHANGE_PERCENT;
	uint64_t share;
	size_t i;

	for (i = 0; i < s->nlimits; i++)
		if (s->limits[i].zone == zone) {
			count = s->limits[i].count;
			percent = s->limits[i].percent;
		}
	share = listings * percent / 100;
	return share > count ? share : count;
}

/*
 * The max-change guard, in the one place every command's changes pass:
 * per zone, the listings this transaction added and removed against the
 * limit.  Notes the largest excess in s->over, refused or forced.
 */
int
max_change_check(struct store_wr *w)
{
	struct store *s = w->s;
	uint64_t listings, limit;
	unsigned i;
	int rc;

	s->has_over = false;
	if (!s->guarded)
		return RB_OK;
	for (i = 0; i < w->nzc; i++) {
		const struct zone_change *zc = &w->zc[i];
		bool removed = zc->listed_removed > zc->listed_added;
		uint32_t n = removed ? zc->listed_removed : zc->listed_added;

		if ((rc = zone_listings(w, zc->zone, &listings)) != 0)
			return rc;
		limit = change_limit(s, zc->zone, listings);
		if (n <= limit || (s->has_over && n <= s->over.count))
			continue;
		s->has_over = true;
		s->over.zone = zc->zone;
		s->over.count = n;
		s->over.limit = limit;
		s->over.removed = removed;
	}
	return s->has_over && !s->force ? RB_EMAXCHANGE : RB_OK;
}

int
store_wr_check_max_change(struct store_wr *w)
{
	return w->err != 0 ? w->err : max_change_check(w);
}

/* Each changed zone's count of listings follows the commit. */
int
count_listings_commit(struct store_wr *w)
{
	uint64_t n;
	unsigned i;
	int rc;

	for (i = 0; i < w->nzc; i++) {
		const struct zone_change *zc = &w->zc[i];

		if (zc->listed_added == zc->listed_removed)
			continue;
		if ((rc = zone_listings(w, zc->zone, &n)) != 0)
			return rc;
		n += zc->listed_added;
		n = n > zc->listed_removed ? n - zc->listed_removed : 0;
		if ((rc = zone_listings_put(w, zc->zone, n)) != 0)
			return rc;
	}
	return RB_OK;
}
