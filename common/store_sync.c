/*
 * store_sync: make the entries one source gave a zone equal to a new list
 * of them (rbldb import --replace, rbldbd's rbldnsd mode taking in a
 * changed file).  One pass in key order over the zone's entries and the
 * list: what is new is added, what changed is changed, what the list no
 * longer has is withdrawn (removed when no other source reports it, as
 * purge does, with no exception written), and what is the same is not
 * touched at all (no history, no journal), so the commit's journal record,
 * and the IXFR built from it, holds the difference only.  A names zone's
 * items carry their text, recorded in the names db first, so the counts
 * of listed names below each name follow the entries; its exceptions are
 * taken after every listing, as a name's exception means something under
 * a listed wildcard which, by key, may come later in the pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

#define SYNC_REASON_EXCEPTION "imported exception"

struct sync {
	struct store_wr *w;
	uint16_t zone;
	uint32_t sid;		/* the source's string id */
	const char *source;
	int64_t at;
	struct store_sync_counts *c;
};

/* Key order of the entries db: family, address, prefix length. */
static int
net_cmp(const struct addr *a, const struct addr *b)
{
	int d;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	if ((d = memcmp(a->a, b->a, addr_bytes(a->fam))) != 0)
		return d;
	return a->plen < b->plen ? -1 : a->plen > b->plen;
}

