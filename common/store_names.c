/* Name-based zones in the store: name keys, their texts, the wildcard lookup, exceptions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "rb.h"
#include "store_impl.h"

int
upgrade_add_names(struct store *s, MDB_txn *txn)
{
	/* store_open created DB_NAMES; no entry of an older store is a name. */
	(void)s;
	(void)txn;
	return RB_OK;
}

void
store_name_key(const struct store *s, const char *name, struct addr *out)
{
	bool wild = name_is_wild(name);
	const char *t = wild ? name + 2 : name;

	name_key(s, t, strlen(t), wild, out);
}

char *
store_net_text(struct store_reader *r, const struct addr *net, char *buf, size_t len)
{
	MDB_val k = { 16, (void *)net->a }, v;

	if (net->fam != ADDR_NAME)
		return addr_format(net, buf, len);
	if (mdb_get(r->txn, r->s->dbi[DB_NAMES], &k, &v) != 0)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%.*s", (int)v.mv_size, (const char *)v.mv_data);
	return buf;
}

/* Record the text of NAME under its key, once. */
static int
name_register(struct store_wr *w, const char *name, const struct addr *key)
{
	MDB_val v;
	int rc;

	if ((rc = wget(w, DB_NAMES, key->a, 16, &v)) == RB_OK)
		return RB_OK;
	if (rc != RB_ENOTFOUND)
		return sticky(w, rc);
	return wput(w, DB_NAMES, key->a, 16, name, strlen(name), 0);
}

/*
 * The nearest live wildcard entry strictly above TEXT (stored form): for
 * "a.b.c" or "*.a.b.c" the wildcards "*.b.c", then "*.c".  With LISTED,
 * wildcards that are exceptions are passed over.  RB_OK with *out, or
 * RB_ENOTFOUND.
 */
static int
wildcard_find(struct store_reader *r, uint16_t zone, const char *text, uint32_t now,
    bool listed, struct listing *out)
{
	const char *p = name_is_wild(text) ? text + 2 : text;
	struct addr k;
	uint8_t parent;
	int rc;

	while ((p = strchr(p, '.')) != NULL) {
		p++;
		name_key(r->s, p, strlen(p), true, &k);
		rc = get_entry(r, zone, &k, 128, out, &parent);
		if (rc == RB_OK && is_live(out, now) &&
		    !(listed && (out->flags & LISTING_EXCEPTION)))
			return RB_OK;
		if (rc != RB_OK && rc != RB_ENOTFOUND)
			return rc;
	}
	return RB_ENOTFOUND;
}

static int
wildcard_above(struct store_reader *r, uint16_t zone, const char *text, uint32_t now,
    struct listing *out)
{
	return wildcard_find(r, zone, text, now, false, out);
}

int
store_name_cover(struct store_reader *r, uint16_t zone, const char *name, uint32_t now,
    struct listing *out)
{
	return wildcard_find(r, zone, name, now, true, out);
}

int
names_sync_register(struct store_wr *w, const char *name, const struct addr *key)
{
	return name_register(w, name, key);
}

int
names_sync_covered(struct store_wr *w, uint16_t zone, const char *name)
{
	struct listing cover;
	int rc;

	rc = wildcard_above(&w->rd, zone, name, clamp_time(w->now), &cover);
	if (rc == RB_ENOTFOUND)
		return 0;
	if (rc != RB_OK)
		return sticky(w, rc);
	return !(cover.flags & LISTING_EXCEPTION);
}

int
store_name_report(struct store_wr *w, uint16_t zone, const struct report *rep,
    enum store_outcome *out)
{
	struct report r = *rep;
	int rc;

	if (w->err != 0)
		return w->err;
	store_name_key(w->s, r.name, &r.net);
	if ((rc = name_register(w, r.name, &r.net)) != 0)
		return rc;
	return store_report(w, zone, &r, out);
}

