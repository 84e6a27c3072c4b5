/* Reports and delistings through the listing policy into a write transaction. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "conf.h"
#include "policy.h"
#include "rb.h"
#include "verify_apply.h"

int
apply_zone(const struct loader *L, const char *name, size_t *zi, char *why, size_t whylen)
{
	const struct conf_zone *z = conf_zone(L->conf, name);
	size_t i, n;

	if (z != NULL) {
		*zi = (size_t)(z - L->conf->zones);
		return 0;
	}
	if (name == NULL)
		n = (size_t)snprintf(why, whylen, "no zone given and no default zone (zones: ");
	else
		n = (size_t)snprintf(why, whylen, "unknown zone %s (zones: ", name);
	for (i = 0; i < L->conf->nzones && n < whylen; i++)
		n += (size_t)snprintf(why + n, whylen - n, "%s%s", i ? ", " : "",
		    L->conf->zones[i].name);
	if (n < whylen)
		snprintf(why + n, whylen - n, ")");
	return RB_ENOTFOUND;
}

int
apply_report(const struct loader *L, struct store_wr *w, size_t zi, const struct report *r,
    bool force, int64_t now, enum store_outcome *out, char *why, size_t whylen)
{
	uint64_t job;

	if (policy_check_report(&L->conf->zones[zi], r, force, now, why, whylen) != 0)
		return RB_EPOLICY;
	if (r->name != NULL)
		return store_name_report(w, L->zone_ids[zi], r, out);
	/* ORDB: a verified zone publishes what a relay test confirmed, nothing else. */
	if (L->conf->zones[zi].verify_required)
		return verify_hold(w, L->conf, &L->conf->zones[zi], L->zone_ids[zi], r, now, out,
		    &job, why, whylen);
	return store_report(w, L->zone_ids[zi], r, out);
}

int
apply_delist(const struct loader *L, struct store_wr *w, size_t zi, const struct delisting *d,
    bool force, int64_t now, enum store_outcome *out, char *why, size_t whylen)
{
	if (policy_check_delist(&L->conf->zones[zi], d, force, now, why, whylen) != 0)
		return RB_EPOLICY;
	if (d->name != NULL)
		return store_name_delist(w, L->zone_ids[zi], d, out);
	return store_delist(w, L->zone_ids[zi], d, out);
}

char *
apply_counts_text(const struct apply_counts *c, char *buf, size_t len)
{
	snprintf(buf, len, "%llu new, %llu refreshed, %llu duplicate, %llu outranked, "
	    "%llu delisted, %llu excepted, %llu not listed",
	    (unsigned long long)c->n[STORE_NEW], (unsigned long long)c->n[STORE_REFRESHED],
	    (unsigned long long)c->n[STORE_DUPLICATE], (unsigned long long)c->n[STORE_OUTRANKED],
	    (unsigned long long)c->n[STORE_DELISTED], (unsigned long long)c->n[STORE_EXCEPTED],
	    (unsigned long long)c->n[STORE_NOT_LISTED]);
	if (c->n[STORE_PENDING] > 0) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, ", %llu pending a relay test",
		    (unsigned long long)c->n[STORE_PENDING]);
	}
	return buf;
}