/* This source's reports of NET (their `at`s, up to MAX) and whether others report it. */
static int
reports_of(struct sync *s, const struct addr *net, int64_t since, int64_t *ats, size_t max,
    size_t *n, bool *others)
{
	unsigned char kb[KEY_MAX + 12];
	size_t klen = entry_key(kb, s->zone, net, net->plen);
	MDB_cursor *cur;
	MDB_val k = { klen, kb }, v;
	int rc;

	*n = 0;
	*others = false;
	if ((rc = compact_expand(s->w, s->zone, net)) != 0)	/* a compact entry's report */
		return rc;
	if ((rc = mdb_cursor_open(s->w->txn, s->w->s->dbi[DB_REPORTS], &cur)) != 0)
		return sticky(s->w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == klen + 12 && memcmp(k.mv_data, kb, klen) == 0) {
		const unsigned char *p = (const unsigned char *)k.mv_data + klen;

		if (get32(p) == s->sid && *n < max)
			ats[(*n)++] = (int64_t)get64(p + 4);
		else if (get32(p) != s->sid && (int64_t)get64(p + 4) >= since)
			*others = true;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? RB_OK : sticky(s->w, from_mdb(rc));
}

/* Delete this source's reports of NET; *left: another source still reports it. */
#define SYNC_MAX_OWN 64
static int
drop_own(struct sync *s, const struct addr *net, int64_t since, size_t *dropped, bool *left)
{
	unsigned char rk[KEY_MAX + 12];
	int64_t ats[SYNC_MAX_OWN];
	size_t n, i, rklen;
	int rc;

	if ((rc = reports_of(s, net, since, ats, SYNC_MAX_OWN, &n, left)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		rklen = report_key(rk, s->zone, net, s->sid, ats[i]);
		rc = report_del(s->w, rk, rklen);
	}
	*dropped = n;
	return rc;
}

/* Is NET inside a live listing other than itself (so an exception there means something)? */
static int
covered(struct sync *s, const struct addr *net)
{
	struct listing l;
	uint8_t parent, p;
	bool found;
	int rc;

	if ((rc = entry_find(s->w, s->zone, net, &l, &found, &parent)) != 0 || parent == NO_PARENT)
		return rc;
	if ((rc = get_entry(&s->w->rd, s->zone, net, parent, &l, &p)) != 0)
		return sticky(s->w, rc);
	rc = climb(&s->w->rd, s->zone, net, clamp_time(s->w->now), true, &l, p);
	if (rc == RB_ENOTFOUND)
		return 0;
	return rc != 0 ? rc : !(l.flags & LISTING_EXCEPTION);
}

/* Entry CUR is not in the list: withdraw what this source gave it. */
static int
withdraw(struct sync *s, const struct listing *was)
{
	struct hist_text ht = { NULL, s->source, NULL, NULL };
	struct listing_detail d;
	struct listing now, *cur = &now;
	uint8_t parent;
	size_t dropped;
	bool left;
	int rc;

	/* As it is now: an earlier removal may have taken an exception under it. */
	rc = get_entry(&s->w->rd, s->zone, &was->net, was->net.plen, &now, &parent);
	if (rc == RB_ENOTFOUND)
		return RB_OK;
	if (rc != 0)
		return sticky(s->w, rc);
	if ((rc = detail_get(s->w, s->zone, &cur->net, &d)) != 0)
		return rc;
	if (cur->flags & LISTING_EXCEPTION) {
		if (d.delist_by_id != s->sid)
			return RB_OK;	/* another's exception */
	} else {
		if ((rc = drop_own(s, &cur->net, d.first_seen, &dropped, &left)) != 0)
			return rc;
		if (dropped == 0)
			return RB_OK;	/* another's listing */
		if (left) {
			/* Still reported by another source: listed as it is. */
			d.count = d.count > dropped ? d.count - (uint32_t)dropped : 1;
			d.nsources = d.nsources > 1 ? d.nsources - 1 : 1;
			s->c->withdrawn_kept++;
			return detail_put(s->w, s->zone, &cur->net, &d);
		}
	}
	s->c->withdrawn++;
	if ((rc = entry_remove(s->w, s->zone, cur)) != 0)
		return rc;
	return history_add(s->w, s->zone, &cur->net, HISTORY_PURGE, s->w->now, cur->code, 0, &ht);
}

/* This source's report of listing IT at s->at, with D (NET's details) counting it. */
static int
put_own(struct sync *s, const struct store_sync_item *it, uint32_t reason,
    struct listing_detail *d)
{
	unsigned char rk[KEY_MAX + 12], rv[16];
	size_t rklen = report_key(rk, s->zone, &it->net, s->sid, s->at);
	int rc;

	put32(rv, reason);
	put32(rv + 4, 0);
	put32(rv + 8, it->code);
	put32(rv + 12, 0);
	if ((rc = detail_put(s->w, s->zone, &it->net, d)) != 0)
		return rc;
	return report_put(s->w, rk, rklen, rv, false);
}

/* The list's listing IT: added, changed, or (the same) left alone. */
static int
want_listing(struct sync *s, const struct store_sync_item *it)
{
	struct hist_text ht = { it->reason, s->source, it->evidence, NULL };
	struct listing_detail d;
	struct listing cur, l;
	int64_t ats[1];
	uint32_t reason, bulk_source;
	uint8_t parent;
	size_t dropped = 0, n;
	bool found, listed, left;
	int rc;

	if ((rc = intern(s->w, it->reason, &reason)) != 0)
		return sticky(s->w, rc);
	if ((rc = entry_find(s->w, s->zone, &it->net, &cur, &found, &parent)) != 0)
		return rc;
	/*
	 * A compact entry (a bulk load's) this source gave just so: the same,
	 * and left compact.  Reading its details would expand it, and a list
	 * imported again would grow the store by every entry's records.
	 */
	if (found && cur.bulk != 0 && cur.code == it->code && cur.reason_id == reason &&
	    !(cur.flags & LISTING_EXCEPTION) && is_live(&cur, clamp_time(s->w->now))) {
		if ((rc = compact_source(s->w, &cur, &bulk_source)) != 0)
			return rc;
		if (bulk_source == s->sid) {
			s->c->unchanged++;
			return RB_OK;
		}
	}
	if ((rc = detail_get(s->w, s->zone, &it->net, &d)) != 0)
		return rc;
	listed = found && is_live(&cur, clamp_time(s->w->now)) &&
	    !(cur.flags & LISTING_EXCEPTION);
	/* Another source's exception wins, as rbldnsd's exclusions do across files. */
	if (found && (cur.flags & LISTING_EXCEPTION) && d.delist_by_id != s->sid) {
		s->c->unchanged++;
		return RB_OK;
	}
	if (listed && cur.code == it->code && cur.reason_id == reason) {
		/* The same: untouched, unless only another source gave it so far. */
		s->c->unchanged++;
		if ((rc = reports_of(s, &it->net, d.first_seen, ats, 1, &n, &left)) != 0 || n > 0)
			return rc;
		d.count++;
		d.nsources++;
		return put_own(s, it, reason, &d);
	}
	if (listed && (rc = drop_own(s, &it->net, d.first_seen, &dropped, &left)) != 0)
		return rc;
	memset(&l, 0, sizeof(l));
	l.zone = s->zone;
	l.net = it->net;
	l.code = it->code;
	l.reason_id = reason;
	if (!listed) {
		d.first_seen = d.last_seen = s->at;
		d.count = d.nsources = 0;
	}
	if (s->at > d.last_seen)
		d.last_seen = s->at;
	if (s->at < d.first_seen)
		d.first_seen = s->at;
	d.count = d.count - (uint32_t)(dropped < d.count ? dropped : d.count) + 1;
	if (dropped == 0)
		d.nsources++;
	if (listed)
		s->c->changed++;
	else
		s->c->added++;
	if ((rc = entry_put(s->w, s->zone, &l, found ? &cur : NULL, parent)) != 0 ||
	    (rc = put_own(s, it, reason, &d)) != 0)
		return rc;
	return history_add(s->w, s->zone, &it->net, HISTORY_IMPORT, s->at, l.code, 0, &ht);
}

/*
 * The list's exception IT: NET stops being listed where a range covers it
 * (an exception written, as import's delisting writes it), and this
 * source's own listing of NET goes.
 */
static int
want_exception(struct sync *s, const struct store_sync_item *it)
{
	struct hist_text ht = { SYNC_REASON_EXCEPTION, NULL, NULL, s->source };
	struct listing_detail d;
	struct listing cur, l;
	uint32_t reason;
	uint8_t parent;
	size_t dropped;
	bool found, left;
	int rc;

	if ((rc = entry_find(s->w, s->zone, &it->net, &cur, &found, &parent)) != 0)
		return rc;
	if (found && (cur.flags & LISTING_EXCEPTION)) {
		s->c->unchanged++;
		return RB_OK;
	}
	if ((rc = detail_get(s->w, s->zone, &it->net, &d)) != 0)
		return rc;
	if (found && (rc = drop_own(s, &it->net, d.first_seen, &dropped, &left)) != 0)
		return rc;
	rc = it->name != NULL ? names_sync_covered(s->w, s->zone, it->name) :
	    covered(s, &it->net);
	if (rc < 0)
		return rc;
	if (rc == 0 && !found) {
		s->c->unchanged++;	/* nothing listed there: nothing to except */
		return RB_OK;
	}
	if (found)
		s->c->changed++;
	else
		s->c->added++;
	if (rc == 0) {
		/* The file's own listing of NET became an exclusion with no range above. */
		if ((rc = entry_remove(s->w, s->zone, &cur)) != 0)
			return rc;
	} else {
		memset(&l, 0, sizeof(l));
		l.zone = s->zone;
		l.net = it->net;
		l.flags = LISTING_EXCEPTION;
		if ((rc = entry_put(s->w, s->zone, &l, found ? &cur : NULL, parent)) != 0)
			return rc;
	}
	if ((rc = intern(s->w, SYNC_REASON_EXCEPTION, &reason)) != 0)
		return sticky(s->w, rc);
	d.delisted_at = s->at;
	d.delist_reason_id = reason;
	d.delist_by_id = s->sid;
	if ((rc = detail_put(s->w, s->zone, &it->net, &d)) != 0)
		return rc;
	return history_add(s->w, s->zone, &it->net, HISTORY_DELIST, s->at, 0, 0, &ht);
}

/* The list's item IT (a name's text recorded first); a name's exception waits (LATE). */
static int
want(struct sync *s, const struct store_sync_item *it, bool late)
{
	int rc;

	if (it->name != NULL && (rc = names_sync_register(s->w, it->name, &it->net)) != 0)
		return rc;
	if (it->exception && it->name != NULL && !late)
		return RB_OK;
	return it->exception ? want_exception(s, it) : want_listing(s, it);
}

/*
 * The zone's entries as they are, read a batch at a time in key order
 * ahead of the pass, so a zone of any size costs one batch of memory.  A
 * batch is read where the pass has written nothing yet (every write is at
 * or before the last entry read), so it sees what a snapshot taken at
 * the start would, less what a withdrawal removed, which would have been
 * left alone anyway.
 */
#define SYNC_BATCH 65536

struct old_entries {
	struct listing_vec v;
	size_t i;
	bool done;		/* the zone's last entry is in v */
};

/* Refill O with the entries after its last one (the first batch: from the zone's start). */
static int
old_refill(struct sync *s, struct old_entries *o)
{
	unsigned char kb[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	struct listing l;
	struct hot h;
	bool first = o->v.n == 0;
	size_t klen;
	int rc;

	if (first) {
		put16(kb, s->zone);
		klen = 2;
	} else {
		l = o->v.v[o->v.n - 1];
		klen = entry_key(kb, s->zone, &l.net, l.net.plen);
	}
	k.mv_size = klen;
	k.mv_data = kb;
	o->v.n = o->i = 0;
	if ((rc = mdb_cursor_open(s->w->txn, s->w->s->dbi[DB_ENTRIES], &cur)) != 0)
		return sticky(s->w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* Past the last entry read: the key itself (if still there) was in the batch before. */
	if (rc == 0 && !first && k.mv_size == klen && memcmp(k.mv_data, kb, klen) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	while (rc == 0 && k.mv_size >= 2 && get16(k.mv_data) == s->zone &&
	    o->v.n < SYNC_BATCH) {
		if (!entry_key_decode(&k, &l) || !hot_decode(&v, &h)) {
			rc = RB_ESTORE;
			break;
		}
		hot_to_listing(&h, &l);
		if ((rc = listing_vec_push(&o->v, &l)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	/* Stopped by the zone's end rather than the batch's: nothing after. */
	if (rc == MDB_NOTFOUND || (rc == 0 && o->v.n < SYNC_BATCH)) {
		o->done = true;
		rc = 0;
	}
	return rc == 0 ? RB_OK : sticky(s->w, rc < 0 ? rc : from_mdb(rc));
}

/* The entry the pass is at, NULL past the zone's last; *RC an error. */
static const struct listing *
old_peek(struct sync *s, struct old_entries *o, int *rc)
{
	*rc = 0;
	if (o->i == o->v.n && !o->done && (*rc = old_refill(s, o)) != 0)
		return NULL;
	return o->i < o->v.n ? &o->v.v[o->i] : NULL;
}

/* A names zone's exceptions, kept for the end of the pass. */
struct late {
	struct store_sync_item *v;
	size_t n, cap;
};

static int
late_keep(struct late *lt, const struct store_sync_item *it)
{
	struct store_sync_item *p;

	if (lt->n == lt->cap) {
		lt->cap = lt->cap ? lt->cap * 2 : 64;
		if ((p = realloc(lt->v, lt->cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		lt->v = p;
	}
	memset(&lt->v[lt->n], 0, sizeof(lt->v[0]));
	lt->v[lt->n].net = it->net;
	lt->v[lt->n].exception = true;
	if ((lt->v[lt->n].name = strdup(it->name)) == NULL)
		return -ENOMEM;
	lt->n++;
	return 0;
}

static void
late_free(struct late *lt)
{
	while (lt->n > 0)
		free((char *)lt->v[--lt->n].name);
	free(lt->v);
}

int
store_sync_stream(struct store_wr *w, uint16_t zone, const char *source, int64_t at,
    store_sync_next_cb next, void *arg, struct store_sync_counts *c)
{
	struct old_entries old = { { NULL, 0, 0 }, 0, false };
	struct late late = { NULL, 0, 0 };
	struct sync s = { w, zone, 0, source, at, c };
	const struct store_sync_item *it = NULL;
	const struct listing *o;
	struct addr prev;
	size_t j;
	int rc, d;

	memset(c, 0, sizeof(*c));
	if (w->err != 0)
		return w->err;
	if (source == NULL || *source == '\0')
		return -EINVAL;
	if ((rc = intern(w, source, &s.sid)) != 0)
		return sticky(w, rc);
	if ((rc = next(arg, &it)) < 0)
		goto out;
	if (rc == 0)
		it = NULL;
	rc = 0;
	while (rc == 0) {
		if ((o = old_peek(&s, &old, &rc)) == NULL && rc != 0)
			break;
		if (o == NULL && it == NULL)
			break;
		d = o == NULL ? 1 : it == NULL ? -1 : net_cmp(&o->net, &it->net);
		if (d < 0) {
			rc = withdraw(&s, o);
			old.i++;
			continue;
		}
		if (d == 0)
			old.i++;
		if ((rc = want(&s, it, false)) != 0)
			break;
		if (it->name != NULL && it->exception && (rc = late_keep(&late, it)) != 0)
			break;
		prev = it->net;
		if ((rc = next(arg, &it)) < 0)
			break;
		if (rc == 0)
			it = NULL;
		else if (net_cmp(&prev, &it->net) >= 0)
			rc = -EINVAL;	/* not in key order, or a net twice */
		else
			rc = 0;
	}
	/* A names zone's exceptions once its wildcards are in: they do not nest by key. */
	for (j = 0; j < late.n && rc == 0; j++)
		rc = want(&s, &late.v[j], true);
out:
	late_free(&late);
	free(old.v.v);
	return rc != 0 ? sticky(w, rc) : RB_OK;
}

/* An array's items, one by one. */
struct sync_array {
	const struct store_sync_item *items;
	size_t n, i;
};

static int
sync_array_next(void *arg, const struct store_sync_item **it)
{
	struct sync_array *a = arg;

	if (a->i == a->n)
		return 0;
	*it = &a->items[a->i++];
	return 1;
}

int
store_sync(struct store_wr *w, uint16_t zone, const char *source, int64_t at,
    const struct store_sync_item *items, size_t n, struct store_sync_counts *c)
{
	struct sync_array a = { items, n, 0 };

	return store_sync_stream(w, zone, source, at, sync_array_next, &a, c);
}
