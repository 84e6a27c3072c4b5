/* An address in every zone: what the DNS says, since when, until when, and its public history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "rb.h"

const struct conf_zone *
web_zone_by_id(const struct web *w, uint16_t id)
{
	size_t i;

	for (i = 0; i < w->conf->nzones; i++)
		if (w->zone_ids[i] == id)
			return &w->conf->zones[i];
	return NULL;
}

int
web_parse_addr(const char *text, struct addr *out, const char **why)
{
	struct addr v4;

	*why = NULL;
	if (text == NULL || *text == '\0') {
		*why = "no address given";
		return -1;
	}
	if (strlen(text) >= ADDR_STRLEN) {
		*why = "too long for an address";
		return -1;
	}
	if (addr_parse_cidr(text, out, why) != 0) {
		if (*why == NULL)
			*why = "not an IPv4 or IPv6 address or range";
		return -1;
	}
	/* DNSBLs list IPv4 hosts under their IPv4 names, as the loader does. */
	if (out->fam == ADDR_V6 && out->plen >= 96 && addr_is_v4mapped(out)) {
		addr_unmap(out, &v4);
		*out = v4;
	}
	return 0;
}

static int
hist_cb(void *arg, const struct history *h)
{
	struct lookup *L = arg;
	struct hist_item *v;

	if (L->nh == L->caph) {
		size_t cap = L->caph ? L->caph * 2 : 16;

		if ((v = realloc(L->hv, cap * sizeof(*v))) == NULL) {
			L->oom = true;
			return -1;
		}
		L->hv = v;
		L->caph = cap;
	}
	L->hv[L->nh].h = *h;
	L->hv[L->nh].order = L->nh;
	L->nh++;
	return 0;
}

