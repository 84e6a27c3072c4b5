/* The IPv4 /24 presence maps of the served zones (presence.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "log.h"
#include "presence.h"
#include "rb.h"
#include "zonetab.h"

/* What a walk's callback returns to end it early (the store passes it back). */
#define STOP (-ECANCELED)

struct presence *
presence_new(const struct zonetab *zt)
{
	struct presence *p;
	size_t i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	for (i = 0; zt != NULL && i < zt->nzones; i++) {
		if ((zt->zones[i].family & ZONE_FAMILY_V4) &&
		    presence_track(p, zt->zones[i].id) != 0) {
			presence_free(p);
			return NULL;
		}
	}
	return p;
}

void
presence_free(struct presence *p)
{
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < STORE_MAX_ZONES; i++) {
		if (p->maps[i] != NULL) {
			free(p->maps[i]->bits);
			free(p->maps[i]);
		}
	}
	free(p);
}

int
presence_track(struct presence *p, uint16_t zone)
{
	struct presence_map *m;

	if (zone >= STORE_MAX_ZONES)
		return -EINVAL;
	if (p->maps[zone] != NULL)
		return RB_OK;
	/* calloc: pages of /24s without entries are never touched, so never resident. */
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->bits = calloc(PRESENCE_WORDS, sizeof(*m->bits))) == NULL) {
		free(m);
		return -ENOMEM;
	}
	atomic_init(&m->lo, UINT64_MAX);
	atomic_init(&m->hi, 0);
	p->maps[zone] = m;
	return RB_OK;
}

static uint64_t
presence_marked_map(const struct presence_map *m)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < PRESENCE_WORDS; i++)
		n += (uint64_t)__builtin_popcountll(atomic_load_explicit(&m->bits[i],
		    memory_order_relaxed));
	return n;
}

uint64_t
presence_marked(const struct presence *p, uint16_t zone)
{
	if (zone >= STORE_MAX_ZONES || p->maps[zone] == NULL)
		return 0;
	return presence_marked_map(p->maps[zone]);
}

/* Set the bits of the /24s that NET (IPv4) covers or lies in; only the updater writes. */
static void
mark(struct presence_map *m, const struct addr *net)
{
	uint32_t slot = (uint32_t)net->a[0] << 16 | (uint32_t)net->a[1] << 8 | net->a[2];
	uint32_t end = slot + (net->plen >= 24 ? 1u : 1u << (24 - net->plen));
	_Atomic uint64_t *w;

	while (slot < end) {
		w = &m->bits[slot / 64];
		if (slot % 64 == 0 && end - slot >= 64) {
			atomic_store_explicit(w, UINT64_MAX, memory_order_relaxed);
			slot += 64;
		} else {
			atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) |
			    (uint64_t)1 << (slot % 64), memory_order_relaxed);
			slot++;
		}
	}
}

static int
mark_entry(void *arg, const struct listing *l)
{
	if (l->net.fam == ADDR_V4)
		mark(arg, &l->net);
	return 0;
}

struct replay {
	struct presence_map *m;
	const atomic_bool *stop;
	uint64_t last;		/* the journal commit seen last */
	bool gap;		/* the journal cannot say: walk the entries */
};

static int
replay_change(void *arg, const struct journal_commit *c, const struct journal_change *ch)
{
	struct replay *rp = arg;

	/* Changes of one commit come one by one; commits follow without a hole. */
	if (c->seq != rp->last && c->seq != rp->last + 1) {
		rp->gap = true;		/* trimmed past what the map saw */
		return STOP;
	}
	rp->last = c->seq;
	if (ch == NULL) {
		rp->gap = true;		/* a commit too large to journal */
		return STOP;
	}
	/*
	 * Only new entries need bits: a change is of an entry already marked,
	 * and removals leave theirs (a stale bit costs a lookup, a missing one
	 * an answer).
	 */
	if (ch->op == JOURNAL_ADD)
		mark_entry(rp->m, &ch->after);
	return atomic_load_explicit(rp->stop, memory_order_relaxed) ? STOP : 0;
}

