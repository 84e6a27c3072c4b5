/* The store's write operations: report, delist, expire, purge. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"
#include "timeutil.h"

/* Only what a DNS answer shows counts as a change of the zone. */
bool
served_same(const struct listing *a, const struct listing *b)
{
	return a->flags == b->flags && a->code == b->code && a->reason_id == b->reason_id;
}

/* Has SOURCE reported NET at or after SINCE? */
static int
source_seen(struct store_wr *w, const unsigned char *rk, size_t rklen, int64_t since)
{
	unsigned char kb[KEY_MAX + 12];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, seen = 0;

	memcpy(kb, rk, rklen - 8);
	put64(kb + rklen - 8, (uint64_t)since);
	k.mv_size = rklen;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_REPORTS], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	if (mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size == rklen &&
	    memcmp(k.mv_data, kb, rklen - 8) == 0)
		seen = 1;
	mdb_cursor_close(cur);
	return seen;
}

/*
 * The details' times and counts with report R (its key RK): a source
 * counts once per listing, and a new listing starts them again.
 */
static int
details_count(struct store_wr *w, struct listing_detail *d, const struct report *r,
    const unsigned char *rk, size_t rklen, bool listed)
{
	int seen;

	if (!listed) {
		/* A new listing: counts start again; history keeps the old ones. */
		d->first_seen = d->last_seen = r->at;
		d->count = d->nsources = 0;
	}
	seen = listed ? source_seen(w, rk, rklen, d->first_seen) : 0;
	if (seen < 0)
		return seen;
	d->count++;
	if (!seen)
		d->nsources++;
	if (r->at < d->first_seen)
		d->first_seen = r->at;
	if (r->at > d->last_seen)
		d->last_seen = r->at;
	return RB_OK;
}

int
store_report(struct store_wr *w, uint16_t zone, const struct report *r,
    enum store_outcome *out)
{
	unsigned char rk[KEY_MAX + 12], rv[16];
	struct listing_detail d;
	struct listing cur, l;
	struct hist_text ht = { r->reason, r->source, r->evidence, NULL };
	uint32_t source, reason, evidence, expires;
	uint8_t parent;
	size_t rklen;
	bool found, live, listed;
	int rc;

	if (w->err != 0)
		return w->err;
	if ((rc = detail_get(w, zone, &r->net, &d)) != 0)
		return rc;
	/* A later delisting outranks this report. */
	if (d.delisted_at != 0 && r->at < d.delisted_at) {
		*out = STORE_OUTRANKED;
		return RB_OK;
	}
	if ((rc = intern(w, r->source, &source)) != 0)
		return sticky(w, rc);
	rklen = report_key(rk, zone, &r->net, source, r->at);
	{
		MDB_val v;

		if ((rc = wget(w, DB_REPORTS, rk, rklen, &v)) == RB_OK) {
			*out = STORE_DUPLICATE;
			return RB_OK;
		}
		if (rc != RB_ENOTFOUND)
			return rc;
	}
	if ((rc = intern(w, r->reason, &reason)) != 0 ||
	    (rc = intern(w, r->evidence, &evidence)) != 0)
		return sticky(w, rc);

	if ((rc = entry_find(w, zone, &r->net, &cur, &found, &parent)) != 0)
		return rc;
	/* A bulk load's new entry (nothing known of it before) may be written compact. */
	if (!found && d.first_seen == 0 && d.count == 0 && d.delisted_at == 0 &&
	    (rc = compact_report(w, zone, r, reason, source, evidence, parent, out)) != 0)
		return rc < 0 ? rc : RB_OK;
	live = found && is_live(&cur, clamp_time(w->now));
	listed = live && !(cur.flags & LISTING_EXCEPTION);
	if ((rc = details_count(w, &d, r, rk, rklen, listed)) != 0)
		return rc;

	/* Lifetime 0 (imports) never expires; otherwise the latest expiry wins. */
	expires = r->lifetime ? clamp_time(r->at + (int64_t)r->lifetime) : 0;
	if (listed && (cur.expires == 0 || (expires != 0 && cur.expires > expires)))
		expires = cur.expires;
	memset(&l, 0, sizeof(l));
	l.zone = zone;
	l.net = r->net;
	l.code = r->code ? r->code : (listed ? cur.code : 0);
	l.reason_id = reason ? reason : (listed ? cur.reason_id : 0);
	l.expires = expires;