/* The names of the store strictly under X (for "*.x"), collected first: the walk must not move under writes. */
static int
names_under(struct store_wr *w, const char *x, char ***out, size_t *n)
{
	size_t xl = strlen(x), cap = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	char **p;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_NAMES], &cur)) != 0)
		return from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *t = v.mv_data;

		if (v.mv_size <= xl + 1 || t[v.mv_size - xl - 1] != '.' ||
		    memcmp(t + v.mv_size - xl, x, xl) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((p = realloc(*out, cap * sizeof(*p))) == NULL) {
				rc = -ENOMEM;
				break;
			}
			*out = p;
		}
		if (((*out)[*n] = strndup(t, v.mv_size)) == NULL) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? RB_OK : rc > 0 ? from_mdb(rc) : rc;
}

/*
 * A wildcard's delisting takes the listings under it too, as a range's
 * does: each listed name under X in ZONE is delisted at D's time (those
 * reported after it stand).  The cost is a walk of every known name: an
 * operator's command, not a feed's.  *removed says whether one went.
 */
static int
delist_under(struct store_wr *w, uint16_t zone, const struct delisting *d, bool *removed)
{
	struct delisting sub = *d;
	enum store_outcome o;
	struct listing l;
	uint8_t parent;
	char **v;
	size_t n, i;
	int rc;

	*removed = false;
	if ((rc = names_under(w, d->name + 2, &v, &n)) != 0)
		return sticky(w, rc);
	for (i = 0; i < n && rc == 0; i++) {
		store_name_key(w->s, v[i], &sub.net);
		sub.name = v[i];
		rc = get_entry(&w->rd, zone, &sub.net, 128, &l, &parent);
		if (rc == RB_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0 || (l.flags & LISTING_EXCEPTION))
			continue;
		if ((rc = store_delist(w, zone, &sub, &o)) == 0 && o == STORE_DELISTED)
			*removed = true;
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

int
store_name_delist(struct store_wr *w, uint16_t zone, const struct delisting *del,
    enum store_outcome *out)
{
	struct delisting dl = *del, *d = &dl;
	struct listing_detail det;
	struct listing cover, ex;
	uint32_t now = clamp_time(w->now);
	int rc;

	if (w->err != 0)
		return w->err;
	store_name_key(w->s, d->name, &d->net);
	if ((rc = name_register(w, d->name, &d->net)) != 0 ||
	    (rc = store_delist(w, zone, d, out)) != 0)
		return rc;
	if (name_is_wild(d->name) && *out != STORE_DUPLICATE) {
		bool removed;

		if ((rc = delist_under(w, zone, d, &removed)) != 0)
			return rc;
		if (removed && (*out == STORE_NOT_LISTED || *out == STORE_OUTRANKED))
			*out = STORE_DELISTED;
	}
	if (*out != STORE_DELISTED && *out != STORE_NOT_LISTED)
		return RB_OK;
	/* Still under a listed wildcard: the name becomes an exception there. */
	rc = wildcard_above(&w->rd, zone, d->name, now, &cover);
	if (rc == RB_ENOTFOUND || (rc == RB_OK && (cover.flags & LISTING_EXCEPTION)))
		return RB_OK;
	if (rc != RB_OK)
		return sticky(w, rc);
	if ((rc = detail_get(w, zone, &cover.net, &det)) != 0)
		return rc;
	if (det.last_seen > d->at) {
		/* SPEC: an old delisting never punches a hole in a newer listing. */
		if (*out == STORE_NOT_LISTED)
			*out = STORE_OUTRANKED;
		return RB_OK;
	}
	memset(&ex, 0, sizeof(ex));
	ex.zone = zone;
	ex.net = d->net;
	ex.flags = LISTING_EXCEPTION;
	if ((rc = entry_write(w, zone, &ex)) != 0)
		return rc;
	*out = STORE_EXCEPTED;
	return RB_OK;
}

/*
 * Fold the NLABELS wire labels at NAME into T as text ("a.b.c", lower
 * case) and note where each label starts in AT.  False when no stored name
 * can be that: a label holding a dot (it would read as two) or too long.
 */
static bool
labels_text(const uint8_t *name, unsigned nlabels, char *t, size_t *tlen, uint8_t *at)
{
	size_t n = 0, i, len;
	unsigned l;

	for (l = 0; l < nlabels; l++) {
		len = *name++;
		if (n + len + 1 >= NAME_TEXTLEN)
			return false;
		if (l > 0)
			t[n++] = '.';
		at[l] = (uint8_t)n;
		for (i = 0; i < len; i++) {
			uint8_t c = name[i];

			if (c == '.')
				return false;
			t[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		name += len;
	}
	*tlen = n;
	return true;
}

int
store_name_lookup(struct store_reader *r, uint16_t zone, const uint8_t *name,
    unsigned nlabels, uint32_t now, struct listing *out)
{
	char t[NAME_TEXTLEN];
	uint8_t at[128], parent;
	struct addr k;
	size_t len;
	unsigned l;
	int rc;

	if (nlabels == 0 || nlabels > 127 || !labels_text(name, nlabels, t, &len, at))
		return STORE_MATCH_NONE;
	/* The name's own entry, then the wildcards of the names above it, nearest first. */
	for (l = 0; l < nlabels; l++) {
		name_key(r->s, t + at[l], len - at[l], l > 0, &k);
		rc = get_entry(r, zone, &k, 128, out, &parent);
		if (rc == RB_OK && is_live(out, now))
			return (out->flags & LISTING_EXCEPTION) ? STORE_MATCH_EXCEPTED :
			    STORE_MATCH_LISTED;
		if (rc != RB_OK && rc != RB_ENOTFOUND)
			return rc;
	}
	return STORE_MATCH_NONE;
}

int
store_name_match(struct store_reader *r, uint16_t zone, const char *name, uint32_t now,
    struct listing *out)
{
	uint8_t wire[NAME_TEXTLEN + 1], *p = wire;
	const char *l = name, *dot;
	unsigned nlabels = 0;
	size_t len;

	/* The stored form in wire labels: what a query for it under the zone carries. */
	for (; *l != '\0'; l = *dot != '\0' ? dot + 1 : dot) {
		dot = strchr(l, '.');
		if (dot == NULL)
			dot = l + strlen(l);
		len = (size_t)(dot - l);
		if (len == 0 || len > 63 || (size_t)(p - wire) + len + 1 > sizeof(wire))
			return STORE_MATCH_NONE;
		*p++ = (uint8_t)len;
		memcpy(p, l, len);
		p += len;
		nlabels++;
	}
	return store_name_lookup(r, zone, wire, nlabels, now, out);
}

/* Add DELTA to the count of listed names under TEXT (LEN octets). */
static int
below_add(struct store_wr *w, uint16_t zone, const char *text, size_t len, int delta)
{
	unsigned char kb[KEY_MAX], vb[4];
	struct addr a;
	MDB_val v;
	uint32_t c = 0;
	size_t klen;
	int rc;

	name_key(w->s, text, len, false, &a);
	a.plen = 0;
	klen = below_key(kb, zone, &a);
	if ((rc = wget(w, DB_BELOW, kb, klen, &v)) == RB_OK && v.mv_size == 4)
		c = get32(v.mv_data);
	else if (rc != RB_OK && rc != RB_ENOTFOUND)
		return sticky(w, rc);
	c = delta > 0 ? c + 1 : c > 0 ? c - 1 : 0;
	if (c == 0)
		return rc == RB_OK ? wdel(w, DB_BELOW, kb, klen) : RB_OK;
	put32(vb, c);
	return wput(w, DB_BELOW, kb, klen, vb, 4, 0);
}

/* An exception of a names zone (a walk's callback): gathered into the vector ARG. */
static int
exception_cb(void *arg, const struct listing *l)
{
	if (l->net.fam != ADDR_NAME || !(l->flags & LISTING_EXCEPTION))
		return 0;
	return listing_vec_push(arg, l);
}

/*
 * Remove the exceptions of ZONE that no listed wildcard covers any more:
 * an exception only means "not under the wildcard", so one whose wildcard
 * went (delisted, expired, purged, replaced) would otherwise linger and
 * punch a hole in a later listing of the same wildcard.  One walk of the
 * zone's entries a commit (not a wildcard): a feed that drops many
 * wildcards at once pays it once.
 */
static int
drop_orphans(struct store_wr *w, uint16_t zone)
{
	struct listing_vec ex = { NULL, 0, 0 };
	struct listing cover;
	char t[NAME_TEXTLEN];
	MDB_val v;
	size_t i;
	int rc;

	rc = store_foreach(&w->rd, zone, exception_cb, &ex);
	for (i = 0; rc == 0 && i < ex.n; i++) {
		if ((rc = wget(w, DB_NAMES, ex.v[i].net.a, 16, &v)) == RB_ENOTFOUND) {
			rc = 0;		/* no text, no name to judge: left as it is */
			continue;
		}
		if (rc != RB_OK)
			break;
		if (v.mv_size >= sizeof(t)) {
			rc = RB_ESTORE;
			break;
		}
		memcpy(t, v.mv_data, v.mv_size);
		t[v.mv_size] = '\0';
		rc = wildcard_find(&w->rd, zone, t, clamp_time(w->now), true, &cover);
		if (rc == RB_ENOTFOUND)
			rc = entry_remove(w, zone, &ex.v[i]);
	}
	free(ex.v);
	return rc != 0 ? sticky(w, rc) : RB_OK;
}

/* Note that ZONE lost a listed wildcard in this transaction: names_settle looks at it. */
static int
orphans_note(struct store_wr *w, uint16_t zone)
{
	unsigned i;

	for (i = 0; i < w->nzc; i++)
		if (w->zc[i].zone == zone) {
			w->zc[i].names_orphans = true;
			return RB_OK;
		}
	/* Every change is journalled before it gets here; without a record, look now. */
	return drop_orphans(w, zone);
}

int
names_settle(struct store_wr *w)
{
	unsigned i;
	int rc;

	/* By index: a removal's journal record finds its zone's, w->zc does not move. */
	for (i = 0; i < w->nzc; i++) {
		if (!w->zc[i].names_orphans)
			continue;
		w->zc[i].names_orphans = false;
		if ((rc = drop_orphans(w, w->zc[i].zone)) != 0)
			return rc;
	}
	return RB_OK;
}

int
names_below_update(struct store_wr *w, uint16_t zone, const struct addr *net, uint32_t o,
    uint32_t n)
{
	char t[NAME_TEXTLEN];
	const char *p;
	MDB_val v;
	int rc, delta;

	/* A value is 0 for an exception, else the expiry: only listing or not counts. */
	if ((o != 0) == (n != 0))
		return RB_OK;
	delta = n != 0 ? 1 : -1;
	if ((rc = wget(w, DB_NAMES, net->a, 16, &v)) != RB_OK)
		return rc == RB_ENOTFOUND ? RB_OK : sticky(w, rc);
	if (v.mv_size >= sizeof(t))
		return sticky(w, RB_ESTORE);
	memcpy(t, v.mv_data, v.mv_size);
	t[v.mv_size] = '\0';
	/* A wildcard no longer listed: the exceptions under it may be left alone (names_settle). */
	if (delta < 0 && name_is_wild(t) && (rc = orphans_note(w, zone)) != 0)
		return rc;
	/* Every name above it: for "*.x", x too. */
	p = name_is_wild(t) ? t + 2 : strchr(t, '.');
	for (; p != NULL; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if ((rc = below_add(w, zone, p, strlen(p), delta)) != 0)
			return rc;
	}
	return RB_OK;
}

int
store_name_used(struct store_reader *r, uint16_t zone, const uint8_t *name, unsigned nlabels)
{
	char t[NAME_TEXTLEN];
	unsigned char kb[KEY_MAX];
	uint8_t at[128];
	struct addr a;
	MDB_val k, v;
	size_t len;
	int rc;

	if (nlabels == 0 || nlabels > 127 || !labels_text(name, nlabels, t, &len, at))
		return 0;
	name_key(r->s, t, len, false, &a);
	a.plen = 0;
	k.mv_size = below_key(kb, zone, &a);
	k.mv_data = kb;
	r->moves++;
	rc = mdb_get(r->txn, r->s->dbi[DB_BELOW], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc == 0 ? 1 : from_mdb(rc);
}