/* Count the walk's entries so that a stop request is seen within a few thousand. */
struct walk {
	struct presence_map *m;
	const atomic_bool *stop;
	unsigned n;
};

static int
walk_entry(void *arg, const struct listing *l)
{
	struct walk *wk = arg;

	mark_entry(wk->m, l);
	if (++wk->n % 4096 == 0 && atomic_load_explicit(wk->stop, memory_order_relaxed))
		return STOP;
	return 0;
}

/* Bring map M of ZONE up to R's snapshot. */
static int
update_map(struct presence_map *m, uint16_t zone, struct store_reader *r,
    const atomic_bool *stop)
{
	struct store_zone sz;
	struct replay rp = { .m = m, .stop = stop, .last = m->seq };
	struct walk wk = { .m = m, .stop = stop };
	bool built = atomic_load_explicit(&m->hi, memory_order_relaxed) != 0;
	char name[256];
	uint64_t t0;
	int rc;

	if ((rc = store_zone_get(r, zone, &sz)) != 0)
		return rc == RB_ENOTFOUND ? RB_OK : rc;
	if (built && sz.seq == m->seq) {
		/* Commits to other zones only: still complete. */
		atomic_store_explicit(&m->hi, r->txnid, memory_order_release);
		return RB_OK;
	}
	if (built) {
		rc = store_journal(r, zone, m->seq + 1, replay_change, &rp);
		if (rc != 0 && rc != STOP)
			return rc;
		if (atomic_load(stop))
			return RB_OK;
		if (!rp.gap && rp.last == sz.seq) {
			m->seq = sz.seq;
			atomic_store_explicit(&m->hi, r->txnid, memory_order_release);
			return RB_OK;
		}
	}
	/*
	 * Walk every entry.  Bits set meanwhile only add to what earlier
	 * snapshots see; an entry that came and went between the last
	 * snapshot covered and this one is not in the walk, so the map is
	 * complete from this snapshot on only: lo moves up before hi.
	 */
	t0 = uv_hrtime();
	if ((rc = store_foreach(r, zone, walk_entry, &wk)) != 0 && rc != STOP)
		return rc;
	if (atomic_load(stop))
		return RB_OK;
	m->seq = sz.seq;
	atomic_store_explicit(&m->lo, r->txnid, memory_order_relaxed);
	atomic_store_explicit(&m->hi, r->txnid, memory_order_release);
	/* Rare (a start, a trimmed journal, a bulk commit): worth a line. */
	if (store_zone_name(r, zone, name, sizeof name) != 0)
		snprintf(name, sizeof name, "zone %u", zone);
	log_info("store: %s has entries in %llu of 16777216 IPv4 /24s (%s in %llu ms)", name,
	    (unsigned long long)presence_marked_map(m), built ? "the journal could not say "
	    "what changed: walked again" : "walked", (unsigned long long)((uv_hrtime() - t0) / 1000000));
	return RB_OK;
}

int
presence_update(struct presence *p, struct store_reader *r, const atomic_bool *stop)
{
	unsigned i;
	int rc;

	if ((rc = store_reader_refresh(r)) != 0)
		return rc;
	for (i = 0; i < STORE_MAX_ZONES && !atomic_load(stop); i++) {
		if (p->maps[i] == NULL)
			continue;
		if ((rc = update_map(p->maps[i], (uint16_t)i, r, stop)) != 0)
			break;
	}
	store_reader_release(r);
	return rc;
}

int
presence_build(struct presence *p, struct store *s)
{
	struct store_reader r;
	atomic_bool stop = false;
	int rc;

	if ((rc = store_reader_init(s, &r)) != 0)
		return rc;
	rc = presence_update(p, &r, &stop);
	store_reader_fini(&r);
	return rc;
}