	put32(rv, reason);
	put32(rv + 4, evidence);
	put32(rv + 8, r->code);
	put32(rv + 12, r->lifetime);
	if ((rc = entry_put(w, zone, &l, found ? &cur : NULL, parent)) != 0 ||
	    (rc = detail_put(w, zone, &r->net, &d)) != 0 ||
	    (rc = report_put(w, rk, rklen, rv, true)) != 0 ||
	    (rc = history_add(w, zone, &r->net, r->imported ? HISTORY_IMPORT : HISTORY_REPORT,
	    r->at, l.code, r->lifetime, &ht)) != 0)
		return rc;
	*out = listed ? STORE_REFRESHED : STORE_NEW;
	return RB_OK;
}

/* Remove entry L for a delisting D: mark its details and record history. */
static int
delist_one(struct store_wr *w, uint16_t zone, const struct listing *l,
    const struct delisting *d, uint32_t reason, uint32_t by)
{
	struct listing_detail det;
	struct hist_text ht = { d->reason, NULL, NULL, d->by };
	int rc;

	if ((rc = detail_get(w, zone, &l->net, &det)) != 0)
		return rc;
	if (d->at > det.delisted_at) {
		det.delisted_at = d->at;
		det.delist_reason_id = reason;
		det.delist_by_id = by;
	}
	if ((rc = entry_remove(w, zone, l)) != 0 ||
	    (rc = detail_put(w, zone, &l->net, &det)) != 0)
		return rc;
	return history_add(w, zone, &l->net, HISTORY_DELIST, d->at, 0, 0, &ht);
}

/*
 * Is NET covered by a live listing reported after AT?  Then a delisting
 * at AT leaves it listed, as it does a single address reported after it
 * (SPEC "Listing policy": an old delisting never punches a hole in a
 * newer range).  Every live listing above NET counts, up to the nearest
 * exception (above which nothing is served for NET anyway).
 */
static int
newer_cover(struct store_wr *w, uint16_t zone, const struct addr *net, int64_t at,
    uint32_t now)
{
	struct listing_detail det;
	struct listing l;
	uint8_t parent;
	bool found;
	int rc;

	if ((rc = entry_find(w, zone, net, &l, &found, &parent)) != 0)
		return rc;
	while (parent != NO_PARENT) {
		if ((rc = get_entry(&w->rd, zone, net, parent, &l, &parent)) != 0)
			return sticky(w, rc == RB_ENOTFOUND ? RB_ESTORE : rc);
		if (!is_live(&l, now))
			continue;
		if (l.flags & LISTING_EXCEPTION)
			return 0;
		if ((rc = detail_get(w, zone, &l.net, &det)) != 0)
			return rc;
		if (det.last_seen > at)
			return 1;
	}
	return 0;
}

/* Is live listing L reported after AT (so a delisting at AT leaves it)? */
static int
newer_listing(struct store_wr *w, uint16_t zone, const struct listing *l, int64_t at,
    uint32_t now)
{
	struct listing_detail det;
	int rc;

	if ((l->flags & LISTING_EXCEPTION) || !is_live(l, now))
		return 0;
	if ((rc = detail_get(w, zone, &l->net, &det)) != 0)
		return rc;
	return det.last_seen > at;
}

/*
 * The same delisting again (its time is NET's last delisting), with
 * nothing listed since?  1 yes, 0 no, or a negative error.
 */
static int
delist_again(struct store_wr *w, uint16_t zone, const struct delisting *d, uint32_t now)
{
	struct used_arg u = { now };
	struct listing cover;
	int rc;

	rc = store_lookup(&w->rd, zone, &d->net, now, &cover);
	if (rc != STORE_MATCH_LISTED && rc >= 0)
		rc = walk_inside(&w->rd, zone, &d->net, used_cb, &u);
	if (rc < 0)
		return sticky(w, rc);
	return rc == 0;
}

/*
 * NET and everything inside it stop being listed: SELF, NET's own entry
 * (NULL: none, or an exception, which stays), and the entries inside.
 * *REMOVED when a live listing went, *OUTRANKED when one reported after
 * the delisting stayed.
 */