/* By `at`, then commit time, then the store's order, as rbldb show sorts. */
static int
hist_cmp(const void *pa, const void *pb)
{
	const struct hist_item *a = pa, *b = pb;

	if (a->h.at != b->h.at)
		return a->h.at < b->h.at ? -1 : 1;
	if (a->h.recorded != b->h.recorded)
		return a->h.recorded < b->h.recorded ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

struct inside_count {
	const struct addr *a;
	uint32_t now, n;
};

static int
inside_cb(void *arg, const struct listing *l)
{
	struct inside_count *ic = arg;

	if (!(l->flags & LISTING_EXCEPTION) && (l->expires == 0 || l->expires > ic->now) &&
	    l->net.plen > ic->a->plen)
		ic->n++;
	return 0;
}

static int
zone_collect(struct web *w, const struct addr *a, uint32_t now, struct zone_view *v)
{
	int rc;

	rc = store_lookup(&w->rd, v->id, a, now, &v->l);
	if (rc < 0)
		return rc;
	v->match = rc;
	if (rc != STORE_MATCH_NONE &&
	    store_detail(&w->rd, v->id, &v->l.net, &v->d) == RB_OK)
		v->have_detail = true;
	if (!addr_is_host(a)) {
		struct inside_count ic = { a, now, 0 };

		if ((rc = store_foreach_overlapping(&w->rd, v->id, a, inside_cb, &ic)) < 0)
			return rc;
		v->inside = ic.n;
	}
	return 0;
}

int
lookup_collect(struct web *w, const struct addr *a, int64_t now, struct lookup *L)
{
	struct addr p;
	size_t i;
	int plen, rc;

	memset(L, 0, sizeof(*L));
	L->a = *a;
	addr_format(a, L->text, sizeof(L->text));
	L->nz = w->conf->nzones;
	if ((L->zv = calloc(L->nz ? L->nz : 1, sizeof(*L->zv))) == NULL)
		return -1;
	for (i = 0; i < L->nz; i++) {
		L->zv[i].z = &w->conf->zones[i];
		L->zv[i].id = w->zone_ids[i];
		/* A zone of the other family does not list the address. */
		if ((a->fam == ADDR_V4 && !(L->zv[i].z->family & ZONE_FAMILY_V4)) ||
		    (a->fam == ADDR_V6 && !(L->zv[i].z->family & ZONE_FAMILY_V6)))
			continue;
		if ((rc = zone_collect(w, a, (uint32_t)now, &L->zv[i])) != 0)
			return rc;
	}
	/* The address's own history and that of every range covering it. */
	for (plen = a->plen; plen >= 0; plen--) {
		p = *a;
		addr_mask(&p, (unsigned)plen);
		rc = store_history(&w->rd, &p, hist_cb, L);
		if (L->oom)
			return -1;
		if (rc != 0 && rc != RB_ENOTFOUND)
			return rc;
	}
	if (L->nh > 1)
		qsort(L->hv, L->nh, sizeof(*L->hv), hist_cmp);
	return 0;
}

void
lookup_free(struct lookup *L)
{
	free(L->zv);
	free(L->hv);
	memset(L, 0, sizeof(*L));
}

void
lookup_reason(struct web *w, const struct lookup *L, const struct zone_view *v,
    struct buf *out)
{
	const char *t, *d;
	size_t n;
	char net[ADDR_STRLEN];

	if (v->l.reason_id != 0 && store_text(&w->rd, v->l.reason_id, &t, &n) == RB_OK) {
		buf_add(out, t, n);
		return;
	}
	if ((t = v->z->text) == NULL)
		return;
	/* As the server: '$' is the queried address, "$$" a '$'. */
	addr_format(addr_is_host(&L->a) ? &L->a : &v->l.net, net, sizeof(net));
	while ((d = strchr(t, '$')) != NULL) {
		buf_add(out, t, (size_t)(d - t));
		if (d[1] == '$') {
			buf_add(out, "$", 1);
			t = d + 2;
		} else {
			buf_puts(out, net);
			t = d + 1;
		}
	}
	buf_puts(out, t);
}

const char *
lookup_event_name(uint8_t op)
{
	switch (op) {
	case HISTORY_REPORT: return "Reported";
	case HISTORY_DELIST: return "Delisted";
	case HISTORY_EXPIRE: return "Expired";
	case HISTORY_PURGE: return "Removed (reports withdrawn)";
	case HISTORY_IMPORT: return "Imported";
	case HISTORY_REVERT: return "Restored by the operator";
	case HISTORY_RECOUNT: return "Reports withdrawn";
	case HISTORY_REQUEST: return "Removal requested";
	case HISTORY_DECISION: return "Removal request decided";
	default: return "Changed";
	}
}

const char *
lookup_state_name(uint8_t state)
{
	switch (state) {
	case STORE_REQ_PENDING: return "waiting for the operator";
	case STORE_REQ_RETEST: return "waiting for a relay test";
	case STORE_REQ_ACCEPTED: return "accepted: delisted";
	case STORE_REQ_REJECTED: return "rejected";
	case STORE_REQ_DONE: return "done: delisted at once";
	default: return "unknown";
	}
}

const char *
lookup_policy_name(int policy)
{
	return policy == CONF_REMOVAL_SELF ? "self" : policy == CONF_REMOVAL_RETEST ? "retest" :
	    "queue";
}

bool
lookup_pending(struct web *w, const struct lookup *L, uint16_t zone, uint64_t *id)
{
	struct store_request rq;
	size_t i;

	for (i = 0; i < L->nh; i++) {
		const struct history *h = &L->hv[i].h;

		if (h->op != HISTORY_REQUEST || h->zone != zone ||
		    store_request_get(&w->rd, h->code, &rq) != RB_OK)
			continue;
		if (rq.state == STORE_REQ_PENDING || rq.state == STORE_REQ_RETEST) {
			*id = rq.id;
			return true;
		}
	}
	return false;
}

int64_t
lookup_last_self(const struct lookup *L, uint16_t zone)
{
	int64_t last = 0;
	size_t i;

	for (i = 0; i < L->nh; i++) {
		const struct history *h = &L->hv[i].h;

		if (h->op == HISTORY_REQUEST && h->zone == zone &&
		    h->lifetime == STORE_REMOVAL_SELF && h->at > last &&
		    addr_contains(&h->net, &L->a) && h->net.plen == L->a.plen)
			last = h->at;
	}
	return last;
}
