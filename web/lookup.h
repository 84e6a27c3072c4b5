/* What rbldb-web knows of one address: its state in every zone, its public history, its requests. */
#ifndef LOOKUP_H
#define LOOKUP_H

#include "web.h"

struct zone_view {
	const struct conf_zone *z;
	uint16_t id;
	int match;		/* enum store_match */
	struct listing l;	/* for LISTED and EXCEPTED */
	bool have_detail;
	struct listing_detail d;
	uint32_t inside;	/* a range was asked: live listings inside it */
};

struct hist_item {
	struct history h;	/* strings point into the reader's snapshot */
	size_t order;
};

struct lookup {
	struct addr a;
	char text[ADDR_STRLEN];
	size_t nz;
	struct zone_view *zv;	/* one per configured zone */
	struct hist_item *hv;	/* public history, oldest first */
	size_t nh, caph;
	bool oom;
};

/* Fill *L for A from the reader's snapshot (refreshed by the caller).  0 or a negative error. */
int lookup_collect(struct web *w, const struct addr *a, int64_t now, struct lookup *L);
void lookup_free(struct lookup *L);

/* The reason the DNS serves for V: the entry's own, else the zone's text with '$' replaced. */
void lookup_reason(struct web *w, const struct lookup *L, const struct zone_view *v,
    struct buf *out);
/* The public name of a history event and of a request's state. */
const char *lookup_event_name(uint8_t op);
const char *lookup_state_name(uint8_t state);
const char *lookup_policy_name(int policy);
/* Whether a request of this zone and address waits (pending or pending retest). */
bool lookup_pending(struct web *w, const struct lookup *L, uint16_t zone, uint64_t *id);
/* The time of the last self-removal of L's address in ZONE, 0 none. */
int64_t lookup_last_self(const struct lookup *L, uint16_t zone);

#endif