static int
delist_inside(struct store_wr *w, uint16_t zone, const struct delisting *d,
    const struct listing *self, uint8_t parent, uint32_t reason, uint32_t by,
    bool *removed, bool *outranked)
{
	struct listing_vec inside = { NULL, 0, 0 }, kept = { NULL, 0, 0 };
	uint32_t now = clamp_time(w->now);
	size_t i;
	int rc;

	if (self != NULL && (rc = collect_cb(&inside, self, parent)) != 0)
		return sticky(w, rc);
	if ((rc = walk_inside(&w->rd, zone, &d->net, collect_cb, &inside)) != 0) {
		free(inside.v);
		return sticky(w, rc);
	}
	for (i = 0; i < inside.n && rc == 0; i++) {
		/*
		 * A listing inside NET reported after the delisting stands, and
		 * so do the exceptions inside it (key order puts it first):
		 * without them the delisting would list addresses.
		 */
		while (kept.n > 0 && !covers(&kept.v[kept.n - 1], &inside.v[i].net))
			kept.n--;	/* past that range: key order never comes back */
		if ((rc = newer_listing(w, zone, &inside.v[i], d->at, now)) != 0) {
			if (rc == 1)
				*outranked = true;
			if (rc == 1 && !addr_is_host(&inside.v[i].net))
				rc = listing_vec_push(&kept, &inside.v[i]);
			else if (rc == 1)
				rc = 0;
			continue;
		}
		if ((inside.v[i].flags & LISTING_EXCEPTION) && kept.n > 0)
			continue;
		if (!(inside.v[i].flags & LISTING_EXCEPTION) && is_live(&inside.v[i], now))
			*removed = true;
		rc = delist_one(w, zone, &inside.v[i], d, reason, by);
	}
	free(inside.v);
	free(kept.v);
	return sticky(w, rc);
}

/* NET's details say it was delisted at the delisting's time, unless later. */
static int
delist_mark(struct store_wr *w, uint16_t zone, const struct delisting *d, uint32_t reason,
    uint32_t by)
{
	struct listing_detail det;
	int rc;

	if ((rc = detail_get(w, zone, &d->net, &det)) != 0)
		return rc;
	if (d->at >= det.delisted_at) {
		det.delisted_at = d->at;
		det.delist_reason_id = reason;
		det.delist_by_id = by;
	}
	return detail_put(w, zone, &d->net, &det);
}

int
store_delist(struct store_wr *w, uint16_t zone, const struct delisting *d,
    enum store_outcome *out)
{
	struct listing_detail det;
	struct listing self, cover;
	struct hist_text ht = { d->reason, NULL, NULL, d->by };
	uint32_t reason, by, now = clamp_time(w->now);
	uint8_t parent;
	bool removed = false, outranked = false, self_found, self_exception;
	int rc;

	if (w->err != 0)
		return w->err;
	if ((rc = intern(w, d->reason, &reason)) != 0 || (rc = intern(w, d->by, &by)) != 0)
		return sticky(w, rc);
	if ((rc = detail_get(w, zone, &d->net, &det)) != 0)
		return rc;
	rc = get_entry(&w->rd, zone, &d->net, d->net.plen, &self, &parent);
	if (rc != RB_OK && rc != RB_ENOTFOUND)
		return sticky(w, rc);
	/* A report later than this delisting stands (SPEC: later `at` wins). */
	if (rc == RB_OK && !(self.flags & LISTING_EXCEPTION) && is_live(&self, now) &&
	    det.last_seen > d->at) {
		*out = STORE_OUTRANKED;
		return RB_OK;
	}

	self_found = rc == RB_OK;
	self_exception = self_found && (self.flags & LISTING_EXCEPTION);
	/* The same delisting again, with nothing listed since: nothing to do. */
	if (det.delisted_at == d->at && (rc = delist_again(w, zone, d, now)) != 0) {
		if (rc < 0)
			return rc;
		*out = STORE_DUPLICATE;
		return RB_OK;
	}
	if ((rc = delist_inside(w, zone, d, self_found && !self_exception ? &self : NULL,
	    parent, reason, by, &removed, &outranked)) != 0)
		return rc;

