/* Transfers of an [aggregate NAME] zone: its serial, AXFR of the members' union, IXFR in full. */
#include <errno.h>

#include "xfr_impl.h"

/*
 * An aggregate's serial is its own (the apex file's, as stored) plus the
 * serials of its members: every commit to a member moves a member's serial
 * by one, so the sum moves with it (RFC 1982 arithmetic wraps), and a
 * secondary that polls the SOA or gets a NOTIFY sees the change.
 */
uint32_t
xfr_zone_serial(const struct zonetab *zt, size_t zi, struct store_reader *rd)
{
	const struct zt_zone *z = &zt->zones[zi];
	struct store_zone sz;
	uint32_t serial;
	unsigned i;

	serial = store_zone_get(rd, z->id, &sz) == 0 ? sz.serial : z->apex_serial;
	if (z->kind != ZONE_KIND_AGGREGATE)
		return serial;
	for (i = 0; i < z->nmembers; i++) {
		const struct zt_zone *m = &zt->zones[z->members[i]];

		serial += store_zone_get(rd, m->id, &sz) == 0 ? sz.serial : m->apex_serial;
	}
	return serial;
}

/* The aggregate's records below the apex: the union of its members' mappings. */
int
xfr_aggregate_map(struct xfr_job *j)
{
	const struct zt_zone *z = &j->x->zt->zones[j->zi];
	struct zonemap_src src[ZONEMAP_AGG_MAX];
	unsigned i;

	if (z->nmembers > ZONEMAP_AGG_MAX)
		return -EINVAL;
	for (i = 0; i < z->nmembers; i++) {
		size_t mi = z->members[i];

		memset(&src[i], 0, sizeof(src[i]));
		src[i].cz = j->x->cz[mi];
		src[i].rd = &j->rd;
		src[i].zone = j->x->zt->zones[mi].id;
		src[i].now = 0;		/* as map_src: a pure function of the serials */
		if (src[i].cz == NULL)
			return -EINVAL;
	}
	return zonemap_aggregate(src, z->nmembers, z->ttl, z->answer == ZONE_ANSWER_BITMASK,
	    put_mapped, j);
}

/*
 * IXFR of an aggregate: no journal of its own, so the SOA alone for a
 * client as new as we are (RFC 1995 s2), else the whole zone (s4).
 */
const char *
ixfr_aggregate_run(struct xfr_job *j, int *rcp)
{
	int rc;

	if (!serial_lt(j->client_serial, j->sz.serial)) {
		*rcp = (rc = put_soa(j, j->sz.serial)) != 0 ? rc : msg_flush(j);
		return "IXFR of an aggregate, up to date";
	}
	*rcp = axfr_run(j);
	return "IXFR of an aggregate answered in full";
}