	/*
	 * Still covered by a listed range: NET becomes an exception there,
	 * unless a range above it was reported after the delisting.
	 */
	rc = store_lookup(&w->rd, zone, &d->net, now, &cover);
	if (rc < 0)
		return sticky(w, rc);
	if (rc == STORE_MATCH_LISTED && !self_exception) {
		if ((rc = newer_cover(w, zone, &d->net, d->at, now)) < 0)
			return rc;
		if (rc == 1) {
			/*
			 * Still listed, as a single address reported after the
			 * delisting is: nothing recorded for NET beyond what
			 * delist_one did for its own older entry, if it had one.
			 */
			*out = STORE_OUTRANKED;
			return RB_OK;
		}
		rc = STORE_MATCH_LISTED;
	}
	if (rc == STORE_MATCH_LISTED || self_exception) {
		memset(&self, 0, sizeof(self));
		self.zone = zone;
		self.net = d->net;
		self.flags = LISTING_EXCEPTION;
		if ((rc = entry_write(w, zone, &self)) != 0)
			return rc;
		*out = STORE_EXCEPTED;
	} else {
		*out = removed ? STORE_DELISTED : outranked ? STORE_OUTRANKED : STORE_NOT_LISTED;
	}
	if ((rc = delist_mark(w, zone, d, reason, by)) != 0)
		return rc;
	/* delist_one recorded the history of NET's own entry if it had one. */
	if (!self_found || self_exception)
		return history_add(w, zone, &d->net, HISTORY_DELIST, d->at, 0, 0, &ht);
	return RB_OK;
}

int
store_expire(struct store_wr *w, uint32_t now, bool dry_run, store_entry_cb cb, void *arg,
    uint64_t *n)
{
	struct hist_text ht = { NULL, NULL, NULL, NULL };
	MDB_cursor *cur;
	MDB_val k, v;
	struct listing l;
	uint8_t parent;
	unsigned char kb[4];
	int rc;

	*n = 0;
	if (w->err != 0)
		return w->err;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_EXPIRY], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	put32(kb, 0);
	k.mv_size = 4;
	k.mv_data = kb;
	/* Due entries are at the front of the index: cost follows their number. */
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 && k.mv_size > 4 && get32(k.mv_data) <= now) {
		MDB_val ek = { k.mv_size - 4, (unsigned char *)k.mv_data + 4 };
		struct listing key;

		if (!entry_key_decode(&ek, &key)) {
			rc = RB_ESTORE;
			break;
		}
		(*n)++;
		if (dry_run) {
			if (cb != NULL && (rc = get_entry(&w->rd, key.zone, &key.net,
			    key.net.plen, &l, &parent)) == 0 && (rc = cb(arg, &l)) != 0)
				break;
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		/* A compact entry gets the records it stood for first (store_compact.c). */
		if ((rc = compact_expand(w, key.zone, &key.net)) != 0)
			break;
		rc = get_entry(&w->rd, key.zone, &key.net, key.net.plen, &l, &parent);
		if (rc == RB_OK) {
			if (cb != NULL && (rc = cb(arg, &l)) != 0)
				break;
			if ((rc = entry_remove(w, key.zone, &l)) != 0 ||
			    (rc = history_add(w, key.zone, &l.net, HISTORY_EXPIRE, l.expires,
			    l.code, 0, &ht)) != 0)
				break;
		} else if (rc == RB_ENOTFOUND) {
			/* Index without entry: drop the stray index key. */
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
		} else {
			break;
		}
		/* entry_remove deleted the index key under us: start again at the front. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		return RB_OK;
	return sticky(w, rc < 0 ? rc : from_mdb(rc));
}

struct purged {
	unsigned char key[KEY_MAX];	/* entry key */
	size_t klen;
	int64_t at;
};

/*
 * Recount entry KEY from its reports, leaving out SOURCE's since SINCE:
 * removed when none remains, else times, counts and expiry follow the rest.
 */
static int
purge_recount(struct store_wr *w, const unsigned char *key, size_t klen, uint32_t source,
    const char *source_text, int64_t since, bool dry_run, store_entry_cb cb, void *arg,
    uint64_t *removed)
{
	struct hist_text ht = { NULL, source_text, NULL, NULL };
	char note[160], t[TIME_BUFLEN];
	struct listing_detail det, nd;
	struct listing l;
	MDB_cursor *cur;
	MDB_val k = { klen, (void *)key }, v;
	uint32_t last_source = 0, expires = 0;
	bool never = false;
	uint8_t parent;
	int rc;

	if (!entry_key_decode(&k, &l))
		return RB_ESTORE;
	rc = get_entry(&w->rd, l.zone, &l.net, l.net.plen, &l, &parent);
	if (rc == RB_ENOTFOUND || (rc == 0 && (l.flags & LISTING_EXCEPTION)))
		return RB_OK;
	if (rc != 0 || (rc = detail_get(w, l.zone, &l.net, &det)) != 0)
		return rc;
	nd = det;
	nd.count = nd.nsources = 0;
	nd.first_seen = INT64_MAX;
	nd.last_seen = INT64_MIN;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_REPORTS], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == klen + 12 && memcmp(k.mv_data, key, klen) == 0) {
		const unsigned char *p = (const unsigned char *)k.mv_data + klen;
		uint32_t src = get32(p), lifetime = v.mv_size >= 16 ?
		    get32((const unsigned char *)v.mv_data + 12) : 0;
		int64_t at = (int64_t)get64(p + 4);

		if (at >= det.first_seen && !(src == source && at >= since)) {
			if (nd.count == 0 || src != last_source)
				nd.nsources++;
			last_source = src;
			nd.count++;
			if (at < nd.first_seen)
				nd.first_seen = at;
			if (at > nd.last_seen)
				nd.last_seen = at;
			if (lifetime == 0)
				never = true;
			else if (clamp_time(at + (int64_t)lifetime) > expires)
				expires = clamp_time(at + (int64_t)lifetime);
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return sticky(w, from_mdb(rc));
	if (nd.count == 0) {
		(*removed)++;
		if (cb != NULL && (rc = cb(arg, &l)) != 0)
			return rc;
		if (dry_run)
			return RB_OK;
		if ((rc = entry_remove(w, l.zone, &l)) != 0)
			return rc;
		return history_add(w, l.zone, &l.net, HISTORY_PURGE, w->now, l.code, 0, &ht);
	}
	if (dry_run)
		return RB_OK;
	l.expires = never ? 0 : expires;
	if ((rc = entry_write(w, l.zone, &l)) != 0 ||
	    (rc = detail_put(w, l.zone, &l.net, &nd)) != 0)
		return rc;
	/* Every entry purge recomputes says so in its history (show), not only those it removes. */
	snprintf(note, sizeof(note), "%u report%s from %u source%s remain%s; expires %s",
	    nd.count, nd.count == 1 ? "" : "s", nd.nsources, nd.nsources == 1 ? "" : "s",
	    nd.count == 1 ? "s" : "", l.expires ? time_format(l.expires, t, sizeof(t)) : "never");
	ht.evidence = note;
	return history_add(w, l.zone, &l.net, HISTORY_RECOUNT, w->now, l.code, 0, &ht);
}

int
store_purge(struct store_wr *w, const char *source, int64_t since, bool dry_run,
    store_entry_cb cb, void *arg, uint64_t *reports, uint64_t *removed)
{
	struct purged *list = NULL, *p;
	size_t n = 0, cap = 0, i;
	unsigned char kb[4 + KEY_MAX + 8];
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t sid;
	int rc;

	*reports = *removed = 0;
	if (w->err != 0)
		return w->err;
	if ((rc = intern_find(w, source, &sid, false)) != 0 || sid == 0)
		return rc;
	/* Compact entries of SOURCE's bulk records get their reports first (a scan of entries). */
	if ((rc = compact_expand_source(w, sid, since)) != 0)
		return rc;
	/* bysource: source | entry key | at.  Collect first; the deletes follow. */
	put32(kb, sid);
	k.mv_size = 4;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_BYSOURCE], &cur)) != 0)
		return sticky(w, from_mdb(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size > 12 && k.mv_size <= 4 + KEY_MAX + 8 &&
	    get32(k.mv_data) == sid) {
		const unsigned char *kp = k.mv_data;
		int64_t at = (int64_t)get64(kp + k.mv_size - 8);

		if (at >= since) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((p = realloc(list, cap * sizeof(*p))) == NULL) {
					rc = -ENOMEM;
					break;
				}
				list = p;
			}
			p = &list[n++];
			p->klen = k.mv_size - 12;
			memcpy(p->key, kp + 4, p->klen);
			p->at = at;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(list);
		return sticky(w, rc < 0 && rc > -1000 ? rc : from_mdb(rc));
	}
	rc = RB_OK;
	*reports = n;
	/* Entries come grouped: recount each once, before deleting (dry run too). */
	for (i = 0; rc == 0 && i < n; i++)
		if (i == 0 || list[i].klen != list[i - 1].klen ||
		    memcmp(list[i].key, list[i - 1].key, list[i].klen) != 0)
			rc = purge_recount(w, list[i].key, list[i].klen, sid, source, since,
			    dry_run, cb, arg, removed);
	for (i = 0; rc == 0 && !dry_run && i < n; i++) {
		unsigned char rk[KEY_MAX + 12];

		memcpy(rk, list[i].key, list[i].klen);
		put32(rk + list[i].klen, sid);
		put64(rk + list[i].klen + 4, (uint64_t)list[i].at);
		rc = report_del(w, rk, list[i].klen + 12);
	}
	free(list);
	return rc;
}
